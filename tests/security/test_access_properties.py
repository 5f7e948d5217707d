"""The access rule as properties (issue 12): a member's save is accepted **iff** it touches only that member's
own record (not its ``id`` or ``role``) and its own cost lines.

* ``test_member_rule_matches_the_oracle``: random valid plans, arbitrary mutations (drop / replace /
  reorder any top-level key or list, edit any field of any item, add / remove / move items), and an oracle
  written independently of :func:`store.access.others_view` (entity by entity, by id).
  ``KYOSO_ACCESS_EXAMPLES`` (default 2,000) examples.
* ``StoreMachine``: a ``RuleBasedStateMachine`` over the real store (SQLite) — save, restore, re-apply and
  workbook import by member and lead tokens — checking after every step that each member's own data changed
  only through that member or the lead, and that refused steps left the stored plan byte-identical.
"""

from __future__ import annotations

import copy
import io
import json
import os
import tempfile
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from schemas import PlanLoadError, load_plan
from store import AccessDenied, Store
from store.access import Access, check_edit, normalised
from tests.conftest import SAMPLE_PLAN
from tests.strategies import plan_dicts

SAMPLE: dict[str, Any] = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
EXAMPLES = int(os.environ.get("KYOSO_ACCESS_EXAMPLES", "2000"))
LISTS = ("members", "tools", "integrations", "meetings", "schedule", "costs")
TOP = ("consortium", "kenpo_rates", "extra", "program", *LISTS)


# ---------------------------------------------------------------------------------------------
# The oracle: by entity, by id, without the store's view function


def _member_ids(plan: dict[str, Any]) -> list[str]:
    return [m["id"] for m in plan.get("members") or []]


def touches_only_own(old: dict[str, Any], new: dict[str, Any], me: str) -> bool:
    o, n = normalised(old), normalised(new)
    if me not in _member_ids(o):
        return False
    for key in set(o) | set(n):
        if key not in ("members", "costs") and o.get(key) != n.get(key):
            return False
    if _member_ids(o) != _member_ids(n):  # nobody added, removed, renamed or reordered
        return False
    for before, after in zip(o["members"], n["members"], strict=True):
        if before["id"] == me:
            if before["role"] != after["role"]:
                return False
        elif before != after:
            return False
    theirs_o = {c["id"]: c for c in o["costs"] if c.get("member") != me}
    theirs_n = {c["id"]: c for c in n["costs"] if c.get("member") != me}
    if theirs_o != theirs_n:  # no line of another member changed, added, removed, taken or given
        return False
    return [c["id"] for c in o["costs"] if c["id"] in theirs_o] == [c["id"] for c in n["costs"] if c["id"] in theirs_n]


# ---------------------------------------------------------------------------------------------
# Mutations


def _new_value(draw: st.DrawFn, value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return draw(st.integers(0, max(10, value * 2)))
    if isinstance(value, str):
        return draw(st.sampled_from(["変更", value + "x", "u1", "v1", "c1", ""]))
    if isinstance(value, list):
        return draw(st.sampled_from([[], list(reversed(value)), value[:1]]))
    return draw(st.sampled_from([None, "x", 1]))


@st.composite
def mutation(draw: st.DrawFn, plan: dict[str, Any]) -> dict[str, Any]:
    """One arbitrary change to ``plan`` (returns the new plan; the input is not changed)."""
    p = copy.deepcopy(plan)
    kind = draw(st.sampled_from(["drop", "empty", "reorder", "edit", "edit", "edit", "add_cost", "remove",
                                 "move_cost", "swap_item", "own_line", "own_line"]))
    members = _member_ids(p)
    key = draw(st.sampled_from(TOP if kind in ("drop", "edit") else LISTS))
    if kind == "drop":
        p.pop(key, None)
    elif kind == "empty":
        p[key] = []
    elif kind == "reorder" and len(p.get(key) or []) > 1:
        p[key] = draw(st.permutations(p[key]))
    elif kind == "edit":
        target = p.get(key)
        if isinstance(target, list) and target:
            item = draw(st.sampled_from(target))
            if isinstance(item, dict) and item:
                field = draw(st.sampled_from(sorted(item)))
                item[field] = _new_value(draw, item[field])
        elif isinstance(target, dict) and target:
            field = draw(st.sampled_from(sorted(target)))
            target[field] = _new_value(draw, target[field])
    elif kind == "add_cost" and members:
        p.setdefault("costs", []).append({
            "id": draw(st.sampled_from(["c9001", "c9002", *(c["id"] for c in p.get("costs") or [])])),
            "member": draw(st.sampled_from(members)), "step": draw(st.integers(1, 4)),
            "category": "software", "unit_price_yen": draw(st.integers(1, 10**6)), "quantity": 1})
    elif kind == "remove" and p.get(key):
        p[key].pop(draw(st.integers(0, len(p[key]) - 1)))
    elif kind == "move_cost" and p.get("costs") and members:
        draw(st.sampled_from(p["costs"]))["member"] = draw(st.sampled_from(members))
    elif kind == "swap_item" and p.get(key):
        i = draw(st.integers(0, len(p[key]) - 1))
        twin = copy.deepcopy(p[key][i])
        if isinstance(twin, dict):
            twin["note"] = "すり替え"
        p[key][i] = twin
    elif kind == "own_line" and p.get("costs"):
        line = draw(st.sampled_from(p["costs"]))
        line["unit_price_yen" if "unit_price_yen" in line else "description"] = (
            draw(st.integers(1, 10**6)) if "unit_price_yen" in line else "自社")
    return p


def _valid(plan: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return load_plan(plan).to_json_dict()
    except PlanLoadError:
        return None


def _accepted(me: str, old: dict[str, Any], new: dict[str, Any]) -> bool:
    try:
        check_edit(Access(role=f"member:{me}", author="t"), old, new)
    except AccessDenied as exc:
        assert exc.violations, exc.en  # every refusal says what it refused
        return False
    return True


@st.composite
def plan_and_edit(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], str]:
    base = draw(st.one_of(st.just(SAMPLE), plan_dicts(max_costs=12)))
    old = _valid(base)
    assume(old is not None and old.get("members"))
    assert old is not None
    me = draw(st.sampled_from(_member_ids(old)))
    new: dict[str, Any] = old
    for _ in range(draw(st.integers(1, 3))):
        new = draw(mutation(new))
    valid = _valid(new)
    assume(valid is not None)
    assert valid is not None
    return old, valid, me


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(plan_and_edit())
def test_member_rule_matches_the_oracle(case: tuple[dict[str, Any], dict[str, Any], str]) -> None:
    old, new, me = case
    assert _accepted(me, old, new) == touches_only_own(old, new, me)


def test_the_mutations_reach_both_outcomes() -> None:
    """The property above is not vacuous: the mutations produce accepted and refused saves alike."""
    seen: set[bool] = set()

    @settings(max_examples=100, database=None)
    @given(plan_and_edit())
    def probe(case: tuple[dict[str, Any], dict[str, Any], str]) -> None:
        old, new, me = case
        seen.add(_accepted(me, old, new))

    probe()
    assert seen == {True, False}


# ---------------------------------------------------------------------------------------------
# The store as a state machine: save / restore / re-apply / import, by lead and member tokens


def _own_data(plan: dict[str, Any], member: str) -> str:
    n = normalised(plan)
    record = next((m for m in n["members"] if m["id"] == member), None)
    lines = [c for c in n["costs"] if c.get("member") == member]
    return json.dumps([record, lines], ensure_ascii=False, sort_keys=True)


def _lead_only(plan: dict[str, Any]) -> str:
    n = normalised(plan)
    rest = {k: v for k, v in n.items() if k not in ("members", "costs")}
    return json.dumps([rest, [(m["id"], m["role"]) for m in n["members"]]], ensure_ascii=False, sort_keys=True)


def _book_edit(plan: dict[str, Any], line_id: str, price: int) -> bytes:
    """The plan's exported 経費内訳 workbook with one line's 単価 changed (what a user does in Excel)."""
    import openpyxl

    from exports.packet import export_documents
    from tests.exports.helpers import rows_by_id

    data = export_documents(load_plan(plan))[0].data
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for name in wb.sheetnames:
        if name.startswith("経費内訳"):
            rows = rows_by_id(wb, name)
            if line_id in rows and wb[name].cell(row=rows[line_id], column=5).value not in (None, ""):
                wb[name].cell(row=rows[line_id], column=5).value = price
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class StoreMachine(RuleBasedStateMachine):
    MEMBERS = ("u1", "u2", "v1")

    _store: Store | None = None  # one database for every run (migrating one per run costs more than the run)

    def __init__(self) -> None:
        super().__init__()
        if StoreMachine._store is None:
            folder = tempfile.mkdtemp(prefix="kyoso-access-")
            StoreMachine._store = Store(f"sqlite:///{folder}/kyoso.db", shared_mode=False)
        self.store = StoreMachine._store
        op = self.store.operator_access()
        self.pid = self.store.create_plan(op, SAMPLE).id
        self.access: dict[str, Access] = {}
        for who in ("lead", *self.MEMBERS):
            role = who if who == "lead" else f"member:{who}"
            token, _ = self.store.create_share(op, self.pid, role, label=who)
            self.access[who] = self.store.token_access(token)
        self.expected = self._stored()

    def _stored(self) -> tuple[int, dict[str, Any]]:
        opened = self.store.open_plan(self.store.operator_access(), self.pid)
        return opened.version, opened.plan

    def _after(self, who: str, attempt: Any) -> None:
        """Run ``attempt``; on success only ``who``'s own data (or, for the lead, anything) may change."""
        before_v, before = self._stored()
        try:
            attempt()
        except AccessDenied:
            assert who != "lead"
            assert self._stored() == (before_v, before)  # refused: nothing written
            return
        except Exception as exc:  # conflicts, invalid plans, failed re-applies: nothing written either
            from store import StoreError

            assert isinstance(exc, StoreError), exc
            assert self._stored() == (before_v, before)
            return
        _v, after = self._stored()
        if who != "lead":
            assert _lead_only(after) == _lead_only(before)
            for other in _member_ids(normalised(before)):
                if other != who:
                    assert _own_data(after, other) == _own_data(before, other), (who, other)
            assert touches_only_own(before, after, who)

    @rule(who=st.sampled_from(("lead", *MEMBERS)), data=st.data())
    def save(self, who: str, data: st.DataObject) -> None:
        version, current = self._stored()
        new = data.draw(mutation(current))
        self._after(who, lambda: self.store.save(self.access[who], self.pid, new, version))

    @rule(who=st.sampled_from(("lead", *MEMBERS)), data=st.data())
    def restore(self, who: str, data: st.DataObject) -> None:
        version, _ = self._stored()
        old = data.draw(st.integers(1, version))
        self._after(who, lambda: self.store.restore(self.access[who], self.pid, old))

    @rule(who=st.sampled_from(("lead", *MEMBERS)), data=st.data())
    def reapply(self, who: str, data: st.DataObject) -> None:
        version, _ = self._stored()
        base_v = data.draw(st.integers(1, version))
        base = self.store.get_version(self.store.operator_access(), self.pid, base_v)[1]
        mine = data.draw(mutation(base))
        self._after(who, lambda: self.store.reapply(self.access[who], self.pid, base_v, mine))

    @rule(who=st.sampled_from(("lead", *MEMBERS)), line=st.sampled_from(("c1", "c3", "c9", "c12")),
          price=st.integers(1, 9_999_999))
    def import_workbook(self, who: str, line: str, price: int) -> None:
        from exports.costs_import import import_costs

        version, current = self._stored()
        try:
            report = import_costs(load_plan(current), _book_edit(current, line, price), evaluate=False)
        except PlanLoadError:
            return
        if report.plan is None:
            return
        imported = report.plan
        self._after(who, lambda: self.store.save(self.access[who], self.pid, imported, version))

    @invariant()
    def history_is_append_only(self) -> None:
        version, _ = self._stored()
        assert [v.version for v in self.store.history(self.store.operator_access(), self.pid)] == list(
            range(version, 0, -1))


StoreMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("KYOSO_ACCESS_MACHINE_EXAMPLES", "60")), stateful_step_count=12,
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestStoreMachine = StoreMachine.TestCase
