"""The registry of 共創型 rules: id, severity, what each checks, the parameters it reads.

Ids and severities follow kyoso-rules.md.  Rules marked ``added`` are not in that reference; we
added them so that every problem the engine meets has an id (see docs/interpretations.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.result import Severity


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: str
    severity: Severity
    section: str
    checks_ja: str
    checks_en: str
    params: tuple[str, ...] = ()
    interpretation: bool = False
    added: bool = False


RULES: tuple[RuleSpec, ...] = (
    # §1 consortium and members
    RuleSpec("consortium.min_sme_users", "error", "§1", "中小ユーザ企業が2者以上", "at least 2 sme_user members",
             ("min_sme_users",)),
    RuleSpec("consortium.min_vendors", "error", "§1", "ITベンダが2者以上", "at least 2 it_vendor members",
             ("min_vendors",)),
    RuleSpec("consortium.lead_missing", "error", "§1", "幹事社が指定され、メンバーに存在する",
             "the lead is given and names a member"),
    RuleSpec("consortium.lead_not_sme_user", "info", "§1", "幹事社は中小ユーザ企業が望ましい",
             "the lead should preferably be an sme_user"),
    RuleSpec("member.not_sme", "error", "§1",
             "中小ユーザ企業が中小企業等の定義(資本金 または 従業員数)を満たし、みなし大企業でない",
             "an sme_user meets the SME definition (capital or employees) and is not deemed large",
             ("sme_limits",)),
    RuleSpec("member.user_is_provider", "error", "§1",
             "中小ユーザ企業がITツールの提供者でなく、STEP3の人件費を計上しない",
             "an sme_user provides no tool of the plan and claims no STEP3 labour"),
    # §2 rate, cap, lower limit
    RuleSpec("rate.large_vendor", "info", "§2", "大企業のITベンダがいると補助率1/2",
             "the rate is 1/2 when an it_vendor is a large enterprise", ("rate_standard", "rate_large_vendor")),
    RuleSpec("subsidy.below_minimum", "error", "§2", "補助金額の合計が下限以上", "the total subsidy is at least the lower limit",
             ("lower_limit_yen",)),
    RuleSpec("subsidy.capped", "info", "§2", "補助上限額(構成員数に応じて)で頭打ち",
             "the membership-scaled cap binds",
             ("cap_base_yen", "cap_base_members", "cap_step_yen", "cap_max_yen", "cap_sharing"), True),
    # §3 cost lines
    RuleSpec("cost.category_not_allowed", "error", "§3", "役割・STEP・経費区分の組合せが対象表にある",
             "role × STEP × category is allowed by the matrix", ("step_matrix",), True),
    RuleSpec("cost.payee_invalid", "error", "§3",
             "委託費・専門家経費の支払先が正しい(ユーザの委託先はITベンダ/協力者、STEP3はITベンダのみ、専門家は協力者、ベンダの委託は計画外への下請け)",
             "payees: sme_user outsourcing to an it_vendor/collaborator (STEP3: it_vendor only); expert to a "
             "collaborator; it_vendor outsourcing is a subcontract outside the plan"),
    RuleSpec("cost.term_over_one_year", "warning", "§3", "クラウド利用費・運用保守は12か月分まで",
             "cloud and software maintenance count at most 12 months", ("term_max_months",)),
    RuleSpec("cost.existing_tool_mod_requires_api", "error", "§3",
             "既存ツール改修のITベンダ人件費はAPI連携の場合のみ",
             "it_vendor labour modifying an existing tool is eligible only for an api integration"),
    RuleSpec("cost.meeting_internal", "error", "§3", "会議費の会議に中小ユーザ企業とITベンダが参加",
             "a meeting line's meeting has an sme_user and an it_vendor among its participants"),
    RuleSpec("cost.travel_purpose", "error", "§3", "旅費は連携(integration)か会議(meeting)に紐づく",
             "a travel line names the integration or meeting it serves"),
    RuleSpec("cost.unknown_reference", "error", "§3", "経費行が参照するメンバー・支払先・連携・会議が存在する",
             "a line's member, payee, integration and meeting exist"),
    RuleSpec("cost.kenpo_rate_estimate", "info", "§3",
             "健保等級から人件費単価を概算(計画に健保等級単価表がない)",
             "a labour rate is the 概算 estimate from the 健保等級 (the plan has no rate table)",
             ("kenpo_standard_monthly_yen", "kenpo_annual_hours", "kenpo_round_yen"), True, True),
    RuleSpec("cost.kenpo_grade_not_in_table", "warning", "§3",
             "計画の健保等級単価表にその等級がない(概算単価を使用)",
             "the plan's 健保等級 rate table has no row for the grade (the estimate is used)",
             ("kenpo_standard_monthly_yen", "kenpo_annual_hours"), True, True),
    # §4 ratio rules
    RuleSpec("cost.subcontract_half", "warning", "§4", "ITベンダの下請け委託費はSTEP3経費の1/2未満",
             "an it_vendor's STEP3 subcontracting is under half of its STEP3 costs",
             ("subcontract_ratio", "subcontract_scope"), True),
    RuleSpec("cost.user_labour_third", "warning", "§4",
             "中小ユーザ企業の人件費はITベンダへの委託費及びITベンダ人件費の1/3まで",
             "sme_user labour is at most 1/3 of vendor outsourcing + vendor labour",
             ("user_labour_ratio", "user_labour_basis"), True),
    RuleSpec("cost.software_cloud_half", "warning", "§4", "ソフトウェア購入費+クラウド利用費は補助対象経費総額の1/2以下",
             "software + cloud are at most half of the eligible total",
             ("software_cloud_ratio", "software_cloud_categories")),
    # §6 tools, integrations, graph
    RuleSpec("plan.no_integration", "error", "§6", "連携(integration)が1つ以上ある", "at least one integration"),
    RuleSpec("plan.unknown_reference", "error", "§6", "ツール・会議が参照するメンバーが存在する",
             "members named by tools and meetings exist", added=True),
    RuleSpec("tool.no_sales_record", "error", "§6", "連携するツールに販売実績がある(NGケース③)",
             "a tool in an integration has a sales record (NG case 3)"),
    RuleSpec("integration.no_new_development", "error", "§6", "連携は新たな設計・開発を伴う(NGケース②)",
             "an integration involves new design and development (NG case 2)"),
    RuleSpec("integration.invalid_endpoint", "error", "§6", "連携の両端が存在する別々のツール",
             "an integration joins two distinct existing tools"),
    RuleSpec("tool.vendor_rights", "error", "§6",
             "計画内ITベンダが権利を持たないツールはAPI連携のみ",
             "a tool whose vendor is not an it_vendor of the plan is joined only by api integrations"),
    RuleSpec("tool.no_user", "error", "§6", "連携するツールに中小ユーザ企業の利用者がいる",
             "a tool in an integration has an sme_user among its users"),
    RuleSpec("member.sme_user_without_integration", "warning", "§6", "中小ユーザ企業が連携するツールを利用する",
             "each sme_user uses a tool that takes part in an integration"),
    RuleSpec("graph.disconnected", "info", "§6", "連携グラフが1つにつながっている",
             "the integration graph is connected"),
    # §7 schedule
    RuleSpec("schedule.acceptance_after_period", "error", "§7", "STEP4が補助事業期間内に終わる(NGケース①)",
             "STEP4 ends within the project period (NG case 1)", ("dates",)),
    RuleSpec("schedule.before_decision", "error", "§7", "経費のあるSTEPは交付決定日以降に始まる",
             "a STEP with costs starts on or after the grant decision date", ("dates",)),
    RuleSpec("schedule.step_order", "warning", "§7", "STEPの順序と期間が正しい",
             "STEPs start in order and end after they start"),
    RuleSpec("schedule.dates_missing", "info", "§7", "交付決定日・終了日が分からない日程ルールは省略",
             "schedule rules that need a missing date are skipped", ("dates",), added=True),
)

RULES_BY_ID: dict[str, RuleSpec] = {r.id: r for r in RULES}


def severity(rule_id: str) -> Severity:
    return RULES_BY_ID[rule_id].severity
