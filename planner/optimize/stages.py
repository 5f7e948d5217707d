"""The lexicographic stages (``_run_stages``): the most subsidy; then, if asked, one member's least own
funds; then the least total claimed (and, with trims, the least trim) — each stage's value kept as a row
for the next.  Only the last stage's allocation must be reachable by the labour lines' hours: class totals
in a gap are described exactly (the ``encode`` callback), solved around the previous answer, dived on
and, as the last resort, branched on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from planner.optimize.model import _Built, _Lin, _Model, _Row, _Unrealisable
from planner.optimize.solver import _Solved, _Solver

TIE_BREAK_LADDER_FROM = 2  # the tie-break's optimum is usually 2 yen above its relaxation's bound
MAX_BRANCH_NODES = 64  # per stage: branches on class totals that the hours cannot reach


@dataclass(slots=True)
class _Stages:
    status: str
    x: list[int]
    subsidy: int
    message: str = ""
    extra_rows: list[_Row] = field(default_factory=list)
    fixed_binaries: dict[int, int] = field(default_factory=dict)
    unproven: list[tuple[str, int]] = field(default_factory=list)  # (stage, gap) not proven optimal
    duals: tuple[dict[str, float], np.ndarray] | None = None  # stage 1's relaxation: row and upper-bound marginals


def _run_stages(
    model: _Model,
    built: _Built,
    kind: str,
    target: str | None,
    total_claimed: _Lin,
    member_claimed: dict[str, _Lin],
    reserve: list[set[int]],
    primary: set[int],
    derived: list[tuple[int, int, int, int]],
    owners: Mapping[int, str] | None = None,
    reach: Callable[[list[int]], list[tuple[int, int, int]]] | None = None,
    encode: Callable[[list[int], list[tuple[int, int, int]]], bool] | None = None,
    reach_every_stage: bool = False,
) -> _Stages:
    """The lexicographic stages.  Only the last stage's allocation must be reachable by the labour
    lines' hours (``reach``): an earlier stage's optimum on the relaxed classes is a bound the real
    lines may or may not meet, and the last stage keeps it as a row.  When the last stage then finds
    no reachable allocation, the stages run again with reachability asked of every stage."""
    t = built.t_var
    fixed: dict[int, int] = {}
    solver = _Solver(model, reserve, primary, derived, owners)
    rp, rq = built.rate.numerator, built.rate.denominator
    raw_vars: dict[int, tuple[_Lin, int, int]] = {}
    for mid, raw in built.raw.items():
        if raw.terms:
            raw_vars[next(iter(raw.terms))] = (built.elig[mid], rp, rq)
        else:
            solver.subsidy_const += raw.const
    solver.subsidy = (raw_vars, t, built.cap)
    unproven: list[tuple[str, int]] = []
    stage_name = ["subsidy"]

    def solve(obj: dict[int, int], extra: list[_Row], final: bool = False, ladder_from: int = 0) -> _Solved:
        """The stage's optimum among allocations whose class totals the labour lines' hours reach.

        A class total next to an end of its range that no hours reach is branched on — the total at
        most the nearest reachable one below, or at least the nearest above — depth first, each branch
        pruned by the best reachable allocation so far (a branch's optimum is a bound for all of it)."""
        if reach is None or not (final or reach_every_stage):
            return solve_node(obj, extra, None, ladder_from)

        def value(res: _Solved) -> int:
            return sum(k * res.x[v] for v, k in obj.items())

        def toward(gaps: list[tuple[int, int, int]], x: list[int], rows: list[_Row]) -> list[_Row]:
            """Rows sending each unreachable total to its nearer reachable neighbour."""
            out = list(rows)
            for var, below, above in gaps:
                if above - x[var] <= x[var] - below:
                    out.append(_Row(f"reach_ge:{var}:{above}", {var: -1}, -above))
                else:
                    out.append(_Row(f"reach_le:{var}:{below}", {var: 1}, below))
            return out

        root = solve_node(obj, extra, None, ladder_from)
        # first, describe exactly (in the model) the ends of the classes whose totals land in a gap
        while encode is not None and root.status == "optimal":
            gaps = reach(root.x)
            if not gaps:
                return root
            if not encode(root.x, gaps):
                break
            solver.refresh()
            members = {solver.owner[var] for var, _, _ in gaps}
            around = solver.solve_around(obj, extra, fixed, root.x, members, root.proven)
            root = around if around is not None else solve_node(obj, extra)
        if root.status != "optimal" or not reach(root.x):
            return root
        bound = value(root) if root.proven else None  # no reachable allocation does better
        best: _Solved | None = None
        best_val = 0
        # a dive: every unreachable total to its nearer neighbour, until none is left
        rows: list[_Row] = []
        res = root
        for _ in range(8):
            gaps = reach(res.x)
            if not gaps:
                best, best_val = res, value(res)
                break
            rows = toward(gaps, res.x, rows)
            res = solve_node(obj, [*extra, *rows])
            if res.status != "optimal":
                break
        if best is not None and bound is not None and best_val <= bound:
            return best
        # branch and bound over the unreachable totals, depth first
        stack: list[list[_Row]] = [[]]
        nodes = 0
        while stack:
            branch = stack.pop()
            res = root if not branch else solve_node(obj, [*extra, *branch], best_val if best is not None else None)
            nodes += 1
            if res.status != "optimal":
                continue
            val = value(res)
            if best is not None and val >= best_val and res.proven:
                continue
            gaps = reach(res.x)
            if not gaps:
                if best is None or val < best_val:
                    best, best_val = res, val
                    if bound is not None and best_val <= bound:
                        break
                continue
            if nodes >= MAX_BRANCH_NODES:
                raise _Unrealisable(set())
            var, below, above = gaps[0]
            stack.append([*branch, _Row(f"reach_le:{var}:{below}", {var: 1}, below)])
            stack.append([*branch, _Row(f"reach_ge:{var}:{above}", {var: -1}, -above)])
        if best is None:
            return _Solved("infeasible", [], "no allocation whose class totals the hours reach")
        return best

    def solve_node(
        obj: dict[int, int], extra: list[_Row], cutoff: int | None = None, ladder_from: int = 0
    ) -> _Solved:
        res = solver.solve(obj, extra, fixed, cutoff, ladder_from)
        # a binary left at a tolerance from 0 while its group is positive: fix it and solve again
        for _ in range(len(built.binaries)):
            if res.status != "optimal":
                break
            bad = [r for r in model.violations(res.x, extra) if r.startswith("rule")]
            if not bad:
                break
            for y in built.binaries:
                scope = model.names[y].split(":", 1)[1]
                if any(r.endswith(f":{scope}") for r in bad):
                    fixed[y] = 1
            res = solver.solve(obj, extra, fixed, cutoff, ladder_from)
        if res.status == "optimal" and not res.proven:
            unproven.append((stage_name[0], res.gap))
        return res

    # stage 1: the most subsidy
    s1 = solve({t: -1}, [])
    if s1.status != "optimal":
        return _Stages(s1.status, [], 0, s1.message)
    best = s1.x[t]
    keep = _Row("stage1", {t: -1}, -best)
    extra = [keep]
    x = s1.x

    def claimed_objective(lin: _Lin) -> dict[int, int]:
        return {v: c for v, c in lin.terms.items() if c}

    if kind == "own_funds" and target is not None:
        raw_k = built.raw.get(target, _Lin())
        own_k = member_claimed.get(target, _Lin()).copy().add(raw_k, -1)
        rp, rq = built.rate.numerator, built.rate.denominator
        floor_rows = []
        for mid, raw in built.raw.items():
            if raw.terms:
                # q·raw ≥ p·E − (q − 1): raw is exactly floor(E × rate)
                lhs = built.elig[mid].scaled(rp).add(raw, -rq)
                diff = lhs.copy()
                floor_rows.append(_Row(f"floor:{mid}", dict(diff.terms), rq - 1 - diff.const))
        own_extra = list(floor_rows)
        stage_name[0] = "own_funds"
        if best >= built.cap:
            # when the cap binds the member's share is pro rata; aim for Σ raw = cap so share = raw
            raw_all = _Lin()
            for raw in built.raw.values():
                raw_all.add(raw)
            cap_row = _Row("cap_exact", dict(raw_all.terms), built.cap - raw_all.const)
            s2 = solve(claimed_objective(own_k), [*extra, *own_extra, cap_row])
            if s2.status == "optimal":
                own_extra.append(cap_row)
            else:
                s2 = solve(claimed_objective(own_k), [*extra, *own_extra])
        else:
            s2 = solve(claimed_objective(own_k), [*extra, *own_extra])
        if s2.status != "optimal":
            return _Stages(s2.status, [], 0, s2.message)
        own_val = own_k.value(s2.x)
        extra = [*extra, *own_extra, _Row("stage2", dict(own_k.terms), own_val - own_k.const)]
        x = s2.x

    # last stage: the least total claimed (own funds, as T is fixed)
    stage_name[0] = "tie_break"
    # with trims allowed a fourth stage follows: the least trim for that allocation (the engine trims
    # only what it must); the hours must then reach the fourth stage's allocation, not the third's
    trims = _Lin()
    for lin in built.trims.values():
        trims.add(lin)

    def again() -> _Stages:
        return _run_stages(
            model, built, kind, target, total_claimed, member_claimed, reserve, primary, derived, owners,
            reach, encode, reach_every_stage=True,
        )

    s3 = solve(claimed_objective(total_claimed), extra, final=not trims.terms, ladder_from=TIE_BREAK_LADDER_FROM)
    if s3.status != "optimal" and reach is not None and not reach_every_stage:
        return again()
    if s3.status == "optimal":
        x = s3.x
        extra = [*extra, _Row("stage3", dict(total_claimed.terms), total_claimed.value(x) - total_claimed.const)]
    else:
        unproven.append(("tie_break", -1))
    if trims.terms:
        stage_name[0] = "trims"
        s4 = solve(claimed_objective(trims), extra, final=True)
        if s4.status != "optimal" and reach is not None and not reach_every_stage:
            return again()
        if s4.status == "optimal":
            x = s4.x
    # the explanation prices the rows with its own relaxation, whose bounds are loosened (_dual_lp)
    return _Stages("optimal", x, x[t], "", extra, dict(fixed), unproven, None)
