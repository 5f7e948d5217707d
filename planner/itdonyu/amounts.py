"""The IT導入補助金 amounts, as the mixin ``_Amounts`` of the engine's ``_Run``.

The flat rate with its bands, the §3 tiered rate (software tiers + hardware sub-caps), the §4 group with
(a)/(b)/(c) → 賃上げ → 労働生産性.  Every capped yen is recorded on a Step, and each rule's finding carries it.
"""

from __future__ import annotations

from fractions import Fraction

from planner.itdonyu import formulas as fx
from planner.itdonyu.messages import KIND_JA, emit, fragment
from planner.itdonyu.params import ProductivitySpec
from planner.itdonyu.result import GrowthCheck, ProductivityResult, Step, percent_text, ratio_text
from planner.itdonyu.run import SOFTWARE_KINDS, _RunBase, _y
from planner.money import share_largest_remainder
from schemas.itdonyu import Member


class _Amounts(_RunBase):
    """The amount steps (flat, tiered, group), 賃上げ and 労働生産性 of one evaluation."""

    # ------------------------------------------------------------------------------- amounts
    def tiered(self, member_id: str, small: bool) -> dict[str, int]:
        """§3 for one applicant or group member's (a): software tiers + hardware sub-caps."""
        f = self.frame
        assert f.tier is not None
        mine = [ln for ln in self.lines if ln.member == member_id and ln.expense != "b"]
        s_cost = sum(ln.eligible_yen for ln in mine if ln.kind in SOFTWARE_KINDS)
        functions = self.functions(member_id)
        self.check_functions(member_id, functions, s_cost > 0)
        t = fx.software_tiered(s_cost, f.tier, small, len(functions))
        if s_cost:
            self._tier_steps(member_id, s_cost, small, t)
        if t.one_function_removed:
            self.add(
                emit("software.one_function_cap", refs=[member_id], yen_removed=t.one_function_removed, member=member_id,
                     n=len(functions), cap=_y(f.tier.tier1_cap_yen), removed=_y(t.one_function_removed),
                     min_functions=f.tier.tier2_min_functions)
            )
        if t.tier1_raw > f.tier.tier1_cap_yen or t.tier2_raw > f.tier.tier2_cap_yen:
            over = max(0, t.tier1_raw - f.tier.tier1_cap_yen) + max(0, t.tier2_raw - f.tier.tier2_cap_yen)
            if over and not (t.one_function_removed and t.tier1_raw <= f.tier.tier1_cap_yen):
                self.add(emit("software.tier_capped", refs=[member_id], yen_removed=over, member=member_id, over=_y(over)))
        parts = {"software": t.yen}
        if t.tier1_yen and f.tier.lower_yen is not None and t.yen < f.tier.lower_yen:
            self.add(
                emit("subsidy.below_minimum", "software", refs=[member_id], member=member_id, subsidy=_y(t.yen),
                     lower=_y(f.tier.lower_yen))
            )
        for kind, cap in (f.hardware or {}).items():
            cost = sum(ln.eligible_yen for ln in mine if ln.kind == kind)
            if cost == 0:
                continue
            raw, sub = fx.hardware_capped(cost, cap.rate, cap.cap_yen)
            label_ja = KIND_JA[kind]
            self.steps.append(
                Step(kind, member_id, f"{label_ja} {_y(cost)} × {ratio_text(cap.rate)}", f"{kind} {_y(cost)} × {ratio_text(cap.rate)}",
                     cost, cap.rate, raw, cap.cap_yen, sub, "hardware.capped" if raw > cap.cap_yen else None)
            )
            if raw > cap.cap_yen:
                self.add(
                    emit("hardware.capped", refs=[member_id], yen_removed=raw - cap.cap_yen, member=member_id,
                         kind=kind, kind_ja=label_ja, cap=_y(cap.cap_yen), over=_y(raw - cap.cap_yen))
                )
            parts[kind] = sub
        return parts

    def _tier_steps(self, member_id: str, s_cost: int, small: bool, t: fx.TierResult) -> None:
        f = self.frame
        assert f.tier is not None
        self.steps.append(
            Step(
                "software.tier1",
                member_id,
                f"ソフトウェア・導入関連費 min(S, S1) = min({_y(s_cost)}, {_y(t.s1_cost)}) × {ratio_text(t.tier1_rate)}"
                f"{'(小規模事業者)' if small and f.tier.tier1_rate_small is not None else ''}",
                f"software min(S, S1) = min({_y(s_cost)}, {_y(t.s1_cost)}) × {ratio_text(t.tier1_rate)}",
                t.tier1_cost,
                t.tier1_rate,
                t.tier1_raw,
                f.tier.tier1_cap_yen,
                t.tier1_yen,
                "software.tier_capped" if t.tier1_raw > f.tier.tier1_cap_yen else None,
            )
        )
        self.steps.append(
            Step(
                "software.tier2",
                member_id,
                f"ソフトウェア・導入関連費 S − min(S, S1) = {_y(t.tier2_cost)} × {ratio_text(f.tier.tier2_rate)}"
                f"({f.tier.tier2_min_functions}機能以上の場合)",
                f"software S − min(S, S1) = {_y(t.tier2_cost)} × {ratio_text(f.tier.tier2_rate)} "
                f"(with ≥ {f.tier.tier2_min_functions} functions)",
                t.tier2_cost,
                f.tier.tier2_rate,
                t.tier2_raw,
                f.tier.tier2_cap_yen,
                t.tier2_yen,
                "software.one_function_cap"
                if t.one_function_removed
                else ("software.tier_capped" if t.tier2_raw > f.tier.tier2_cap_yen else None),
            )
        )

    def flat(self, m: Member) -> dict[str, int]:
        f = self.frame
        eligible = sum(ln.eligible_yen for ln in self.lines if ln.member == m.id)
        rate = f.rate_large if self.large_rate and f.rate_large is not None else f.rate_for(self.small[m.id])
        assert rate is not None
        if f.rate_min_wage is not None and m.min_wage_staff is not None:
            assert f.min_wage_staff_share is not None and f.min_wage_staff_months is not None
            ms = m.min_wage_staff
            ok = fx.rate_minimum_wage_staff(
                f.min_wage_staff_share, f.min_wage_staff_months, ms.near_minimum, ms.employees_total, ms.months
            )
            share = percent_text(Fraction(ms.near_minimum, ms.employees_total))
            self.add(
                emit("rate.minimum_wage_staff", "met" if ok else "not_met", refs=[m.id], near=ms.near_minimum,
                     total=ms.employees_total, share=share, months=ms.months,
                     rate=ratio_text(f.rate_min_wage) if ok else ratio_text(rate))
            )
            if ok:
                rate = f.rate_min_wage
        self.rate_label = ratio_text(rate)
        raw = eligible * rate.numerator // rate.denominator
        processes = {p for t in self.app.tools for p in t.processes}
        counted, business = fx.tool_process_count(processes, bool(f.generic_process_counts_once))
        index, met = fx.subsidy_band(f, raw, counted, business)
        band = f.bands[index]
        self.band, self.lower_yen, self.cap_yen = index, band.lower_yen, band.max_yen
        if not met:
            self.add(
                emit("tool.process_count", refs=[t.id for t in self.app.tools] or [m.id], counted=counted, business=business,
                     min=band.min_processes, min_business=band.min_business_processes)
            )
        if len(f.bands) > 1:
            upper = f.bands[-1]
            by_processes = index == 0 and raw > band.max_yen and not fx.band_meets(upper, counted, business)
            self.add(
                emit("subsidy.band", "capped_by_processes" if by_processes else "band", refs=[m.id], counted=counted,
                     cap=_y(band.max_yen), upper_min=upper.min_processes, upper_cap=_y(upper.max_yen), n=index + 1,
                     lower=_y(band.lower_yen or 0), min=band.min_processes)
            )
        sub = min(raw, band.max_yen)
        self.steps.append(
            Step("flat", m.id, f"補助対象経費 {_y(eligible)} × {ratio_text(rate)}", f"eligible {_y(eligible)} × {ratio_text(rate)}",
                 eligible, rate, raw, band.max_yen, sub, "subsidy.capped" if raw > band.max_yen else None)
        )
        if raw > band.max_yen:
            self.add(emit("subsidy.capped", refs=[m.id], yen_removed=raw - band.max_yen, raw=_y(raw), cap=_y(band.max_yen)))
        if band.lower_yen is not None and sub < band.lower_yen:
            self.add(emit("subsidy.below_minimum", "frame", refs=[m.id], subsidy=_y(sub), lower=_y(band.lower_yen)))
        return {"flat": sub}

    def individual(self) -> None:
        m = self.app.members[0]
        im = self.members[m.id]
        f = self.frame
        if f.calc == "tiered":
            parts = self.tiered(m.id, self.small[m.id])
            assert f.tier is not None
            small_rate = self.small[m.id] and f.tier.tier1_rate_small is not None
            r1 = f.tier.tier1_rate_small if small_rate and f.tier.tier1_rate_small else f.tier.tier1_rate
            self.rate_label = f"{ratio_text(r1)}・{ratio_text(f.tier.tier2_rate)}"
            self.lower_yen = f.tier.lower_yen
            self.cap_yen = f.tier.tier1_cap_yen + f.tier.tier2_cap_yen + sum(h.cap_yen for h in (f.hardware or {}).values())
        else:
            parts = self.flat(m)
        im.parts = parts
        im.subsidy_yen = sum(parts.values())

    def group_amounts(self) -> None:
        f = self.frame
        g = f.group
        assert g is not None and f.tier is not None
        counted = [m for m in self.app.members if self.members[m.id].counted]
        if len(counted) < g.min_members:
            self.add(
                emit("group.min_members", refs=[m.id for m in counted], n=len(counted), min=g.min_members,
                     more=g.min_members - len(counted))
            )
        a_parts: dict[str, dict[str, int]] = {}
        for m in counted:
            a_parts[m.id] = self.tiered(m.id, self.small[m.id])
        a_by_member = {mid: sum(v.values()) for mid, v in a_parts.items()}
        # (b) 消費動向等分析経費: group level, floored on the total
        b_cost_by_member = {
            m.id: sum(ln.eligible_yen for ln in self.lines if ln.member == m.id and ln.expense == "b") for m in counted
        }
        b_cost = sum(b_cost_by_member.values())
        adopters = [mid for mid, c in b_cost_by_member.items() if c > 0]
        n_b = len(adopters) if g.analysis_cap_basis == "members_adopting" else len(counted)
        b_cap = fx.group_analysis_cap(g.analysis_cap_per_member_yen, n_b)
        b_raw = b_cost * g.analysis_rate.numerator // g.analysis_rate.denominator
        b = min(b_cap, b_raw)
        if b_cost:
            self.steps.append(
                Step("group.b", None, f"(b)消費動向等分析経費 {_y(b_cost)} × {ratio_text(g.analysis_rate)}、上限 {_y(g.analysis_cap_per_member_yen)} × {n_b}者",
                     f"(b) {_y(b_cost)} × {ratio_text(g.analysis_rate)}, cap {_y(g.analysis_cap_per_member_yen)} × {n_b}",
                     b_cost, g.analysis_rate, b_raw, b_cap, b, "group.analysis_cap" if b_raw > b_cap else None)
            )
        if b_raw > b_cap:
            self.add(
                emit("group.analysis_cap", refs=adopters, yen_removed=b_raw - b_cap, raw=_y(b_raw),
                     per_member=_y(g.analysis_cap_per_member_yen), n=n_b, cap=_y(b_cap))
            )
        # (a) + (b) ≤ 30,000,000: the excess removed pro rata (largest remainder)
        order = [m.id for m in counted]
        a_total = sum(a_by_member.values())
        excess = a_total + b - g.ab_cap_yen
        if excess > 0:
            cuts = share_largest_remainder(excess, [a_by_member[mid] for mid in order] + [b])
            for mid, cut in zip(order, cuts[:-1], strict=True):
                a_by_member[mid] -= cut
            b -= cuts[-1]
            self.steps.append(
                Step("group.ab_cap", None, f"(a)+(b) {_y(a_total + b + cuts[-1])} の上限 {_y(g.ab_cap_yen)}(超過分を按分)",
                     f"(a)+(b) {_y(a_total + b + cuts[-1])} capped at {_y(g.ab_cap_yen)} (pro rata)",
                     a_total + b + cuts[-1], None, a_total + b + cuts[-1], g.ab_cap_yen, g.ab_cap_yen, "group.ab_cap")
            )
            self.add(
                emit("group.ab_cap", refs=order, yen_removed=excess, total=_y(g.ab_cap_yen + excess), cap=_y(g.ab_cap_yen),
                     excess=_y(excess))
            )
        a = sum(a_by_member.values())
        # (c) 事務費・専門家費
        c_lines = [ln for ln in self.lines if ln.expense == "c"]
        c_cost = sum(ln.eligible_yen for ln in c_lines)
        c_cap = fx.group_admin_cap(g.admin_cap_yen, a + b, g.admin_share_of_ab, g.admin_share_rate)
        c_raw = c_cost * g.admin_rate.numerator // g.admin_rate.denominator
        c = min(c_cap, c_raw)
        if c_cost:
            cap_ja = f"上限 min({_y(g.admin_cap_yen)}, ((a)+(b)) {_y(a + b)} × 10% × 2/3)" if g.admin_share_of_ab else f"上限 {_y(g.admin_cap_yen)}"
            cap_en = f"cap min({_y(g.admin_cap_yen)}, (a)+(b) {_y(a + b)} × 10% × 2/3)" if g.admin_share_of_ab else f"cap {_y(g.admin_cap_yen)}"
            self.steps.append(
                Step("group.c", None, f"(c)その他経費 {_y(c_cost)} × {ratio_text(g.admin_rate)}、{cap_ja}",
                     f"(c) {_y(c_cost)} × {ratio_text(g.admin_rate)}, {cap_en}", c_cost, g.admin_rate, c_raw, c_cap, c,
                     "group.admin_cap" if c_raw > c_cap else None)
            )
        if c_raw > c_cap:
            self.add(
                emit("group.admin_cap", refs=[ln.id for ln in c_lines], yen_removed=c_raw - c_cap, raw=_y(c_raw), cap=_y(c_cap))
            )
        self.group_parts = {"a": a, "b": b, "c": c}
        b_shares = share_largest_remainder(b, [b_cost_by_member[mid] for mid in order])
        rep = next(m.id for m in self.app.members if m.role == "representative")
        for mid, share in zip(order, b_shares, strict=True):
            im = self.members[mid]
            im.parts = {**a_parts[mid], "a": a_by_member[mid], "b": share}
            im.subsidy_yen = a_by_member[mid] + share
        self.members[rep].parts["c"] = c
        self.members[rep].subsidy_yen += c
        small_any = any(self.small[m.id] for m in counted)
        r1 = ratio_text(f.tier.tier1_rate) + (f"({ratio_text(f.tier.tier1_rate_small)})" if small_any and f.tier.tier1_rate_small else "")
        self.rate_label = f"(a) {r1}・{ratio_text(f.tier.tier2_rate)} (b) {ratio_text(g.analysis_rate)} (c) {ratio_text(g.admin_rate)}"
        self.cap_yen = g.ab_cap_yen + g.admin_cap_yen

    # ------------------------------------------------------------------------------- 賃上げ
    def wage(self) -> None:
        spec = self.p.wage_plan
        if spec is None or self.group:
            return
        m = self.app.members[0]
        rule = self.frame.bands[self.band].wage if self.band is not None else self.frame.wage
        if rule == "none":
            return
        plan = m.wage_plan
        if rule == "required":
            if self.small[m.id] and "small_business" in spec.value.exempt:
                self.add(emit("wage.exempt", "small_business", refs=[m.id]))
                return
            if m.wage_exempt is not None and m.wage_exempt in spec.value.exempt:
                self.add(emit("wage.exempt", "declared", refs=[m.id], exempt=m.wage_exempt))
                return
            if plan is None:
                self.add(emit("wage.plan_missing", refs=[m.id]))
                return
        if plan is None:
            return
        check = fx.wage_check(spec.value, plan)
        growth_pct = percent_text(check.growth_required)
        problems: list[tuple[str, str]] = []
        if not check.payroll_ok:
            problems.append(
                fragment("wage:payroll_short", base=_y(plan.payroll_base_yen), target=_y(plan.payroll_target_yen),
                         growth=growth_pct, years=spec.value.years)
            )
        if not check.min_wage_ok:
            problems.append(
                fragment("wage:min_wage_short", min_wage=plan.min_wage_yen, margin=spec.value.min_wage_margin_yen,
                         required=check.min_wage_required_yen)
            )
        if not check.announced:
            problems.append(fragment("wage:not_announced"))
        problems_ja = "、".join(ja for ja, _ in problems)
        problems_en = "; ".join(en for _, en in problems)
        if rule == "required" and problems:
            self.add(emit("wage.required_not_met", refs=[m.id], problems_ja=problems_ja, problems_en=problems_en))
        elif rule == "bonus":
            variant = "short" if problems else "earned_extra" if check.extra_bonus else "earned"
            self.add(emit("wage.bonus", variant, refs=[m.id], problems_ja=problems_ja, problems_en=problems_en))

    # ------------------------------------------------------------------------------- 労働生産性
    def productivity(self) -> ProductivityResult | None:
        spec: ProductivitySpec | None = self.frame.productivity
        if spec is None:
            return None
        if spec.scope == "group":
            members = [
                m for m in self.app.members
                if self.members[m.id].counted
                and (m.role != "representative" or any(ln.member == m.id for ln in self.app.costs) or bool(m.uses_tools))
            ]
        else:
            members = [self.app.members[0]]
        with_plan = [m for m in members if m.productivity is not None]
        if not with_plan:
            self.add(emit("productivity.plan_missing", refs=[m.id for m in members]))
            return None
        years = sorted({t.year for t in spec.targets})
        values: dict[str, tuple[Fraction, dict[int, Fraction]]] = {}
        missing: list[str] = []
        for m in members:
            pr = m.productivity
            if pr is None:
                missing.append(f"{m.id}: productivity")
                continue
            va0 = fx.productivity_value_added(spec.value_added, pr.base)
            figures = {t.year: t for t in pr.targets}
            if va0 is None:
                missing.append(f"{m.id}: base")
                continue
            per_year: dict[int, Fraction] = {}
            for y in years:
                fig = figures.get(y)
                va = fx.productivity_value_added(spec.value_added, fig) if fig is not None else None
                if fig is None or va is None:
                    missing.append(f"{m.id}: year {y}")
                else:
                    per_year[y] = fx.productivity_value(va, fig)
            if len(per_year) == len(years):
                values[m.id] = (fx.productivity_value(va0, pr.base), per_year)
        if missing:
            self.add(
                emit("productivity.inputs_missing",
                     "gross_profit" if spec.value_added == "gross_profit" else "operating_profit",
                     refs=[s.split(":")[0] for s in missing], missing=", ".join(missing))
            )
            return None
        n = len(values)
        base = sum((v[0] for v in values.values()), Fraction(0)) / n
        by_year = {y: sum((v[1][y] for v in values.values()), Fraction(0)) / n for y in years}
        prior = any(m.prior_grant for m in members)
        checks: list[GrowthCheck] = []
        step = spec.truncate or Fraction(1, 10000)
        if base <= 0:
            self.add(emit("productivity.growth", "base_not_positive", refs=[m.id for m in members]))
            return ProductivityResult(spec.scope, spec.value_added, list(values), base, by_year, checks)
        for t in spec.targets:
            required = t.min_prior_grant if prior and t.min_prior_grant is not None else t.min
            growth = fx.productivity_growth(base, by_year[t.year], t.year, t.kind, step)
            ok = growth >= required if spec.truncate else fx.productivity_growth_ok(base, by_year[t.year], t.year, t.kind, required)
            checks.append(GrowthCheck(t.kind, t.year, growth, required, ok))
            if not ok:
                variant = ("total" if t.kind == "total" else "cagr") + ("_raised" if prior and t.min_prior_grant else "")
                self.add(
                    emit("productivity.growth", variant, refs=list(values), year=t.year,
                         shown=percent_text(growth, 1 if spec.truncate else 2), required=percent_text(required))
                )
        return ProductivityResult(spec.scope, spec.value_added, list(values), base, by_year, checks)
