"""The registry of IT導入補助金 rules: id, severity, what each checks, the parameters it reads.

Sections follow it-donyu-rules.md (§1 definitions, §2 frames, §3 tiered rate, §4 group) plus the
plan checks (賃上げ, 労働生産性).  Rules marked ``interpretation`` apply a choice the sources do not fix
(the pack names it); ``added`` rules are not in that reference but every problem needs an id.
"""

from __future__ import annotations

from planner.kyoso.rules import RuleSpec
from planner.result import Severity

RULES: tuple[RuleSpec, ...] = (
    # §1 the applicant
    RuleSpec("applicant.not_sme", "error", "§1", "申請者・構成員が中小企業等の定義(資本金 または 従業員数)を満たす",
             "the applicant (or member) meets the 中小企業等 definition (capital or employees)", ("sme_limits",)),
    RuleSpec("applicant.small_business", "info", "§1", "小規模事業者の判定(業種区分ごとの常時使用する従業員数)",
             "小規模事業者 classification (employees by sector)",
             ("small_business_employees_max", "small_business_sector_of_industry"), True),
    RuleSpec("applicant.large_enterprise_rate", "info", "§2", "電子取引類型では大企業も申請でき補助率1/2",
             "in the 電子取引類型 a large enterprise may apply, at 1/2", ("frame_e_trade",)),
    # §2 frames: costs
    RuleSpec("cost.kind_not_eligible", "warning", "§2", "経費の種類がその枠の補助対象経費である",
             "a line's kind is an eligible cost of the frame", ("frame_*.eligible_kinds",)),
    RuleSpec("cost.tool_not_eligible", "warning", "§2",
             "その類型の機能(会計・受発注・決済 等)を持たないツールの経費は対象外",
             "a line whose tool has none of the frame's functions (会計・受発注・決済 …) is not eligible",
             ("frame_*.function_set",)),
    RuleSpec("cost.term_limit", "warning", "§2", "クラウド利用料・サービス利用料はその枠の上限月数まで",
             "cloud and service fees count up to the frame's term", ("frame_*.cloud_max_months",)),
    RuleSpec("cost.service_cap", "warning", "§2", "役務の補助対象経費は1者あたり上限(200万円)まで",
             "役務 (services) count up to the per-applicant cap", ("frame_*.service_cap_yen",)),
    RuleSpec("cost.e_trade_share", "info", "§2", "電子取引類型: 中小企業等に供与するアカウント数の割合を乗じた額が補助対象",
             "e-trade: the cost times the share of accounts given to SME counterparties is eligible",
             ("frame_e_trade.e_trade_share",)),
    # §2 frames: tools
    RuleSpec("tool.process_count", "error", "§2", "ITツールのプロセス数がその枠・補助額帯の要件を満たす",
             "the tools cover the processes the frame or band requires", ("frame_*.bands",)),
    RuleSpec("tool.functions_missing", "error", "§2", "ソフトウェアがその類型の機能(会計・受発注・決済 等)を1つ以上持つ",
             "the software has at least one of the frame's functions (会計・受発注・決済 …)",
             ("frame_*.min_functions", "frame_*.function_set")),
    RuleSpec("tool.security_not_listed", "error", "§2", "サイバーセキュリティお助け隊サービスリストに掲載されたサービス",
             "the service is on IPA's サイバーセキュリティお助け隊 list", ("frame_security.requires_security_listed",)),
    RuleSpec("tool.e_trade_accounts", "error", "§2", "電子取引類型: 受注側に無償でアカウントを発行できる受発注ツール",
             "e-trade: an ordering tool that gives counterparties free accounts", ("frame_e_trade",)),
    # §2 frames: amounts
    RuleSpec("subsidy.band", "info", "§2", "補助額帯(プロセス数・補助額で決まる)", "which 補助額 band applies",
             ("frame_*.bands", "frame_*.band_selection")),
    RuleSpec("subsidy.below_minimum", "error", "§2", "補助額がその枠の下限以上", "the subsidy is at least the frame's lower limit",
             ("frame_*.bands", "frame_*.tier.lower_yen")),
    RuleSpec("subsidy.capped", "info", "§2", "補助額がその枠の上限で頭打ち", "the frame's upper limit binds", ("frame_*.bands",)),
    RuleSpec("rate.minimum_wage_staff", "info", "§2",
             "2025 通常枠: 地域別最低賃金+50円以内の従業員が30%以上(3か月以上)なら補助率2/3",
             "2025 通常枠: 2/3 when ≥ 30% of staff earn within 最低賃金+50円 for ≥ 3 months",
             ("frame_normal.rate_min_wage", "frame_normal.min_wage_staff_share")),
    # §3 tiered software rate
    RuleSpec("software.one_function_cap", "warning", "§3", "2機能未満のソフトウェアは50万円超の部分(2/3)が対象外",
             "software with fewer than 2 functions gets nothing above the first tier",
             ("frame_*.tier.tier2_min_functions",)),
    RuleSpec("software.tier_capped", "info", "§3", "ソフトウェア補助額が段階の上限(50万円・300万円)で頭打ち",
             "a tier cap (500,000 / 3,000,000) binds", ("frame_*.tier",)),
    RuleSpec("hardware.capped", "info", "§3", "ハードウェア補助額がPC等10万円・レジ等20万円の上限で頭打ち",
             "a hardware sub-cap (PC 100,000 / レジ 200,000) binds", ("frame_*.hardware",)),
    RuleSpec("hardware.without_software", "error", "§3", "ハードウェアは対象ソフトウェアとあわせて導入する場合のみ",
             "hardware is eligible only together with eligible software",
             ("frame_*.hardware_requires_software",)),
    # §4 group
    RuleSpec("group.min_members", "error", "§4", "グループ構成員が10者以上", "the group has at least 10 members",
             ("frame_group.group.min_members",)),
    RuleSpec("group.participant_without_tools", "warning", "§4",
             "ITツールを利用しない参画事業者はグループ構成員に数えない",
             "a participant that does not use the tools is not a member", ()),
    RuleSpec("group.representative_type", "error", "§4",
             "代表事業者は中小企業・小規模事業者等、商店街組合等、商工会又は商工会議所",
             "the representative is an SME, a 商店街 organisation, a 商工会 or a 商工会議所",
             ("frame_group.group.representative_types",)),
    RuleSpec("group.analysis_cap", "info", "§4", "(b)消費動向等分析経費の補助額は50万円×(b)導入構成員数まで",
             "(b) is at most 500,000 × the members adopting (b)",
             ("frame_group.group.analysis_cap_per_member_yen", "frame_group.group.analysis_cap_basis"), True),
    RuleSpec("group.ab_cap", "warning", "§4", "(a)+(b)の補助額は3,000万円まで(超過分を按分して削減)",
             "(a) + (b) is at most 30,000,000 (the excess is removed pro rata)",
             ("frame_group.group.ab_cap_yen", "frame_group.group.ab_trim"), True),
    RuleSpec("group.admin_cap", "info", "§4", "(c)事務費・専門家費は上限(200万円、2025: (a)+(b)×10%×2/3)まで",
             "(c) is at most its cap (2,000,000; 2025: (a)+(b) × 10% × 2/3)",
             ("frame_group.group.admin_cap_yen", "frame_group.group.admin_share_of_ab"), True),
    RuleSpec("group.analysis_without_members", "info", "§4", "(b)の上限を計算する(b)導入構成員がいる",
             "there are members adopting (b) to size its cap", (), False, True),
    # 賃上げ
    RuleSpec("wage.plan_missing", "error", "§1", "賃上げ計画が必須の枠・補助額帯で計画がある",
             "a 賃上げ plan is given where the frame or band requires one", ("wage_plan",)),
    RuleSpec("wage.required_not_met", "error", "§1",
             "必須の賃上げ計画: 給与支給総額の年平均+1.5%(1%)、事業場内最低賃金≥地域別+30円、従業員へ表明",
             "a required 賃上げ plan: payroll +1.5% a year (1%), minimum wage ≥ regional + 30 yen, announced",
             ("wage_plan",)),
    RuleSpec("wage.bonus", "info", "§1", "賃上げ計画が加点の要件を満たすか", "whether the 賃上げ plan earns the 加点",
             ("wage_plan",)),
    RuleSpec("wage.exempt", "info", "§1", "小規模事業者・公定価格の事業者は必須の賃上げ要件の適用外",
             "小規模事業者 and publicly priced businesses are exempt from the required 賃上げ plan",
             ("wage_plan",)),
    # 労働生産性
    RuleSpec("productivity.plan_missing", "info", "§1", "労働生産性の計画があれば伸び率を確認",
             "with a 労働生産性 plan the growth is checked", ("frame_*.productivity",)),
    RuleSpec("productivity.inputs_missing", "error", "§1", "その年度の定義の付加価値額に必要な数値がある",
             "the figures this year's 付加価値額 definition needs are given", ("frame_*.productivity",)),
    RuleSpec("productivity.growth", "error", "§1",
             "労働生産性の伸び率が目標以上(+3%/+9%、年平均成長率、2025 複数社連携 グループ年平均5%(6%))",
             "the 労働生産性 growth reaches the targets (+3%/+9%, CAGR, 2025 group CAGR 5% (6%))",
             ("frame_*.productivity",)),
)

RULES_BY_ID: dict[str, RuleSpec] = {r.id: r for r in RULES}


def severity(rule_id: str) -> Severity:
    return RULES_BY_ID[rule_id].severity
