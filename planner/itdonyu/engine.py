"""The IT導入補助金 engine: a pure function from an application and its rule pack to a result.

Order: §1 members (中小企業等, 小規模事業者, group membership) → §2 line rules (eligible kinds, term,
e-trade share, お助け隊 list, 役務 cap, hardware with software) → amounts (flat rate with bands, the
§3 tiered rate, or the §4 group with (a)/(b)/(c)) → 賃上げ → 労働生産性.  Every yen a rule removes is
recorded on its line as a Reduction, every capped yen on a Step, and each rule's finding carries the sum.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from planner.itdonyu import formulas as fx
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
from planner.itdonyu.rules import severity
from planner.money import share_largest_remainder
from planner.pack import PackError, RulePack
from planner.result import Finding
from schemas.itdonyu import Application, Member

KIND_JA = {
    "software": "ソフトウェア購入費",
    "cloud": "クラウド利用費",
    "option": "オプション",
    "service": "役務(導入関連費)",
    "hardware_pc": "ハードウェア(PC・タブレット等)",
    "hardware_register": "ハードウェア(レジ・券売機等)",
    "hardware_other": "ハードウェア(AIカメラ・ビーコン等)",
    "security_service": "サービス利用料(お助け隊)",
    "admin": "事務費",
    "expert": "外部専門家謝金・旅費",
}
SOFTWARE_KINDS = ("software", "cloud", "option", "service")
ROLE_JA = {"applicant": "申請者", "representative": "代表事業者", "participant": "参画事業者"}
FUNCTION_JA = {"accounting": "会計", "ordering": "受発注", "payment": "決済", "ec": "EC"}


def _y(v: int) -> str:
    return f"¥{v:,}"


def _f(rule: str, ja: str, en: str, refs: list[str], fix_ja: str = "", fix_en: str = "", yen: int | None = None) -> Finding:
    return Finding(rule, severity(rule), ja, en, tuple(refs), fix_ja, fix_en, yen)


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
                    _f(
                        "applicant.small_business",
                        f"{m.name}は小規模事業者です: {small.reason_ja}",
                        f"{m.id} is a 小規模事業者: {small.reason_en}",
                        [m.id],
                    )
                )
            rep_type = m.representative_type or "sme"
            needs_sme = m.role != "representative" or rep_type == "sme"
            if m.role == "representative" and f.group is not None and rep_type not in f.group.representative_types:
                self.add(
                    _f(
                        "group.representative_type",
                        f"代表事業者 {m.name} の種類 {rep_type} は認められていません",
                        f"the representative {m.id} is of a type the frame does not allow ({rep_type})",
                        [m.id],
                        "中小企業・小規模事業者等、商店街組合等、商工会又は商工会議所を代表事業者にしてください",
                        "make an SME, a 商店街 organisation, a 商工会 or a 商工会議所 the representative",
                    )
                )
            if needs_sme:
                check = fx.applicant_not_sme(self.p, m)
                im.sme = check
                if not check.ok:
                    if f.rate_large is not None and not self.group:
                        self.large_rate = True
                        self.add(
                            _f(
                                "applicant.large_enterprise_rate",
                                f"{m.name}は中小企業等に該当しません({check.reason_ja})。この類型では補助率 {ratio_text(f.rate_large)} です",
                                f"{m.id} is not an SME ({check.reason_en}); this frame pays {ratio_text(f.rate_large)}",
                                [m.id],
                            )
                        )
                    else:
                        self.excluded[m.id] = "applicant.not_sme"
                        im.counted = False
                        self.add(
                            _f(
                                "applicant.not_sme",
                                f"{ROLE_JA[m.role]} {m.name} は中小企業等に該当しません: {check.reason_ja}",
                                f"the {m.role} {m.id} is not an SME: {check.reason_en}",
                                [m.id],
                                "業種・資本金・従業員数を確認してください(中小企業等でなければ申請できません)",
                                "check industry, capital and employees (only SMEs may apply)",
                            )
                        )
            if m.role == "participant":
                uses = m.uses_tools if m.uses_tools is not None else m.id in has_lines
                if not uses:
                    self.excluded.setdefault(m.id, "group.participant_without_tools")
                    im.counted = False
                    self.add(
                        _f(
                            "group.participant_without_tools",
                            f"参画事業者 {m.name} はITツールを利用しないため、グループ構成員に数えません",
                            f"the participant {m.id} does not use the tools and is not counted as a member",
                            [m.id],
                            "参画事業者がITツールを利用する計画にするか、グループから外してください",
                            "have the participant use the tools, or take it out of the group",
                        )
                    )

    # ------------------------------------------------------------------------------- §2 lines
    def build_lines(self) -> None:
        f = self.frame
        tools = {t.id: t for t in self.app.tools}
        kinds_ok = set(f.eligible_kinds)
        analysis_kinds = set(f.group.analysis_kinds) if f.group is not None else set()
        term_lines: list[tuple[str, int, int, int]] = []
        share_lines: list[str] = []
        for ln in self.app.costs:
            member = self.app.member(ln.member)
            expense = ln.expense
            line = ItdLine(ln.id, member.id, ln.tool, ln.kind, expense, ln.amount_yen, ln.amount_yen)
            self.lines.append(line)
            if member.id in self.excluded:
                self.trim(line, self.excluded[member.id], line.eligible_yen)
                continue
            allowed = analysis_kinds if expense == "b" else kinds_ok
            if ln.kind not in allowed:
                self.trim(line, "cost.kind_not_eligible", line.eligible_yen)
                where = {"a": "(a)基盤導入経費", "b": "(b)消費動向等分析経費"}.get(expense or "", f.name_ja)
                self.add(
                    _f(
                        "cost.kind_not_eligible",
                        f"経費 {ln.id}: {KIND_JA[ln.kind]}は{where}の補助対象経費ではありません",
                        f"line {ln.id}: {ln.kind} is not an eligible cost of {where if expense else f.name_en}",
                        [ln.id],
                        "対象の経費区分か別の枠で申請してください",
                        "claim it under an eligible kind or another frame",
                        line.claimed_yen,
                    )
                )
                continue
            tool = tools.get(ln.tool) if ln.tool is not None else None
            if (
                f.function_set
                and f.min_functions
                and expense != "b"
                and ln.kind in SOFTWARE_KINDS
                and tool is not None
                and not set(tool.functions) & set(f.function_set)
            ):
                self.trim(line, "cost.tool_not_eligible", line.eligible_yen)
                self.add(
                    _f(
                        "cost.tool_not_eligible",
                        f"経費 {ln.id}: ツール {tool.name} は{'・'.join(FUNCTION_JA[x] for x in f.function_set)}の機能を持たないため対象外です",
                        f"line {ln.id}: the tool {tool.id} has none of the functions {', '.join(f.function_set)}",
                        [ln.id, tool.id],
                        "対象機能を持つツールの経費だけを計上してください" + ("(複数社連携では(b)消費動向等分析経費)" if self.group else ""),
                        "claim only tools with the frame's functions" + (" (in 複数社連携: as (b))" if self.group else ""),
                        line.claimed_yen,
                    )
                )
                continue
            max_months = f.cloud_max_months
            if expense == "b" and f.group is not None:
                max_months = f.group.analysis_cloud_max_months
            if ln.months is not None and max_months is not None and ln.months > max_months:
                keep = fx.cost_term_limit(line.eligible_yen, ln.months, max_months)
                term_lines.append((ln.id, ln.months, max_months, line.eligible_yen - keep))
                self.trim(line, "cost.term_limit", line.eligible_yen - keep)
            if f.requires_security_listed and (tool is None or not tool.security_listed):
                self.trim(line, "tool.security_not_listed", line.eligible_yen)
                self.add(
                    _f(
                        "tool.security_not_listed",
                        f"経費 {ln.id}: サービス{'(' + tool.name + ')' if tool else ''}がサイバーセキュリティお助け隊サービスリストに掲載されていません",
                        f"line {ln.id}: the service is not on IPA's サイバーセキュリティお助け隊 list",
                        [ln.id, *([tool.id] if tool else [])],
                        "リスト掲載のサービスを選び、tools[].security_listed を true にしてください",
                        "choose a listed service (tools[].security_listed: true)",
                        line.claimed_yen,
                    )
                )
                continue
            if f.e_trade_share:
                if tool is None or not tool.free_counterparty_accounts or "ordering" not in tool.functions:
                    self.add(
                        _f(
                            "tool.e_trade_accounts",
                            f"経費 {ln.id}: 電子取引類型のツールは受発注機能を持ち、受注側に無償でアカウントを発行できるものです",
                            f"line {ln.id}: the e-trade tool must have the ordering function and give counterparties free accounts",
                            [ln.id, *([tool.id] if tool else [])],
                            "tools[] に functions: [\"ordering\"] と free_counterparty_accounts: true を指定してください",
                            'set functions: ["ordering"] and free_counterparty_accounts: true on the tool',
                        )
                    )
                elif tool.counterparty_accounts_total is None or tool.counterparty_accounts_sme is None:
                    self.add(
                        _f(
                            "tool.e_trade_accounts",
                            f"経費 {ln.id}: 受注側のアカウント総数と中小企業等に供与する数がありません",
                            f"line {ln.id}: the counterparty account counts (total, SME) are missing",
                            [ln.id, tool.id],
                            "counterparty_accounts_total と counterparty_accounts_sme を指定してください",
                            "give counterparty_accounts_total and counterparty_accounts_sme",
                        )
                    )
                else:
                    keep = fx.cost_e_trade_share(
                        line.eligible_yen, tool.counterparty_accounts_sme, tool.counterparty_accounts_total
                    )
                    if keep < line.eligible_yen:
                        share_lines.append(ln.id)
                        self.trim(line, "cost.e_trade_share", line.eligible_yen - keep)
        if term_lines:
            yen = sum(t[3] for t in term_lines)
            detail_ja = "、".join(f"{i}: {mo}か月→{mx}か月" for i, mo, mx, _ in term_lines)
            detail_en = ", ".join(f"{i}: {mo} → {mx} months" for i, mo, mx, _ in term_lines)
            self.add(
                _f(
                    "cost.term_limit",
                    f"利用料は上限の月数分までが対象です({detail_ja})。{_y(yen)} を対象外にしました",
                    f"fees count up to the frame's term ({detail_en}); {_y(yen)} removed",
                    [t[0] for t in term_lines],
                    "対象期間を上限の月数にしてください",
                    "claim at most the frame's term",
                    yen,
                )
            )
        if share_lines:
            yen = self.trimmed_yen("cost.e_trade_share")
            self.add(
                _f(
                    "cost.e_trade_share",
                    f"受注側アカウントのうち中小企業等に供与する割合を乗じた額が対象です。{_y(yen)} を対象外にしました",
                    f"only the share of accounts given to SME counterparties is eligible; {_y(yen)} removed",
                    share_lines,
                    yen=yen,
                )
            )
        self._service_cap()
        self._hardware_with_software()

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
                    _f(
                        "cost.service_cap",
                        f"{mid}: 役務の補助対象経費は {_y(cap)} が上限です。{_y(removed)} を対象外にしました",
                        f"{mid}: 役務 count up to {_y(cap)}; {_y(removed)} removed",
                        [ln.id for ln in svc],
                        "役務の計上額を上限内にしてください",
                        "keep the 役務 within the cap",
                        removed,
                    )
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
                    _f(
                        "hardware.without_software",
                        f"{mid}: ハードウェアは対象ソフトウェアとあわせて導入する場合のみ対象です。{_y(yen)} を対象外にしました",
                        f"{mid}: hardware is eligible only with eligible software; {_y(yen)} removed",
                        [ln.id for ln in hw],
                        "会計・受発注・決済のソフトウェアとあわせて申請してください",
                        "apply together with eligible software",
                        yen,
                    )
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
            names = "・".join(FUNCTION_JA[x] for x in f.function_set or ())
            self.add(
                _f(
                    "tool.functions_missing",
                    f"{member_id}: ソフトウェアに{names}の機能がありません(この類型は{f.min_functions}機能以上が必要)",
                    f"{member_id}: the software has none of the functions {', '.join(f.function_set or ())} "
                    f"(the frame needs {f.min_functions})",
                    [member_id, *(t.id for t in self.member_tools(member_id))],
                    "tools[].functions に導入ソフトウェアの機能を指定してください",
                    "list the software's functions in tools[].functions",
                )
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
                _f(
                    "software.one_function_cap",
                    f"{member_id}: 機能が{len(functions)}つのため補助額は {_y(f.tier.tier1_cap_yen)} が上限です"
                    f"(50万円超の部分 {_y(t.one_function_removed)} は対象外)",
                    f"{member_id}: with {len(functions)} function(s) the software subsidy is capped at "
                    f"{_y(f.tier.tier1_cap_yen)} ({_y(t.one_function_removed)} above the first tier removed)",
                    [member_id],
                    f"{f.tier.tier2_min_functions}機能以上(会計・受発注・決済)のソフトウェアにすると上限350万円です",
                    f"software with ≥ {f.tier.tier2_min_functions} functions lifts the cap to 3,500,000",
                    t.one_function_removed,
                )
            )
        if t.tier1_raw > f.tier.tier1_cap_yen or t.tier2_raw > f.tier.tier2_cap_yen:
            over = max(0, t.tier1_raw - f.tier.tier1_cap_yen) + max(0, t.tier2_raw - f.tier.tier2_cap_yen)
            if over and not (t.one_function_removed and t.tier1_raw <= f.tier.tier1_cap_yen):
                self.add(
                    _f(
                        "software.tier_capped",
                        f"{member_id}: ソフトウェアの補助額が段階の上限で頭打ちです({_y(over)})",
                        f"{member_id}: a tier cap binds the software subsidy ({_y(over)} above it)",
                        [member_id],
                        yen=over,
                    )
                )
        parts = {"software": t.yen}
        if t.tier1_yen and f.tier.lower_yen is not None and t.yen < f.tier.lower_yen:
            self.add(
                _f(
                    "subsidy.below_minimum",
                    f"{member_id}: ソフトウェアの補助額 {_y(t.yen)} が下限 {_y(f.tier.lower_yen)} 未満です",
                    f"{member_id}: the software subsidy {_y(t.yen)} is below the lower limit {_y(f.tier.lower_yen)}",
                    [member_id],
                    "補助対象経費を増やすか、別の枠を検討してください",
                    "raise the eligible cost or consider another frame",
                )
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
                    _f(
                        "hardware.capped",
                        f"{member_id}: {label_ja}の補助額は {_y(cap.cap_yen)} が上限です({_y(raw - cap.cap_yen)} 頭打ち)",
                        f"{member_id}: {kind} is capped at {_y(cap.cap_yen)} ({_y(raw - cap.cap_yen)} above)",
                        [member_id],
                        yen=raw - cap.cap_yen,
                    )
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
                _f(
                    "rate.minimum_wage_staff",
                    f"地域別最低賃金+50円以内の従業員 {ms.near_minimum}/{ms.employees_total}人({share})・{ms.months}か月: "
                    + (f"補助率 {ratio_text(f.rate_min_wage)} を適用します" if ok else f"要件(30%以上・3か月以上)を満たさず補助率 {ratio_text(rate)} です"),
                    f"staff near the minimum wage {ms.near_minimum}/{ms.employees_total} ({share}) for {ms.months} months: "
                    + (f"rate {ratio_text(f.rate_min_wage)}" if ok else f"below the requirement, rate {ratio_text(rate)}"),
                    [m.id],
                )
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
                _f(
                    "tool.process_count",
                    f"ITツールのプロセス数 {counted}(うち業務プロセス {business})が要件 {band.min_processes}"
                    f"(業務プロセス {band.min_business_processes})に足りません",
                    f"the tools cover {counted} process(es) ({business} 業務プロセス); the frame needs "
                    f"{band.min_processes} ({band.min_business_processes} 業務プロセス)",
                    [t.id for t in self.app.tools] or [m.id],
                    "tools[].processes を確認し、必要なプロセスを持つITツールを選んでください",
                    "check tools[].processes and choose tools covering the required processes",
                )
            )
        if len(f.bands) > 1:
            upper = f.bands[-1]
            if index == 0 and raw > band.max_yen and not fx.band_meets(upper, counted, business):
                why_ja = f"プロセス数 {counted} のため {_y(band.max_yen)} が上限です({upper.min_processes}プロセス以上で {_y(upper.max_yen)} まで)"
                why_en = f"{counted} process(es): capped at {_y(band.max_yen)} (≥ {upper.min_processes} processes allow up to {_y(upper.max_yen)})"
            else:
                why_ja = f"補助額帯 {index + 1}: {_y(band.lower_yen or 0)}〜{_y(band.max_yen)}、{band.min_processes}プロセス以上"
                why_en = f"band {index + 1}: {_y(band.lower_yen or 0)} – {_y(band.max_yen)}, ≥ {band.min_processes} processes"
            self.add(_f("subsidy.band", why_ja, why_en, [m.id]))
        sub = min(raw, band.max_yen)
        self.steps.append(
            Step("flat", m.id, f"補助対象経費 {_y(eligible)} × {ratio_text(rate)}", f"eligible {_y(eligible)} × {ratio_text(rate)}",
                 eligible, rate, raw, band.max_yen, sub, "subsidy.capped" if raw > band.max_yen else None)
        )
        if raw > band.max_yen:
            self.add(
                _f(
                    "subsidy.capped",
                    f"補助額 {_y(raw)} が上限 {_y(band.max_yen)} を超えるため {_y(band.max_yen)} です",
                    f"the subsidy {_y(raw)} is capped at {_y(band.max_yen)}",
                    [m.id],
                    yen=raw - band.max_yen,
                )
            )
        if band.lower_yen is not None and sub < band.lower_yen:
            self.add(
                _f(
                    "subsidy.below_minimum",
                    f"補助額 {_y(sub)} が下限 {_y(band.lower_yen)} 未満です",
                    f"the subsidy {_y(sub)} is below the lower limit {_y(band.lower_yen)}",
                    [m.id],
                    "補助対象経費を増やすか、別の枠・類型を検討してください",
                    "raise the eligible cost or consider another frame",
                )
            )
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
                _f(
                    "group.min_members",
                    f"グループ構成員が{len(counted)}者です。{g.min_members}者以上必要です",
                    f"the group has {len(counted)} member(s); at least {g.min_members} are required",
                    [m.id for m in counted],
                    f"ITツールを利用する参画事業者を{g.min_members - len(counted)}者以上加えてください",
                    f"add at least {g.min_members - len(counted)} participant(s) that use the tools",
                )
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
                _f(
                    "group.analysis_cap",
                    f"(b)の補助額 {_y(b_raw)} は上限 {_y(g.analysis_cap_per_member_yen)} × {n_b}者 = {_y(b_cap)} までです",
                    f"(b) {_y(b_raw)} is capped at {_y(g.analysis_cap_per_member_yen)} × {n_b} = {_y(b_cap)}",
                    adopters,
                    yen=b_raw - b_cap,
                )
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
                _f(
                    "group.ab_cap",
                    f"(a)+(b)の補助額 {_y(g.ab_cap_yen + excess)} が上限 {_y(g.ab_cap_yen)} を超えるため、{_y(excess)} を各構成員の(a)と(b)から按分して削減しました",
                    f"(a)+(b) {_y(g.ab_cap_yen + excess)} exceeds {_y(g.ab_cap_yen)}; {_y(excess)} removed pro rata from the members' (a) and the (b)",
                    order,
                    "(a)+(b)が3,000万円以内になるよう計画してください",
                    "plan (a)+(b) within 30,000,000",
                    excess,
                )
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
                _f(
                    "group.admin_cap",
                    f"(c)の補助額 {_y(c_raw)} は上限 {_y(c_cap)} までです",
                    f"(c) {_y(c_raw)} is capped at {_y(c_cap)}",
                    [ln.id for ln in c_lines],
                    yen=c_raw - c_cap,
                )
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
            exempt = None
            if self.small[m.id] and "small_business" in spec.value.exempt:
                exempt = ("小規模事業者", "a 小規模事業者")
            elif m.wage_exempt is not None and m.wage_exempt in spec.value.exempt:
                exempt = (m.wage_exempt, m.wage_exempt)
            if exempt is not None:
                self.add(
                    _f(
                        "wage.exempt",
                        f"{exempt[0]}のため、必須の賃上げ計画の要件は適用されません",
                        f"as {exempt[1]}, the required 賃上げ plan does not apply",
                        [m.id],
                    )
                )
                return
            if plan is None:
                self.add(
                    _f(
                        "wage.plan_missing",
                        "この枠・補助額帯では賃上げ計画(給与支給総額・事業場内最低賃金)が必須です",
                        "this frame or band requires a 賃上げ plan (payroll and minimum wage)",
                        [m.id],
                        "members[].wage_plan を入力するか、補助額を必須とならない範囲にしてください",
                        "give members[].wage_plan, or apply for an amount below the band that requires it",
                    )
                )
                return
        if plan is None:
            return
        check = fx.wage_check(spec.value, plan)
        growth_pct = percent_text(check.growth_required)
        problems_ja: list[str] = []
        problems_en: list[str] = []
        if not check.payroll_ok:
            problems_ja.append(
                f"給与支給総額 {_y(plan.payroll_base_yen)}→{_y(plan.payroll_target_yen)} が年平均{growth_pct}×{spec.value.years}年に届きません"
            )
            problems_en.append(
                f"payroll {_y(plan.payroll_base_yen)} → {_y(plan.payroll_target_yen)} is below {growth_pct} a year for {spec.value.years} years"
            )
        if not check.min_wage_ok:
            problems_ja.append(f"事業場内最低賃金 {plan.min_wage_yen}円 < 地域別最低賃金+{spec.value.min_wage_margin_yen}円 = {check.min_wage_required_yen}円")
            problems_en.append(f"minimum wage {plan.min_wage_yen} < regional + {spec.value.min_wage_margin_yen} = {check.min_wage_required_yen} yen")
        if not check.announced:
            problems_ja.append("従業員に表明していません")
            problems_en.append("not announced to the staff")
        if rule == "required" and problems_ja:
            self.add(
                _f(
                    "wage.required_not_met",
                    "必須の賃上げ計画が要件を満たしません: " + "、".join(problems_ja),
                    "the required 賃上げ plan falls short: " + "; ".join(problems_en),
                    [m.id],
                    "給与支給総額の目標・事業場内最低賃金を引き上げ、従業員に表明してください",
                    "raise the payroll target and the minimum wage, and announce the plan",
                )
            )
        elif rule == "bonus":
            if problems_ja:
                ja = "賃上げ計画は加点の要件を満たしません: " + "、".join(problems_ja)
                en = "the 賃上げ plan does not earn the 加点: " + "; ".join(problems_en)
            else:
                extra = "(+50円以上でさらに加点)" if check.extra_bonus else ""
                ja = f"賃上げ計画は加点の要件を満たします{extra}"
                en = "the 賃上げ plan earns the 加点" + (" (and the further +50円 加点)" if check.extra_bonus else "")
            self.add(_f("wage.bonus", ja, en, [m.id]))

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
            self.add(
                _f(
                    "productivity.plan_missing",
                    "労働生産性の計画がないため、伸び率の要件は確認していません",
                    "no 労働生産性 plan given: the growth targets are not checked",
                    [m.id for m in members],
                    "members[].productivity に基準年と目標年の数値を入力してください",
                    "give members[].productivity (base and target years)",
                )
            )
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
            need = "売上・原価" if spec.value_added == "gross_profit" else "営業利益・人件費・減価償却費"
            self.add(
                _f(
                    "productivity.inputs_missing",
                    f"労働生産性の計算に必要な数値({need}・従業員数・労働時間)がありません: {', '.join(missing)}",
                    f"figures needed for 労働生産性 are missing: {', '.join(missing)}",
                    [s.split(":")[0] for s in missing],
                    "基準年と各目標年の数値を入力してください",
                    "give the base year and every target year",
                )
            )
            return None
        n = len(values)
        base = sum((v[0] for v in values.values()), Fraction(0)) / n
        by_year = {y: sum((v[1][y] for v in values.values()), Fraction(0)) / n for y in years}
        prior = any(m.prior_grant for m in members)
        checks: list[GrowthCheck] = []
        step = spec.truncate or Fraction(1, 10000)
        if base <= 0:
            self.add(
                _f(
                    "productivity.growth",
                    "基準年の労働生産性が0以下のため伸び率を計算できません",
                    "the base-year productivity is zero or negative: no growth can be computed",
                    [m.id for m in members],
                    "基準年の数値を確認してください",
                    "check the base-year figures",
                )
            )
            return ProductivityResult(spec.scope, spec.value_added, list(values), base, by_year, checks)
        for t in spec.targets:
            required = t.min_prior_grant if prior and t.min_prior_grant is not None else t.min
            growth = fx.productivity_growth(base, by_year[t.year], t.year, t.kind, step)
            ok = growth >= required if spec.truncate else fx.productivity_growth_ok(base, by_year[t.year], t.year, t.kind, required)
            checks.append(GrowthCheck(t.kind, t.year, growth, required, ok))
            if not ok:
                what_ja = f"{t.year}年後の伸び率" if t.kind == "total" else f"{t.year}年間の年平均成長率"
                what_en = f"growth by year {t.year}" if t.kind == "total" else f"CAGR over {t.year} years"
                shown = percent_text(growth, 1 if spec.truncate else 2)
                self.add(
                    _f(
                        "productivity.growth",
                        f"労働生産性の{what_ja} {shown} が目標 {percent_text(required)} に届きません"
                        + ("(過去の交付決定者を含むため引き上げ後の目標)" if prior and t.min_prior_grant else ""),
                        f"the 労働生産性 {what_en} {shown} is below the target {percent_text(required)}"
                        + (" (raised: a member had a recent grant)" if prior and t.min_prior_grant else ""),
                        list(values),
                        "目標年の計画値を見直してください",
                        "revise the target-year plan",
                    )
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

