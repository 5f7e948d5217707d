"""The explanation of an optimised plan (``OptimizeResult.notes``, ja/en): the ratio rules, the cap and the
budgets that hold the result, with what one more yen of each limit is worth (the duals of stage 1's linear
relaxation, its bounds loosened by a yen: :func:`_dual_lp`); the lines held at their ``max_yen``, grouped by
the worth of one more yen of range; forced trims; a subsidy below the lower limit.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array

from planner.kyoso import formulas as fx
from planner.kyoso.params import KyosoParams
from planner.money import yen
from planner.optimize.model import _Built, _Model, _Unit
from planner.optimize.result import Note, fmt_fraction
from planner.optimize.stages import _Stages
from planner.result import Result
from planner.scenarios import RATIO_RULES
from schemas.plan import Plan


def _member_label(plan: Plan, mid: str) -> str:
    m = next((m for m in plan.members if m.id == mid), None)
    return f"{mid}({m.name})" if m is not None else mid


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
