"""The optimiser where the cap does not bind: the members' floors and the hours lattice decide the yen.

The optimum is checked against a brute force over every allocation of the ranges, each scored by
``planner.evaluate``; the optimiser's proof (the relaxation's bound, the per-member Lagrangian bound,
HiGHS) must agree with it, also when the Lagrangian bound is forced on this small model.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

import planner
import planner.optimize as opt
import planner.optimize.solver as opt_solver
from planner.optimize import RATIO_RULES, finding_key, optimize
from schemas import load_plan
from tests.optimizer.plans import amount_line, base_plan, flex, labour_line


def _plan() -> dict[str, Any]:
    """u1 outsources ¥3,000–3,002 to v1 (B), so sme_user labour U ≤ floor(B/3) = 1,000 binds: u1's labour at
    ¥2,990/h (¥627–897 in 0.01 h steps of ¥29–30) and u2's at ¥1,730/h (¥311–484) share it; u2 also has a
    24-month cloud line (term rule: floor(12x/24)).  The cap (¥22,000,000 for 4 members) is far away, so
    the total is Σ floor(2E/3) over the members: which residues mod 3 the amounts land on decides it."""
    data = base_plan()
    data["costs"] = [
        flex(amount_line("o", "u1", 2, "outsourcing", 3_000, payee="v1"), 3_000, 3_002),
        flex(labour_line("l1", "u1", 2, "0.21", 2_990), 600, 900),
        flex(labour_line("l2", "u2", 2, "0.18", 1_730), 300, 500),
        flex(amount_line("k", "u2", 1, "cloud", 0, months=24), 0, 5),
    ]
    return data


def _brute_force(data: dict[str, Any]) -> tuple[int, int]:
    """(most subsidy, least claimed at that subsidy) over every allocation that keeps every rule."""
    plan = load_plan(data)
    base = planner.evaluate(plan)
    before = {finding_key(f) for f in base.findings if f.severity in ("error", "warning")}
    best = (-1, 0)
    for o, h1, h2, k in itertools.product(range(3_000, 3_003), range(21, 31), range(18, 29), range(0, 6)):
        costs = [
            plan.costs[0].model_copy(update={"unit_price_yen": o}),
            plan.costs[1].model_copy(update={"hours": Decimal(h1) / 100}),
            plan.costs[2].model_copy(update={"hours": Decimal(h2) / 100}),
            plan.costs[3].model_copy(update={"unit_price_yen": k}),
        ]
        r = planner.evaluate(plan.model_copy(update={"costs": costs}))
        if any(x.rule in RATIO_RULES for ln in r.lines for x in ln.reductions):
            continue  # a trim: not a legitimate allocation (docs/scenarios.md)
        if {finding_key(f) for f in r.findings if f.severity in ("error", "warning")} - before:
            continue
        key = (r.subsidy_yen, -r.claimed_total_yen)
        if key > (best[0], -best[1]):
            best = (r.subsidy_yen, r.claimed_total_yen)
    return best


BRUTE = _brute_force(_plan())


@pytest.mark.parametrize("force_lagrange", [False, True])
def test_non_binding_cap_matches_brute_force(force_lagrange: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if force_lagrange:
        monkeypatch.setattr(opt_solver, "LAGRANGE_MIN_VARS", 0)
    res = optimize(load_plan(_plan()))
    assert res.status == "optimal" and res.plan is not None and res.result is not None
    got = planner.evaluate(res.plan)
    assert got.cap_yen > 2 * got.subsidy_yen  # the cap is far from binding
    assert (got.subsidy_yen, got.claimed_total_yen) == BRUTE
    assert got.subsidy_yen == res.model_subsidy_yen
    assert not res.notes_of("discrepancy", "unproven"), [n.en for n in res.notes]
    # U ≤ floor(B/3) is what holds the labour lines back
    amounts = {lr.id: lr.claimed_yen for lr in got.lines}
    assert amounts["l1"] + amounts["l2"] <= amounts["o"] // 3


@pytest.mark.parametrize("lines", [False, True])
def test_lagrangian_bound_lies_between_relaxation_and_optimum(lines: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-member Lagrangian bound of the subsidy stage (at the relaxation's duals) is at least the
    linear relaxation's bound and never beyond the brute-force optimum: a bound that cut the optimum off
    would 'prove' a wrong answer.  With every labour line on its own lattice (``lines``, the optimiser's
    last resort) the bound is strictly tighter than the relaxation; on the model where labour lines
    join their member's class the lattice is out of the blocks and the two may be equal."""
    calls: list[tuple[Any, dict[int, int], list[Any], dict[int, int]]] = []
    original = opt._Solver.solve

    def spy(self: Any, objective: dict[int, int], extra: list[Any], fixed: dict[int, int], *args: Any) -> Any:
        calls.append((self, dict(objective), list(extra), dict(fixed)))
        return original(self, objective, extra, fixed, *args)

    monkeypatch.setattr(opt._Solver, "solve", spy)
    if lines:
        opt._optimize(load_plan(_plan()), "subsidy", None, None, False, split=None)
    else:
        optimize(load_plan(_plan()))
    solver, objective, extra, fixed = calls[0]  # stage 1: minimise −T
    n = len(solver.model.names)
    c = np.zeros(n)
    for v, k in objective.items():
        c[v] = k
    assert objective == {solver.subsidy[1]: -1}
    a, _lo, hi, rows = solver._arrays(extra)
    lb, ub = solver._bounds(fixed)
    le = [i for i, r in enumerate(rows) if not r.eq]
    eq = [i for i, r in enumerate(rows) if r.eq]
    lp = linprog(
        c,
        A_ub=a[le],
        b_ub=hi[le],
        A_eq=a[eq] if eq else None,
        b_eq=hi[eq] if eq else None,
        bounds=np.column_stack([lb, ub]),
        method="highs",
    )
    assert lp.status == 0
    mult = {i: -m for i, m in zip(le, lp.ineqlin.marginals, strict=True)}
    if eq:
        mult.update({i: -m for i, m in zip(eq, lp.eqlin.marginals, strict=True)})
    lag = solver.lagrangian_bound(c, extra, fixed, mult)
    assert lag is not None
    assert lp.fun - 1e-6 <= lag <= -BRUTE[0] + 1e-6, (lp.fun, lag, BRUTE)
    if lines:  # strictly tighter than the relaxation: the floors and the hours lattice count
        assert lag > lp.fun + 1e-6
