"""Three formulations of the same plans must reach the same optimum, each proven.

The optimiser solves labour lines as class totals (the hours lattice relaxed, then shared out and the
totals next to the ends excluded when no hours reach them); as a last resort it puts every labour line
on its own lattice (``split=None``).  The first-gap rows are an optional strengthening.  HiGHS has
answered "infeasible" to a feasible question on these models (found by exactly this comparison, see
docs/scenarios.md), so a proof that is wrong shows up here as two formulations that disagree.
"""

from __future__ import annotations

import pytest

import planner
import planner.optimize as opt
import planner.optimize.allocate as opt_allocate
from schemas import load_plan
from tests.optimizer.plans import generated_plan

CASES = [(60, s, 40) for s in range(1, 7)] + [(200, s, 40) for s in (1, 2, 3)] + [(150, 7, 1)]


def _key(res: opt.OptimizeResult) -> tuple[str, int, int]:
    assert res.result is not None
    return res.status, res.result.subsidy_yen, res.result.claimed_total_yen


@pytest.mark.parametrize(("lines", "seed", "scale"), CASES)
def test_class_totals_and_line_lattices_agree(lines: int, seed: int, scale: int, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = load_plan(generated_plan(lines, seed, scale_down=scale))
    classes = opt.optimize(plan, explain=False)
    per_line = opt._optimize(plan, "subsidy", None, None, False, split=None)
    monkeypatch.setattr(opt_allocate, "_first_gaps", lambda *a, **k: None)
    no_gap_rows = opt.optimize(plan, explain=False)
    assert _key(classes) == _key(per_line) == _key(no_gap_rows)
    for res in (classes, per_line, no_gap_rows):
        assert not res.notes_of("unproven"), [n.en for n in res.notes]
        assert res.plan is not None and res.result is not None
        assert planner.evaluate(res.plan).subsidy_yen == res.result.subsidy_yen
        assert not res.new_findings
        if res.status == "optimal":
            assert not res.notes_of("discrepancy"), [n.en for n in res.notes]


def test_a_class_the_search_cannot_share_is_solved_line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """When sharing a class total out to hours gives up, that class's labour lines are solved one by
    one on their lattices; the answer is the same optimum."""
    plan = load_plan(generated_plan(120, 3, scale_down=40))
    expected = _key(opt.optimize(plan, explain=False))
    calls = {"n": 0}
    real = opt_allocate.realise

    def give_up_once(total: int, ends: object) -> object:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(total, ends)  # type: ignore[arg-type]

    monkeypatch.setattr(opt_allocate, "realise", give_up_once)
    res = opt.optimize(plan, explain=False)
    assert _key(res) == expected
    assert res.classes_split == 1
    assert not res.notes_of("unproven", "discrepancy")


@pytest.mark.parametrize("seed", [2, 4, 5])
def test_large_plans_agree_with_and_without_the_gap_rows(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's 2,000-line plans below the cap, where amounts run to tens of millions of yen:
    this comparison is what showed HiGHS's presolve, and its tolerances on unshifted amounts,
    'proving' a yen less subsidy than an allocation that exists."""
    plan = load_plan(generated_plan(2000, seed, scale_down=40))
    with_rows = opt.optimize(plan, explain=False)
    monkeypatch.setattr(opt_allocate, "_first_gaps", lambda *a, **k: None)
    without = opt.optimize(plan, explain=False)
    assert _key(with_rows) == _key(without)
    for res in (with_rows, without):
        assert res.status == "optimal"
        assert not res.notes_of("unproven", "discrepancy"), [n.en for n in res.notes]


def test_a_cheap_labour_line_in_a_class_with_a_lattice_line_is_written_as_hours() -> None:
    """Found by the random-allocations property: a ¥40/h line (every yen reachable) shares a class with
    a ¥1,730/h line; its yen must be written back as hours, not as a unit price the engine ignores."""
    from tests.optimizer.plans import base_plan, flex, labour_line

    data = base_plan(large_vendor=True)
    data["costs"] = [
        flex(labour_line("cheap", "v2", 3, "0.01", 40, integration="i1"), 0, 1),
        flex(labour_line("dear", "v2", 3, "0.01", 1730, integration="i1"), 0, 17),
    ]
    res = opt.optimize(load_plan(data))
    assert res.plan is not None and res.result is not None
    assert res.result.subsidy_yen == res.model_subsidy_yen == 9  # floor((1 + 17) × 1/2)
    cheap = next(ln for ln in res.plan.costs if ln.id == "cheap")
    assert cheap.hours is not None and cheap.unit_price_yen is None
    assert not res.notes_of("discrepancy")


def test_a_lattice_class_with_a_huge_range_is_not_cut_by_tolerances() -> None:
    """Found by the random-allocations property: a ¥2,990/h labour line with a range up to ¥31,000,559,
    held to ≤ floor(1,707 / 3) by the outsourcing.  The gap rows' big coefficient (31 million) let HiGHS's
    integrality tolerance open the excluded gap and the optimiser stopped ¥15 short, unproven.  The rows
    now use what the rules imply (≤ ¥569); brute force over every allocation agrees."""
    from decimal import Decimal

    from tests.optimizer.plans import amount_line, base_plan, flex, labour_line

    data = base_plan(large_vendor=True)
    data["costs"] = [
        flex(amount_line("o", "u1", 2, "outsourcing", 0, payee="v1"), 0, 1_707),
        flex(labour_line("l", "u1", 2, "0.18", 2_990), 509, 31_000_559),
    ]
    plan = load_plan(data)
    res = opt.optimize(plan)
    assert res.result is not None and not res.notes_of("unproven", "discrepancy")
    best = (0, 0)
    for o in range(0, 1_708):
        for hh in range(18, 25):  # ¥538 … ¥717; U ≤ floor(o / 3) ≤ 569 keeps it low
            costs = [plan.costs[0].model_copy(update={"unit_price_yen": o}),
                     plan.costs[1].model_copy(update={"hours": Decimal(hh) / 100})]
            r = planner.evaluate(plan.model_copy(update={"costs": costs}))
            if any(x.rule in opt.RATIO_RULES for ln in r.lines for x in ln.reductions):
                continue
            best = max(best, (r.subsidy_yen, -r.claimed_total_yen))
    assert (res.result.subsidy_yen, -res.result.claimed_total_yen) == best


def test_highs_extra_options_reach_highs_without_a_warning() -> None:
    """The speed setting (feasibility jump off) is active with this scipy, and passing it is silent."""
    import warnings

    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint

    from planner.optimize import HIGHS_EXTRA_OPTIONS, _highs_milp

    assert HIGHS_EXTRA_OPTIONS == {"mip_heuristic_run_feasibility_jump": False}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # the most x + y with 2x + 3y ≤ 12 and x, y whole in [0, 5]: 5 (x = 5, y = 0 and others)
        res = _highs_milp(
            np.array([-1.0, -1.0]),
            {"mip_rel_gap": 0.0, "presolve": False},
            integrality=np.ones(2),
            bounds=Bounds(np.zeros(2), np.full(2, 5.0)),
            constraints=[LinearConstraint(np.array([[2.0, 3.0]]), -np.inf, 12.0)],
        )
    assert res.status == 0
    assert round(-res.fun) == 5
