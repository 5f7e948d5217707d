"""The IT導入補助金 eligibility rules, as the mixin ``_LineRules`` of the engine's ``_Run``.

§1 members (中小企業等, 小規模事業者, group membership) → §2 line rules (eligible kinds, term, e-trade share,
お助け隊 list, 役務 cap, hardware with software) → the functions of each member's tools.  Every yen a rule
removes is recorded on its line as a Reduction, and each rule's finding carries the sum.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.itdonyu import formulas as fx
from planner.itdonyu.messages import FUNCTION_JA, KIND_JA, ROLE_JA, emit, fragment
from planner.itdonyu.result import ItdLine, ItdMember, ratio_text
from planner.itdonyu.run import SOFTWARE_KINDS, _RunBase, _y
from schemas.itdonyu import CostLine, Tool


class _LineRules(_RunBase):
    """§1 member checks, §2 line rules and the tools' functions of one evaluation."""

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
