"""Live updates in the app (ui/live.py) with Streamlit's AppTest on SQLite (the poll; PostgreSQL's NOTIFY is
tests/store/test_live.py and, in Chromium over two replicas, tests/replicas/):

- another writer's save shows in an open session on its next look, with who saved what;
- a session holding an unsaved edit is not overwritten: it gets the reload / re-apply choice instead;
- a session with a stored plan open does not also say "not saved yet" (a regression of the sign-in work).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from store import Store
from tests.conftest import ROOT, SAMPLE_PLAN
from ui import store_bridge as bridge

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("KYOSO_DATA_DIR", str(tmp_path))
    for name in ("KYOSO_DATABASE_URL", "KYOSO_SHARED_MODE", "KYOSO_AUTH", "KYOSO_LIVE_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    main_module = sys.modules.get("__main__")
    bridge._open_store.clear()
    store = Store(f"sqlite:///{tmp_path / 'kyoso.db'}", shared_mode=False)
    yield store
    store.close()
    bridge._open_store.clear()
    if main_module is not None:
        sys.modules["__main__"] = main_module


def _renamed(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return {**plan, "consortium": {**plan["consortium"], "name": name}}


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("info", "warning", "caption", "success") for e in at.get(kind))


def _look(at: AppTest) -> AppTest:
    time.sleep(0.6)  # past the SQLite poll's interval (0.5 s per plan and process)
    return at.run()


def test_another_save_shows_and_an_unsaved_edit_gets_the_choice(app_store: Store) -> None:
    sample = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    me = app_store.local_access("相手")
    pid = app_store.create_plan(me, sample).id
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["plan"] = pid
    at.run()
    assert not at.exception
    assert at.session_state["_store_binding"].version == 1
    assert "未保存(最初の編集で保存されます)" not in _texts(at)

    # someone else saves: the open session shows it on its next look, saying who and what
    app_store.save(me, pid, _renamed(sample, "相手が付けた名前"), 1)
    at = _look(at)
    assert not at.exception
    assert at.session_state["plan"].consortium.name == "相手が付けた名前"
    assert at.session_state["_store_binding"].version == 2
    assert "相手 が保存した最新の計画(版 2)を表示しています" in _texts(at)

    # this session holds an edit a form refused (kept for the user to fix): a newer version does not replace
    # it; the conflict's choice is offered
    at.session_state["_plan_errors"] = {"c.name": "kept for the user"}
    app_store.save(me, pid, _renamed(sample, "三番目の名前"), 2)
    at = _look(at)
    assert not at.exception
    assert at.session_state["plan"].consortium.name == "相手が付けた名前"
    conflict = at.session_state["_store_conflict"]
    assert conflict.current_version == 3
    assert any("保存の競合" in str(w.value) for w in at.warning)
    assert {b.key for b in at.button} >= {"store_reload", "store_reapply"}
    at.button(key="store_reload").click().run()
    assert at.session_state["plan"].consortium.name == "三番目の名前"
    assert at.session_state["_store_binding"].version == 3


def test_live_updates_can_be_turned_off(app_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYOSO_LIVE_SECONDS", "0")
    sample = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    me = app_store.local_access("相手")
    pid = app_store.create_plan(me, sample).id
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["plan"] = pid
    at.run()
    app_store.save(me, pid, _renamed(sample, "見えない名前"), 1)
    at = _look(at)
    assert at.session_state["plan"].consortium.name == sample["consortium"]["name"]
    assert at.session_state["_store_binding"].version == 1
