"""Share links and roles, enforced in the store: a member edits only its own record and cost lines."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from store import Store
from store.access import AccessDenied
from store.repository import Conflict

Edit = Callable[[dict[str, Any]], None]


def _line(plan: dict[str, Any], line_id: str) -> dict[str, Any]:
    return next(c for c in plan["costs"] if c["id"] == line_id)


def _member(plan: dict[str, Any], member_id: str) -> dict[str, Any]:
    return next(m for m in plan["members"] if m["id"] == member_id)


def _shared(store: Store, plan: dict[str, Any], role: str) -> tuple[str, str]:
    op = store.operator_access()
    pid = store.create_plan(op, plan).id
    token, _share = store.create_share(op, pid, role, label="テスト")
    return pid, token


def _set(line: str, field: str, value: Any) -> Edit:
    def edit(p: dict[str, Any]) -> None:
        _line(p, line)[field] = value
    return edit


def _add_line(member: str) -> Edit:
    def edit(p: dict[str, Any]) -> None:
        p["costs"].append({"id": "c77", "member": member, "step": 2, "category": "software",
                           "unit_price_yen": 1000, "quantity": 1})
    return edit


def _remove_line(line: str) -> Edit:
    def edit(p: dict[str, Any]) -> None:
        p["costs"] = [c for c in p["costs"] if c["id"] != line]
    return edit


def _member_field(member: str, field: str, value: Any) -> Edit:
    def edit(p: dict[str, Any]) -> None:
        _member(p, member)[field] = value
    return edit


def _consortium_name(p: dict[str, Any]) -> None:
    p["consortium"]["name"] = "乗っ取り"


def _tool_name(p: dict[str, Any]) -> None:
    p["tools"][0]["name"] = "別ツール"


def _swap_other_lines(p: dict[str, Any]) -> None:
    i, j = [k for k, c in enumerate(p["costs"]) if c["member"] != "u2"][:2]
    p["costs"][i], p["costs"][j] = p["costs"][j], p["costs"][i]


def _remove_other_member(p: dict[str, Any]) -> None:
    p["members"] = [m for m in p["members"] if m["id"] != "x1"]


def _add_member(p: dict[str, Any]) -> None:
    p["members"].append({"id": "u9", "name": "新顔", "role": "sme_user"})


def _own_line_takes_other_id(p: dict[str, Any]) -> None:
    # u2 deletes c1 (u1's) and re-adds "c1" as its own line
    p["costs"] = [c for c in p["costs"] if c["id"] != "c1"]
    p["costs"].append({"id": "c1", "member": "u2", "step": 1, "category": "software",
                       "unit_price_yen": 1, "quantity": 1})


ALLOWED: dict[str, Edit] = {
    "own line amount": _set("c3", "unit_price_yen", 36000),
    "own line description": _set("c14", "description", "自社作業"),
    "add own line": _add_line("u2"),
    "remove own line": _remove_line("c8"),
    "own member record": _member_field("u2", "employees", 151),
}

REFUSED: dict[str, Edit] = {
    "another member's line": _set("c1", "unit_price_yen", 1),
    "add a line for another member": _add_line("u1"),
    "move own line to another member": _set("c3", "member", "u1"),
    "take another member's line": _set("c1", "member", "u2"),
    "remove another member's line": _remove_line("c9"),
    "another member's record": _member_field("u1", "employees", 1),
    "consortium field": _consortium_name,
    "tools": _tool_name,
    "reorder other members' lines": _swap_other_lines,
    "remove a member": _remove_other_member,
    "add a member": _add_member,
    "reuse another line's id": _own_line_takes_other_id,
}


@pytest.mark.parametrize("name", list(ALLOWED))
def test_member_may_edit_its_own_rows(store: Store, plan: dict[str, Any], name: str) -> None:
    pid, token = _shared(store, plan, "member:u2")
    member = store.token_access(token)
    opened = store.open_plan(member, pid)
    edited = copy.deepcopy(opened.plan)
    ALLOWED[name](edited)
    result = store.save(member, pid, edited, opened.version)
    assert result.changed and store.open_plan(member, pid).plan == edited
    assert store.history(member, pid)[0].author == "テスト (member:u2)"


@pytest.mark.parametrize("name", list(REFUSED))
def test_member_may_not_edit_other_rows(store: Store, plan: dict[str, Any], name: str) -> None:
    pid, token = _shared(store, plan, "member:u2")
    member = store.token_access(token)
    opened = store.open_plan(member, pid)
    edited = copy.deepcopy(opened.plan)
    REFUSED[name](edited)
    with pytest.raises(AccessDenied) as info:
        store.save(member, pid, edited, opened.version)
    assert "member u2" in info.value.en and info.value.violations
    assert store.open_plan(member, pid).plan == plan and store.open_plan(member, pid).version == 1


def test_mixed_edit_is_refused_whole(store: Store, plan: dict[str, Any]) -> None:
    pid, token = _shared(store, plan, "member:u2")
    member = store.token_access(token)
    edited = copy.deepcopy(plan)
    _line(edited, "c3")["quantity"] = 1  # allowed
    _line(edited, "c9")["hours"] = 1  # not
    with pytest.raises(AccessDenied) as info:
        store.save(member, pid, edited, 1)
    assert "c9" in info.value.en and "c3" not in info.value.en
    assert store.open_plan(member, pid).version == 1


def test_other_paths_are_checked_too(store: Store, plan: dict[str, Any]) -> None:
    """restore and re-apply go through the same check; a member cannot share, rename, delete."""
    op = store.operator_access()
    pid = store.create_plan(op, plan).id
    edited = copy.deepcopy(plan)
    _line(edited, "c1")["quantity"] = 9
    store.save(op, pid, edited, 1)
    token, _ = store.create_share(op, pid, "member:u2")
    member = store.token_access(token)
    with pytest.raises(AccessDenied):
        store.restore(member, pid, 1)  # would change u1's line c1
    theirs = copy.deepcopy(plan)
    _line(theirs, "c9")["hours"] = 5
    with pytest.raises(AccessDenied):
        store.reapply(member, pid, 1, theirs)
    for action in (lambda: store.create_share(member, pid, "member:u2"), lambda: store.rename(member, pid, "x"),
                   lambda: store.delete(member, pid), lambda: store.list_shares(member, pid),
                   lambda: store.duplicate(member, pid), lambda: store.create_plan(member, plan)):
        with pytest.raises(AccessDenied):
            action()
    assert store.open_plan(op, pid).version == 2


def test_lead_token_edits_everything(store: Store, plan: dict[str, Any]) -> None:
    pid, token = _shared(store, plan, "lead")
    lead = store.token_access(token)
    edited = copy.deepcopy(plan)
    for edit in REFUSED.values():
        edit(edited)
    assert store.save(lead, pid, edited, 1).version == 2
    member_token, share = store.create_share(lead, pid, "member:u3", label="カフェ")
    assert store.token_access(member_token).member_id == "u3"
    assert share.id in {s.id for s in store.list_shares(lead, pid)}


def test_revoked_token_is_refused_even_in_an_open_session(store: Store, plan: dict[str, Any]) -> None:
    pid, token = _shared(store, plan, "member:u2")
    member = store.token_access(token)
    opened = store.open_plan(member, pid)
    op = store.operator_access()
    share = next(s for s in store.list_shares(op, pid) if s.role == "member:u2")
    store.revoke_share(op, pid, share.id)
    assert store.list_shares(op, pid)[0].revoked_at is not None
    edited = copy.deepcopy(opened.plan)
    _line(edited, "c3")["quantity"] = 1
    with pytest.raises(AccessDenied) as info:
        store.save(member, pid, edited, opened.version)
    assert "revoked" in info.value.en
    with pytest.raises(AccessDenied):
        store.open_plan(member, pid)
    with pytest.raises(AccessDenied):
        store.token_access(token)
    assert store.open_plan(op, pid).version == 1


def test_tokens_are_unguessable_and_only_hashed(store: Store, plan: dict[str, Any]) -> None:
    from sqlalchemy import select

    from store.models import share_links

    _pid, token = _shared(store, plan, "member:u2")
    assert len(token) >= 40
    with store.engine.connect() as conn:
        stored = conn.execute(select(share_links.c.token_hash)).scalars().all()
    assert token not in stored and len(stored[0]) == 64
    with pytest.raises(AccessDenied):
        store.token_access(token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_member_link_needs_a_real_member_and_a_valid_role(store: Store, plan: dict[str, Any]) -> None:
    from store import StoreError

    op = store.operator_access()
    pid = store.create_plan(op, plan).id
    for role in ("member:nobody", "admin", "member:", "", "member:u1 u2"):
        with pytest.raises(StoreError):
            store.create_share(op, pid, role)


def test_member_conflict_still_reported(store: Store, plan: dict[str, Any]) -> None:
    pid, token = _shared(store, plan, "member:u2")
    member = store.token_access(token)
    op = store.operator_access()
    lead_edit = copy.deepcopy(plan)
    _line(lead_edit, "c1")["quantity"] = 3
    store.save(op, pid, lead_edit, 1)
    mine = copy.deepcopy(plan)
    _line(mine, "c3")["quantity"] = 1
    with pytest.raises(Conflict):
        store.save(member, pid, mine, 1)
    assert store.reapply(member, pid, 1, mine).version == 3  # the lead's change is not the member's edit
