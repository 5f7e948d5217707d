"""One optimisation: :func:`optimize` and its run ``_optimize``.

The arguments are checked; the lines the line rules zero are read from the engine; the plan's lines are
read into units (fixed and zeroed lines, classes of lines that play the same part in every rule, term
groups, and — when a class is split — labour lines on their own lattices); the model is built
(:mod:`planner.optimize.model`, :mod:`planner.optimize.gaps`) and solved in stages
(:mod:`planner.optimize.stages`), again with trim variables when the ranges force a trim; the amounts and
hours are written back (class totals shared out by :mod:`planner.optimize.realise`), the plan re-evaluated
and compared with the model, and the result explained (:mod:`planner.optimize.explain`).
"""

from __future__ import annotations

import gc
import time
from decimal import Decimal
from typing import Any

import planner
from planner.kyoso import formulas as fx
from planner.kyoso.params import KyosoParams
from planner.money import share_largest_remainder, yen
from planner.optimize.explain import _explain, _member_label
from planner.optimize.gaps import _encode_window, _first_gaps, _implied_bounds
from planner.optimize.model import _build_rules, _ceil_div, _Lin, _Model, _Unit, _Unrealisable
from planner.optimize.realise import ClassEnds, LatticeLine, TermGroup, realise
from planner.optimize.result import LineChange, Note, OptimizeInputError, OptimizeResult, parse_objective
from planner.optimize.stages import _run_stages
from planner.pack import get_pack
from planner.scenarios import RATIO_RULES, finding_key, without_scenarios
from schemas.plan import MAX_HOURS, MAX_LINE_YEN, CostLine, Plan

TERM_RULE = "cost.term_over_one_year"
_NOT_ZEROING = {*RATIO_RULES, TERM_RULE}
MAX_HUNDREDTHS = int(MAX_HOURS * 100)
MAX_SPLIT_ROUNDS = 4


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
    """Choose the flexible lines' amounts; see the package docstring (:mod:`planner.optimize`).  Never raises for plan content;
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
    (:func:`planner.optimize.realise.realise_class`): when that succeeds, the relaxed model's optimum is reached
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
