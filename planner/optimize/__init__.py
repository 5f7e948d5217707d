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
each class total is shared out to hours exactly (:mod:`planner.optimize.realise`); totals next to a class's ends
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

The package, by role (each name is defined in one module: patch it there, not on this package;
``planner.optimize.realise`` is the module, its function is not re-exported here):

* :mod:`~planner.optimize.allocate` — :func:`optimize` and one run: arguments, the lines read into units
  and classes, the solve, the write-back of amounts and hours, the check against the engine;
* :mod:`~planner.optimize.model` — the MILP as data (expressions, rows, the model, units) and the rules
  as rows;
* :mod:`~planner.optimize.gaps` — rows that keep class totals to what the hours lattice reaches;
* :mod:`~planner.optimize.realise` — sharing a class total out to its lines' amounts and hours;
* :mod:`~planner.optimize.stages` — the lexicographic stages and the branching on unreachable totals;
* :mod:`~planner.optimize.solver` — one stage solved and proven (relaxation, ladder, "a yen better?",
  Lagrangian bound, full MILP, exact re-check);
* :mod:`~planner.optimize.highs` — scipy's ``milp`` with the extra HiGHS options;
* :mod:`~planner.optimize.explain` — the notes that explain the result;
* :mod:`~planner.optimize.result` — :class:`OptimizeResult`, :class:`Note`, :class:`LineChange`,
  :class:`OptimizeInputError`.
"""

from __future__ import annotations

from planner.optimize.allocate import MAX_HUNDREDTHS, TERM_RULE, _optimize, optimize
from planner.optimize.gaps import _first_gaps
from planner.optimize.highs import HIGHS_EXTRA_OPTIONS, _highs_milp
from planner.optimize.result import (
    LineChange,
    Note,
    OptimizeInputError,
    OptimizeResult,
    Status,
    fmt_fraction,
    parse_objective,
)
from planner.optimize.solver import _Solver
from planner.scenarios import RATIO_RULES, finding_key

__all__ = [
    "HIGHS_EXTRA_OPTIONS",
    "MAX_HUNDREDTHS",
    "RATIO_RULES",
    "TERM_RULE",
    "LineChange",
    "Note",
    "OptimizeInputError",
    "OptimizeResult",
    "Status",
    "_Solver",
    "_first_gaps",
    "_highs_milp",
    "_optimize",
    "finding_key",
    "fmt_fraction",
    "optimize",
    "parse_objective",
]
