"""Inputs the optimiser cannot satisfy are explained (which constraint, by how much), never crashed on;
trims the ranges cannot avoid are explained; bad arguments are refused with a message."""

from __future__ import annotations

from typing import Any

import planner
from planner.optimize import optimize
from schemas import load_plan
from tests.optimizer.plans import amount_line, base_plan, flex, labour_line


def _plan(costs: list[dict[str, Any]]) -> Any:
    data = base_plan()
    data["costs"] = costs
    return load_plan(data)


def test_budget_below_the_fixed_lines_and_minimums_is_explained() -> None:
    plan = _plan(
        [
            amount_line("fixed", "u1", 2, "outsourcing", 5_000_000, payee="v1"),
            flex(amount_line("f", "u2", 2, "outsourcing", 0, payee="v2"), 1_000_000, 2_000_000),
        ]
    )
    res = optimize(plan, budget=5_500_000)
    assert res.status == "infeasible" and res.plan is None
    (note,) = res.notes_of("infeasible")
    assert note.key == "budget:*"
    assert note.yen == 500_000  # 5,000,000 fixed + 1,000,000 minimum − 5,500,000
    assert "¥5,500,000" in note.ja and "¥6,000,000" in note.ja and "¥500,000" in note.ja
    assert "¥500,000" in note.en


def test_member_budget_below_its_minimum_is_explained() -> None:
    plan = _plan([flex(amount_line("f", "u2", 2, "outsourcing", 0, payee="v2"), 1_000_000, 2_000_000)])
    res = optimize(plan, member_budgets={"u2": 999_999})
    assert res.status == "infeasible"
    (note,) = res.notes_of("infeasible")
    assert note.key == "budget:u2" and note.yen == 1


def test_labour_range_no_hours_can_reach_is_explained() -> None:
    # at ¥3,000/h every amount is a multiple of ¥30: nothing lies in [¥1, ¥29]
    plan = _plan([flex(labour_line("u", "u1", 2, "1", 3_000), 1, 29)])
    res = optimize(plan)
    assert res.status == "infeasible"
    (note,) = res.notes_of("infeasible")
    assert note.key == "line:u" and "¥3,000" in note.ja


def test_bad_arguments_are_refused_with_a_message() -> None:
    plan = _plan([flex(amount_line("f", "u2", 2, "outsourcing", 0, payee="v2"), 0, 10)])
    for kwargs in (
        {"objective": "own-funds:nobody"},
        {"objective": "own-funds:x1"},  # a collaborator receives no subsidy
        {"objective": "profit"},
        {"member_budgets": {"nobody": 5}},
        {"budget": -1},
    ):
        res = optimize(plan, **kwargs)
        assert res.status == "invalid", kwargs
        assert res.notes_of("invalid")[0].ja and res.notes_of("invalid")[0].en


def test_a_trim_the_ranges_cannot_avoid_is_explained() -> None:
    """v1's subcontract is fixed at ¥2,000,000 but its other STEP3 costs reach at most ¥1,000,000: the
    rule must trim.  The optimiser takes the most other STEP3 cost (trim ¥1,000,001) and says so."""
    plan = _plan(
        [
            amount_line("c", "v1", 3, "outsourcing", 2_000_000, payee_external="外注", subcontract=True),
            flex(amount_line("r", "v1", 3, "travel", 10, integration="i1"), 0, 1_000_000),
        ]
    )
    res = optimize(plan)
    assert res.status == "optimal_forced_trim" and res.plan is not None
    result = planner.evaluate(res.plan)
    assert {lr.id: lr.claimed_yen for lr in result.lines} == {"c": 2_000_000, "r": 1_000_000}
    (note,) = res.notes_of("forced_trim")
    assert note.yen == 1_000_001
    assert result.subsidy_yen == res.model_subsidy_yen == (1_000_000 + 999_999) * 2 // 3


def test_plan_without_flex_is_left_as_it_is() -> None:
    plan = _plan([amount_line("o", "u1", 2, "outsourcing", 3_000_000, payee="v1")])
    res = optimize(plan)
    assert res.status == "no_flex" and res.plan == plan and not res.changes
    assert res.notes_of("info")
