"""Hypothesis invariants over every frame of every year: the subsidy never exceeds any applicable cap, every
yen is traced, and the subsidy is monotone in cost within a frame."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import planner
from planner.itdonyu.params import FrameSpec
from planner.itdonyu.result import ItdonyuResult
from planner.pack import get_pack
from schemas.itdonyu import KINDS, PROCESSES, load_application

YEARS = (2017, 2020, 2022, 2023, 2024, 2025)
FRAMES = [(f"itdonyu-{y}", fid) for y in YEARS for fid in get_pack(f"itdonyu-{y}").params.frames()]
YEN = st.integers(min_value=0, max_value=8_000_000)


@st.composite
def applications(draw: st.DrawFn) -> dict[str, Any]:
    program, frame = draw(st.sampled_from(FRAMES))
    group = frame == "group"
    tools = [
        {
            "id": f"t{i}",
            "name": f"tool{i}",
            "processes": draw(st.lists(st.sampled_from(PROCESSES), unique=True, max_size=7)),
            "functions": draw(st.lists(st.sampled_from(["accounting", "ordering", "payment", "ec"]), unique=True, max_size=3)),
            "security_listed": draw(st.booleans()),
            "free_counterparty_accounts": True,
            "counterparty_accounts_total": 10,
            "counterparty_accounts_sme": draw(st.integers(min_value=0, max_value=10)),
        }
        for i in range(draw(st.integers(min_value=1, max_value=3)))
    ]
    n = draw(st.integers(min_value=8, max_value=12)) if group else 1
    members = []
    for i in range(n):
        role = ("representative" if i == 0 else "participant") if group else "applicant"
        members.append({"id": f"m{i}", "name": f"m{i}", "role": role, "industry": "retail",
                        "employees": draw(st.sampled_from([2, 5, 6, 40])), "capital_yen": 10_000_000})
    costs = []
    for j in range(draw(st.integers(min_value=1, max_value=8))):
        kind = draw(st.sampled_from(KINDS))
        line: dict[str, Any] = {"id": f"c{j}", "kind": kind, "unit_price_yen": draw(YEN), "quantity": 1}
        if draw(st.booleans()):
            line["tool"] = draw(st.sampled_from(tools))["id"]
        if kind not in ("hardware_pc", "hardware_register", "hardware_other") and draw(st.booleans()):
            line["months"] = draw(st.integers(min_value=1, max_value=36))
        if group:
            line["member"] = f"m{draw(st.integers(min_value=0, max_value=n - 1))}"
            line["expense"] = draw(st.sampled_from(["a", "b"]))
        costs.append(line)
    group_costs = (
        [{"id": f"g{k}", "kind": draw(st.sampled_from(["admin", "expert"])), "unit_price_yen": draw(YEN), "quantity": 1}
         for k in range(draw(st.integers(min_value=0, max_value=2)))]
        if group
        else []
    )
    return {"format": "itdonyu-application/1", "program": program, "frame": frame, "members": members,
            "tools": tools, "costs": costs, "group_costs": group_costs}


def _eval(data: dict[str, Any]) -> ItdonyuResult:
    return planner.evaluate(load_application(data))


def _frame(data: dict[str, Any]) -> FrameSpec:
    spec = get_pack(data["program"]).params.frame(data["frame"])
    assert spec is not None
    return spec


@given(applications())
def test_subsidy_never_exceeds_an_applicable_cap(data: dict[str, Any]) -> None:
    res = _eval(data)
    spec = _frame(data)
    assert 0 <= res.subsidy_yen <= res.eligible_total_yen <= res.claimed_total_yen
    assert res.subsidy_yen == sum(m.subsidy_yen for m in res.members)
    for ln in res.lines:  # every removed yen is on the line, by rule
        assert ln.claimed_yen - ln.eligible_yen == sum(r.yen for r in ln.reductions)
        assert ln.eligible_yen >= 0
    if spec.calc == "flat":
        assert res.band is not None
        assert res.subsidy_yen <= spec.bands[res.band].max_yen <= max(b.max_yen for b in spec.bands)
    else:
        tier = spec.tier
        assert tier is not None
        for m in res.members:
            software = m.parts.get("software", 0)
            assert software <= tier.tier1_cap_yen + tier.tier2_cap_yen
            for kind, cap in (spec.hardware or {}).items():
                assert m.parts.get(kind, 0) <= cap.cap_yen
    if spec.calc == "group":
        g = spec.group
        assert g is not None
        a, b, c = res.group_parts["a"], res.group_parts["b"], res.group_parts["c"]
        assert a + b <= g.ab_cap_yen
        adopters = {ln.member for ln in res.lines if ln.expense == "b" and ln.eligible_yen > 0}
        assert b <= g.analysis_cap_per_member_yen * len(adopters)
        assert c <= g.admin_cap_yen
        if g.admin_share_of_ab is not None:
            assert c * 15 <= a + b  # (a)+(b) × 10% × 2/3
        assert res.subsidy_yen == a + b + c


@given(applications(), st.data())
def test_subsidy_is_monotone_in_cost(data: dict[str, Any], more: st.DataObject) -> None:
    before = _eval(data)
    bigger = copy.deepcopy(data)
    lines = bigger["costs"] + bigger["group_costs"]
    line = more.draw(st.sampled_from(lines))
    line["unit_price_yen"] += more.draw(st.integers(min_value=1, max_value=3_000_000))
    after = _eval(bigger)
    assert after.subsidy_yen >= before.subsidy_yen
    assert after.eligible_total_yen >= before.eligible_total_yen
