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

from store import Access, Store
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


def _open_stored(store: Store, author: str, *, present: bool = False) -> tuple[dict[str, Any], Access, str, AppTest]:
    """The sample stored by ``author`` (listed as having it open in another session when ``present``), and an
    app session opened on it: (sample, author's access, plan id, session)."""
    sample = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    access = store.local_access(author)
    pid = store.create_plan(access, sample).id
    if present:
        store.touch_presence(access, pid, "another-session")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["plan"] = pid
    at.run()
    return sample, access, pid, at


def _stopped_run() -> Any:
    """A script-run context whose run Streamlit has told to stop (a newer run of the session started)."""
    from types import SimpleNamespace

    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

    return SimpleNamespace(script_requests=SimpleNamespace(_state=ScriptRequestType.STOP))


def test_another_save_shows_and_an_unsaved_edit_gets_the_choice(app_store: Store) -> None:
    sample, me, pid, at = _open_stored(app_store, "相手")
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
    sample, me, pid, at = _open_stored(app_store, "相手")
    app_store.save(me, pid, _renamed(sample, "見えない名前"), 1)
    at = _look(at)
    assert at.session_state["plan"].consortium.name == sample["consortium"]["name"]
    assert at.session_state["_store_binding"].version == 1


def test_a_tick_overtaken_by_this_sessions_own_save_does_not_take_it_for_anothers(
    app_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When an interaction arrives while a live tick runs, Streamlit starts the new run at once and the tick
    goes on until its next Streamlit call: the new run's save can land between the tick reading the session's
    version and it seeing the store's newest.  Here the watcher's look does exactly that (the session saves
    version 2 of its own while the tick waits for the store): the tick must see the save is the session's
    own — no conflict with itself, the status says version 2 was saved."""
    from schemas import Plan
    from store import live
    from ui import state

    sample, _, pid, at = _open_stored(app_store, "自分")
    assert at.session_state["_store_binding"].version == 1

    real = live.Watcher.latest
    armed = {"on": True}

    def overtaken(self: live.Watcher, plan_id: str) -> int | None:
        if armed["on"]:
            armed["on"] = False
            state.set_plan(Plan.model_validate(_renamed(sample, "自分の新しい名前")))  # the other run's save
        return real(self, plan_id)

    monkeypatch.setattr(live.Watcher, "latest", overtaken)
    at = _look(at)
    assert not at.exception
    assert not armed["on"], "the tick did not look"
    assert at.session_state["_store_binding"].version == 2
    assert "_store_conflict" not in at.session_state or at.session_state["_store_conflict"] is None
    assert not any("保存の競合" in str(w.value) for w in at.warning)
    at.run()  # (the status line of the run above was drawn before its tick)
    assert "自動保存済み: 版 2" in _texts(at) and not any("保存の競合" in str(w.value) for w in at.warning)
    assert [v.version for v in app_store.history(app_store.operator_access(), pid)] == [2, 1]


def test_a_tick_waits_while_a_save_holds_the_session(app_store: Store) -> None:
    """A save in progress (another thread of the same session holds its lock): the tick leaves the session
    alone and the next tick acts."""
    import threading

    sample, other, pid, at = _open_stored(app_store, "相手")
    lock = at.session_state["_store_session_lock"]
    held, release = threading.Event(), threading.Event()

    def saving() -> None:
        with lock:
            held.set()
            release.wait(30)

    writer = threading.Thread(target=saving)
    writer.start()
    try:
        assert held.wait(10)
        app_store.save(other, pid, _renamed(sample, "相手の名前"), 1)
        at = _look(at)
        assert not at.exception
        assert at.session_state["_store_binding"].version == 1  # left alone while the lock is held
        assert at.session_state["plan"].consortium.name == sample["consortium"]["name"]
    finally:
        release.set()
        writer.join(10)
    at = _look(at)
    assert at.session_state["_store_binding"].version == 2
    assert at.session_state["plan"].consortium.name == "相手の名前"


def _first_in_main(at: AppTest) -> str:
    """The text of the page's first block (the live-update slot), whatever it holds."""
    first = at.main.children[0]

    def texts(node: Any) -> list[str]:
        value = getattr(node, "value", None)
        own = [str(value)] if isinstance(value, str) else []
        return own + [t for child in getattr(node, "children", {}).values() for t in texts(child)]

    return " ".join(texts(first))


def test_the_live_fragment_keeps_the_first_place_whatever_appears_above_the_page(app_store: Store) -> None:
    """The fragment that ticks every second is always the page's first block.  Below the save status it moved
    whenever a message appeared above it, and a tick timed for its old place could land in a page that had
    changed under it: Streamlit's frontend then blanks the whole page ("Cannot set a node at a delta path";
    Chromium, 2 of 12 optimiser runs under load).  Here: the same first block with and without a message."""
    sample, other, pid, at = _open_stored(app_store, "相手", present=True)
    assert "ほかにこの計画を開いている人: 相手" in _first_in_main(at)
    app_store.save(other, pid, _renamed(sample, "相手の名前"), 1)  # shown with a message above the status
    at = _look(at)
    assert "相手 が保存した最新の計画(版 2)を表示しています" in _texts(at)
    assert "ほかにこの計画を開いている人: 相手" in _first_in_main(at)


def test_a_tick_whose_run_streamlit_stopped_leaves_the_session_to_the_newer_run(
    app_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interaction started a newer run while this tick ran (Streamlit asked the tick's run to stop): the
    tick does not act on a newer version; the next tick of the live run does."""
    from ui import live

    sample, other, pid, at = _open_stored(app_store, "相手")
    app_store.save(other, pid, _renamed(sample, "相手の名前"), 1)
    real = live.get_script_run_ctx
    monkeypatch.setattr(live, "get_script_run_ctx", _stopped_run)
    at = _look(at)
    assert not at.exception
    assert at.session_state["_store_binding"].version == 1
    monkeypatch.setattr(live, "get_script_run_ctx", real)
    at = _look(at)
    assert at.session_state["_store_binding"].version == 2
    assert at.session_state["plan"].consortium.name == "相手の名前"


def test_a_tick_stopped_while_it_reads_the_store_touches_nothing(
    app_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamlit stops the tick's run after the tick's first look but while it reads the newer version: the
    session is not touched (a newer run's callback may be reading the plan to edit it), and the version is
    not marked as seen, so the next tick loads it."""
    from ui import live

    sample, other, pid, at = _open_stored(app_store, "相手")
    app_store.save(other, pid, _renamed(sample, "相手の名前"), 1)
    real = live.get_script_run_ctx
    looks: list[str] = []

    def stopped_on_the_second_look() -> Any:
        looks.append("look")
        return real() if len(looks) == 1 else _stopped_run()

    monkeypatch.setattr(live, "get_script_run_ctx", stopped_on_the_second_look)
    at = _look(at)
    assert not at.exception
    assert len(looks) == 2  # the look before reading, and the last look before touching the session
    assert at.session_state["_store_binding"].version == 1
    assert at.session_state["plan"].consortium.name == sample["consortium"]["name"]
    monkeypatch.setattr(live, "get_script_run_ctx", real)
    at = _look(at)
    assert at.session_state["_store_binding"].version == 2
    assert at.session_state["plan"].consortium.name == "相手の名前"
