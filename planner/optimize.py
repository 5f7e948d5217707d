"""The allocation optimiser (issue 7): choose each flexible cost line's amount to maximise the subsidy.

A cost line may carry ``"flex": {"min_yen": a, "max_yen": b}``.  :func:`optimize` picks every such
line's claimed amount within its range so that the consortium's total subsidy is as large as the
rules allow, and — among the best allocations — spends no yen that earns nothing (the tie-break
minimises the total own funds), or, with ``objective="own-funds:ID"``, minimises one member's own
funds at no loss of total subsidy.  Optional budgets bound the consortium's total claimed amount and
each member's.  The result is a new plan (a scenario); the input plan is never changed.

Formulation (a mixed-integer programme solved by HiGHS through :func:`scipy.optimize.milp`; every
coefficient is an integer and every quantity integer yen, so the rules' roundings are exact):

* line rules: a line the engine zeroes (matrix, payee, references, member exclusions …) earns
  nothing whatever its amount, so its amount goes to its minimum; a line under the term rule has
  ``m·e ≤ 12·x ≤ m·e + m − 1`` (e = floor(12x/m) exactly); a labour line's amount is
  ``a = floor(rate·h/100)`` for h hundredths of an hour (``100a ≤ rate·h ≤ 100a + 99``), so only amounts
  reachable with two-decimal hours are chosen;
* ratio rules, stated so that nothing is trimmed (trimming only wastes claimed yen):
  ``(q−p)·C ≤ p·R − 1`` per vendor (「1/2未満」, strict, in integers; C = 0 is always allowed),
  ``q·U ≤ p·B`` (U ≤ floor(B/3)), ``(q−p)·S ≤ p·O`` (S ≤ O) with the pack's ratios;
  if the ranges make some trimming unavoidable (fixed lines or minimums that break a rule) the
  model is solved again with trim variables and the unavoidable trims are explained;
* subsidy: ``q·raw_i ≤ p·E_i`` (raw_i = floor(E_i × rate) at the optimum), ``T ≤ Σ raw_i``,
  ``T ≤ cap``; budgets are rows on the claimed amounts;
* lexicographic stages: (1) maximise T; (2) with ``T ≥ T*`` minimise the total claimed (= the own
  funds, as T is fixed) — or first the chosen member's own funds, then the total.

Lines of the same member that play the same part in every rule are solved as one variable (a class)
and shared out afterwards — labour lines too: the hours lattice is relaxed to whole yen in the model and
each class total is shared out to hours exactly (:mod:`planner.realise`); totals next to a class's ends
that no hours reach are excluded by rows (the first gap up front, deeper ones when a solution lands in
one), and a class the sharing gives up on is solved line by line.  Lines under the term rule with a
whole multiple of 12 months are one (eligible, claimed) pair per member and role, with the convex least
claim as rows.  Each stage: the linear relaxation (a bound) → feasibility questions at the bound and
just above it, with the line variables the relaxation puts at a bound fixed → "is there an allocation
a yen better?" on the whole model, which proves the candidate (infeasible) or improves it — asked
without presolve and on variables shifted to a known integer point, as HiGHS otherwise answered
"infeasible" to feasible questions on amounts of 10⁷ yen → the Lagrangian bound and the full MILP only
if that does not settle it.  Every candidate is polished (raw_i = floor(E_i × rate), T = min(cap, Σ
raw_i), in integers) and re-checked in exact integer arithmetic; a stage not proven optimal is reported
with its distance from the best bound.  The chosen plan is re-evaluated by :func:`planner.evaluate`;
any difference from the model is reported, never hidden.  Dual values come from stage 1's linear
relaxation (with the bounds loosened by a yen, so that rows, not bounds, carry them) and are explained
in words.  See docs/scenarios.md.
"""

from __future__ import annotations

import gc
import math
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

import planner
from planner.kyoso import formulas as fx
from planner.kyoso.params import KyosoParams
from planner.money import share_largest_remainder, yen
from planner.pack import get_pack
from planner.realise import WINDOW_YEN, ClassEnds, LatticeLine, TermGroup, realise
from planner.result import Finding, Result
from planner.scenarios import RATIO_RULES, add_scenario, finding_key, without_scenarios
from schemas.plan import MAX_HOURS, MAX_LINE_YEN, CostLine, Plan

TERM_RULE = "cost.term_over_one_year"
_NOT_ZEROING = {*RATIO_RULES, TERM_RULE}
MAX_HUNDREDTHS = int(MAX_HOURS * 100)
TIME_LIMIT_S = 10.0  # the full MILP of one stage
SUB_TIME_LIMIT_S = 5.0  # the MILP around the linear relaxation
LAGRANGE_MIN_VARS = 200  # smaller models go straight to the full MILP (fast there)
BLOCK_TIME_LIMIT_S = 0.5  # one member's block of the Lagrangian bound (its dual bound is used if cut short)
PROOF_PRESOLVE = False  # HiGHS presolve has answered "infeasible" to feasible probes here
LADDER_STEPS = 4  # feasibility questions at the bound and just above it, before the small MILP
RC_MARGIN = 0.5  # yen: reduced-cost fixing keeps this much to spare for the floating-point duals
TIE_BREAK_LADDER_FROM = 2  # the tie-break's optimum is usually 2 yen above its relaxation's bound
PROOF_ROUNDS = 8  # "is there a better one?" rounds before the bounds below
PROOF_TIME_LIMIT_S = 2.0
MAX_SPLIT_ROUNDS = 4
MAX_BRANCH_NODES = 64  # per stage: branches on class totals that the hours cannot reach


def _highs_extra_options() -> dict[str, Any]:
    """HiGHS options beyond the five scipy's ``milp`` names, which it passes on verbatim (with a warning).

    Feasibility jump is a primal heuristic that, on these small models (60–190 columns, most questions
    with no objective), takes longer than the branch and bound it is meant to shortcut: off, a
    2,000-line all-flex plan whose cap does not bind is optimised in a median 72.6 ms instead of 89.5
    (10 seeds × 3 runs), 300-line plans in 129 ms instead of 191, with the same answers (a heuristic
    only changes which feasible point is seen first; every answer is still re-checked exactly and
    proven by infeasibility).  An option this scipy's HiGHS does not have is left out.
    """
    wanted = {"mip_heuristic_run_feasibility_jump": False}
    try:
        from scipy.optimize._highspy._core import HighsOptions  # private: only to ask which names exist

        known = HighsOptions()
    except Exception:  # a scipy without this module: plain options
        return {}
    return {k: v for k, v in wanted.items() if hasattr(known, k)}


HIGHS_EXTRA_OPTIONS = _highs_extra_options()


def _highs_milp(c: np.ndarray, options: dict[str, Any], **kwargs: Any) -> Any:
    """scipy's ``milp`` with :data:`HIGHS_EXTRA_OPTIONS` (and without the warning it gives for them)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Unrecognized options detected", category=RuntimeWarning)
        return milp(c, options={**options, **HIGHS_EXTRA_OPTIONS}, **kwargs)

Status = Literal["optimal", "optimal_forced_trim", "no_flex", "infeasible", "invalid", "solver_failed"]


# ---------------------------------------------------------------------------------------------
# Public result types


@dataclass(frozen=True, slots=True)
class Note:
    """One sentence of the explanation, in Japanese and English, with what it is about."""

    kind: str  # binding | line_bound | forced_trim | infeasible | invalid | discrepancy | unproven | info
    key: str
    ja: str
    en: str
    value: Fraction | None = None  # a dual value (yen of subsidy per yen), where there is one
    yen: int | None = None

    def text(self, lang: str = "ja") -> str:
        return self.ja if lang == "ja" else self.en

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "key": self.key, "message": self.text(lang)}
        if self.value is not None:
            out["value"] = fmt_fraction(self.value, 4)
        if self.yen is not None:
            out["yen"] = self.yen
        return out


@dataclass(frozen=True, slots=True)
class LineChange:
    id: str
    member: str
    before_yen: int
    after_yen: int
    hours: Decimal | None = None


@dataclass(slots=True)
class OptimizeResult:
    status: Status
    objective: str
    plan: Plan | None  # the optimised plan (no scenarios), None when there is none
    result: Result | None  # planner.evaluate of ``plan``
    baseline: Result  # planner.evaluate of the input plan
    model_subsidy_yen: int | None = None
    notes: list[Note] = field(default_factory=list)
    changes: list[LineChange] = field(default_factory=list)
    new_findings: list[Finding] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    budgets: dict[str, int] = field(default_factory=dict)  # "*" → consortium budget
    # classes whose total no hours were found for, solved again line by line (-1: every labour line)
    classes_split: int = 0

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "optimal_forced_trim", "no_flex") and self.plan is not None

    def notes_of(self, *kinds: str) -> list[Note]:
        return [n for n in self.notes if n.kind in kinds]

    def scenario_name(self, lang: str = "ja") -> str:
        if self.objective.startswith("own-funds:"):
            who = self.objective.split(":", 1)[1]
            base = f"最適化({who} の自己負担最小)" if lang == "ja" else f"optimised (least own funds for {who})"
        else:
            base = "最適化(補助金最大)" if lang == "ja" else "optimised (most subsidy)"
        if self.budgets:
            parts = [
                (("予算" if lang == "ja" else "budget") + f" {yen(v)}") if k == "*" else f"{k} ≤ {yen(v)}"
                for k, v in self.budgets.items()
            ]
            base += " [" + ", ".join(parts) + "]"
        return base

    def summary_text(self, lang: str = "ja") -> str:
        ja = lang == "ja"
        if not self.ok or self.result is None:
            head = "最適化できませんでした" if ja else "no optimised plan"
            return head + ": " + "; ".join(n.text(lang) for n in self.notes_of("infeasible", "invalid", "solver_failed"))
        b, r = self.baseline, self.result
        if ja:
            return (
                f"補助金 {yen(b.subsidy_yen)} → {yen(r.subsidy_yen)}(差 {yen(r.subsidy_yen - b.subsidy_yen)})、"
                f"申請経費 {yen(b.claimed_total_yen)} → {yen(r.claimed_total_yen)}、"
                f"自己負担 {yen(b.own_funds_yen)} → {yen(r.own_funds_yen)}、変更した行 {len(self.changes)}"
            )
        return (
            f"subsidy {yen(b.subsidy_yen)} → {yen(r.subsidy_yen)} (change {yen(r.subsidy_yen - b.subsidy_yen)}), "
            f"claimed {yen(b.claimed_total_yen)} → {yen(r.claimed_total_yen)}, "
            f"own funds {yen(b.own_funds_yen)} → {yen(r.own_funds_yen)}, {len(self.changes)} line(s) changed"
        )

    def note_text(self, lang: str = "ja") -> str:
        """What the scenario's note records: the summary and the binding constraints."""
        parts = [self.summary_text(lang)]
        parts += [n.text(lang) for n in self.notes if n.kind in ("binding", "forced_trim", "discrepancy")]
        return "\n".join(parts)[:2000]

    def add_to(self, plan: Plan, lang: str = "ja", name: str | None = None) -> Plan:
        """``plan`` with the optimised plan appended as a new scenario (its own lines untouched)."""
        if self.plan is None:
            return plan
        return add_scenario(plan, name or self.scenario_name(lang), self.plan, self.note_text(lang))

    def explain(self, lang: str = "ja") -> list[str]:
        return [n.text(lang) for n in self.notes]

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": self.objective,
            "budgets": dict(self.budgets),
            "summary": self.summary_text(lang),
            "baseline_subsidy_yen": self.baseline.subsidy_yen,
            "subsidy_yen": self.result.subsidy_yen if self.result is not None else None,
            "model_subsidy_yen": self.model_subsidy_yen,
            "claimed_total_yen": self.result.claimed_total_yen if self.result is not None else None,
            "own_funds_yen": self.result.own_funds_yen if self.result is not None else None,
            "changes": [
                {
                    "id": c.id,
                    "member": c.member,
                    "before_yen": c.before_yen,
                    "after_yen": c.after_yen,
                    **({"hours": str(c.hours)} if c.hours is not None else {}),
                }
                for c in self.changes
            ],
            "new_findings": [{"rule": f.rule, "severity": f.severity, "message": f.message(lang)} for f in self.new_findings],
            "notes": [n.to_dict(lang) for n in self.notes],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


class OptimizeInputError(ValueError):
    """The optimiser's arguments are wrong (unknown member, bad objective) — message in ja and en."""

    def __init__(self, ja: str, en: str) -> None:
        self.ja, self.en = ja, en
        super().__init__(en)

    def message(self, lang: str = "ja") -> str:
        return self.ja if lang == "ja" else self.en


# ---------------------------------------------------------------------------------------------
# Small helpers


def fmt_fraction(value: Fraction, places: int = 2) -> str:
    """A fraction as a decimal string rounded half up to ``places`` (no floats)."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    scale = 10**places
    n = (v.numerator * scale * 2 + v.denominator) // (2 * v.denominator)
    whole, frac = divmod(n, scale)
    if places == 0:
        return f"{sign}{whole:,}"
    text = f"{whole:,}.{frac:0{places}d}".rstrip("0").rstrip(".")
    return sign + text if text != "0" else "0"


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def parse_objective(text: str) -> tuple[str, str | None]:
    if text in ("subsidy", ""):
        return "subsidy", None
    if text.startswith("own-funds:") and len(text) > len("own-funds:"):
        return "own_funds", text.split(":", 1)[1]
    raise OptimizeInputError(
        f"目的 {text!r} は使えません(subsidy または own-funds:メンバーID)",
        f"unknown objective {text!r} (subsidy or own-funds:MEMBER_ID)",
    )


@dataclass(slots=True)
class _Lin:
    """An integer linear expression: Σ coef·var + const."""

    terms: dict[int, int] = field(default_factory=dict)
    const: int = 0

    def add(self, other: _Lin, k: int = 1) -> _Lin:
        for v, c in other.terms.items():
            self.terms[v] = self.terms.get(v, 0) + k * c
        self.const += k * other.const
        return self

    def var(self, v: int, k: int = 1) -> _Lin:
        self.terms[v] = self.terms.get(v, 0) + k
        return self

    def scaled(self, k: int) -> _Lin:
        return _Lin({v: c * k for v, c in self.terms.items()}, self.const * k)

    def copy(self) -> _Lin:
        return _Lin(dict(self.terms), self.const)

    def value(self, x: list[int]) -> int:
        return self.const + sum(c * x[v] for v, c in self.terms.items())


@dataclass(slots=True)
class _Row:
    key: str
    coefs: dict[int, int]
    rhs: int  # Σ coefs·x ≤ rhs (or == rhs when eq)
    eq: bool = False
    unit: int = 1  # RHS change that means "one more yen" in the row's own terms (for duals)
    meta: dict[str, Any] = field(default_factory=dict)


class _Model:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.lb: list[int] = []
        self.ub: list[int] = []
        self.rows: list[_Row] = []
        # Upper bounds for the explanation's dual LP only.  The solver uses the tight bounds (a floored
        # amount is at most the floor of its largest argument); the explanation loosens them by one so
        # that a binding floor row, not the variable's bound, carries the dual value.
        self.dual_ub: dict[int, int] = {}

    def var(self, name: str, lb: int, ub: int, *, dual_ub: int | None = None) -> int:
        self.names.append(name)
        self.lb.append(lb)
        self.ub.append(ub)
        if dual_ub is not None:
            self.dual_ub[len(self.names) - 1] = dual_ub
        return len(self.names) - 1

    def le(self, key: str, lhs: _Lin, rhs: _Lin | int = 0, *, unit: int = 1, **meta: Any) -> _Row:
        """lhs ≤ rhs."""
        diff = lhs.copy()
        if isinstance(rhs, _Lin):
            diff.add(rhs, -1)
        else:
            diff.const -= rhs
        row = _Row(key, {v: c for v, c in diff.terms.items() if c}, -diff.const, False, unit, dict(meta))
        self.rows.append(row)
        return row

    def lo(self, lin: _Lin) -> int:
        return lin.const + sum(c * (self.lb[v] if c > 0 else self.ub[v]) for v, c in lin.terms.items())

    def hi(self, lin: _Lin) -> int:
        return lin.const + sum(c * (self.ub[v] if c > 0 else self.lb[v]) for v, c in lin.terms.items())

    def violations(self, x: list[int], extra: Iterable[_Row] = ()) -> list[str]:
        bad = [self.names[i] for i, v in enumerate(x) if not self.lb[i] <= v <= self.ub[i]]
        for row in (*self.rows, *extra):
            lhs = sum(c * x[v] for v, c in row.coefs.items())
            if (lhs != row.rhs) if row.eq else (lhs > row.rhs):
                bad.append(row.key)
        return bad


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



# ---------------------------------------------------------------------------------------------
# Reading the plan into units


@dataclass(slots=True)
class _Unit:
    kind: str  # fixed | zeroed | plain | labour | term
    lines: list[int]  # indexes into plan.costs
    member: str
    claimed: _Lin
    elig: _Lin
    sig: tuple[Any, ...] = ()
    lo: list[int] = field(default_factory=list)  # plain: per-line amount range
    hi: list[int] = field(default_factory=list)
    rate: int = 0  # labour: yen per hour
    hh_var: int = -1
    amount_var: int = -1
    lattice: dict[int, LatticeLine] = field(default_factory=dict)  # plain: labour lines on an hours lattice
    ends: ClassEnds | None = None  # plain with lattice lines: which totals its lines reach
    terms: TermGroup | None = None  # termgroup: lines under the term rule with a whole multiple of 12 months


class _Unrealisable(Exception):
    """Class totals that the search could not share out to their labour lines' hours."""

    def __init__(self, keys: set[tuple[Any, ...]]) -> None:
        super().__init__(keys)
        self.keys = keys


def _implied_bounds(model: _Model, passes: int = 3) -> tuple[list[int], list[int]]:
    """Bounds on every variable that the rows imply (in exact integers; a few passes of propagation):
    e.g. a class of sme_user labour is at most a third of what can be outsourced to vendors, however
    wide its own range.  Used only to keep the gap rows' coefficients small."""
    lo, hi = list(model.lb), list(model.ub)
    for _ in range(passes):
        changed = False
        for row in model.rows:
            sides = [(row.coefs, row.rhs)]
            if row.eq:
                sides.append(({v: -k for v, k in row.coefs.items()}, -row.rhs))
            for coefs, rhs in sides:
                least = sum(k * (lo[v] if k > 0 else hi[v]) for v, k in coefs.items())
                for v, k in coefs.items():
                    rest = least - k * (lo[v] if k > 0 else hi[v])
                    if k > 0:
                        bound = (rhs - rest) // k
                        if bound < hi[v]:
                            hi[v], changed = max(bound, lo[v]), True
                    else:
                        bound = -((rhs - rest) // -k)
                        if bound > lo[v]:
                            lo[v], changed = min(bound, hi[v]), True
        if not changed:
            break
    return lo, hi


def _first_gaps(model: _Model, ends: ClassEnds, v: int, implied: tuple[list[int], list[int]]) -> None:
    """Exclude the totals just inside a class's ends that its labour lines cannot reach.

    At its maximum a class's total can drop by up to what its dense lines can give up (``span``), and
    otherwise by at least the smallest step down of one labour line (``g``): when ``g > span + 1`` the
    totals strictly between ``max − g`` and ``max − span`` are out of reach (likewise above the
    minimum).  The tie-break would otherwise take a yen off a class of labour lines at its maximum.
    Deeper gaps are described when a solution lands in one (:func:`_encode_window`).

    One binary per end, with a coefficient as large as the furthest the total can be from that end —
    what the rows imply (``implied``), not the class's own range: HiGHS accepts a binary within 1e-6
    of 0 or 1, so a coefficient of millions lets its answers sit inside the gap.  Such answers fail
    the exact re-check and are never used, but they cost proofs (a semi-integer variable would need
    no coefficient, but HiGHS caps semi-variables' upper bounds at 100,000 and then calls feasible
    problems infeasible).
    """
    lo, hi, span = ends.lo, ends.hi, ends.span
    movable = [ln for ln in ends.lattice if ln.hh_hi > ln.hh_lo]
    if not movable:
        return
    v_lo, v_hi = max(lo, implied[0][v]), min(hi, implied[1][v])
    for top in (True, False):
        if top:
            g = min(ln.amount(ln.hh_hi) - ln.amount(ln.hh_hi - 1) for ln in movable)
        else:
            g = min(ln.amount(ln.hh_lo + 1) - ln.amount(ln.hh_lo) for ln in movable)
        r = (hi - v_lo) if top else (v_hi - lo)  # the furthest the total can be from this end
        if g <= span + 1 or r < g:
            continue
        # z = 1: within ``span`` of the end; z = 0: at least ``g`` from it
        z = model.var(f"gap_{'top' if top else 'bottom'}:{v}", 0, 1)
        if top:  # hi − v ≤ span + (r − span)(1 − z);  hi − v ≥ g(1 − z)
            model.le(f"gap_near:{v}:top", _Lin().var(v, -1).var(z, r - span), r - hi)
            model.le(f"gap_far:{v}:top", _Lin().var(v).var(z, -g), hi - g)
        else:  # v − lo ≤ span + (r − span)(1 − z);  v − lo ≥ g(1 − z)
            model.le(f"gap_near:{v}:bottom", _Lin().var(v).var(z, r - span), lo + r)
            model.le(f"gap_far:{v}:bottom", _Lin().var(v, -1).var(z, -g), -lo - g)


def _distance_union(
    model: _Model, v: int, ends: ClassEnds, top: bool, spans: list[tuple[int, int]], tag: str
) -> None:
    """The class total's distance from one end lies in one of ``spans`` (intervals of distance).

    The convex hull of the union: the distance d (``v + d = max`` or ``v − d = min``), one binary and
    one part of d per interval.  Written in distances, the coefficients are small next to the end
    (only the last, widest interval carries a large one), which keeps HiGHS's tolerances out of it."""
    side = "top" if top else "bottom"
    d = model.var(f"{tag}_dist_{side}:{v}", 0, ends.hi - ends.lo)
    if top:
        model.rows.append(_Row(f"{tag}_d:{v}:{side}", {v: 1, d: 1}, ends.hi, eq=True))
    else:
        model.rows.append(_Row(f"{tag}_d:{v}:{side}", {v: 1, d: -1}, ends.lo, eq=True))
    pick: dict[int, int] = {}
    parts: dict[int, int] = {d: 1}
    for j, (a, b) in enumerate(spans):
        z = model.var(f"{tag}_{side}:{v}:{j}", 0, 1)
        y = model.var(f"{tag}_part_{side}:{v}:{j}", 0, b)
        model.le(f"{tag}_hi:{v}:{side}:{j}", _Lin().var(y).var(z, -b), 0)
        if a:
            model.le(f"{tag}_lo:{v}:{side}:{j}", _Lin().var(z, a).var(y, -1), 0)
        pick[z] = 1
        parts[y] = -1
    model.rows.append(_Row(f"{tag}_one:{v}:{side}", pick, 1, eq=True))
    model.rows.append(_Row(f"{tag}_sum:{v}:{side}", parts, 0, eq=True))


def _encode_window(
    model: _Model, v: int, ends: ClassEnds, top: bool, implied: tuple[list[int], list[int]] | None = None
) -> bool:
    """Make a class total take only the totals its lines reach within the window of one end.

    The reachable totals there are a union of intervals (:meth:`ClassEnds.intervals`), plus the
    totals further in; the convex hull of that union is added (:func:`_distance_union`).  It only
    removes totals that no hours reach, so the model stays a relaxation of the real lines.  Added when
    a solution first lands in such a gap."""
    spans, further = ends.intervals(top)
    if len(spans) == 1 and not further:
        return False  # every total there is reachable
    dist = [(ends.hi - b, ends.hi - a) if top else (a - ends.lo, b - ends.lo) for a, b in spans]
    if further:
        far = ends.hi - ends.lo
        if implied is not None:  # the furthest the rows let the total go from this end
            far = (ends.hi - max(ends.lo, implied[0][v])) if top else (min(ends.hi, implied[1][v]) - ends.lo)
        if far > WINDOW_YEN:
            dist.append((WINDOW_YEN + 1, far))
    if len(dist) == 2 and dist[0][1] + 1 >= dist[1][0]:
        return False  # one run of totals: nothing to exclude
    _distance_union(model, v, ends, top, dist, "win")
    return True


def _labour_range(rate: int, lo_yen: int, hi_yen: int) -> tuple[int, int]:
    """Hundredths of an hour whose floored amount lies in [lo, hi] (hh_lo > hh_hi when none)."""
    hh_lo = max(1, _ceil_div(100 * lo_yen, rate))
    hh_hi = min((100 * hi_yen + 99) // rate, MAX_HUNDREDTHS, 100 * MAX_LINE_YEN // rate)
    return hh_lo, hh_hi


def _amount(rate: int, hh: int) -> int:
    return rate * hh // 100


def _with_amount(line: CostLine, amount: int) -> CostLine:
    return line.model_copy(update={"unit_price_yen": amount, "quantity": 1})


def _with_hours(line: CostLine, hh: int) -> CostLine:
    return line.model_copy(update={"hours": (Decimal(hh) / Decimal(100)).quantize(Decimal("0.01"))})


def _member_label(plan: Plan, mid: str) -> str:
    m = next((m for m in plan.members if m.id == mid), None)
    return f"{mid}({m.name})" if m is not None else mid


# ---------------------------------------------------------------------------------------------
# The optimiser


def optimize(
    plan: Plan,
    *,
    objective: str = "subsidy",
    budget: int | None = None,
    member_budgets: dict[str, int] | None = None,
    explain: bool = True,
) -> OptimizeResult:
    """Choose the flexible lines' amounts; see the module docstring.  Never raises for plan content;
    bad arguments (unknown member, negative budget) come back as ``status == "invalid"``.

    The cyclic garbage collector is paused for the run (as in the engine): the run makes no cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        split: set[tuple[Any, ...]] = set()
        t = time.perf_counter()
        for _ in range(MAX_SPLIT_ROUNDS):
            try:
                out = _optimize(plan, objective, budget, member_budgets, explain, split=split)
            except _Unrealisable as exc:
                if not exc.keys or exc.keys <= split:
                    break
                split |= exc.keys  # solve those classes' labour lines one by one, on their lattices
                continue
            if split:  # the rounds before this one count in the total
                out.classes_split = len(split)
                out.timings_ms["total"] = (time.perf_counter() - t) * 1000
            return out
        out = _optimize(plan, objective, budget, member_budgets, explain, split=None)
        out.classes_split = -1  # every labour line on its own lattice
        out.timings_ms["total"] = (time.perf_counter() - t) * 1000
        return out
    finally:
        if was_enabled:
            gc.enable()


def _optimize(
    plan: Plan,
    objective: str,
    budget: int | None,
    member_budgets: dict[str, int] | None,
    explain: bool,
    *,
    split: set[tuple[Any, ...]] | None,
) -> OptimizeResult:
    """One run.  Labour lines join their member's class like any other line (the hours lattice relaxed
    to whole yen, which only widens the model) and each class total is shared out to hours afterwards
    (:func:`planner.realise.realise_class`): when that succeeds, the relaxed model's optimum is reached
    by real lines, so it is the optimum.  When it does not, ``_Unrealisable`` names the classes and the
    caller solves again with those classes' labour lines one by one on their lattices (``split``);
    ``split=None`` puts every labour line on its own lattice."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    base_plan = without_scenarios(plan)
    baseline = planner.evaluate(base_plan)
    timings["evaluate_input"] = (time.perf_counter() - t0) * 1000
    budgets: dict[str, int] = {}
    if budget is not None:
        budgets["*"] = budget
    budgets.update(member_budgets or {})
    out = OptimizeResult("optimal", objective, None, None, baseline, budgets=budgets, timings_ms=timings)

    # ---- arguments
    try:
        kind, target = parse_objective(objective)
        members = {m.id: m for m in base_plan.members}
        if target is not None and (target not in members or members[target].role == "collaborator"):
            raise OptimizeInputError(
                f"目的のメンバー {target!r} は補助金を受けるメンバー(中小ユーザ企業・ITベンダ)ではありません",
                f"the objective's member {target!r} is not a member that receives subsidy (sme_user / it_vendor)",
            )
        for mid, amount in budgets.items():
            if mid != "*" and mid not in members:
                raise OptimizeInputError(f"予算のメンバー {mid!r} は計画にいません", f"budget member {mid!r} is not in the plan")
            if amount < 0:
                raise OptimizeInputError("予算は 0 円以上で指定してください", "a budget must be at least 0 yen")
    except OptimizeInputError as exc:
        out.status = "invalid"
        out.notes.append(Note("invalid", "arguments", exc.ja, exc.en))
        return out

    pack = get_pack(base_plan.program)
    params: KyosoParams = pack.params
    roles = {m.id: m.role for m in base_plan.members}
    costs = base_plan.costs
    flex_idx = [i for i, ln in enumerate(costs) if ln.flex is not None]
    if not flex_idx:
        out.status = "no_flex"
        out.plan, out.result, out.model_subsidy_yen = base_plan, baseline, baseline.subsidy_yen
        out.notes.append(
            Note(
                "info",
                "no_flex",
                "可変範囲(flex)のある経費行がないため、変更する金額はありません",
                "no cost line carries a flex range, so there is nothing to choose",
            )
        )
        return out

    # ---- which flexible lines the line rules zero (whatever their amount): read from the engine
    t1 = time.perf_counter()
    zeroed: set[int] = set()
    need_probe: list[int] = []
    for i in flex_idx:
        lr = baseline.lines[i]
        if lr.claimed_yen == 0:
            need_probe.append(i)
        elif any(r.rule not in _NOT_ZEROING for r in lr.reductions):
            zeroed.add(i)
    if need_probe:
        probe_costs = list(costs)
        for i in need_probe:
            ln = costs[i]
            probe_costs[i] = _with_hours(ln, 10000) if ln.category == "labour" else _with_amount(ln, 1)
        probe = planner.evaluate(base_plan.model_copy(update={"costs": probe_costs}))
        for i in need_probe:
            if any(r.rule not in _NOT_ZEROING for r in probe.lines[i].reductions):
                zeroed.add(i)

    # ---- units
    model = _Model()
    units: list[_Unit] = []
    infeasible: list[Note] = []
    max_months = params.term_max_months.value
    per_vendor = params.subcontract_scope.value == "per_vendor"
    basis = set(params.user_labour_basis.value)
    sc_cats = set(params.software_cloud_categories.value)

    def signature(ln: CostLine) -> tuple[Any, ...]:
        role = roles.get(ln.member)
        r1: tuple[str, str] | None = None
        if ln.step == 3 and role == "it_vendor":
            r1 = ("C" if ln.category == "outsourcing" else "R", ln.member if per_vendor else "consortium")
        payee_role = roles.get(ln.payee) if ln.payee is not None else None
        r2: str | None = fx.cost_user_labour_third_group(role, ln.category, payee_role, basis)
        r3 = "S" if ln.category in sc_cats else "O"
        return (r1, r2, r3)

    classes: dict[tuple[Any, ...], _Unit] = {}
    term_groups: dict[tuple[Any, ...], _Unit] = {}
    for i, ln in enumerate(costs):
        lr = baseline.lines[i]
        flex = ln.flex
        if flex is None:
            pre = lr.claimed_yen - sum(r.yen for r in lr.reductions if r.rule not in RATIO_RULES)
            units.append(_Unit("fixed", [i], ln.member, _Lin(const=lr.claimed_yen), _Lin(const=pre), signature(ln)))
            continue
        is_labour = ln.category == "labour"
        rate = lr.hourly_rate_yen or 0
        if is_labour and rate <= 0:  # amount is 0 whatever the hours
            units.append(_Unit("fixed", [i], ln.member, _Lin(), _Lin(), signature(ln)))
            continue
        if is_labour:
            hh_lo, hh_hi = _labour_range(rate, flex.min_yen, flex.max_yen)
            if hh_lo > hh_hi:
                infeasible.append(
                    Note(
                        "infeasible",
                        f"line:{ln.id}",
                        f"経費 {ln.id}: 時間単価 {yen(rate)} では、小数第2位までの時間で {yen(flex.min_yen)}〜{yen(flex.max_yen)} の金額になりません",
                        f"line {ln.id}: at {yen(rate)}/h no hours with two decimals give an amount within "
                        f"{yen(flex.min_yen)}–{yen(flex.max_yen)}",
                    )
                )
                continue
            lo_amt, hi_amt = _amount(rate, hh_lo), _amount(rate, hh_hi)
        else:
            hh_lo = hh_hi = 0
            lo_amt, hi_amt = flex.min_yen, flex.max_yen
        if i in zeroed:
            u = _Unit("zeroed", [i], ln.member, _Lin(const=lo_amt), _Lin(), signature(ln), [lo_amt], [lo_amt], rate)
            u.hh_var = hh_lo  # the hours that give the minimum (labour)
            units.append(u)
            continue
        term = (
            ln.months is not None
            and ln.months > max_months
            and (ln.category == "cloud" or (ln.category == "software" and bool(ln.maintenance)))
        )
        sig = signature(ln)
        key = (ln.member, *sig, ln.months)
        if term and split is not None and ln.months is not None and ln.months % max_months == 0 and key not in split:
            grp = term_groups.get(key)
            if grp is None:
                grp = _Unit("termgroup", [], ln.member, _Lin(), _Lin(), sig)
                grp.terms = TermGroup(ln.months // max_months, [], [])
                term_groups[key] = grp
                units.append(grp)
            assert grp.terms is not None
            grp.lines.append(i)
            grp.lo.append(lo_amt)
            grp.hi.append(hi_amt)
            grp.terms.lo.append(lo_amt)
            grp.terms.hi.append(hi_amt)
        elif term:
            assert ln.months is not None
            m = ln.months
            xv = model.var(f"x:{ln.id}", lo_amt, hi_amt)
            e_hi = max_months * hi_amt // m
            ev = model.var(f"e:{ln.id}", max_months * lo_amt // m, e_hi, dual_ub=e_hi + 1)
            model.le(f"term_lo:{ln.id}", _Lin().var(ev, m), _Lin().var(xv, max_months))
            model.le(f"term_hi:{ln.id}", _Lin().var(xv, max_months), _Lin().var(ev, m)).rhs += m - 1
            # at the line's minimum the eligible yen is floor(12·min/m), not 12·min/m: the facet through
            # (min, e_lo) and the first amount x1 that earns one more yen (valid while x1 − min ≤ m/12)
            e_lo = max_months * lo_amt // m
            x1 = _ceil_div(m * (e_lo + 1), max_months)
            if x1 <= hi_amt and max_months * (x1 - lo_amt) <= m and x1 - lo_amt > 1:
                model.le(f"term_min:{ln.id}", _Lin().var(ev, x1 - lo_amt).var(xv, -1), (x1 - lo_amt) * e_lo - lo_amt)
            units.append(_Unit("term", [i], ln.member, _Lin().var(xv), _Lin().var(ev), sig, [lo_amt], [hi_amt]))
        elif is_labour and rate > 100 and (split is None or (ln.member, *signature(ln)) in split):
            h = model.var(f"h:{ln.id}", hh_lo, hh_hi)
            u = _Unit("labour", [i], ln.member, _Lin(), _Lin(), sig, [lo_amt], [hi_amt], rate, h)
            if rate % 100 == 0:
                u.claimed = _Lin().var(h, rate // 100)
            else:
                a = model.var(f"a:{ln.id}", lo_amt, hi_amt, dual_ub=hi_amt + 1)
                model.le(f"floor_lo:{ln.id}", _Lin().var(a, 100), _Lin().var(h, rate))
                model.le(f"floor_hi:{ln.id}", _Lin().var(h, rate), _Lin().var(a, 100)).rhs += 99
                u.claimed = _Lin().var(a)
                u.amount_var = a
            u.elig = u.claimed.copy()
            units.append(u)
        else:
            key = (ln.member, *sig)
            cls = classes.get(key)
            if cls is None:
                cls = _Unit("plain", [], ln.member, _Lin(), _Lin(), sig)
                classes[key] = cls
                units.append(cls)
            cls.lines.append(i)
            cls.lo.append(lo_amt)
            cls.hi.append(hi_amt)
            cls.rate = 0
            if is_labour and rate > 100:
                cls.lattice[i] = LatticeLine(rate, hh_lo, hh_hi)
    for grp in term_groups.values():
        tg = grp.terms
        assert tg is not None
        ev = model.var(f"E:{grp.member}:{grp.sig}:{tg.k}", tg.e_lo, tg.e_hi, dual_ub=tg.e_hi + 1)
        xv = model.var(f"XT:{grp.member}:{grp.sig}:{tg.k}", sum(tg.lo), sum(tg.hi))
        for j, (slope, icpt) in enumerate(tg.pieces()):
            model.le(f"term_least:{xv}:{j}", _Lin().var(ev, slope), _Lin(const=-icpt).var(xv))
        # no more than k − 1 unearning yen per line
        model.le(f"term_most:{xv}", _Lin().var(xv), _Lin(const=len(tg.lo) * (tg.k - 1)).var(ev, tg.k))
        grp.claimed, grp.elig, grp.hh_var, grp.amount_var = _Lin().var(xv), _Lin().var(ev), ev, xv
    for cls in classes.values():
        v = model.var(f"X:{cls.member}:{cls.sig}", sum(cls.lo), sum(cls.hi))
        cls.claimed = _Lin().var(v)
        cls.elig = _Lin().var(v)
        cls.hh_var = v
        if cls.lattice:
            cls.ends = ClassEnds(
                [(lo, hi) for i, lo, hi in zip(cls.lines, cls.lo, cls.hi, strict=True) if i not in cls.lattice],
                [cls.lattice[i] for i in cls.lines if i in cls.lattice],
            )
    if infeasible:
        out.status = "infeasible"
        out.notes.extend(infeasible)
        return out

    # ---- budgets that cannot be met even at every minimum
    total_claimed = _Lin()
    member_claimed: dict[str, _Lin] = {}
    for u in units:
        total_claimed.add(u.claimed)
        member_claimed.setdefault(u.member, _Lin()).add(u.claimed)
    for mid, amount in budgets.items():
        lin = total_claimed if mid == "*" else member_claimed.get(mid, _Lin())
        least = model.lo(lin)
        if least > amount:
            who_ja = "コンソーシアム全体" if mid == "*" else _member_label(base_plan, mid)
            who_en = "the consortium" if mid == "*" else mid
            infeasible.append(
                Note(
                    "infeasible",
                    f"budget:{mid}",
                    f"{who_ja}の予算 {yen(amount)} は、固定の行と各行の下限(min_yen)だけで {yen(least)} になるため守れません"
                    f"({yen(least - amount)} 不足)",
                    f"the budget {yen(amount)} for {who_en} cannot be met: the fixed lines and every line's min_yen "
                    f"already claim {yen(least)} ({yen(least - amount)} over)",
                    yen=least - amount,
                )
            )
    if infeasible:
        out.status = "infeasible"
        out.notes.extend(infeasible)
        return out
    for mid, amount in budgets.items():
        lin = total_claimed if mid == "*" else member_claimed.get(mid, _Lin())
        model.le(f"budget:{mid}", lin, amount, kind="budget", member=mid, amount=amount)

    n_vars, n_rows = len(model.names), len(model.rows)
    # line variables, and per member and rule group the finest-grained few kept free around the LP
    primary: set[int] = set()
    derived: list[tuple[int, int, int, int]] = []
    for u in units:
        if u.kind in ("plain", "labour", "termgroup"):
            v = u.hh_var
            if u.kind == "labour" and u.amount_var >= 0:
                derived.append((v, u.amount_var, u.rate, 100))
        elif u.kind == "term":
            v = next(iter(u.claimed.terms))
            ev = next(iter(u.elig.terms))
            months = costs[u.lines[0]].months or max_months
            derived.append((v, ev, max_months, months))
        else:
            continue
        primary.add(v)
    # one MILP around the relaxation (every line variable it puts at a bound fixed there), then the
    # "is there a better one?" rounds of _Solver.solve; leaving some lines free here was slower
    reserve: list[set[int]] = [set()]
    owners: dict[int, str] = {}  # line variables → their member (the Lagrangian bound's blocks)
    for u in units:
        for lin in (u.claimed, u.elig):
            for v in lin.terms:
                owners[v] = u.member
        if u.kind in ("plain", "labour"):
            owners[u.hh_var] = u.member
        if u.amount_var >= 0:
            owners[u.amount_var] = u.member
    built = _build_rules(model, units, base_plan, params, baseline, roles, per_vendor)
    # what the rows imply for each class total bounds the big coefficients of the gap rows
    implied = _implied_bounds(model)
    for u in units:
        if u.ends is not None:
            _first_gaps(model, u.ends, u.hh_var, implied)
    timings["build"] = (time.perf_counter() - t1) * 1000

    # ---- solve: strict (no trimming) first, then with trims if the ranges force them
    t2 = time.perf_counter()
    lattice_classes = [u for u in units if u.ends is not None]

    def reach(x: list[int]) -> list[tuple[int, int, int]]:
        """The class totals that their lines cannot reach, as (variable, nearest below, nearest above)."""
        out = []
        for u in lattice_classes:
            assert u.ends is not None
            g = u.ends.gap(x[u.hh_var])
            if g is not None:
                out.append((u.hh_var, g[0], g[1]))
        return out

    by_var = {u.hh_var: u.ends for u in lattice_classes if u.ends is not None}
    cur_model = [model]  # the model being solved (the one with trim variables, if it comes to that)
    cur_implied = [implied]  # and what its rows imply
    encoded: set[tuple[int, bool]] = set()

    def encode(x: list[int], gaps: list[tuple[int, int, int]]) -> bool:
        """Describe exactly the reachable totals near the ends where the classes in ``gaps`` are (each
        end once; describing every class near an end up front was slower).  False when there was
        nothing new to describe."""
        added = False
        for var, _, _ in gaps:
            ends = by_var[var]
            top = ends.near_top(x[var])
            if top is None or (var, top) in encoded:
                continue
            encoded.add((var, top))
            if _encode_window(cur_model[0], var, ends, top, cur_implied[0]):
                added = True
        return added

    stages = _run_stages(
        model, built, kind, target, total_claimed, member_claimed, reserve, primary, derived, owners, reach, encode
    )
    forced = False
    if stages.status == "infeasible":
        model2 = _Model()
        model2.names, model2.lb, model2.ub = model.names[:n_vars], model.lb[:n_vars], model.ub[:n_vars]
        model2.dual_ub = {v: k for v, k in model.dual_ub.items() if v < n_vars}
        model2.rows = model.rows[:n_rows]
        built2 = _build_rules(model2, units, base_plan, params, baseline, roles, per_vendor, allow_trim=True)
        cur_model[0] = model2
        cur_implied[0] = _implied_bounds(model2)  # trims relax the ratio rules: the bounds are wider
        encoded.clear()
        stages = _run_stages(
            model2, built2, kind, target, total_claimed, member_claimed, reserve, primary, derived, owners, reach, encode
        )
        model, built, forced = model2, built2, True
    timings["solve"] = (time.perf_counter() - t2) * 1000
    if stages.status != "optimal":
        out.status = "infeasible" if stages.status == "infeasible" else "solver_failed"
        out.notes.append(
            Note(
                out.status,
                "solver",
                f"最適化の計算が完了しませんでした(HiGHS: {stages.message})",
                f"the optimisation did not complete (HiGHS: {stages.message})",
            )
        )
        return out
    x = stages.x

    # ---- write the amounts back
    t3 = time.perf_counter()
    new_costs = list(costs)
    changes: list[LineChange] = []

    unrealised: set[tuple[Any, ...]] = set()

    def put_amount(i: int, amount: int) -> None:
        """A line of a class gets ``amount``: as the fewest hours that give it for a labour line (every
        amount is reachable at a rate up to ¥100/h), as unit price × 1 otherwise."""
        if costs[i].category == "labour":
            rate = baseline.lines[i].hourly_rate_yen or 0
            put(i, amount, _labour_range(rate, amount, amount)[0])
        else:
            put(i, amount, None)

    def put(i: int, amount: int, hh: int | None) -> None:
        ln = costs[i]
        before = baseline.lines[i].claimed_yen
        if hh is not None:
            if ln.hours is not None and int(ln.hours * 100) == hh:
                return
            new_costs[i] = _with_hours(ln, hh)
            changes.append(LineChange(ln.id, ln.member, before, amount, new_costs[i].hours))
        elif amount != before:
            new_costs[i] = _with_amount(ln, amount)
            changes.append(LineChange(ln.id, ln.member, before, amount))

    for u in units:
        if u.kind == "fixed":
            continue
        if u.kind == "zeroed":
            i = u.lines[0]
            if costs[i].category == "labour":
                put(i, u.lo[0], u.hh_var)
            else:
                put(i, u.lo[0], None)
        elif u.kind == "term":
            put(u.lines[0], u.claimed.value(x), None)
        elif u.kind == "termgroup":
            assert u.terms is not None
            amounts = u.terms.realise(x[u.hh_var], x[u.amount_var])
            if amounts is None:
                unrealised.add((u.member, *u.sig, u.terms.k * max_months))
                continue
            for i, amount in zip(u.lines, amounts, strict=True):
                put(i, amount, None)
        elif u.kind == "labour":
            hh = x[u.hh_var]
            put(u.lines[0], _amount(u.rate, hh), hh)
        elif u.ends is not None:  # a class with labour lines: hours that add up to the total exactly
            got = realise(x[u.hh_var], u.ends)
            if got is None:
                unrealised.add((u.member, *u.sig))
                continue
            dense_amounts, hours = iter(got[0]), iter(got[1])
            for i in u.lines:
                if i in u.lattice:
                    hh = next(hours)
                    put(i, u.lattice[i].amount(hh), hh)
                else:
                    put_amount(i, next(dense_amounts))
        else:  # plain class
            total = x[u.hh_var]
            shares = share_largest_remainder(total - sum(u.lo), [h - lo for lo, h in zip(u.lo, u.hi, strict=True)])
            for i, lo, s in zip(u.lines, u.lo, shares, strict=True):
                put_amount(i, lo + s)
    if unrealised:
        raise _Unrealisable(unrealised)
    new_plan = base_plan.model_copy(update={"costs": new_costs})
    result = planner.evaluate(new_plan)
    timings["write_back_and_verify"] = (time.perf_counter() - t3) * 1000
    out.plan, out.result, out.changes = new_plan, result, changes
    out.model_subsidy_yen = stages.subsidy
    out.status = "optimal_forced_trim" if forced else "optimal"
    stage_ja = {"subsidy": "補助金の最大化", "own_funds": "自己負担の最小化", "tie_break": "自己負担の最小化(同点の選択)", "trims": "対象外額の最小化"}
    for stage, gap in stages.unproven:
        out.notes.append(
            Note(
                "unproven",
                f"unproven:{stage}",
                f"{stage_ja.get(stage, stage)}の段階は最適であることを証明できませんでした"
                + (f"(証明できた限界値との差は最大 {gap:,} 円)" if gap >= 0 else "(前の段階の解を使っています)"),
                f"the {stage} stage could not be proven optimal"
                + (f" (at most ¥{gap:,} from the best proven bound)" if gap >= 0 else " (the previous stage's solution is used)"),
            )
        )

    # ---- verification against the engine
    bad = model.violations(x, stages.extra_rows)
    if bad:
        out.notes.append(
            Note(
                "discrepancy",
                "model_rows",
                "整数解の検算で満たされない制約がありました: " + ", ".join(bad[:10]),
                "the integer solution fails these rows on exact re-check: " + ", ".join(bad[:10]),
            )
        )
    if result.subsidy_yen != stages.subsidy:
        out.notes.append(
            Note(
                "discrepancy",
                "subsidy",
                f"モデルの補助金額 {yen(stages.subsidy)} と、計画を評価し直した補助金額 {yen(result.subsidy_yen)} が一致しません",
                f"the model's subsidy {yen(stages.subsidy)} differs from the re-evaluated plan's {yen(result.subsidy_yen)}",
                yen=result.subsidy_yen - stages.subsidy,
            )
        )
    before_keys = {finding_key(f) for f in baseline.findings if f.severity != "info"}
    out.new_findings = [f for f in result.findings if f.severity != "info" and finding_key(f) not in before_keys]

    # ---- explanation
    if explain:
        t4 = time.perf_counter()
        out.notes.extend(_explain(model, built, stages, base_plan, baseline, result, units, forced, params))
        timings["explain"] = (time.perf_counter() - t4) * 1000
    timings["total"] = (time.perf_counter() - t0) * 1000
    return out


# ---------------------------------------------------------------------------------------------
# Rules as rows


@dataclass(slots=True)
class _Built:
    t_var: int
    raw: dict[str, _Lin]  # member → raw subsidy (a variable, or a constant)
    elig: dict[str, _Lin]  # member → eligible after the ratio rules
    cap: int
    rate: Fraction
    binaries: list[int] = field(default_factory=list)
    trims: dict[str, _Lin] = field(default_factory=dict)  # rule:scope → yen trimmed
    groups: dict[str, _Lin] = field(default_factory=dict)  # C:scope, R:scope, U, B, S, O (after trims)


def _build_rules(
    model: _Model,
    units: list[_Unit],
    plan: Plan,
    params: KyosoParams,
    baseline: Result,
    roles: Mapping[str, str],
    per_vendor: bool,
    *,
    allow_trim: bool = False,
) -> _Built:
    # per group, per member, the eligible amount after the line rules
    groups: dict[str, dict[str, _Lin]] = {}
    member_elig: dict[str, _Lin] = {}
    for u in units:
        r1, r2, r3 = u.sig
        parts = [f"{r1[0]}:{r1[1]}" if r1 else None, r2, r3]
        for g in parts:
            if g is not None:
                groups.setdefault(g, {}).setdefault(u.member, _Lin()).add(u.elig)
        member_elig.setdefault(u.member, _Lin()).add(u.elig)

    built = _Built(-1, {}, {}, baseline.cap_yen, baseline.rate)
    trimmed_total: dict[str, _Lin] = {}

    def limited(group: str, rule: str, scope: str) -> _Lin:
        """The group's total after the rule's trim (trim variables per member when allowed)."""
        total = _Lin()
        trim_total = _Lin()
        for mid, lin in groups.get(group, {}).items():
            if allow_trim and model.hi(lin) > 0:
                t = model.var(f"t:{rule}:{scope}:{mid}", 0, model.hi(lin))
                model.le(f"trim_le:{rule}:{scope}:{mid}", _Lin().var(t), lin)
                member_elig[mid].add(_Lin().var(t), -1)
                trim_total.var(t)
                total.add(lin).var(t, -1)
            else:
                total.add(lin)
        trimmed_total[f"{rule}:{scope}"] = trim_total
        return total

    def sum_group(group: str) -> _Lin:
        total = _Lin()
        for lin in groups.get(group, {}).values():
            total.add(lin)
        return total

    # 1. cost.subcontract_half
    ratio = params.subcontract_ratio.value
    p, q = ratio.numerator, ratio.denominator
    scopes = [m.id for m in plan.members if m.role == "it_vendor"] if per_vendor else ["consortium"]
    for scope in scopes:
        c_raw = sum_group(f"C:{scope}")
        if model.hi(c_raw) <= 0 or p >= q:
            continue
        c = limited(f"C:{scope}", "cost.subcontract_half", scope)
        r = sum_group(f"R:{scope}")
        built.groups[f"C:{scope}"], built.groups[f"R:{scope}"] = c, r
        lhs = c.scaled(q - p).add(r, -p)
        meta = {"rule": "cost.subcontract_half", "scope": scope}
        if model.lo(c) > 0 or p * model.lo(r) >= 1:
            model.le(f"rule:cost.subcontract_half:{scope}", lhs, -1, unit=q - p, **meta)
        elif model.hi(r) <= 0:
            model.le(f"rule:cost.subcontract_half:{scope}", c, 0, unit=1, **meta)
        else:  # C = 0, or C·(q−p) ≤ p·R − 1: a binary y says which
            y = model.var(f"y:{scope}", 0, 1)
            built.binaries.append(y)
            model.le(f"rule:cost.subcontract_half:{scope}", lhs.var(y, 1), 0, unit=q - p, **meta)
            model.le(f"rule_switch:cost.subcontract_half:{scope}", c, _Lin().var(y, model.hi(c)))

    # 2. cost.user_labour_third
    ratio = params.user_labour_ratio.value
    p, q = ratio.numerator, ratio.denominator
    u_raw = sum_group("U")
    b = sum_group("B")
    if model.hi(u_raw) > 0:
        u_lim = limited("U", "cost.user_labour_third", "consortium")
        built.groups["U"], built.groups["B"] = u_lim, b
        model.le(
            "rule:cost.user_labour_third:consortium",
            u_lim.scaled(q).add(b, -p),
            0,
            unit=q,
            rule="cost.user_labour_third",
            scope="consortium",
        )

    # 3. cost.software_cloud_half: O = everything else after rules 1 and 2
    ratio = params.software_cloud_ratio.value
    p, q = ratio.numerator, ratio.denominator
    s_raw = sum_group("S")
    o = sum_group("O")
    for key, lin in trimmed_total.items():
        if not key.startswith("cost.software_cloud_half"):
            o.add(lin, -1)
    if model.hi(s_raw) > 0 and p < q:
        s = limited("S", "cost.software_cloud_half", "consortium")
        built.groups["S"], built.groups["O"] = s, o
        model.le(
            "rule:cost.software_cloud_half:consortium",
            s.scaled(q - p).add(o, -p),
            0,
            unit=q - p,
            rule="cost.software_cloud_half",
            scope="consortium",
        )
    built.trims = trimmed_total

    # subsidy: raw_i = floor(E_i × rate), T = min(cap, Σ raw_i)
    rp, rq = built.rate.numerator, built.rate.denominator
    t_hi = 0
    raw_sum = _Lin()
    for m in plan.members:
        if m.role not in ("sme_user", "it_vendor"):
            continue
        e = member_elig.get(m.id, _Lin())
        built.elig[m.id] = e
        if not e.terms:
            raw = _Lin(const=max(0, e.const) * rp // rq)
        else:
            hi = max(0, model.hi(e)) * rp // rq
            rv = model.var(f"raw:{m.id}", 0, hi, dual_ub=hi + 1)
            model.le(f"raw:{m.id}", _Lin().var(rv, rq), e.scaled(rp))
            raw = _Lin().var(rv)
        built.raw[m.id] = raw
        raw_sum.add(raw)
        t_hi += model.hi(raw)
    t = model.var("T", 0, max(0, t_hi))  # the cap is a row, so that its dual is reported
    built.t_var = t
    model.le("subsidy_sum", _Lin().var(t), raw_sum)
    model.le("cap", _Lin().var(t), built.cap, kind="cap")
    return built


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


# ---------------------------------------------------------------------------------------------
# Explanation


_GROUP_JA = {
    "C": "STEP3の下請け委託費",
    "R": "STEP3のその他の経費(人件費・旅費)",
    "U": "中小ユーザ企業の人件費",
    "B": "ITベンダへの委託費とITベンダの人件費",
    "S": "ソフトウェア購入費・クラウド利用費",
    "O": "その他の補助対象経費",
}
_GROUP_EN = {
    "C": "STEP3 subcontracting",
    "R": "other STEP3 costs (labour, travel)",
    "U": "sme_user labour",
    "B": "outsourcing to vendors + vendor labour",
    "S": "software + cloud",
    "O": "the other eligible costs",
}


def _dual_lp(model: _Model, built: _Built, fixed: dict[int, int]) -> tuple[dict[str, float], np.ndarray]:
    """Stage-1 linear relaxation (binaries fixed): subsidy yen per unit of each row and of each upper bound."""
    n = len(model.names)
    c = np.zeros(n)
    c[built.t_var] = -1.0
    ub_rows = [r for r in model.rows if not r.eq]
    bounds = []
    for i in range(n):
        if i in fixed:
            bounds.append((fixed[i], fixed[i]))
        else:
            bounds.append((model.lb[i], model.dual_ub.get(i, model.ub[i])))
    data, ri, ci = [], [], []
    for r, row in enumerate(ub_rows):
        for v, k in row.coefs.items():
            data.append(k)
            ri.append(r)
            ci.append(v)
    a = csr_array((np.array(data, dtype=np.float64), (np.array(ri), np.array(ci))), shape=(len(ub_rows), n))
    b = np.array([row.rhs for row in ub_rows], dtype=np.float64)
    res = linprog(c, A_ub=a, b_ub=b, bounds=bounds, method="highs")
    if res.status != 0:
        return {}, np.zeros(n)
    return {row.key: m for row, m in zip(ub_rows, res.ineqlin.marginals, strict=True)}, np.asarray(res.upper.marginals)


def _price(marginal: float) -> Fraction:
    """A marginal of the minimised −T as subsidy yen per unit (a small fraction such as 2/3)."""
    return -Fraction(marginal).limit_denominator(10_000)


def _explain(
    model: _Model,
    built: _Built,
    stages: _Stages,
    plan: Plan,
    baseline: Result,
    result: Result,
    units: list[_Unit],
    forced: bool,
    params: KyosoParams,
) -> list[Note]:
    x = stages.x
    notes: list[Note] = []
    fixed = {y: x[y] for y in built.binaries}
    row_duals, ub_duals = stages.duals if stages.duals is not None else _dual_lp(model, built, fixed)
    rate_txt = f"{built.rate.numerator}/{built.rate.denominator}"

    def worth(key: str, unit: int) -> Fraction | None:
        d = row_duals.get(key)
        return None if d is None else _price(d) * unit

    def worth_text(w: Fraction | None) -> tuple[str, str]:
        if w is None:
            return "", ""
        if w == 0:
            return (
                "この制約を1円緩めても、今の範囲では補助金は増えません",
                "relaxing it by one yen would not raise the subsidy within the current ranges",
            )
        return (
            f"この上限が1円上がると補助金は {fmt_fraction(w)} 円増えます",
            f"one more yen of this limit is worth {fmt_fraction(w)} yen of subsidy",
        )

    for row in model.rows:
        rule = row.meta.get("rule")
        kind = row.meta.get("kind")
        if rule is None and kind is None:
            continue
        lhs = sum(c * x[v] for v, c in row.coefs.items())
        slack = row.rhs - lhs
        w_row = worth(row.key, row.unit)
        binding = slack < row.unit or (w_row is not None and w_row > 0)
        w_ja, w_en = worth_text(w_row)
        if rule == "cost.subcontract_half":
            scope = row.meta["scope"]
            if not row.key.startswith("rule:") or f"C:{scope}" not in built.groups:
                continue
            cval = built.groups[f"C:{scope}"].value(x)
            rval = built.groups[f"R:{scope}"].value(x)
            if cval == 0 or not binding:
                continue
            ratio = params.subcontract_ratio.value
            limit = fx.cost_subcontract_half_limit(rval, ratio)
            per = Fraction(ratio.numerator, ratio.denominator - ratio.numerator)
            who = _member_label(plan, scope) if scope != "consortium" else "コンソーシアム"
            notes.append(
                Note(
                    "binding",
                    row.key,
                    f"{who}の{_GROUP_JA['C']} {yen(cval)} は上限 {yen(limit)}(その他のSTEP3経費 {yen(rval)} 未満、1/2未満)で止まっています。"
                    f"{scope} のSTEP3人件費を1円増やすと下請け委託費の上限が {fmt_fraction(per)} 円上がります。{w_ja}",
                    f"{scope}: {_GROUP_EN['C']} {yen(cval)} is held by its limit {yen(limit)} (less than the other STEP3 "
                    f"costs {yen(rval)}). One more yen of {scope}'s STEP3 labour raises the subcontract limit by "
                    f"{fmt_fraction(per)} yen; {w_en}",
                    w_row,
                )
            )
        elif rule == "cost.user_labour_third":
            if not binding:
                continue
            ratio = params.user_labour_ratio.value
            uval, bval = built.groups["U"].value(x), built.groups["B"].value(x)
            limit = fx.cost_user_labour_third_limit(bval, ratio)
            notes.append(
                Note(
                    "binding",
                    row.key,
                    f"{_GROUP_JA['U']} {yen(uval)} は上限 {yen(limit)}({_GROUP_JA['B']} {yen(bval)} の{ratio.numerator}/{ratio.denominator})"
                    f"で止まっています。ベンダ人件費を1円増やすとユーザ人件費の上限が {fmt_fraction(Fraction(ratio), 2)} 円上がります。{w_ja}",
                    f"{_GROUP_EN['U']} {yen(uval)} is held by its limit {yen(limit)} ({ratio.numerator}/{ratio.denominator} of "
                    f"{_GROUP_EN['B']} {yen(bval)}). One more yen of vendor labour raises the sme_user labour limit by "
                    f"{fmt_fraction(Fraction(ratio), 2)} yen; {w_en}",
                    w_row,
                )
            )
        elif rule == "cost.software_cloud_half":
            if not binding:
                continue
            ratio = params.software_cloud_ratio.value
            per = Fraction(ratio.numerator, ratio.denominator - ratio.numerator)
            sval, oval = built.groups["S"].value(x), built.groups["O"].value(x)
            limit = fx.cost_software_cloud_half_limit(oval, ratio)
            notes.append(
                Note(
                    "binding",
                    row.key,
                    f"{_GROUP_JA['S']} {yen(sval)} は上限 {yen(limit)}({_GROUP_JA['O']} {yen(oval)} 以下、総額の1/2以下)で止まっています。"
                    f"その他の経費を1円増やすとソフトウェア・クラウドの上限が {fmt_fraction(per)} 円上がります。{w_ja}",
                    f"{_GROUP_EN['S']} {yen(sval)} is held by its limit {yen(limit)} (at most {_GROUP_EN['O']} {yen(oval)}). "
                    f"One more yen of other costs raises the software/cloud limit by {fmt_fraction(per)} yen; {w_en}",
                    w_row,
                )
            )
        elif kind == "cap":
            raw_total = sum(r.value(x) for r in built.raw.values())
            if raw_total < built.cap:
                continue
            step = params.cap_step_yen.value
            at_max = built.cap >= params.cap_max_yen.value
            w = worth(row.key, 1)
            w_ja, w_en = worth_text(w)
            notes.append(
                Note(
                    "binding",
                    "cap",
                    f"補助金額が上限 {yen(built.cap)} に達しています"
                    + (f"(上限を超える分 {yen(raw_total - built.cap)} は補助されません)。" if raw_total > built.cap else "。")
                    + ("上限は最大額です。" if at_max else f"補助対象のメンバーが1者増えると上限が {yen(step)} 上がります。")
                    + w_ja,
                    f"the subsidy is at the cap {yen(built.cap)}"
                    + (f" ({yen(raw_total - built.cap)} above it earns nothing). " if raw_total > built.cap else ". ")
                    + ("The cap is at its maximum. " if at_max else f"One more counted member would raise the cap by {yen(step)}. ")
                    + w_en,
                    w,
                )
            )
        elif kind == "budget":
            mid = row.meta["member"]
            amount = row.meta["amount"]
            w = worth(row.key, 1)
            who_ja = "コンソーシアム全体の予算" if mid == "*" else f"{_member_label(plan, mid)}の予算"
            who_en = "the consortium budget" if mid == "*" else f"{mid}'s budget"
            if slack > 0 and (w is None or w == 0):
                notes.append(
                    Note(
                        "info",
                        row.key,
                        f"{who_ja} {yen(amount)} には {yen(slack)} の余裕があります",
                        f"{who_en} {yen(amount)} has {yen(slack)} to spare",
                        yen=slack,
                    )
                )
                continue
            notes.append(
                Note(
                    "binding",
                    row.key,
                    (f"{who_ja} {yen(amount)} を使い切っています。" if slack == 0 else
                     f"{who_ja} {yen(amount)} の残りは {yen(slack)} です(この端数では補助金は増えません)。")
                    + (f"予算を1円増やすと補助金は {fmt_fraction(w)} 円増えます" if w is not None else ""),
                    (f"{who_en} {yen(amount)} is used up. " if slack == 0 else
                     f"{who_en} {yen(amount)} has {yen(slack)} left, too little to earn more subsidy. ")
                    + (f"One more yen of budget is worth {fmt_fraction(w)} yen of subsidy" if w is not None else ""),
                    w,
                )
            )

    # lines held at the top of their range, grouped by what one more yen would be worth
    by_worth: dict[Fraction, list[str]] = {}
    for u in units:
        if u.kind in ("fixed", "zeroed"):
            continue
        if u.kind == "plain":
            v = u.hh_var
            if x[v] < model.ub[v]:
                continue
            w = _price(ub_duals[v]) if v < len(ub_duals) else Fraction(0)
        elif u.kind == "labour":
            v = u.hh_var
            if x[v] < model.ub[v]:
                continue
            w = _price(ub_duals[v]) * 100 / u.rate if u.rate and v < len(ub_duals) else Fraction(0)
            w = w.limit_denominator(1000)
        elif u.kind == "termgroup":  # every line at its max: a claimed yen is worth 1/k eligible yen
            assert u.terms is not None
            v = u.hh_var
            if x[v] < model.ub[v]:
                continue
            w = _price(ub_duals[v]) / u.terms.k if v < len(ub_duals) else Fraction(0)
        else:  # term
            v = next(iter(u.claimed.terms))
            if x[v] < model.ub[v]:
                continue
            w = _price(ub_duals[v]) if v < len(ub_duals) else Fraction(0)
        if w > 0:
            by_worth.setdefault(w, []).extend(plan.costs[i].id for i in u.lines)
    for w, ids in sorted(by_worth.items(), key=lambda kv: -kv[0]):
        shown = ", ".join(ids[:12]) + (f" ほか{len(ids) - 12}行" if len(ids) > 12 else "")
        shown_en = ", ".join(ids[:12]) + (f" and {len(ids) - 12} more" if len(ids) > 12 else "")
        notes.append(
            Note(
                "line_bound",
                "lines_at_max:" + fmt_fraction(w, 4),
                f"経費 {shown} は上限(max_yen)まで計上しています。上限を1円上げると補助金は {fmt_fraction(w)} 円増えます(補助率 {rate_txt})",
                f"lines {shown_en} are at their max_yen; one more yen of range is worth {fmt_fraction(w)} yen of subsidy "
                f"(rate {rate_txt})",
                w,
            )
        )

    # forced trims (the ranges cannot avoid them)
    if forced:
        for f in result.findings:
            if f.rule in RATIO_RULES and f.yen:
                notes.append(
                    Note(
                        "forced_trim",
                        f"forced:{f.rule}:{','.join(f.refs[:1])}",
                        f"範囲内ではこのルールを満たせないため、{yen(f.yen)} が対象外になります: {f.message_ja}",
                        f"the ranges cannot satisfy this rule, so {yen(f.yen)} is trimmed: {f.message_en}",
                        yen=f.yen,
                    )
                )
    if result.subsidy_yen < params.lower_limit_yen.value:
        notes.append(
            Note(
                "info",
                "below_minimum",
                f"最適な配分でも補助金額 {yen(result.subsidy_yen)} は下限 {yen(params.lower_limit_yen.value)} 未満です",
                f"even the best allocation gives {yen(result.subsidy_yen)}, below the lower limit "
                f"{yen(params.lower_limit_yen.value)}",
            )
        )
    return notes
