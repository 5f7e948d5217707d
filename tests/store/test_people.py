"""Sign-in mode's store rules: roles bound to verified e-mails (plan_people), invitations and their audit.

Every rule on SQLite and PostgreSQL; no browser (tests/journey/test_sign_in_browser.py signs in for real).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from store import AccessDenied, Store, StoreError
from store.access import Access, check_edit, valid_role

LEAD = "lead@example.com"
A = "a@example.com"
B = "b@example.com"


def _plan_with_lead(store: Store, plan: dict[str, Any]) -> tuple[str, Access]:
    op = store.operator_access("cli:test")
    info = store.create_plan(op, plan)
    store.add_person(op, info.id, LEAD, "lead", name="Lead San")
    return info.id, store.person_access(LEAD, "Lead San", info.id)


def _join(store: Store, lead: Access, plan_id: str, email: str, role: str, name: str) -> Access:
    token = store.invite(lead, plan_id, email, role)
    return store.accept_invitation(token, email, True, name)


def _line(plan: dict[str, Any], line_id: str) -> dict[str, Any]:
    return next(c for c in plan["costs"] if c["id"] == line_id)


def test_viewer_role_is_valid_and_refused_every_change(plan: dict[str, Any]) -> None:
    assert valid_role("viewer")
    edited = copy.deepcopy(plan)
    edited["consortium"]["name"] = "x"
    with pytest.raises(AccessDenied):
        check_edit(Access(role="viewer", author="v"), plan, edited)


def test_member_edits_only_its_own_line(store: Store, plan: dict[str, Any]) -> None:
    plan_id, lead = _plan_with_lead(store, plan)
    a = _join(store, lead, plan_id, A, "member:u1", "A San")
    assert a.role == "member:u1" and a.author == f"A San <{A}>"
    opened = store.open_plan(a, plan_id)
    mine = copy.deepcopy(opened.plan)
    _line(mine, "c1")["description"] = "自社の行"
    saved = store.save(a, plan_id, mine, opened.version)
    theirs = copy.deepcopy(mine)
    _line(theirs, "c3")["description"] = "他社の行"
    with pytest.raises(AccessDenied):
        store.save(a, plan_id, theirs, saved.version)
    assert _line(store.open_plan(lead, plan_id).plan, "c3") == _line(plan, "c3")
    # the history names the person
    assert store.history(lead, plan_id)[0].author == f"A San <{A}>"


def test_viewer_edits_nothing_on_every_save_path(store: Store, plan: dict[str, Any]) -> None:
    plan_id, lead = _plan_with_lead(store, plan)
    edited = copy.deepcopy(plan)
    edited["consortium"]["name"] = "代表の変更"
    v2 = store.save(lead, plan_id, edited, 1).version
    viewer = _join(store, lead, plan_id, B, "viewer", "B San")
    assert store.open_plan(viewer, plan_id).plan["consortium"]["name"] == "代表の変更"
    mine = copy.deepcopy(edited)
    _line(mine, "c1")["description"] = "閲覧者の変更"
    with pytest.raises(AccessDenied):
        store.save(viewer, plan_id, mine, v2)
    with pytest.raises(AccessDenied):
        store.restore(viewer, plan_id, 1)
    on_base = copy.deepcopy(plan)
    _line(on_base, "c1")["description"] = "閲覧者の変更"
    with pytest.raises(AccessDenied):
        store.reapply(viewer, plan_id, 1, on_base)
    for lead_only in (lambda: store.rename(viewer, plan_id, "x"), lambda: store.delete(viewer, plan_id),
                      lambda: store.invite(viewer, plan_id, None, "viewer"),
                      lambda: store.create_share(viewer, plan_id, "lead")):
        with pytest.raises(AccessDenied):
            lead_only()
    assert store.info(lead, plan_id).version == v2


def test_no_invitation_no_plan_data(store: Store, plan: dict[str, Any]) -> None:
    plan_id, _lead = _plan_with_lead(store, plan)
    with pytest.raises(AccessDenied):
        store.person_access("stranger@example.com", "S", plan_id)
    assert store.plans_of("stranger@example.com") == []
    assert [p.id for p in store.plans_of(LEAD)] == [plan_id]
    # a person's access opens its own plan only
    other = store.create_plan(store.operator_access(), plan).id
    with pytest.raises(AccessDenied):
        store.open_plan(store.person_access(LEAD, "L", plan_id), other)
    # in sign-in mode there is no local user
    signed = Store(store.url, shared_mode=False, sign_in=True, migrate=False)
    try:
        with pytest.raises(AccessDenied):
            signed.local_access()
    finally:
        signed.close()


def test_invitation_is_bound_to_its_verified_email(store: Store, plan: dict[str, Any]) -> None:
    plan_id, lead = _plan_with_lead(store, plan)
    token = store.invite(lead, plan_id, B, "member:u2")
    with pytest.raises(AccessDenied, match="another e-mail"):
        store.accept_invitation(token, A, True, "A San")
    with pytest.raises(AccessDenied, match="not verified"):
        store.accept_invitation(token, B, False, "B San")
    with pytest.raises(AccessDenied):
        store.person_access(A, "A", plan_id)
    b = store.accept_invitation(token, B.upper(), True, "B San")
    assert (b.role, b.email) == ("member:u2", B)
    with pytest.raises(AccessDenied, match="already been used"):
        store.accept_invitation(token, B, True, "B San")


def test_open_invitation_once_and_revoked(store: Store, plan: dict[str, Any]) -> None:
    plan_id, lead = _plan_with_lead(store, plan)
    anyone = store.invite(lead, plan_id, None, "viewer")
    assert store.accept_invitation(anyone, A, True, "A").role == "viewer"
    with pytest.raises(AccessDenied, match="already been used"):
        store.accept_invitation(anyone, B, True, "B")
    revoked = store.invite(lead, plan_id, B, "viewer")
    inv = next(i for i in store.list_invitations(lead, plan_id) if i.open)
    store.revoke_invitation(lead, plan_id, inv.id)
    with pytest.raises(AccessDenied, match="revoked"):
        store.accept_invitation(revoked, B, True, "B")
    with pytest.raises(AccessDenied):
        store.accept_invitation("not-a-token", A, True, "A")
    events = [(e.event, e.email, e.role) for e in store.invitation_audit(lead, plan_id)]
    assert events == [("sent", None, "viewer"), ("accepted", None, "viewer"), ("sent", B, "viewer"),
                      ("revoked", B, "viewer")]


def test_role_change_and_removal_apply_at_once(store: Store, plan: dict[str, Any]) -> None:
    plan_id, lead = _plan_with_lead(store, plan)
    a = _join(store, lead, plan_id, A, "member:u1", "A San")
    assert {p.email: p.role for p in store.list_people(lead, plan_id)} == {LEAD: "lead", A: "member:u1"}
    with pytest.raises(AccessDenied):
        store.list_people(a, plan_id)
    store.change_role(lead, plan_id, A, "viewer")
    with pytest.raises(AccessDenied, match="role"):
        store.open_plan(a, plan_id)  # the old access of an open session
    a = store.person_access(A, "A San", plan_id)
    assert a.role == "viewer"
    store.remove_person(lead, plan_id, A)
    with pytest.raises(AccessDenied):
        store.open_plan(a, plan_id)
    with pytest.raises(StoreError):
        store.remove_person(lead, plan_id, LEAD)  # the last lead stays
    with pytest.raises(StoreError):
        store.invite(lead, plan_id, A, "member:nobody")
    with pytest.raises(StoreError):
        store.invite(lead, plan_id, "not an address", "viewer")


def test_operator_cli_adds_the_first_lead_and_invites(capsys: pytest.CaptureFixture[str], store: Store,
                                                      plan: dict[str, Any]) -> None:
    from cli import main

    pid = store.create_plan(store.operator_access(), plan).id

    def run(*args: str) -> tuple[int, str]:
        code = main(["plans", "--db", store.url, *args, "--lang", "en"])
        return code, capsys.readouterr().out

    code, out = run("people", pid, "--add", LEAD, "--role", "lead", "--name", "Lead San")
    assert code == 0 and LEAD in out and "lead" in out
    code, out = run("invite", pid, "--role", "viewer", "--email", B, "--url", "https://planner.example.jp/")
    assert code == 0
    token = next(line.split()[1] for line in out.splitlines() if line.startswith("token "))
    assert f"https://planner.example.jp/?token={token}" in out
    assert store.accept_invitation(token, B, True, "B San").role == "viewer"
    code, out = run("invite", pid, "--list")
    assert code == 0 and B in out
    assert main(["plans", "--db", store.url, "invite", pid, "--role", "member:nobody"]) == 2
    code, out = run("people", pid, "--remove", B, "--json")
    assert code == 0 and [p["email"] for p in json.loads(out)] == [LEAD]
