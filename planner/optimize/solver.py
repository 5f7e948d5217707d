"""HiGHS on one model (``_Solver``): one stage's optimum, proven.

The linear relaxation (a bound) → with the line variables it puts at a bound fixed, a ladder of
feasibility questions at the bound and just above it → "is there an allocation a yen better?" on the
whole model, asked without presolve and on variables shifted to a known integer point, until HiGHS
says there is none → otherwise the Lagrangian bound (``lagrangian_bound``) and the full MILP.  Every
candidate is polished (``polish``) and re-checked in exact integers (``_exact``); ``solve_around``
re-solves a stage after rows were added.  The time limits and proof settings are module constants here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog
from scipy.sparse import csr_array

from planner.optimize.highs import _highs_milp
from planner.optimize.model import _ceil_div, _Lin, _Model, _Row

TIME_LIMIT_S = 10.0  # the full MILP of one stage
SUB_TIME_LIMIT_S = 5.0  # the MILP around the linear relaxation
LAGRANGE_MIN_VARS = 200  # smaller models go straight to the full MILP (fast there)
BLOCK_TIME_LIMIT_S = 0.5  # one member's block of the Lagrangian bound (its dual bound is used if cut short)
PROOF_PRESOLVE = False  # HiGHS presolve has answered "infeasible" to feasible probes here
LADDER_STEPS = 4  # feasibility questions at the bound and just above it, before the small MILP
RC_MARGIN = 0.5  # yen: reduced-cost fixing keeps this much to spare for the floating-point duals
PROOF_ROUNDS = 8  # "is there a better one?" rounds before the bounds below
PROOF_TIME_LIMIT_S = 2.0


@dataclass(slots=True)
class _Solved:
    status: str  # optimal | infeasible | failed
    x: list[int]
    message: str = ""
    proven: bool = True  # optimality proven (by HiGHS, or by the LP bound)
    gap: int = 0  # when not proven: how far (in objective units) the LP bound might still be


class _Solver:
    """HiGHS on one model: the constraint matrix is built once; stages add a few rows.

    A stage is solved as: the linear relaxation (a bound; the objective is integral, so its ceiling
    is a bound too) → with every line variable that the relaxation puts at one of its bounds fixed
    there, feasibility questions at the bound and just above it (a candidate at the bound is optimal)
    → "a yen better?" questions on the whole model until HiGHS says there is none → otherwise the
    Lagrangian bound and the full MILP.
    """

    def __init__(
        self,
        model: _Model,
        reserves: list[set[int]],
        primary: set[int],
        derived: list[tuple[int, int, int, int]],
        owners: Mapping[int, str] | None = None,
    ) -> None:
        self.model = model
        self.derived = derived  # (src, dst, mul, div): dst = floor(src × mul / div) once src is fixed
        self.reserves = reserves  # tiers of line variables left free around the LP, tried in turn
        self.primary = primary
        self.owner_lines = dict(owners or {})
        # raw_i = floor(E_i × p/q) and T = min(cap, Σ raw): set exactly on every candidate (see polish)
        self.subsidy: tuple[dict[int, tuple[_Lin, int, int]], int, int] | None = None
        self.subsidy_const = 0
        self.refresh()

    def refresh(self) -> None:
        """Read the model again (after variables and rows were added to it)."""
        self.owner = self._owners(self.owner_lines)
        data: list[int] = []
        ri: list[int] = []
        ci: list[int] = []
        for r, row in enumerate(self.model.rows):
            for v, k in row.coefs.items():
                data.append(k)
                ri.append(r)
                ci.append(v)
        self.data, self.ri, self.ci = data, ri, ci

    def _owners(self, lines: Mapping[int, str]) -> list[str]:
        """The member each variable belongs to ("" for the consortium-wide ones such as T)."""
        out = []
        for v, name in enumerate(self.model.names):
            if v in lines:
                out.append(lines[v])
            elif name.startswith(("raw:", "y:")):
                out.append(name.split(":", 1)[1])
            elif name.startswith("t:"):
                out.append(name.rsplit(":", 1)[1])
            else:
                out.append("")
        return out

    def lagrangian_bound(
        self, c: np.ndarray, extra: list[_Row], fixed: dict[int, int], mult: dict[int, float]
    ) -> float | None:
        """A lower bound on the stage's MILP (a minimisation) by Lagrangian relaxation.

        ``mult`` maps row index (in model rows + extra) → multiplier μ_r (≥ 0 on ≤ rows).  Rows whose
        variables all belong to one member stay in that member's block; the others are priced into the
        objective: L(μ) = −μ·b + Σ_blocks min (c + Aᵀμ)·x over the block's integer points.  Each block is a
        small MILP holding that member's floors (raw = floor(E × rate)), hours lattice and term rule, so
        L(μ) ≥ the linear relaxation's value whenever μ are its duals, and L(μ) ≤ the MILP optimum for
        any μ ≥ 0.  None when a block cannot be solved.
        """
        rows = [*self.model.rows, *extra]
        n = len(self.model.names)
        cc = c.astype(np.float64).copy()
        const = 0.0
        local: dict[str, list[_Row]] = {}
        for r, row in enumerate(rows):
            whose = {self.owner[v] for v in row.coefs if v not in fixed}
            if len(whose) == 1 and "" not in whose:
                local.setdefault(next(iter(whose)), []).append(row)
                continue
            mu = mult.get(r, 0.0)
            if not row.eq and mu < 0:
                mu = 0.0
            if mu == 0.0:
                continue  # a row priced at 0 is simply dropped: that only relaxes
            const -= mu * row.rhs
            for v, k in row.coefs.items():
                cc[v] += mu * k
        blocks: dict[str, list[int]] = {}
        for v in range(n):
            if v in fixed:
                const += cc[v] * fixed[v]
            else:
                blocks.setdefault(self.owner[v], []).append(v)
        total = const
        for who, vs in blocks.items():
            brows = local.get(who, [])
            if not brows or who == "":
                # a box: each variable at the better end
                for v in vs:
                    total += cc[v] * (self.model.lb[v] if cc[v] >= 0 else self.model.ub[v])
                continue
            pos = {v: i for i, v in enumerate(vs)}
            data: list[int] = []
            ri: list[int] = []
            ci: list[int] = []
            hi: list[float] = []
            lo: list[float] = []
            for row in brows:
                rhs = row.rhs - sum(k * fixed[v] for v, k in row.coefs.items() if v in fixed)
                r = len(hi)
                for v, k in row.coefs.items():
                    if v not in fixed:
                        data.append(k)
                        ri.append(r)
                        ci.append(pos[v])
                hi.append(rhs)
                lo.append(rhs if row.eq else -np.inf)
            a = csr_array((np.array(data, dtype=np.float64), (np.array(ri), np.array(ci))), shape=(len(hi), len(vs)))
            res = _highs_milp(
                cc[vs],
                integrality=np.ones(len(vs)),
                bounds=Bounds(np.array([self.model.lb[v] for v in vs], dtype=np.float64),
                              np.array([self.model.ub[v] for v in vs], dtype=np.float64)),
                constraints=[LinearConstraint(a, np.array(lo), np.array(hi))],
                options={"mip_rel_gap": 0.0, "time_limit": BLOCK_TIME_LIMIT_S, "presolve": True},
            )
            if res.status == 0 and res.fun is not None:
                got = res.fun
            else:
                bound = getattr(res, "mip_dual_bound", None)
                if bound is None or not np.isfinite(bound):
                    return None
                got = bound
            total += got
        return total

    def _arrays(self, extra: list[_Row]) -> tuple[csr_array, np.ndarray, np.ndarray, list[_Row]]:
        rows = [*self.model.rows, *extra]
        data, ri, ci = list(self.data), list(self.ri), list(self.ci)
        base = len(self.model.rows)
        for r, row in enumerate(extra):
            for v, k in row.coefs.items():
                data.append(k)
                ri.append(base + r)
                ci.append(v)
        n = len(self.model.names)
        a = csr_array((np.array(data, dtype=np.float64), (np.array(ri, dtype=np.int64), np.array(ci, dtype=np.int64))),
                      shape=(len(rows), n))
        hi = np.array([row.rhs for row in rows], dtype=np.float64)
        lo = np.array([row.rhs if row.eq else -np.inf for row in rows], dtype=np.float64)
        return a, lo, hi, rows

    def _bounds(self, fixed: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
        lb = np.array(self.model.lb, dtype=np.float64)
        ub = np.array(self.model.ub, dtype=np.float64)
        for v, val in fixed.items():
            lb[v] = ub[v] = val
        return lb, ub

    def _milp(
        self,
        c: np.ndarray,
        extra: list[_Row],
        fixed: dict[int, int],
        time_limit: float,
        *,
        presolve: bool = True,
        shift: list[int] | None = None,
    ) -> _Solved:
        """The MILP with ``fixed`` variables (and what they determine) substituted out before HiGHS sees it.

        ``shift``: an integer point near the answer (a candidate, the rounded relaxation).  HiGHS then
        solves for the difference from it, so the numbers it handles are a few yen instead of tens of
        millions: its tolerances (1e-6 and 1e-7, partly relative) otherwise let it call a problem
        infeasible that has an integer solution, which the exact re-check has caught on these models.
        """
        fixed = dict(fixed)
        for src, dst, mul, div in self.derived:
            if src in fixed and dst not in fixed:
                fixed[dst] = fixed[src] * mul // div
        n = len(self.model.names)
        free = [i for i in range(n) if i not in fixed]
        pos = {v: i for i, v in enumerate(free)}
        lb_m, ub_m = self.model.lb, self.model.ub
        sh = [0] * n if shift is None else [min(ub_m[i], max(lb_m[i], shift[i])) if i < len(shift) else 0 for i in range(n)]
        data: list[int] = []
        ri: list[int] = []
        ci: list[int] = []
        lo: list[float] = []
        hi: list[float] = []
        for row in (*self.model.rows, *extra):
            const = 0
            terms = []
            for v, k in row.coefs.items():
                if v in fixed:
                    const += k * fixed[v]
                else:
                    const += k * sh[v]
                    terms.append((pos[v], k))
            rhs = row.rhs - const
            if not terms:
                if rhs < 0 or (row.eq and rhs != 0):
                    return _Solved("infeasible", [], "fixed values break " + row.key)
                continue
            r = len(hi)
            for j, k in terms:
                data.append(k)
                ri.append(r)
                ci.append(j)
            hi.append(rhs)
            lo.append(rhs if row.eq else -np.inf)
        x_full = [fixed.get(i, 0) for i in range(n)]
        if not free:
            return _Solved("optimal", x_full, "all fixed")
        cf = c[free]
        a = csr_array(
            (np.array(data, dtype=np.float64), (np.array(ri, dtype=np.int64), np.array(ci, dtype=np.int64))),
            shape=(len(hi), len(free)),
        )
        res = _highs_milp(
            cf,
            integrality=np.ones(len(free)),
            bounds=Bounds(np.array([lb_m[i] - sh[i] for i in free], dtype=np.float64),
                          np.array([ub_m[i] - sh[i] for i in free], dtype=np.float64)),
            constraints=[LinearConstraint(a, np.array(lo), np.array(hi))] if hi else [],
            options={"mip_rel_gap": 0.0, "time_limit": time_limit, "presolve": presolve},
        )
        if res.x is None:
            return _Solved("infeasible" if res.status == 2 else "failed", [], str(res.message))
        for i, v in zip(free, np.rint(res.x), strict=True):
            x_full[i] = int(v) + sh[i]
        if res.status == 0:
            return _Solved("optimal", x_full, str(res.message))
        bound = getattr(res, "mip_dual_bound", None)
        gap = 0 if bound is None else max(0, math.ceil(cf @ np.rint(res.x) - bound))
        return _Solved("optimal", x_full, str(res.message), proven=False, gap=gap)

    def _costs(self, objective: dict[int, int]) -> np.ndarray:
        c = np.zeros(len(self.model.names))
        for v, k in objective.items():
            c[v] = k
        return c

    def _exact(self, sub: _Solved, extra: list[_Row], objective: dict[int, int]) -> tuple[list[int], int] | None:
        """``sub``'s allocation (subsidy variables polished) if it keeps every row in exact integers."""
        if sub.status != "optimal":
            return None
        for x in (self.polish(sub.x), sub.x):
            if not self.model.violations(x, extra):
                return x, sum(k * x[v] for v, k in objective.items())
        return None

    def solve_around(
        self,
        objective: dict[int, int],
        extra: list[_Row],
        fixed: dict[int, int],
        prev: list[int],
        members: set[str],
        prev_proven: bool,
    ) -> _Solved | None:
        """After rows were added that cut ``prev`` off: an allocation as good as ``prev`` that keeps the
        other members' classes that ``prev`` has at an end of their range there.  The rows only cut
        allocations off, so a proven ``prev``'s value is still a bound and such an allocation is optimal.
        None when there is none (the caller then solves the stage afresh, with its relaxation, ladder
        and proof questions: a MILP with the objective here instead took HiGHS up to 2.4 s to prove on
        60-line plans whose trims are forced, for the same answers)."""
        if not prev_proven:
            return None
        n = len(self.model.names)
        fix = dict(fixed)
        for v in self.primary:
            if v < len(prev) and v not in fix and self.owner[v] not in members:
                if prev[v] in (self.model.lb[v], self.model.ub[v]):
                    fix[v] = prev[v]
        shift = [*prev, *([0] * (n - len(prev)))]
        prev_val = sum(k * prev[v] for v, k in objective.items())
        at_prev = _Row("probe", dict(objective), prev_val)
        ask = self._milp(np.zeros(n), [*extra, at_prev], fix, SUB_TIME_LIMIT_S, shift=shift)
        got = self._exact(ask, extra, objective)
        if got is not None and got[1] <= prev_val:
            return _Solved("optimal", got[0], "reaches the bound of the stage before the rows were added")
        return None

    def solve(
        self,
        objective: dict[int, int],
        extra: list[_Row],
        fixed: dict[int, int],
        cutoff: int | None = None,
        ladder_from: int = 0,
    ) -> _Solved:
        """The stage's optimum; with ``cutoff`` only an allocation whose objective is below it counts
        (otherwise the answer is ``pruned``).  ``ladder_from``: how far above the relaxation's bound
        the optimum usually is (the tie-break's is a few yen above it: the members' floors)."""
        n = len(self.model.names)
        c = self._costs(objective)
        a, _lo, hi, rows = self._arrays(extra)
        lb, ub = self._bounds(fixed)
        ub_rows = [i for i, r in enumerate(rows) if not r.eq]
        eq_rows = [i for i, r in enumerate(rows) if r.eq]
        lp = linprog(
            c,
            A_ub=a[ub_rows] if ub_rows else None,
            b_ub=hi[ub_rows] if ub_rows else None,
            A_eq=a[eq_rows] if eq_rows else None,
            b_eq=hi[eq_rows] if eq_rows else None,
            bounds=np.column_stack([lb, ub]),
            method="highs",
        )
        if lp.status == 2:
            return _Solved("infeasible", [], str(lp.message))
        if lp.status != 0:
            return self._milp(c, extra, fixed, TIME_LIMIT_S, presolve=PROOF_PRESOLVE)
        bound = math.ceil(lp.fun - 1e-3)  # the objective is integral: a (safe) integer bound
        if cutoff is not None and bound >= cutoff:
            return _Solved("pruned", [], "the relaxation's bound reaches the cut-off")
        xs = lp.x
        lp_point = [int(v) for v in np.rint(xs)]
        low_rc = np.asarray(lp.lower.marginals)
        up_rc = np.asarray(lp.upper.marginals)

        def rc_fixed(target: int) -> dict[int, int]:
            """``fixed`` plus reduced-cost fixing for the question "objective ≤ target": a variable the
            relaxation has at a bound with reduced cost d moves the objective by at least d per unit,
            so where d exceeds target − relaxation (with half a yen to spare for floating point), every
            allocation that moves it is above the target and the variable stays at its bound."""
            room = target - lp.fun + RC_MARGIN
            out = dict(fixed)
            for v in np.flatnonzero(low_rc > room):
                if v not in out and abs(xs[v] - lb[v]) < 1e-9:
                    out[int(v)] = self.model.lb[v]
            for v in np.flatnonzero(-up_rc > room):
                if v not in out and abs(xs[v] - ub[v]) < 1e-9:
                    out[int(v)] = self.model.ub[v]
            return out

        best: _Solved | None = None
        best_val = 0

        def consider(sub: _Solved) -> None:
            """Keep the better exactly re-checked candidate (with its subsidy variables polished)."""
            nonlocal best, best_val
            got = self._exact(sub, extra, objective)
            if got is not None and (best is None or got[1] < best_val):
                best = _Solved("optimal", got[0], sub.message, sub.proven, sub.gap)
                best_val = got[1]

        # A line whose floored amount (a labour line's yen, a long term's eligible yen) the relaxation
        # puts at a bound is at that bound, whatever its hours or claimed amount there: the smallest
        # argument that gives it (the hours or the claimed yen are free inside the floor's step).
        at_bound: dict[int, int] = {}
        for src, dst, mul, div in self.derived:
            if abs(xs[dst] - lb[dst]) < 1e-9:
                at_bound[src] = self.model.lb[src]
            elif abs(xs[dst] - ub[dst]) < 1e-9:
                at_bound[src] = min(self.model.ub[src], max(self.model.lb[src], _ceil_div(self.model.ub[dst] * div, mul)))
        for reserve in self.reserves:
            fix = dict(fixed)
            for v in self.primary:
                if v in reserve or v in fix:
                    continue
                if v in at_bound:
                    fix[v] = at_bound[v]
                elif abs(xs[v] - lb[v]) < 1e-9:
                    fix[v] = self.model.lb[v]
                elif abs(xs[v] - ub[v]) < 1e-9:
                    fix[v] = self.model.ub[v]
            # a ladder of cheap questions first: is there an allocation at the bound, a yen above it, …?
            # (the first yes is proven optimal; HiGHS proving the small MILP itself was the slow part)
            zero = np.zeros(n)
            start = bound if abs(lp.fun - round(lp.fun)) < 1e-6 else bound + ladder_from  # integral: at it
            for level in range(start, start + LADDER_STEPS):
                rung = _Row("probe", dict(objective), level)
                consider(self._milp(zero, [*extra, rung], fix, SUB_TIME_LIMIT_S, shift=lp_point))
                if best is not None:
                    break
            if best is not None and best_val <= bound:
                best.proven, best.gap = True, 0
                return best
            if best is None:
                consider(self._milp(c, extra, fix, SUB_TIME_LIMIT_S, shift=lp_point))
            if best is not None and best_val <= bound:
                best.proven, best.gap = True, 0
                return best
        # Proof by asking for better: the same model with "objective ≤ best − 1" and no objective.  HiGHS
        # answers infeasible (the best is optimal) or hands back a better allocation, which is re-checked
        # exactly and kept.  With integer data a yen better is far outside any tolerance, so this is
        # sounder, and on these models much faster, than HiGHS's own optimality proof.
        # Without a candidate, the question without an objective finds one (or shows there is none);
        # a probe that is infeasible raises the bound.
        if best is None:
            rows_ = [*extra, _Row("probe", dict(objective), cutoff - 1)] if cutoff is not None else extra
            fix_ = rc_fixed(cutoff - 1) if cutoff is not None else fixed
            first = self._milp(np.zeros(n), rows_, fix_, PROOF_TIME_LIMIT_S, presolve=PROOF_PRESOLVE, shift=lp_point)
            if first.status == "infeasible":
                return _Solved("infeasible" if cutoff is None else "pruned", [], first.message)
            consider(first)
        elif cutoff is not None and best_val >= cutoff:
            probe_row = _Row("probe", dict(objective), cutoff - 1)
            ask = self._milp(
                np.zeros(n), [*extra, probe_row], rc_fixed(cutoff - 1), PROOF_TIME_LIMIT_S, presolve=PROOF_PRESOLVE,
                shift=best.x,
            )
            if ask.status == "infeasible":
                return _Solved("pruned", [], ask.message)
            consider(ask)
        floor_val = bound
        step = 0
        for _ in range(PROOF_ROUNDS):
            if best is not None and best_val <= floor_val:
                best.proven, best.gap = True, 0
                return best
            if best is None:
                break
            if step == 0 or best_val - floor_val <= 2:
                probe = best_val - 1  # the incumbent is usually the optimum: one answer proves it
            else:
                probe = (floor_val + best_val - 1) // 2
            probe_row = _Row("probe", dict(objective), probe)
            ask = self._milp(
                np.zeros(n), [*extra, probe_row], rc_fixed(probe), PROOF_TIME_LIMIT_S, presolve=PROOF_PRESOLVE, shift=best.x
            )
            if ask.status == "infeasible":
                floor_val = probe + 1
                continue
            before = best_val if best is not None else None
            consider(ask)
            if best is None or (before is not None and best_val >= before):
                break  # a tolerance artefact or a time-out: the bounds below decide
            step = max(step, 1)
        if best is not None and best_val <= floor_val:
            best.proven, best.gap = True, 0
            return best
        bound = max(bound, floor_val)
        # A tighter bound than the relaxation's: the Lagrangian relaxation of the rows that join members
        # (priced at the relaxation's duals), each member's block solved as a small MILP.  It settles
        # most stages that the relaxation cannot, without the full MILP.
        lag_bound: int | None = None
        mult = {i: -m for i, m in zip(ub_rows, lp.ineqlin.marginals, strict=True)}
        if eq_rows:
            mult.update({i: -m for i, m in zip(eq_rows, lp.eqlin.marginals, strict=True)})
        if best is not None and len(self.model.names) > LAGRANGE_MIN_VARS:
            lag = self.lagrangian_bound(c, extra, fixed, mult)
            if lag is not None:
                lag_bound = math.ceil(lag - 1e-3)
                if best_val <= lag_bound:
                    best.proven, best.gap = True, 0
                    return best
        full = self._milp(c, extra, fixed, TIME_LIMIT_S, presolve=PROOF_PRESOLVE, shift=best.x if best is not None else lp_point)
        consider(full)
        if best is None:
            return full
        if full.status == "optimal" and full.proven and not self.model.violations(full.x, extra):
            if best_val == sum(k * full.x[v] for v, k in objective.items()):
                best.proven, best.gap = True, 0
                return best  # proven by HiGHS
            # else an exact candidate beats what HiGHS called optimal: its tolerances (integrality and
            # feasibility, relative to amounts of 10⁷ yen) cut it short, so its proof does not count
        # keep the best exact solution, and say how far it can be from the best bound there is
        if lag_bound is None and len(self.model.names) > LAGRANGE_MIN_VARS:
            lag = self.lagrangian_bound(c, extra, fixed, mult)
            lag_bound = None if lag is None else math.ceil(lag - 1e-3)
        gap = best_val - bound if lag_bound is None else best_val - max(bound, lag_bound)
        if gap <= 0:
            best.proven, best.gap = True, 0
        else:
            best.proven, best.gap = False, gap
        return best

    def polish(self, x: list[int]) -> list[int]:
        """``x`` with each member's raw subsidy at floor(E × rate) and T at min(cap, Σ raw) — exact."""
        if self.subsidy is None:
            return x
        raw_vars, t_var, cap = self.subsidy
        y = list(x)
        for rv, (lin, p, q) in raw_vars.items():
            y[rv] = min(self.model.ub[rv], max(self.model.lb[rv], lin.value(y) * p // q))
        total = sum(y[rv] for rv in raw_vars) + self.subsidy_const
        y[t_var] = min(self.model.ub[t_var], cap, max(self.model.lb[t_var], total))
        return y
