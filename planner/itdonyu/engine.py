"""The IT導入補助金 engine: a pure function from an application and its rule pack to a result.

Order: §1 members (中小企業等, 小規模事業者, group membership) → §2 line rules (eligible kinds, term,
e-trade share, お助け隊 list, 役務 cap, hardware with software) → amounts (flat rate with bands, the
§3 tiered rate, or the §4 group with (a)/(b)/(c)) → 賃上げ → 労働生産性.  Every yen a rule removes is
recorded on its line as a Reduction, every capped yen on a Step, and each rule's finding carries the sum.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from planner.itdonyu import formulas as fx
from planner.itdonyu.messages import FUNCTION_JA, KIND_JA, ROLE_JA, emit, fragment
from planner.itdonyu.params import FrameSpec, ItdonyuParams, ProductivitySpec
from planner.itdonyu.result import (
    GrowthCheck,
    ItdLine,
    ItdMember,
    ItdonyuResult,
    ProductivityResult,
    Step,
    percent_text,
    ratio_text,
)
from planner.money import share_largest_remainder
from planner.pack import PackError, RulePack
from planner.result import Finding
from schemas.itdonyu import Application, CostLine, Member, Tool

SOFTWARE_KINDS = ("software", "cloud", "option", "service")


def _y(v: int) -> str:
    return f"¥{v:,}"


class _Run:
    """The state of one evaluation (findings, lines, members); ``result()`` builds the result."""

    def __init__(self, app: Application, pack: RulePack[ItdonyuParams], frame: FrameSpec) -> None:
        self.app = app
        self.pack = pack
        self.p = pack.params
        self.frame = frame
        self.findings: list[Finding] = []
        self.steps: list[Step] = []
        self.members: dict[str, ItdMember] = {}
        self.excluded: dict[str, str] = {}  # member id → the rule that excludes it
        self.small: dict[str, bool] = {}
        self.lines: list[ItdLine] = []
        self.by_rule: dict[str, list[str]] = {}  # rule → line ids it trimmed
        self.rate_label = ""
        self.band: int | None = None
        self.lower_yen: int | None = None
        self.cap_yen = 0
        self.group_parts: dict[str, int] = {}
        self.large_rate = False
        self.term_lines: list[tuple[str, int, int, int]] = []  # (line, months, max months, yen removed)
        self.share_lines: list[str] = []  # lines cut to the e-trade SME share

    # ------------------------------------------------------------------------------- helpers
    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def trim(self, line: ItdLine, rule: str, yen: int) -> None:
        if yen > 0:
            line.remove(rule, yen)
            self.by_rule.setdefault(rule, []).append(line.id)

    def trimmed_yen(self, rule: str) -> int:
        return sum(r.yen for ln in self.lines for r in ln.reductions if r.rule == rule)

    @property
    def group(self) -> bool:
        return self.frame.calc == "group"

    # ------------------------------------------------------------------------------- §1 members
    def check_members(self) -> None:
        f = self.frame
        has_lines = {ln.member or self.app.members[0].id for ln in self.app.costs}
        for m in self.app.members:
            im = ItdMember(m.id, m.name, m.role)
            self.members[m.id] = im
            small = fx.applicant_small_business(self.p, m)
            im.small_business, im.small_reason_ja, im.small_reason_en = small.small, small.reason_ja, small.reason_en
            self.small[m.id] = small.small
            if small.small:
                self.add(
                    emit("applicant.small_business", refs=[m.id], member=m.id, name=m.name,
                         reason_ja=small.reason_ja, reason_en=small.reason_en)
                )
            rep_type = m.representative_type or "sme"
            needs_sme = m.role != "representative" or rep_type == "sme"
            if m.role == "representative" and f.group is not None and rep_type not in f.group.representative_types:
                self.add(emit("group.representative_type", refs=[m.id], member=m.id, name=m.name, rep_type=rep_type))
            if needs_sme:
                check = fx.applicant_not_sme(self.p, m)
                im.sme = check
                if not check.ok:
                    if f.rate_large is not None and not self.group:
                        self.large_rate = True
                        self.add(
                            emit("applicant.large_enterprise_rate", refs=[m.id], member=m.id, name=m.name,
                                 reason_ja=check.reason_ja, reason_en=check.reason_en, rate=ratio_text(f.rate_large))
                        )
                    else:
                        self.excluded[m.id] = "applicant.not_sme"
                        im.counted = False
                        self.add(
                            emit("applicant.not_sme", refs=[m.id], member=m.id, name=m.name, role=m.role,
                                 role_ja=ROLE_JA[m.role], reason_ja=check.reason_ja, reason_en=check.reason_en)
                        )
            if m.role == "participant":
                uses = m.uses_tools if m.uses_tools is not None else m.id in has_lines
                if not uses:
                    self.excluded.setdefault(m.id, "group.participant_without_tools")
                    im.counted = False
                    self.add(emit("group.participant_without_tools", refs=[m.id], member=m.id, name=m.name))

    # ------------------------------------------------------------------------------- §2 lines
    def build_lines(self) -> None:
        """§2 line rules, each line through :meth:`line_rules` in order; a rule that removes the whole line
        ends that line's checks.  Then the findings that sum over lines, the 役務 cap and hardware."""
        tools = {t.id: t for t in self.app.tools}
        for ln in self.app.costs:
            member = self.app.member(ln.member)
            line = ItdLine(ln.id, member.id, ln.tool, ln.kind, ln.expense, ln.amount_yen, ln.amount_yen)
            self.lines.append(line)
            if member.id in self.excluded:
                self.trim(line, self.excluded[member.id], line.eligible_yen)
                continue
            tool = tools.get(ln.tool) if ln.tool is not None else None
            for rule in self.line_rules():
                if rule(ln, line, tool):
                    break
        self._term_limit_finding()
        self._e_trade_share_finding()
        self._service_cap()
        self._hardware_with_software()

    def line_rules(self) -> tuple[Callable[[CostLine, ItdLine, Tool | None], bool], ...]:
        """The per-line rules in order; each returns True when it removed the whole line."""
        return (
            self.cost_kind_not_eligible,
            self.cost_tool_not_eligible,
            self.cost_term_limit,
            self.tool_security_not_listed,
            self.tool_e_trade_accounts,
        )

    def cost_kind_not_eligible(self, ln: CostLine, line: ItdLine, tool: Tool | None) -> bool:
        """cost.kind_not_eligible: the line's kind is an eligible cost of the frame (of (b) for (b) lines)."""
        f = self.frame
        analysis_kinds = set(f.group.analysis_kinds) if f.group is not None else set()
        allowed = analysis_kinds if ln.expense == "b" else set(f.eligible_kinds)
        if ln.kind in allowed:
            return False
        self.trim(line, "cost.kind_not_eligible", line.eligible_yen)
        self.add(
            emit("cost.kind_not_eligible", f"expense_{ln.expense}" if ln.expense else "frame", refs=[ln.id],
                 yen_removed=line.claimed_yen, line=ln.id, kind=ln.kind, kind_ja=KIND_JA[ln.kind],
                 frame_ja=f.name_ja, frame_en=f.name_en)
        )
        return True

    def cost_tool_not_eligible(self, ln: CostLine, line: ItdLine, tool: Tool | None) -> bool:
        """cost.tool_not_eligible: a software line's tool has one of the frame's functions."""
        f = self.frame
        if not (
            f.function_set
            and f.min_functions
            and ln.expense != "b"
            and ln.kind in SOFTWARE_KINDS
            and tool is not None
            and not set(tool.functions) & set(f.function_set)
        ):
            return False
        self.trim(line, "cost.tool_not_eligible", line.eligible_yen)
        self.add(
            emit("cost.tool_not_eligible", "group" if self.group else "default", refs=[ln.id, tool.id],
                 yen_removed=line.claimed_yen, line=ln.id, tool=tool.id, tool_name=tool.name,
                 functions_ja="・".join(FUNCTION_JA[x] for x in f.function_set),
                 functions=", ".join(f.function_set))
        )
        return True

    def cost_term_limit(self, ln: CostLine, line: ItdLine, tool: Tool | None) -> bool:
        """cost.term_limit: fees count up to the frame's term (trimmed here, one finding for all lines)."""
        f = self.frame
        max_months = f.cloud_max_months
        if ln.expense == "b" and f.group is not None:
            max_months = f.group.analysis_cloud_max_months
        if ln.months is not None and max_months is not None and ln.months > max_months:
            keep = fx.cost_term_limit(line.eligible_yen, ln.months, max_months)
            self.term_lines.append((ln.id, ln.months, max_months, line.eligible_yen - keep))
            self.trim(line, "cost.term_limit", line.eligible_yen - keep)
        return False

    def tool_security_not_listed(self, ln: CostLine, line: ItdLine, tool: Tool | None) -> bool:
        """tool.security_not_listed: the service is on IPA's サイバーセキュリティお助け隊 list."""
        if not self.frame.requires_security_listed or (tool is not None and tool.security_listed):
            return False
        self.trim(line, "tool.security_not_listed", line.eligible_yen)
        self.add(
            emit("tool.security_not_listed", "tool" if tool else "no_tool", refs=[ln.id, *([tool.id] if tool else [])],
                 yen_removed=line.claimed_yen, line=ln.id, tool_name=tool.name if tool else "")
        )
        return True

    def tool_e_trade_accounts(self, ln: CostLine, line: ItdLine, tool: Tool | None) -> bool:
        """tool.e_trade_accounts (the e-trade tool and its account counts), else cost.e_trade_share's trim."""
        if not self.frame.e_trade_share:
            return False
        if tool is None or not tool.free_counterparty_accounts or "ordering" not in tool.functions:
            self.add(emit("tool.e_trade_accounts", "tool", refs=[ln.id, *([tool.id] if tool else [])], line=ln.id))
        elif tool.counterparty_accounts_total is None or tool.counterparty_accounts_sme is None:
            self.add(emit("tool.e_trade_accounts", "counts", refs=[ln.id, tool.id], line=ln.id))
        else:
            keep = fx.cost_e_trade_share(line.eligible_yen, tool.counterparty_accounts_sme, tool.counterparty_accounts_total)
            if keep < line.eligible_yen:
                self.share_lines.append(ln.id)
                self.trim(line, "cost.e_trade_share", line.eligible_yen - keep)
        return False

    def _term_limit_finding(self) -> None:
        """cost.term_limit: one finding naming every trimmed line."""
        term_lines = self.term_lines
        if term_lines:
            yen = sum(t[3] for t in term_lines)
            details = [fragment("cost.term_limit:line", line=i, months=mo, max_months=mx) for i, mo, mx, _ in term_lines]
            self.add(
                emit("cost.term_limit", refs=[t[0] for t in term_lines], yen_removed=yen,
                     detail_ja="、".join(d[0] for d in details), detail_en=", ".join(d[1] for d in details),
                     removed=_y(yen))
            )

    def _e_trade_share_finding(self) -> None:
        """cost.e_trade_share: one info naming every line cut to the SME share."""
        if self.share_lines:
            yen = self.trimmed_yen("cost.e_trade_share")
            self.add(emit("cost.e_trade_share", refs=self.share_lines, yen_removed=yen, removed=_y(yen)))

    def _service_cap(self) -> None:
        cap = self.frame.service_cap_yen
        if cap is None:
            return
        for mid in self.members:
            svc = [ln for ln in self.lines if ln.member == mid and ln.kind == "service" and ln.expense != "b"]
            kept = fx.cost_service_cap([ln.eligible_yen for ln in svc], cap)
            removed = 0
            for ln, keep in zip(svc, kept, strict=True):
                removed += ln.eligible_yen - keep
                self.trim(ln, "cost.service_cap", ln.eligible_yen - keep)
            if removed:
                self.add(
                    emit("cost.service_cap", refs=[ln.id for ln in svc], yen_removed=removed, member=mid, cap=_y(cap),
                         removed=_y(removed))
                )

    def _hardware_with_software(self) -> None:
        if not self.frame.hardware_requires_software:
            return
        for mid in self.members:
            mine = [ln for ln in self.lines if ln.member == mid and ln.expense != "b"]
            hw = [ln for ln in mine if ln.kind in ("hardware_pc", "hardware_register") and ln.eligible_yen > 0]
            has_software = any(ln.kind in ("software", "cloud") and ln.eligible_yen > 0 for ln in mine)
            if hw and not has_software:
                yen = sum(ln.eligible_yen for ln in hw)
                for ln in hw:
                    self.trim(ln, "hardware.without_software", ln.eligible_yen)
                self.add(
                    emit("hardware.without_software", refs=[ln.id for ln in hw], yen_removed=yen, member=mid, removed=_y(yen))
                )

    # ------------------------------------------------------------------------------- tools
    def member_tools(self, member_id: str) -> list[Any]:
        if not self.group:
            return list(self.app.tools)
        ids = {ln.tool for ln in self.lines if ln.member == member_id and ln.expense == "a" and ln.tool}
        return [t for t in self.app.tools if t.id in ids]

    def functions(self, member_id: str) -> set[str]:
        wanted = set(self.frame.function_set or ())
        return {fn for t in self.member_tools(member_id) for fn in t.functions if fn in wanted}

    def check_functions(self, member_id: str, functions: set[str], needed_software: bool) -> None:
        f = self.frame
        if f.min_functions is None or not needed_software:
            return
        if len(functions) < f.min_functions:
            self.add(
                emit("tool.functions_missing", refs=[member_id, *(t.id for t in self.member_tools(member_id))],
                     member=member_id, min=f.min_functions, functions_ja="・".join(FUNCTION_JA[x] for x in f.function_set or ()),
                     functions=", ".join(f.function_set or ()))
            )

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

    # ------------------------------------------------------------------------------- result
    def result(self) -> ItdonyuResult:
        self.check_members()
        for gc in self.app.group_costs:
            rep = next(m.id for m in self.app.members if m.role == "representative")
            line = ItdLine(gc.id, rep, None, gc.kind, "c", gc.amount_yen, gc.amount_yen)
            self.lines.append(line)
        self.build_lines()
        if self.group:
            self.group_amounts()
        else:
            self.individual()
        self.wage()
        prod = self.productivity()
        for im in self.members.values():
            mine = [ln for ln in self.lines if ln.member == im.id]
            im.claimed_yen = sum(ln.claimed_yen for ln in mine)
            im.eligible_yen = sum(ln.eligible_yen for ln in mine)
            im.own_funds_yen = im.claimed_yen - im.subsidy_yen
        claimed = sum(ln.claimed_yen for ln in self.lines)
        subsidy = sum(im.subsidy_yen for im in self.members.values())
        return ItdonyuResult(
            program=self.pack.id,
            frame=self.app.frame,
            frame_name_ja=self.frame.name_ja,
            frame_name_en=self.frame.name_en,
            calc=self.frame.calc,
            member_count=sum(1 for im in self.members.values() if im.counted),
            rate_label=self.rate_label,
            lower_yen=self.lower_yen,
            cap_yen=self.cap_yen,
            claimed_total_yen=claimed,
            eligible_total_yen=sum(ln.eligible_yen for ln in self.lines),
            subsidy_yen=subsidy,
            own_funds_yen=claimed - subsidy,
            members=list(self.members.values()),
            lines=self.lines,
            findings=self.findings,
            steps=self.steps,
            band=self.band,
            group_parts=self.group_parts,
            productivity=prod,
        )


def evaluate_itdonyu(app: Application, pack: RulePack[ItdonyuParams]) -> ItdonyuResult:
    """Evaluate a validated ``itdonyu-application/1`` under its pack (``planner.evaluate`` dispatches here)."""
    if not isinstance(app, Application):
        raise PackError(
            f"{pack.path}: the pack {pack.id} (engine itdonyu) evaluates itdonyu-application/1 files, "
            f"not {type(app).__name__}"
        )
    frame = pack.params.frame(app.frame)
    if frame is None:
        raise PackError(f"{pack.path}: {pack.id} has no frame {app.frame!r} (frames: {list(pack.params.frames())})")
    return _Run(app, pack, frame).result()

