"""AppTest of the whole app (``app.py``) with a plan store in a temporary directory: undo/redo saved as new
versions, the deletion notice with its undo, the stored plan's name following the consortium name, times
in JST on the plans page, and the root URL reopening the browser's last plan (the cookie is read through
``store_bridge.last_plan_cookie``, patched here: AppTest cannot send cookies)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from store import Store
from tests.app.helpers import APP, assert_clean, by_label, edit, go
from ui import state
from ui import store_bridge as bridge

NAME = "コンソーシアム名"


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("KYOSO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KYOSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("KYOSO_SHARED_MODE", raising=False)
    main_module = sys.modules.get("__main__")  # AppTest leaves its script as __main__
    bridge._open_store.clear()
    store = Store(f"sqlite:///{tmp_path / 'kyoso.db'}", shared_mode=False)
    yield store
    store.close()
    bridge._open_store.clear()
    if main_module is not None:
        sys.modules["__main__"] = main_module


def _start(**params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert_clean(at)
    return at


def _rename_consortium(at: AppTest, name: str) -> AppTest:
    by_label(at.text_input, NAME).set_value(name)
    at.run()
    assert_clean(at)
    return at


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    at.run()
    assert_clean(at)
    return at


def _only_plan(store: Store) -> str:
    [info] = store.list_plans(store.local_access())
    return info.id


def _stored(store: Store, pid: str) -> Any:
    return store.open_plan(store.local_access(), pid)


def test_undo_and_redo_are_saved_as_new_versions(app_store: Store) -> None:
    at = _start()
    assert at.button(key="undo_edit").disabled and at.button(key="redo_edit").disabled
    at = _rename_consortium(at, "元に戻すテスト")
    pid = _only_plan(app_store)
    v1 = _stored(app_store, pid).plan
    at = go(at, "costs")
    at = edit(at, "costs", edited={3: {"unit_price_yen": 300000}})
    v2 = _stored(app_store, pid)
    assert v2.version == 2 and v2.plan["costs"][3]["unit_price_yen"] == 300000

    at = _click(at, "undo_edit")
    assert at.session_state["plan"].to_json_dict() == v1
    v3 = _stored(app_store, pid)
    assert v3.version == 3 and v3.plan == v1  # history stays append-only: the old content as a new version
    assert at.query_params["plan"] == pid
    assert not at.button(key="redo_edit").disabled

    at = _click(at, "redo_edit")
    v4 = _stored(app_store, pid)
    assert v4.version == 4 and v4.plan == v2.plan
    assert at.session_state["plan"].to_json_dict() == v2.plan
    assert at.button(key="redo_edit").disabled
    notes = [v.note for v in app_store.history(app_store.local_access(), pid)]
    assert notes[:2] == [state.REDO_NOTE, state.UNDO_NOTE]
    # the editor starts afresh from the restored plan: a rerun applies nothing again
    at.run()
    assert _stored(app_store, pid).version == 4

    # undo twice goes back to the sample (the first edit renamed it), then nothing more to undo
    at = _click(at, "undo_edit")
    at = _click(at, "undo_edit")
    assert at.session_state["plan"].consortium.name != "元に戻すテスト"
    assert at.button(key="undo_edit").disabled
    assert _stored(app_store, pid).version == 6


def test_a_new_edit_drops_redo_and_the_stack_is_bounded(app_store: Store) -> None:
    at = _start()
    for i in range(state.UNDO_LIMIT + 3):
        at = _rename_consortium(at, f"名前 {i}")
    assert len(at.session_state["_undo_stack"]) == state.UNDO_LIMIT
    at = _click(at, "undo_edit")
    assert at.session_state["plan"].consortium.name == f"名前 {state.UNDO_LIMIT + 1}"
    at = _rename_consortium(at, "別の編集")
    assert at.button(key="redo_edit").disabled


def test_deleting_rows_shows_a_toast_and_undo_brings_them_back(app_store: Store) -> None:
    at = go(_start(), "costs")
    count = len(at.session_state["plan"].costs)
    at = edit(at, "costs", deleted=[13, 14])
    assert len(at.session_state["plan"].costs) == count - 2
    assert [str(t.value) for t in at.toast] == ["2 行を削除しました"]
    assert any("2 行を削除しました" in str(w.value) for w in at.sidebar.warning)
    at.run()  # shown once
    assert not at.toast
    at = _click(at, "undo_edit")
    assert len(at.session_state["plan"].costs) == count
    pid = _only_plan(app_store)
    assert len(_stored(app_store, pid).plan["costs"]) == count
    # an edit that deletes nothing says nothing
    at = edit(at, "costs", edited={3: {"unit_price_yen": 300000}})
    assert not at.toast


def test_the_plan_name_follows_the_consortium_until_the_user_names_the_plan(app_store: Store) -> None:
    at = go(_start(), "plans")
    at = _click(at, "plans_new")
    pid = _only_plan(app_store)
    assert app_store.info(app_store.local_access(), pid).name == "新しいコンソーシアム"
    at = go(at, "consortium")
    at = _rename_consortium(at, "港町 DX 連合")
    assert app_store.info(app_store.local_access(), pid).name == "港町 DX 連合"
    at = go(at, "plans")
    table = at.dataframe[0].value
    assert list(table["計画名"]) == ["港町 DX 連合"]
    assert all(str(v).endswith(" JST") for v in table["更新日時"])  # times in Japan time, zone named
    history = at.dataframe[1].value
    assert all(str(v).endswith(" JST") for v in history["日時"])

    # named on the plans page: the name no longer follows
    by_label(at.text_input, "計画名").set_value("提出用(最終)")
    at = _click_label(at, "名前を変更")
    at = go(at, "consortium")
    at = _rename_consortium(at, "港町 DX 連合 2")
    assert app_store.info(app_store.local_access(), pid).name == "提出用(最終)"
    assert _stored(app_store, pid).plan["consortium"]["name"] == "港町 DX 連合 2"


def _click_label(at: AppTest, text: str) -> AppTest:
    next(b for b in at.button if b.label == text).click()
    at.run()
    assert_clean(at)
    return at


def test_the_root_url_reopens_the_last_local_plan(app_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _rename_consortium(_start(), "昨日の計画")
    pid = _only_plan(app_store)
    assert at.session_state["_store_cookie_written"] == pid  # remembered in this browser
    assert any(bridge.LAST_PLAN_COOKIE in str(h.proto.body) for h in at.get("html"))

    monkeypatch.setattr(bridge, "last_plan_cookie", lambda: pid)
    again = _start()
    assert again.query_params["plan"] == pid
    assert again.session_state["plan"].consortium.name == "昨日の計画"
    # a URL naming a plan wins over the cookie
    other = app_store.create_plan(app_store.local_access(), again.session_state["plan"], name="別").id
    assert _start(plan=other).query_params["plan"] == other

    # a deleted plan is not reopened: the sample, quietly
    app_store.delete(app_store.local_access(), pid)
    fresh = _start()
    assert "plan" not in fresh.query_params
    assert not fresh.error


def test_a_share_link_is_never_remembered_in_the_browser(app_store: Store) -> None:
    me = app_store.local_access()
    pid = app_store.create_plan(me, state.load_checked(state.DEFAULT_SAMPLE), name="共有").id
    token, _ = app_store.create_share(me, pid, "lead", label="相手")
    at = _start(plan=pid, token=token)
    assert at.query_params["plan"] == pid
    assert "_store_cookie_written" not in at.session_state
    assert not any(bridge.LAST_PLAN_COOKIE in str(h.proto.body) for h in at.get("html"))


def test_times_are_shown_in_japan_time_with_the_zone_named() -> None:
    from datetime import UTC, datetime

    assert bridge.when(datetime(2025, 6, 1, 1, 53, 8, tzinfo=UTC)) == "2025-06-01 10:53 JST"
    assert bridge.when(datetime(2025, 6, 1, 1, 53, 8), date=False, seconds=True) == "10:53:08 JST"  # naive = UTC
    assert bridge.when("2025-06-01T10:53:08+09:00") == "2025-06-01 10:53 JST"  # a scenario's created
    assert bridge.when("2025-06-01") == "2025-06-01" and bridge.when(None) == ""
