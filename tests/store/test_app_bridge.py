"""The app bridge (ui/store_bridge.py) and the plans page, in Streamlit's AppTest: autosave, the URL,
two sessions on one plan (conflict → reload / re-apply), member refusal through the app's edit path,
shared mode.  SQLite only: the store itself is tested on both backends."""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from store import Store
from ui import state
from ui import store_bridge as bridge

HARNESS = str(Path(__file__).with_name("bridge_harness.py"))


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("KYOSO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KYOSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("KYOSO_SHARED_MODE", raising=False)
    saved = (state.set_plan, state.replace_plan)
    main_module = sys.modules.get("__main__")  # AppTest leaves its script as __main__
    bridge._open_store.clear()
    store = Store(f"sqlite:///{tmp_path / 'kyoso.db'}", shared_mode=False)
    yield store
    store.close()
    bridge._open_store.clear()
    state.set_plan, state.replace_plan = saved
    if main_module is not None:
        sys.modules["__main__"] = main_module
    if hasattr(state, "_store_wired"):
        del state._store_wired


def _session(**params: str) -> AppTest:
    at = AppTest.from_file(HARNESS, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _rename(at: AppTest, name: str) -> AppTest:
    next(w for w in at.text_input if w.label == "name").set_value(name)
    return at.run()


def _set_c3(at: AppTest, qty: int) -> AppTest:
    at.text_input(key="c3q").set_value(str(qty))
    at.button(key="apply_c3").click()
    return at.run()


def _line(plan: dict[str, Any], line_id: str) -> dict[str, Any]:
    return next(c for c in plan["costs"] if c["id"] == line_id)


def test_first_edit_creates_the_stored_plan_and_puts_it_in_the_url(app_store: Store) -> None:
    at = _session()
    assert not at.exception
    assert app_store.list_plans(app_store.local_access()) == []  # viewing the sample stores nothing
    at = _rename(at, "自動保存テスト")
    [info] = app_store.list_plans(app_store.local_access())
    assert at.query_params["plan"] == info.id
    assert app_store.open_plan(app_store.local_access(), info.id).plan["consortium"]["name"] == "自動保存テスト"
    at = _set_c3(at, 5)
    opened = app_store.open_plan(app_store.local_access(), info.id)
    assert opened.version == 2 and _line(opened.plan, "c3")["quantity"] == 5
    # a new session with the link reopens it
    again = _session(plan=info.id)
    assert next(v for v in again.text_input if v.label == "name").value == "自動保存テスト"


def test_two_sessions_conflict_then_reapply(app_store: Store, plan: dict[str, Any]) -> None:
    pid = app_store.create_plan(app_store.local_access(), plan).id
    tab_a, tab_b = _session(plan=pid), _session(plan=pid)
    tab_a = _set_c3(tab_a, 3)
    tab_b = _rename(tab_b, "B の名前")
    warning = " ".join(str(w.value) for w in tab_b.warning)
    assert "経費 c3 の数量を変更" in warning  # the other change is shown
    assert app_store.open_plan(app_store.local_access(), pid).version == 2  # B's edit not written
    tab_b.button(key="store_reapply").click()
    tab_b = tab_b.run()
    current = app_store.open_plan(app_store.local_access(), pid)
    assert current.version == 3
    assert current.plan["consortium"]["name"] == "B の名前" and _line(current.plan, "c3")["quantity"] == 3
    assert not tab_b.warning


def test_two_sessions_conflict_then_reload(app_store: Store, plan: dict[str, Any]) -> None:
    pid = app_store.create_plan(app_store.local_access(), plan).id
    tab_a, tab_b = _session(plan=pid), _session(plan=pid)
    tab_a = _rename(tab_a, "A の名前")
    tab_b = _rename(tab_b, "B の名前")
    assert tab_b.warning
    tab_b.button(key="store_reload").click()
    tab_b = tab_b.run()
    assert next(v for v in tab_b.text_input if v.label == "name").value == "A の名前"
    assert app_store.open_plan(app_store.local_access(), pid).plan["consortium"]["name"] == "A の名前"


def test_member_link_cannot_change_other_rows_through_the_app(app_store: Store, plan: dict[str, Any]) -> None:
    op = app_store.operator_access()
    pid = app_store.create_plan(op, plan).id
    token, _ = app_store.create_share(op, pid, "member:u1", label="みどり")
    at = _session(plan=pid, token=token)
    at = _rename(at, "乗っ取り")  # a consortium field: lead only
    assert any("consortium" in str(e.value) or "代表" in str(e.value) for e in at.error)
    assert next(v for v in at.text_input if v.label == "name").value == plan["consortium"]["name"]
    at = _set_c3(at, 9)  # c3 belongs to u2
    assert any("c3" in str(e.value) for e in at.error)
    assert app_store.open_plan(op, pid).version == 1
    app_store.revoke_share(op, pid, app_store.list_shares(op, pid)[0].id)
    edited = copy.deepcopy(plan)
    assert edited == app_store.open_plan(op, pid).plan


def test_shared_mode_without_token_shows_nothing(app_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYOSO_SHARED_MODE", "1")
    bridge._open_store.clear()
    at = _session()
    assert any("共有リンク" in str(w.value) for w in at.warning)
    assert not [v for v in at.text_input if v.label == "name"]


def test_plans_page_renders_history_and_restores(app_store: Store, plan: dict[str, Any]) -> None:
    me = app_store.local_access()
    pid = app_store.create_plan(me, plan).id
    edited = copy.deepcopy(plan)
    _line(edited, "c3")["quantity"] = 4
    app_store.save(me, pid, edited, 1)
    at = _session(plan=pid, page="plans")
    assert not at.exception, at.exception
    old_qty = _line(plan, "c3")["quantity"]
    assert any(f"costs/c3/quantity: {old_qty} → 4" in str(c.value) for c in at.code)  # version 1 vs current
    at.button(key="plans_restore").click()
    at = at.run()
    assert not at.exception
    current = app_store.open_plan(me, pid)
    assert current.version == 3 and current.plan == plan
