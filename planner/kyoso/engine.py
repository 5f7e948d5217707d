"""The 共創型 engine: a pure function from a plan and its rule pack to a :class:`Result`.

Order (kyoso-rules.md): §1 consortium and members → §6 graph → §3 line rules → §4 ratio rules in
their stated order → §2/§5 rate, cap, per-member subsidy → §7 schedule.  Every yen a rule removes
is recorded on the line as a :class:`Reduction` and summed on the rule's finding.
"""

from __future__ import annotations

import gc
from datetime import date
from typing import Any

from planner.kyoso import formulas as fx
from planner.kyoso.graph import build_graph, finding
from planner.kyoso.params import KyosoParams
from planner.money import share_largest_remainder
from planner.pack import RulePack
from planner.result import (
    Finding,
    LineResult,
    MemberResult,
    RatioCheck,
    Reduction,
    Result,
    ScheduleInfo,
)
from schemas.plan import Plan

ROLE_JA = {"sme_user": "中小ユーザ企業", "it_vendor": "ITベンダ", "collaborator": "その他協力者"}
CATEGORY_JA = {
    "software": "ソフトウェア購入費",
    "cloud": "クラウド利用費",
    "meeting": "会議費",
    "travel": "旅費",
    "expert": "専門家経費",
    "labour": "人件費",
    "outsourcing": "委託費",
}
STEP_JA = {1: "STEP1 ITツールの購入・設定", 2: "STEP2 要件定義", 3: "STEP3 設計・開発〜システムテスト", 4: "STEP4 受入テスト・研修"}


def _y(v: int) -> str:
    return f"¥{v:,}"


def evaluate_kyoso(plan: Plan, pack: RulePack[KyosoParams]) -> Result:
    """Evaluate ``plan`` under ``pack``, with the cyclic garbage collector paused for the run.

    Every line adds a few objects that live on in the result; on a 100,000-line plan that made the
    collector run several full passes over the whole plan per evaluation, doubling the time
    (docs/performance.md).  The engine makes no reference cycles, so nothing waits for the collector;
    it is switched back on (if it was on) when the run ends, however it ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _evaluate(plan, pack)
    finally:
        if was_enabled:
            gc.enable()


def _evaluate(plan: Plan, pack: RulePack[KyosoParams]) -> Result:
    p = pack.params
    findings: list[Finding] = []
    members = plan.members
    by_id = {m.id: m for m in members}
    roles = {m.id: m.role for m in members}

    # ---------------------------------------------------------------- §1 consortium and members
    n_users = sum(1 for m in members if m.role == "sme_user")
    n_vendors = sum(1 for m in members if m.role == "it_vendor")
    if n_users < p.min_sme_users.value:
        findings.append(
            finding(
                "consortium.min_sme_users",
                f"中小ユーザ企業が{n_users}者です。{p.min_sme_users.value}者以上必要です",
                f"{n_users} sme_user member(s); at least {p.min_sme_users.value} are required",
                [m.id for m in members if m.role == "sme_user"],
                "中小ユーザ企業をコンソーシアムに加えてください",
                "add sme_user members to the consortium",
            )
        )
    if n_vendors < p.min_vendors.value:
        findings.append(
            finding(
                "consortium.min_vendors",
                f"ITベンダが{n_vendors}者です。{p.min_vendors.value}者以上必要です",
                f"{n_vendors} it_vendor member(s); at least {p.min_vendors.value} are required",
                [m.id for m in members if m.role == "it_vendor"],
                "ITベンダをコンソーシアムに加えてください",
                "add it_vendor members to the consortium",
            )
        )
    lead = plan.consortium.lead
    if lead is None or lead not in by_id:
        findings.append(
            finding(
                "consortium.lead_missing",
                "幹事社(lead)が未指定です" if lead is None else f"幹事社 {lead} はメンバーにいません",
                "no lead (幹事社) is named" if lead is None else f"the lead {lead} is not a member",
                [lead] if lead else [],
                "メンバーの中から幹事社を選んでください",
                "choose the lead among the members",
            )
        )
    elif roles[lead] != "sme_user":
        findings.append(
            finding(
                "consortium.lead_not_sme_user",
                f"幹事社 {lead}({by_id[lead].name})は{ROLE_JA[roles[lead]]}です。中小ユーザ企業が幹事社となることが望ましいとされています",
                f"the lead {lead} is an {roles[lead]}; an sme_user lead is preferred (FAQ)",
                [lead],
                "可能であれば中小ユーザ企業を幹事社にしてください",
                "make an sme_user the lead if you can",
            )
        )

    # ---------------------------------------------------------------- §6 graph (before lines: exclusions)
    graph, graph_findings = build_graph(plan)

    member_results: dict[str, MemberResult] = {}
    excluded: dict[str, str] = {}  # member id → rule that excludes it from receiving subsidy
    exclusion_text: dict[str, tuple[str, str]] = {}
    for m in members:
        mr = MemberResult(m.id, m.name, m.role, counted=m.role in ("sme_user", "it_vendor"))
        member_results[m.id] = mr
        if m.role != "sme_user":
            continue
        check = fx.member_not_sme(p, m)
        mr.sme = check
        if not check.ok:
            excluded[m.id] = "member.not_sme"
            exclusion_text[m.id] = (check.reason_ja, check.reason_en)
    provider_tools: dict[str, list[str]] = {}
    for t in plan.tools:
        if t.vendor is not None and roles.get(t.vendor) == "sme_user":
            provider_tools.setdefault(t.vendor, []).append(t.id)
    for uid in provider_tools:
        excluded.setdefault(uid, "member.user_is_provider")
    # 「本事業における設計・開発を行う事業者は除きます」: an sme_user claiming STEP3 人件費 is excluded like a provider
    for ln in plan.costs:
        if ln.category == "labour" and ln.step == 3 and roles.get(ln.member) == "sme_user":
            excluded.setdefault(ln.member, "member.user_is_provider")

    # ---------------------------------------------------------------- §3 line rules
    integrations = {i.id: i for i in plan.integrations}
    meetings = {mt.id: mt for mt in plan.meetings}
    matrix = p.step_matrix.value
    max_months = p.term_max_months.value
    table = plan.kenpo_rates.rates if plan.kenpo_rates is not None else None
    lines: list[LineResult] = []
    elig: list[int] = []
    line_findings: list[Finding] = []
    term_lines: list[tuple[int, int]] = []
    estimate_lines: list[str] = []
    step3_user_labour: dict[str, list[str]] = {}

    for ln in plan.costs:
        role = roles.get(ln.member)
        cat = ln.category
        # claimed amount
        rate_yen: int | None = None
        rate_source: Any = None
        if cat == "labour":
            assert ln.hours is not None
            hh = int(ln.hours * 100)
            if ln.hourly_rate_yen is not None:
                rate_yen, rate_source = ln.hourly_rate_yen, "explicit"
            elif ln.kenpo_grade is not None:
                grade = ln.kenpo_grade
                if table is not None and str(grade) in table:
                    rate_yen, rate_source = table[str(grade)], "plan_table"
                else:
                    rate_yen, rate_source = fx.kenpo_estimate_rate(p, grade), "estimate"
                    if table is not None:
                        line_findings.append(
                            finding(
                                "cost.kenpo_grade_not_in_table",
                                f"経費 {ln.id}: 健保等級単価表に等級{grade}がないため、概算単価 {_y(rate_yen)}/時 を使いました",
                                f"line {ln.id}: the plan's rate table has no grade {grade}; the estimate "
                                f"{_y(rate_yen)}/h is used",
                                [ln.id],
                                "健保等級単価表に該当等級の単価を追加してください",
                                "add the grade's rate to the plan's kenpo_rates table",
                            )
                        )
                    else:
                        estimate_lines.append(ln.id)
            else:  # the schema forbids this; keep evaluate total anyway
                rate_yen, rate_source = 0, "missing"
            claimed = fx.labour_amount(hh, rate_yen)
        else:
            claimed = (ln.unit_price_yen or 0) * (ln.quantity or 0)
        lr = LineResult(ln.id, ln.member, ln.step, cat, claimed, claimed, rate_yen, rate_source)
        lines.append(lr)
        zero_rule: str | None = None

        # cost.unknown_reference
        unknown: list[str] = []
        if role is None:
            unknown.append(f"member={ln.member}")
        if ln.payee is not None and ln.payee not in roles:
            unknown.append(f"payee={ln.payee}")
        if ln.integration is not None and ln.integration not in integrations:
            unknown.append(f"integration={ln.integration}")
        if ln.meeting is not None and ln.meeting not in meetings:
            unknown.append(f"meeting={ln.meeting}")
        if unknown:
            zero_rule = "cost.unknown_reference"
            line_findings.append(
                finding(
                    "cost.unknown_reference",
                    f"経費 {ln.id} が存在しない {', '.join(unknown)} を参照しています",
                    f"line {ln.id} names what does not exist: {', '.join(unknown)}",
                    [ln.id],
                    "参照先を計画にあるものに直してください",
                    "point the line at a member, payee, integration or meeting of the plan",
                )
            )

        # member exclusion (not an eligible 中小ユーザ企業)
        if zero_rule is None and ln.member in excluded:
            zero_rule = excluded[ln.member]

        # cost.category_not_allowed
        if role is not None:
            allowed = matrix[role][cat]
            if ln.step not in allowed:
                if zero_rule is None:
                    zero_rule = "cost.category_not_allowed"
                where_ja = (
                    f"STEP{', '.join(map(str, allowed))} のみ" if allowed else "計上できません"
                )
                where_en = f"STEP {', '.join(map(str, allowed))} only" if allowed else "not claimable"
                line_findings.append(
                    finding(
                        "cost.category_not_allowed",
                        f"経費 {ln.id}: {ROLE_JA[role]}の{CATEGORY_JA[cat]}はSTEP{ln.step}では対象外です({where_ja})",
                        f"line {ln.id}: {cat} of an {role} is not eligible in STEP {ln.step} ({where_en})",
                        [ln.id, ln.member],
                        "STEP・経費区分・計上するメンバーを対象表に合わせてください",
                        "change the STEP, the category or the member to one the matrix allows",
                    )
                )
            if role == "sme_user" and cat == "labour" and ln.step == 3:
                step3_user_labour.setdefault(ln.member, []).append(ln.id)

            # cost.payee_invalid
            bad_ja = bad_en = ""
            if cat == "outsourcing" and role == "sme_user":
                payee_role = roles.get(ln.payee) if ln.payee is not None else None
                if ln.payee is None:
                    bad_ja, bad_en = "委託先(payee)にメンバーのITベンダか協力者を指定してください", "name the payee member"
                elif ln.step == 3 and payee_role != "it_vendor" and payee_role is not None:
                    bad_ja = "STEP3(設計・開発〜システムテスト)の委託先はITベンダのみです"
                    bad_en = "in STEP3 the payee must be an it_vendor"
                elif payee_role not in ("it_vendor", "collaborator", None):
                    bad_ja = "委託先はITベンダかその他協力者でなければなりません"
                    bad_en = "the payee must be an it_vendor or a collaborator"
            elif cat == "outsourcing" and role == "it_vendor":
                if ln.payee_external is None or ln.payee is not None:
                    bad_ja = "ITベンダの委託費は計画外の事業者への下請け(payee_external)に限られます"
                    bad_en = "an it_vendor's outsourcing must be a subcontract to a party outside the plan (payee_external)"
                elif ln.subcontract is False:
                    bad_ja = "ITベンダの委託費は下請けに限られます(subcontract: false は対象外)"
                    bad_en = "an it_vendor's outsourcing must be a subcontract (subcontract: false is not eligible)"
            elif cat == "expert":
                if ln.payee is None or (ln.payee in roles and roles[ln.payee] != "collaborator"):
                    bad_ja = "専門家経費の支払先(payee)はその他協力者のメンバーです"
                    bad_en = "an expert line's payee must be a collaborator member"
            if bad_ja:
                if zero_rule is None:
                    zero_rule = "cost.payee_invalid"
                line_findings.append(
                    finding(
                        "cost.payee_invalid",
                        f"経費 {ln.id}: {bad_ja}",
                        f"line {ln.id}: {bad_en}",
                        [ln.id, *([ln.payee] if ln.payee else [])],
                        "支払先を直してください",
                        "correct the payee",
                    )
                )

            # cost.existing_tool_mod_requires_api
            if cat == "labour" and role == "it_vendor" and ln.modifies_existing_tool:
                integ = integrations.get(ln.integration) if ln.integration is not None else None
                if integ is None or integ.method != "api":
                    if zero_rule is None:
                        zero_rule = "cost.existing_tool_mod_requires_api"
                    how = "連携が未指定" if ln.integration is None else f"連携 {ln.integration} は{integ.method if integ else '不明'}"
                    how_en = (
                        "no integration named"
                        if ln.integration is None
                        else f"integration {ln.integration} is {integ.method if integ else 'unknown'}"
                    )
                    line_findings.append(
                        finding(
                            "cost.existing_tool_mod_requires_api",
                            f"経費 {ln.id}: 既存ツールの改修に係るITベンダの人件費はAPI連携の場合のみ対象です({how})",
                            f"line {ln.id}: vendor labour modifying an existing tool is eligible only for an api "
                            f"integration ({how_en})",
                            [ln.id, *([ln.integration] if ln.integration else [])],
                            "連携方式を API にするか、既存ツール改修を伴わない開発にしてください",
                            "make the integration api, or develop without modifying the existing tool",
                        )
                    )

        # cost.meeting_internal
        if cat == "meeting":
            mt = meetings.get(ln.meeting) if ln.meeting is not None else None
            if ln.meeting is None or (mt is not None and not (
                any(roles.get(x) == "sme_user" for x in mt.participants)
                and any(roles.get(x) == "it_vendor" for x in mt.participants)
            )):
                if zero_rule is None:
                    zero_rule = "cost.meeting_internal"
                line_findings.append(
                    finding(
                        "cost.meeting_internal",
                        f"経費 {ln.id}: 会議費は中小ユーザ企業とITベンダが参加する会議に限られます"
                        + ("(会議が未指定)" if ln.meeting is None else f"(会議 {ln.meeting})"),
                        f"line {ln.id}: a meeting line needs a meeting with an sme_user and an it_vendor "
                        + ("(no meeting named)" if ln.meeting is None else f"(meeting {ln.meeting})"),
                        [ln.id, *([ln.meeting] if ln.meeting else [])],
                        "会議を指定し、参加者に中小ユーザ企業とITベンダを含めてください",
                        "name the meeting and include an sme_user and an it_vendor among its participants",
                    )
                )

        # cost.travel_purpose
        if cat == "travel" and ln.integration is None and ln.meeting is None:
            if zero_rule is None:
                zero_rule = "cost.travel_purpose"
            line_findings.append(
                finding(
                    "cost.travel_purpose",
                    f"経費 {ln.id}: 旅費は打ち合わせや研修などを伴うもののみ対象です(連携か会議を指定してください)",
                    f"line {ln.id}: travel must serve an integration or a meeting (name one)",
                    [ln.id],
                    "旅費の目的となる連携(integration)か会議(meeting)を指定してください",
                    "name the integration or the meeting the travel serves",
                )
            )

        if zero_rule is not None:
            if claimed:
                lr.reductions.append(Reduction(zero_rule, claimed))
            lr.eligible_yen = 0
        elif ln.months is not None and ln.months > max_months and (
            cat == "cloud" or (cat == "software" and ln.maintenance)
        ):
            kept = fx.cost_term_over_one_year(claimed, ln.months, max_months)
            if claimed - kept:
                lr.reductions.append(Reduction("cost.term_over_one_year", claimed - kept))
            lr.eligible_yen = kept
            term_lines.append((len(lines) - 1, claimed - kept))
        elig.append(lr.eligible_yen)

    for idx, removed in term_lines:
        lr = lines[idx]
        ln = plan.costs[idx]
        line_findings.append(
            finding(
                "cost.term_over_one_year",
                f"経費 {ln.id}: {ln.months}か月分のうち{max_months}か月分のみ対象です({_y(lr.claimed_yen)} → {_y(lr.eligible_yen)})",
                f"line {ln.id}: only {max_months} of {ln.months} months are eligible "
                f"({_y(lr.claimed_yen)} → {_y(lr.eligible_yen)})",
                [ln.id],
                f"契約期間を{max_months}か月以内にするか、{max_months}か月分で計上してください",
                f"claim at most {max_months} months",
                removed,
            )
        )
    if estimate_lines:
        line_findings.append(
            finding(
                "cost.kenpo_rate_estimate",
                f"{len(estimate_lines)}行の人件費単価は健保等級からの概算です(標準報酬月額×12÷{p.kenpo_annual_hours.value:,}時間、10円未満切捨て)。"
                "正式な健保等級単価一覧表を計画に取り込むと置き換わります",
                f"{len(estimate_lines)} labour line(s) use the 概算 rate from the 健保等級 (standard monthly pay × 12 ÷ "
                f"{p.kenpo_annual_hours.value:,} h, floored to 10 yen); import the official rate table to replace it",
                estimate_lines,
                "健保等級単価一覧表(kenpo_rates)を計画に追加してください",
                "add the official 健保等級 rate table (kenpo_rates) to the plan",
            )
        )

    # member-level exclusions, now that their yen are known
    member_findings: list[Finding] = []
    removed_by_member: dict[str, int] = {}
    for lr in lines:
        for red in lr.reductions:
            if red.rule in ("member.not_sme", "member.user_is_provider"):
                removed_by_member[lr.member] = removed_by_member.get(lr.member, 0) + red.yen
    for m in members:
        if m.role != "sme_user":
            continue
        removed = removed_by_member.get(m.id, 0)
        if m.id in exclusion_text:
            ja, en = exclusion_text[m.id]
            member_findings.append(
                finding(
                    "member.not_sme",
                    f"{m.id}({m.name})は中小企業等に該当しません: {ja}"
                    + (f"。このメンバーの経費 {_y(removed)} は対象外です" if removed else ""),
                    f"{m.id} ({m.name}) is not an SME: {en}" + (f"; its {_y(removed)} of costs are not eligible" if removed else ""),
                    [m.id],
                    "業種・資本金・従業員数を確認するか、役割を見直してください",
                    "check industry, capital and employees, or change the member's role",
                    removed or None,
                )
            )
        tools_provided = provider_tools.get(m.id, [])
        lines_s3 = step3_user_labour.get(m.id, [])
        if tools_provided or lines_s3:
            why_ja = []
            why_en = []
            if tools_provided:
                why_ja.append(f"ツール {', '.join(tools_provided)} の提供者です")
                why_en.append(f"it provides tool(s) {', '.join(tools_provided)}")
            if lines_s3:
                why_ja.append(f"STEP3の人件費 {', '.join(lines_s3)} を計上しています")
                why_en.append(f"it claims STEP3 labour {', '.join(lines_s3)}")
            member_findings.append(
                finding(
                    "member.user_is_provider",
                    f"中小ユーザ企業 {m.id}({m.name})は、" + "、".join(why_ja)
                    + "。ITツールの提供者や設計・開発を行う事業者は中小ユーザ企業になれません",
                    f"sme_user {m.id} ({m.name}): " + "; ".join(why_en)
                    + "; tool providers and developers cannot be sme_users",
                    [m.id, *tools_provided, *lines_s3],
                    "ツールの提供者はITベンダとして参加し、設計・開発はITベンダが行う形にしてください",
                    "let the provider join as an it_vendor and leave design/development to vendors",
                    (removed if excluded.get(m.id) == "member.user_is_provider" else 0) or None,
                )
            )

    # ---------------------------------------------------------------- §4 ratio rules
    costs = plan.costs
    ratios: list[RatioCheck] = []
    ratio_findings: list[Finding] = []

    def trim(rule: str, idxs: list[int], amount: int) -> None:
        shares = share_largest_remainder(amount, [elig[i] for i in idxs])
        for i, s in zip(idxs, shares, strict=True):
            if s:
                elig[i] -= s
                lines[i].eligible_yen = elig[i]
                lines[i].reductions.append(Reduction(rule, s))

    # 1. cost.subcontract_half
    ratio = p.subcontract_ratio.value
    per_vendor = p.subcontract_scope.value == "per_vendor"
    scopes: dict[str, tuple[list[int], int]] = {}
    for i, ln in enumerate(costs):
        if ln.step != 3 or roles.get(ln.member) != "it_vendor":
            continue
        key = ln.member if per_vendor else "consortium"
        c_idx, r = scopes.get(key, ([], 0))
        if ln.category == "outsourcing":
            c_idx.append(i)
        else:
            r += elig[i]
        scopes[key] = (c_idx, r)
    vendor_order = [m.id for m in members if m.role == "it_vendor"] if per_vendor else ["consortium"]
    for key in vendor_order:
        c_idx, r = scopes.get(key, ([], 0))
        c = sum(elig[i] for i in c_idx)
        limit = fx.cost_subcontract_half_limit(r, ratio)
        removed = max(0, c - limit)
        ratios.append(RatioCheck("cost.subcontract_half", key, c, r, limit, removed, max(0, limit - c)))
        if removed:
            trim("cost.subcontract_half", c_idx, removed)
            who = by_id[key].name if key in by_id else "コンソーシアム"
            ratio_findings.append(
                finding(
                    "cost.subcontract_half",
                    f"{key}({who})のSTEP3下請け委託費 {_y(c)} はSTEP3のその他経費 {_y(r)} 未満(1/2未満)でなければなりません。"
                    f"{_y(removed)} を対象外にしました(対象 {_y(c - removed)})",
                    f"{key}: STEP3 subcontracting {_y(c)} must be less than its other STEP3 costs {_y(r)} "
                    f"(under 1/2); {_y(removed)} removed (eligible {_y(c - removed)})",
                    [key, *(costs[i].id for i in c_idx)],
                    "下請け委託費を減らすか、自社の設計・開発の人件費を見直してください",
                    "reduce the subcontract or review the vendor's own STEP3 labour",
                    removed,
                )
            )

    # 2. cost.user_labour_third
    basis = set(p.user_labour_basis.value)
    u_idx: list[int] = []
    b_total = 0
    for i, ln in enumerate(costs):
        payee_role = roles.get(ln.payee) if ln.payee is not None else None
        side = fx.cost_user_labour_third_group(roles.get(ln.member), ln.category, payee_role, basis)
        if side == "U":
            u_idx.append(i)
        elif side == "B":
            b_total += elig[i]
    u_total = sum(elig[i] for i in u_idx)
    limit = fx.cost_user_labour_third_limit(b_total, p.user_labour_ratio.value)
    removed = max(0, u_total - limit)
    ratios.append(RatioCheck("cost.user_labour_third", "consortium", u_total, b_total, limit, removed, max(0, limit - u_total)))
    if removed:
        trim("cost.user_labour_third", u_idx, removed)
        ratio_findings.append(
            finding(
                "cost.user_labour_third",
                f"中小ユーザ企業の人件費 {_y(u_total)} はITベンダへの委託費・ITベンダ人件費 {_y(b_total)} の1/3"
                f"({_y(limit)})までです。{_y(removed)} を対象外にしました",
                f"sme_user labour {_y(u_total)} may be at most 1/3 of vendor outsourcing + vendor labour "
                f"{_y(b_total)} ({_y(limit)}); {_y(removed)} removed",
                [costs[i].id for i in u_idx if lines[i].reductions and lines[i].reductions[-1].rule == "cost.user_labour_third"],
                "ユーザの人件費を減らすか、ITベンダへの委託・開発の計画を見直してください",
                "reduce sme_user labour or review the vendor work it supports",
                removed,
            )
        )

    # 3. cost.software_cloud_half
    sc_cats = set(p.software_cloud_categories.value)
    s_idx = [i for i, ln in enumerate(costs) if ln.category in sc_cats]
    s_total = sum(elig[i] for i in s_idx)
    o_total = sum(elig) - s_total
    limit = fx.cost_software_cloud_half_limit(o_total, p.software_cloud_ratio.value)
    removed = max(0, s_total - limit)
    ratios.append(RatioCheck("cost.software_cloud_half", "consortium", s_total, o_total, limit, removed, max(0, limit - s_total)))
    if removed:
        trim("cost.software_cloud_half", s_idx, removed)
        ratio_findings.append(
            finding(
                "cost.software_cloud_half",
                f"ソフトウェア購入費・クラウド利用費 {_y(s_total)} はその他の補助対象経費 {_y(o_total)} 以下"
                f"(総額の1/2以下)でなければなりません。{_y(removed)} を対象外にしました",
                f"software + cloud {_y(s_total)} may be at most the other eligible costs {_y(o_total)} "
                f"(half of the total); {_y(removed)} removed",
                [costs[i].id for i in s_idx if elig[i] != lines[i].claimed_yen],
                "ソフトウェア・クラウドの計上を減らすか、連携開発の経費を見直してください",
                "reduce software/cloud or review the integration work",
                removed,
            )
        )

    # ---------------------------------------------------------------- §2/§5 rate, cap, subsidy
    large_vendors = [m for m in members if m.role == "it_vendor" and m.large_enterprise]
    rate = fx.rate(p, bool(large_vendors))
    counted = n_users + n_vendors
    cap = fx.cap_yen(p, counted)
    claimed_by_step: dict[int, int] = {1: 0, 2: 0, 3: 0, 4: 0}
    eligible_by_step: dict[int, int] = {1: 0, 2: 0, 3: 0, 4: 0}
    for lr in lines:
        claimed_by_step[lr.step] += lr.claimed_yen
        eligible_by_step[lr.step] += lr.eligible_yen
        owner = member_results.get(lr.member)
        if owner is None:
            continue
        owner.claimed_yen += lr.claimed_yen
        owner.eligible_yen += lr.eligible_yen
        owner.claimed_by_category[lr.category] = owner.claimed_by_category.get(lr.category, 0) + lr.claimed_yen
        owner.eligible_by_category[lr.category] = owner.eligible_by_category.get(lr.category, 0) + lr.eligible_yen
    mrs = list(member_results.values())
    for mr in mrs:
        if mr.role == "collaborator":
            mr.eligible_yen = 0  # collaborators receive nothing (their lines are already 0)
        mr.raw_subsidy_yen = mr.eligible_yen * rate.numerator // rate.denominator
    raw_total = sum(mr.raw_subsidy_yen for mr in mrs)
    if raw_total > cap:
        shares = share_largest_remainder(cap, [mr.raw_subsidy_yen for mr in mrs])
        for mr, s in zip(mrs, shares, strict=True):
            mr.subsidy_yen = s
    else:
        for mr in mrs:
            mr.subsidy_yen = mr.raw_subsidy_yen
    for mr in mrs:
        mr.own_funds_yen = mr.claimed_yen - mr.subsidy_yen
    subsidy = sum(mr.subsidy_yen for mr in mrs)
    claimed_total = sum(lr.claimed_yen for lr in lines)
    eligible_total = sum(elig)

    money_findings: list[Finding] = []
    if large_vendors:
        names = ", ".join(f"{m.id}({m.name})" for m in large_vendors)
        money_findings.append(
            finding(
                "rate.large_vendor",
                f"大企業のITベンダ {names} が含まれるため、補助率は{rate.numerator}/{rate.denominator}です",
                f"a large-enterprise it_vendor ({names}) is in the consortium, so the rate is "
                f"{rate.numerator}/{rate.denominator}",
                [m.id for m in large_vendors],
                "大企業のITベンダが抜けると補助率は2/3になります",
                "without a large-enterprise vendor the rate would be 2/3",
            )
        )
    if raw_total > cap:
        more = fx.members_to_lift_cap(p, counted, raw_total)
        more_ja = (
            f"メンバー(中小ユーザ企業・ITベンダ)があと{more}者いれば上限に収まります"
            if more is not None
            else f"上限は最大の{_y(p.cap_max_yen.value)}で、これ以上は増えません"
        )
        more_en = (
            f"{more} more counted member(s) would lift the cap above it"
            if more is not None
            else f"the cap is at its maximum {_y(p.cap_max_yen.value)}"
        )
        money_findings.append(
            finding(
                "subsidy.capped",
                f"補助金額 {_y(raw_total)} が上限 {_y(cap)}({counted}者)を {_y(raw_total - cap)} 超えるため、"
                f"上限額をメンバーの補助金額に比例して配分しました。{more_ja}",
                f"the subsidy {_y(raw_total)} exceeds the cap {_y(cap)} ({counted} members) by "
                f"{_y(raw_total - cap)}; the cap is shared pro rata. {more_en}",
                [mr.id for mr in mrs if mr.raw_subsidy_yen > mr.subsidy_yen],
                "メンバーを増やすか、計画規模を上限に合わせてください",
                "add members or size the plan to the cap",
                raw_total - cap,
            )
        )
    if fx.subsidy_below_minimum(p, subsidy):
        money_findings.append(
            finding(
                "subsidy.below_minimum",
                f"補助金額の合計 {_y(subsidy)} が下限 {_y(p.lower_limit_yen.value)} 未満です",
                f"the total subsidy {_y(subsidy)} is below the lower limit {_y(p.lower_limit_yen.value)}",
                [],
                "補助対象経費を増やしてください",
                "increase the eligible costs",
            )
        )

    # ---------------------------------------------------------------- §7 schedule
    sched_findings, sched_info = _schedule(plan, p, claimed_by_step)

    findings.extend(member_findings)
    findings.extend(graph_findings)
    findings.extend(line_findings)
    findings.extend(ratio_findings)
    findings.extend(money_findings)
    findings.extend(sched_findings)
    return Result(
        program=plan.program,
        member_count=counted,
        rate=rate,
        cap_yen=cap,
        claimed_total_yen=claimed_total,
        eligible_total_yen=eligible_total,
        raw_subsidy_total_yen=raw_total,
        subsidy_yen=subsidy,
        own_funds_yen=claimed_total - subsidy,
        members=mrs,
        lines=lines,
        findings=findings,
        ratios=ratios,
        graph=graph,
        schedule=sched_info,
        eligible_by_step=eligible_by_step,
        claimed_by_step=claimed_by_step,
    )


def _schedule(plan: Plan, p: KyosoParams, claimed_by_step: dict[int, int]) -> tuple[list[Finding], ScheduleInfo]:
    dates = p.dates.value
    decision: date | None
    end: date | None
    if plan.consortium.decision_date is not None:
        decision, dsrc = plan.consortium.decision_date, "plan"
    elif dates.decision_date is not None:
        decision, dsrc = dates.decision_date, "pack"
    else:
        decision, dsrc = None, "missing"
    if plan.consortium.project_end is not None:
        end, esrc = plan.consortium.project_end, "plan"
    elif dates.project_end is not None:
        end, esrc = dates.project_end, "pack"
    else:
        end, esrc = None, "missing"
    info = ScheduleInfo(decision, dsrc, end, esrc)  # type: ignore[arg-type]
    out: list[Finding] = []
    steps = {s.step: s for s in plan.schedule}
    skipped = []
    if end is None:
        skipped.append("schedule.acceptance_after_period")
    elif 4 in steps and steps[4].end > end:
        out.append(
            finding(
                "schedule.acceptance_after_period",
                f"STEP4(受入テスト・研修)の終了 {steps[4].end.isoformat()} が補助事業期間の終了日 {end.isoformat()} より後です(NGケース①)",
                f"STEP4 (acceptance test, training) ends {steps[4].end.isoformat()}, after the project end "
                f"{end.isoformat()} (NG case 1)",
                ["step4"],
                "STEP4を補助事業期間内に終えるよう日程を前倒ししてください",
                "bring STEP4 forward so it ends within the project period",
            )
        )
    if decision is None:
        skipped.append("schedule.before_decision")
    else:
        for n in (1, 2, 3, 4):
            s = steps.get(n)
            if s is not None and claimed_by_step.get(n, 0) > 0 and s.start < decision:
                out.append(
                    finding(
                        "schedule.before_decision",
                        f"STEP{n} の開始 {s.start.isoformat()} が交付決定日 {decision.isoformat()} より前です"
                        "(交付決定前の経費は対象外)",
                        f"STEP{n} starts {s.start.isoformat()}, before the grant decision {decision.isoformat()} "
                        "(costs before the decision are not eligible)",
                        [f"step{n}"],
                        "交付決定日以降に開始するよう日程を直してください",
                        "start the STEP on or after the grant decision date",
                    )
                )
    for n in (1, 2, 3, 4):
        s = steps.get(n)
        if s is None:
            continue
        if s.end < s.start:
            out.append(
                finding(
                    "schedule.step_order",
                    f"STEP{n} の終了 {s.end.isoformat()} が開始 {s.start.isoformat()} より前です",
                    f"STEP{n} ends {s.end.isoformat()} before it starts {s.start.isoformat()}",
                    [f"step{n}"],
                    "開始日と終了日を直してください",
                    "correct the start and end dates",
                )
            )
        # the previous STEP is the nearest earlier one in the schedule (a STEP may be left out)
        pn = next((k for k in range(n - 1, 0, -1) if k in steps), None)
        prev = steps[pn] if pn is not None else None
        if prev is not None and s.start < prev.start:
            out.append(
                finding(
                    "schedule.step_order",
                    f"STEP{n} の開始 {s.start.isoformat()} が STEP{pn} の開始 {prev.start.isoformat()} より前です",
                    f"STEP{n} starts {s.start.isoformat()} before STEP{pn} starts {prev.start.isoformat()}",
                    [f"step{pn}", f"step{n}"],
                    "STEPを順番に並べてください",
                    "put the STEPs in order",
                )
            )
    if skipped:
        out.append(
            finding(
                "schedule.dates_missing",
                "交付決定日または補助事業期間の終了日が分からないため、次の日程ルールを省略しました: " + ", ".join(skipped),
                "the grant decision date or the project end is unknown, so these schedule rules were skipped: "
                + ", ".join(skipped),
                skipped,
                "コンソーシアム情報に交付決定日(decision_date)と終了日(project_end)を入力してください",
                "give consortium.decision_date and consortium.project_end",
            )
        )
    return out, info
