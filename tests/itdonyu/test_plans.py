"""The productivity and wage plan calculator: each year's 労働生産性 definition, growth targets (+3%/+9%,
CAGR, the 2025 group CAGR truncated to 0.1%), and the 賃上げ plan (required, 加点, exempt)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import planner
from planner.itdonyu import formulas as fx
from planner.itdonyu.result import ItdonyuResult
from schemas.itdonyu import load_application
from tests.itdonyu.apps import TOOLS, company, individual

TOOL4 = {"id": "t4", "name": "t4", "processes": ["P01", "P02", "P03", "P04"], "functions": ["accounting"]}


def _op_figures(va: int, emp: int = 10, hours: int = 2000) -> dict[str, Any]:
    return {"operating_profit_yen": va // 5, "personnel_yen": va - va // 5 - va // 20, "depreciation_yen": va // 20,
            "employees": emp, "annual_hours": hours}


def _gp_figures(va: int, emp: int = 10, hours: int = 2000) -> dict[str, Any]:
    return {"sales_yen": va * 3, "cost_of_sales_yen": va * 2, "employees": emp, "annual_hours": hours}


def _normal(year: int, cost: int, **member: Any) -> ItdonyuResult:
    frame = "normal" if year >= 2024 else "normal_b"
    return planner.evaluate(load_application(individual(f"itdonyu-{year}", frame, [
        {"kind": "software", "unit_price_yen": cost, "tool": "t4"}], tools=[TOOL4], **member)))


# ------------------------------------------------------------------------------------- 労働生産性


@pytest.mark.parametrize(("y1", "y3", "prior", "errors"), [
    (2_060_000, 2_185_454, False, 0),  # +3.0% and CAGR 3% (2,000,000 × 1.03³ = 2,185,454)
    (2_059_999, 2_185_454, False, 1),  # +2.99995%
    (2_060_000, 2_185_453, False, 1),  # CAGR just below 3%
    (2_080_000, 2_249_728, True, 0),  # prior grant: +4% and CAGR 4% (× 1.04³ = 2,249,728)
    (2_079_999, 2_249_728, True, 1),
    (2_080_000, 2_249_727, True, 1),
])
def test_normal_2025_productivity_targets(y1: int, y3: int, prior: bool, errors: int) -> None:
    plan = {"base": _op_figures(2_000_000), "targets": [{"year": 1, **_op_figures(y1)}, {"year": 3, **_op_figures(y3)}]}
    res = _normal(2025, 1_000_000, productivity=plan, prior_grant=prior)
    assert res.productivity is not None and res.productivity.value_added == "operating_profit_personnel_depreciation"
    assert res.productivity.base == Fraction(2_000_000, 20_000)
    assert sum(1 for f in res.findings if f.rule == "productivity.growth") == errors


@pytest.mark.parametrize(("y1", "y3", "errors"), [(103, 109, 0), (102, 109, 1), (103, 108, 1), (90, 80, 2)])
def test_2022_plan_is_plus_3_and_plus_9_of_gross_profit(y1: int, y3: int, errors: int) -> None:
    base = 1_000_000
    plan = {"base": _gp_figures(base), "targets": [{"year": 1, **_gp_figures(base * y1 // 100)},
                                                   {"year": 3, **_gp_figures(base * y3 // 100)}]}
    res = _normal(2022, 3_200_000, productivity=plan, wage_exempt="care")
    assert res.productivity is not None and res.productivity.value_added == "gross_profit"
    assert sum(1 for f in res.findings if f.rule == "productivity.growth") == errors


def test_productivity_needs_this_years_figures() -> None:
    plan = {"base": _op_figures(2_000_000), "targets": [{"year": 1, **_op_figures(2_100_000)}]}  # 2022 needs 売上・原価
    res = _normal(2022, 3_200_000, productivity=plan, wage_exempt="care")
    assert "productivity.inputs_missing" in res.rule_ids("error")
    res = _normal(2025, 1_000_000)
    assert "productivity.plan_missing" in res.rule_ids("info")


def _group(members: list[dict[str, Any]]) -> ItdonyuResult:
    costs = [{"id": f"a{i}", "member": m["id"], "expense": "a", "kind": "software", "unit_price_yen": 400_000,
              "quantity": 1, "tool": "t2"} for i, m in enumerate(members)]
    return planner.evaluate(load_application({"format": "itdonyu-application/1", "program": "itdonyu-2025",
                                              "frame": "group", "members": members, "tools": TOOLS, "costs": costs}))


def _members(base: int, y2: int, n: int = 10, prior: int | None = None) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        plan = {"base": _op_figures(base), "targets": [{"year": 1, **_op_figures(base)}, {"year": 2, **_op_figures(y2)}]}
        out.append(company(f"m{i + 1}", role="representative" if i == 0 else "participant", productivity=plan,
                           prior_grant=(i == prior)))
    return out


@pytest.mark.parametrize(("y2", "prior", "growth", "ok"), [
    (2_205_000, None, Fraction(50, 1000), True),  # ratio 1.1025 exactly: CAGR 5.0%
    (2_204_999, None, Fraction(49, 1000), False),  # 4.99999…% truncates to 4.9%
    (2_247_200, 3, Fraction(60, 1000), True),  # a member with a 2023/2024 grant: 6% needed, 1.1236 = 1.06²
    (2_247_199, 3, Fraction(59, 1000), False),
    (1_900_000, None, Fraction(-25, 1000), False),  # decline: −2.53…% truncates toward zero to −2.5%
])
def test_group_cagr_truncated_to_a_tenth_of_a_percent(y2: int, prior: int | None, growth: Fraction, ok: bool) -> None:
    res = _group(_members(2_000_000, y2, prior=prior))
    assert res.productivity is not None and res.productivity.scope == "group"
    (check,) = res.productivity.checks
    assert (check.kind, check.year, check.growth, check.ok) == ("cagr", 2, growth, ok)
    assert check.required == (Fraction(6, 100) if prior is not None else Fraction(5, 100))
    assert ("productivity.growth" in res.rule_ids("error")) == (not ok)


def test_group_productivity_is_the_mean_of_members() -> None:
    flat = {"base": _op_figures(4_000_000), "targets": [{"year": 1, **_op_figures(4_000_000)},
                                                      {"year": 2, **_op_figures(4_000_000)}]}
    members = [*_members(2_000_000, 2_205_000, n=9), company("m10", role="participant", productivity=flat)]
    res = _group(members)
    assert res.productivity is not None
    assert res.productivity.base == (9 * Fraction(100) + Fraction(200)) / 10
    assert res.productivity.by_year[2] == (9 * Fraction(11025, 100) + Fraction(200)) / 10


@given(st.fractions(min_value=Fraction(1, 100), max_value=Fraction(100)), st.integers(min_value=1, max_value=5))
def test_growth_truncation_is_exact(ratio: Fraction, years: int) -> None:
    step = Fraction(1, 1000)
    g = fx.productivity_growth(Fraction(1), ratio, years, "cagr", step)
    assert (g * 1000).denominator == 1
    if ratio >= 1:
        assert (1 + g) ** years <= ratio < (1 + g + step) ** years
    else:
        assert (1 + g - step) ** years < ratio <= (1 + g) ** years


# ------------------------------------------------------------------------------------- 賃上げ


def _wage(**kw: Any) -> dict[str, Any]:
    plan = {"payroll_base_yen": 10_000_000, "payroll_target_yen": 10_456_784, "min_wage_yen": 1_030,
            "regional_min_wage_yen": 1_000, "announced": True}
    plan.update(kw)
    return plan


@pytest.mark.parametrize(("plan", "error"), [
    (_wage(), False),  # 10,000,000 × 1.015³ = 10,456,783.375 → 10,456,784 meets it
    (_wage(payroll_target_yen=10_456_783), True),
    (_wage(min_wage_yen=1_029), True),  # < 地域別 + 30円
    (_wage(announced=False), True),
    (None, True),
])
def test_required_wage_plan_from_1_5m(plan: dict[str, Any] | None, error: bool) -> None:
    res = _normal(2025, 3_200_000, wage_plan=plan)
    assert res.band == 1
    rules = res.rule_ids("error")
    assert ("wage.required_not_met" in rules or "wage.plan_missing" in rules) == error


def test_wage_exemptions_and_the_one_percent_variant() -> None:
    small = _normal(2025, 3_200_000, employees=3)
    assert "wage.exempt" in small.rule_ids("info")
    assert "wage.plan_missing" not in small.rule_ids()
    assert "wage.plan_missing" not in _normal(2025, 3_200_000, wage_exempt="insurance_medical").rule_ids()
    one = _wage(payroll_target_yen=10_303_010, voluntary_insurance=True)  # 1.01³ = 1.030301
    assert "wage.required_not_met" not in _normal(2024, 3_200_000, wage_plan=one).rule_ids()
    assert "wage.required_not_met" in _normal(2024, 3_200_000, wage_plan={**one, "payroll_target_yen": 10_303_009}).rule_ids()
    assert "wage.required_not_met" in _normal(2025, 3_200_000, wage_plan=one).rule_ids()  # 2025: 1.5% only


def test_wage_plan_is_a_bonus_below_1_5m() -> None:
    res = _normal(2025, 1_000_000, wage_plan=_wage(min_wage_yen=1_050))
    (bonus,) = [f for f in res.findings if f.rule == "wage.bonus"]
    assert "さらに加点" in bonus.message_ja  # +50円 earns the further 加点 in 2025
    res = _normal(2025, 1_000_000, wage_plan=_wage(payroll_target_yen=10_000_000))
    (bonus,) = [f for f in res.findings if f.rule == "wage.bonus"]
    assert bonus.severity == "info" and "満たしません" in bonus.message_ja
    assert not [f for f in _normal(2025, 1_000_000).findings if f.rule.startswith("wage.")]
