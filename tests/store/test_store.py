"""The store API on SQLite and PostgreSQL: versions, history, compare, restore, soft delete, conflicts."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from store import Conflict, InvalidPlan, NotFound, ReapplyFailed, Store
from store.access import AccessDenied


def _line(plan: dict[str, Any], line_id: str) -> dict[str, Any]:
    return next(c for c in plan["costs"] if c["id"] == line_id)


def test_create_open_save_history(store: Store, plan: dict[str, Any]) -> None:
    me = store.local_access("佐藤")
    info = store.create_plan(me, plan)
    assert info.version == 1 and info.name == plan["consortium"]["name"]
    opened = store.open_plan(me, info.id)
    assert opened.plan == plan and opened.version == 1 and opened.role == "lead"

    edited = copy.deepcopy(opened.plan)
    _line(edited, "c3")["unit_price_yen"] = 40000
    result = store.save(me, info.id, edited, 1)
    assert result.changed and result.version == 2
    assert result.summary == "経費 c3 の単価を変更"

    again = store.save(me, info.id, edited, 2)  # unchanged: nothing written
    assert not again.changed and again.version == 2

    history = store.history(me, info.id)
    assert [v.version for v in history] == [2, 1]
    assert history[0].author == "佐藤" and history[0].summary_en == "changed cost c3 unit_price_yen"
    assert history[0].created_at.tzinfo is not None
    assert store.open_plan(me, info.id).plan == edited
    v1_info, v1 = store.get_version(me, info.id, 1)
    assert v1 == plan and v1_info.summary == "新規作成"
    changes = store.compare(me, info.id, 1)
    assert [c.path for c in changes] == [("costs", "c3", "unit_price_yen")]
    assert changes[0].new == 40000


def test_restore_is_a_new_version(store: Store, plan: dict[str, Any]) -> None:
    me = store.local_access()
    pid = store.create_plan(me, plan).id
    edited = copy.deepcopy(plan)
    edited["members"][0]["employees"] = 49
    store.save(me, pid, edited, 1)
    restored = store.restore(me, pid, 1)
    assert restored.version == 3 and restored.summary.startswith("版 1 に戻す")
    assert store.open_plan(me, pid).plan == plan
    assert [v.version for v in store.history(me, pid)] == [3, 2, 1]
    assert store.get_version(me, pid, 2)[1] == edited  # nothing rewritten


def test_invalid_plan_is_refused_and_nothing_written(store: Store, plan: dict[str, Any]) -> None:
    me = store.local_access()
    pid = store.create_plan(me, plan).id
    bad = copy.deepcopy(plan)
    bad["costs"][0]["unit_price_yen"] = -5
    with pytest.raises(InvalidPlan) as info:
        store.save(me, pid, bad, 1)
    assert "$.costs[0].unit_price_yen" in info.value.ja
    assert store.open_plan(me, pid).version == 1
    with pytest.raises(InvalidPlan):
        store.create_plan(me, {"format": "kyoso-plan/1"})


def test_stale_save_is_a_conflict_with_the_other_change(store: Store, plan: dict[str, Any]) -> None:
    alice, bob = store.local_access("alice"), store.local_access("bob")
    pid = store.create_plan(alice, plan).id
    a = copy.deepcopy(plan)
    _line(a, "c3")["quantity"] = 2
    store.save(alice, pid, a, 1)
    b = copy.deepcopy(plan)
    _line(b, "c9")["hours"] = 111
    with pytest.raises(Conflict) as info:
        store.save(bob, pid, b, 1)
    conflict = info.value
    assert (conflict.base_version, conflict.current_version) == (1, 2)
    assert [c.path for c in conflict.their_changes] == [("costs", "c3", "quantity")]
    assert [v.author for v in conflict.their_versions] == ["alice"]
    assert conflict.current_plan == a and conflict.mine == b
    assert "alice" in conflict.ja and "経費 c3 の数量を変更" in conflict.ja
    assert store.open_plan(bob, pid).plan == a  # bob's stale save wrote nothing

    merged = store.reapply(bob, pid, conflict.base_version, conflict.mine)
    assert merged.version == 3
    current = store.open_plan(bob, pid).plan
    assert _line(current, "c3")["quantity"] == 2 and _line(current, "c9")["hours"] == 111


def test_reapply_on_the_same_field_fails_cleanly(store: Store, plan: dict[str, Any]) -> None:
    me = store.local_access()
    pid = store.create_plan(me, plan).id
    a, b = copy.deepcopy(plan), copy.deepcopy(plan)
    _line(a, "c3")["quantity"] = 2
    _line(b, "c3")["quantity"] = 3
    store.save(me, pid, a, 1)
    with pytest.raises(ReapplyFailed):
        store.reapply(me, pid, 1, b)
    assert store.open_plan(me, pid).plan == a


def test_rename_duplicate(store: Store, plan: dict[str, Any]) -> None:
    me = store.local_access()
    pid = store.create_plan(me, plan, name="元").id
    assert store.rename(me, pid, "  新しい   名前 ").name == "新しい 名前"
    copy_info = store.duplicate(me, pid)
    assert copy_info.id != pid and copy_info.name == "新しい 名前 のコピー"
    assert store.open_plan(me, copy_info.id).plan == plan
    assert {p.id for p in store.list_plans(me)} == {pid, copy_info.id}


def test_soft_delete_undelete_and_purge(db_url: str, plan: dict[str, Any]) -> None:
    store = Store(db_url, shared_mode=False, retention_days=30)
    try:
        me = store.local_access()
        keep = store.create_plan(me, plan).id
        gone = store.create_plan(me, plan).id
        info = store.delete(me, gone)
        assert info.deleted_at is not None and info.purge_after == info.deleted_at + timedelta(days=30)
        assert [p.id for p in store.list_plans(me)] == [keep]
        with pytest.raises(NotFound) as nf:
            store.open_plan(me, gone)
        assert nf.value.deleted
        assert store.undelete(me, gone).deleted_at is None
        assert store.open_plan(me, gone).plan == plan

        store.delete(me, gone)
        assert store.purge_expired(datetime.now(UTC) + timedelta(days=29)) == []
        assert store.undelete(me, gone).deleted_at is None  # still restorable inside the period
        store.delete(me, gone)
        assert store.purge_expired(datetime.now(UTC) + timedelta(days=31)) == [gone]
        with pytest.raises(NotFound):
            store.history(me, gone)
        assert {p.id for p in store.list_plans(me, include_deleted=True)} == {keep}
    finally:
        store.close()


def test_shared_mode_needs_a_token(db_url: str, plan: dict[str, Any]) -> None:
    shared = Store(db_url, shared_mode=True)
    try:
        with pytest.raises(AccessDenied):
            shared.local_access()
        op = shared.operator_access()
        pid = shared.create_plan(op, plan).id
        other = shared.create_plan(op, plan).id
        token, _ = shared.create_share(op, pid, "lead")
        lead = shared.token_access(token)
        assert [p.id for p in shared.list_plans(lead)] == [pid]
        assert shared.open_plan(lead, pid).role == "lead"
        with pytest.raises(AccessDenied):
            shared.open_plan(lead, other)
        with pytest.raises(AccessDenied):
            shared.token_access("not-a-token")
    finally:
        shared.close()


def test_reopen_sees_everything(db_url: str, plan: dict[str, Any]) -> None:
    first = Store(db_url, shared_mode=False)
    me = first.local_access()
    pid = first.create_plan(me, plan).id
    edited = copy.deepcopy(plan)
    edited["consortium"]["name"] = "再起動後"
    first.save(me, pid, edited, 1)
    first.close()
    second = Store(db_url, shared_mode=False)
    try:
        assert second.open_plan(second.local_access(), pid).plan == edited
    finally:
        second.close()
