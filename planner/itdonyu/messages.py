"""The IT導入補助金 message catalogue: every text an IT導入 finding carries, per rule id, ja and en.

Same shape as the 共創型 catalogue (:mod:`planner.kyoso.messages`): one :class:`RuleTexts` per rule
id of :mod:`planner.itdonyu.rules` — the fix (empty for most infos) and one ``str.format`` template
pair per variant.  :data:`FRAGMENTS` are pieces a message lists several of (the months trimmed per
line, the shortfalls of a 賃上げ plan); the engine joins them and passes the result as a field.
"""

from __future__ import annotations

from typing import Any

from planner.catalogue import DEFAULT, Catalogue, Msg, RuleTexts, one, yen
from planner.itdonyu.rules import severity

__all__ = ["CATALOGUE", "FRAGMENTS", "FUNCTION_JA", "KIND_JA", "ROLE_JA", "emit", "fragment", "render", "yen"]

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
ROLE_JA = {"applicant": "申請者", "representative": "代表事業者", "participant": "参画事業者"}
FUNCTION_JA = {"accounting": "会計", "ordering": "受発注", "payment": "決済", "ec": "EC"}

NO_FIX = ("", "")


_one = one


_WAGE_EXEMPT = "のため、必須の賃上げ計画の要件は適用されません"
_PRODUCTIVITY_MISSING_EN = "figures needed for 労働生産性 are missing: {missing}"

CATALOGUE: dict[str, RuleTexts] = {
    # ------------------------------------------------------------------ §1 the applicant
    "applicant.not_sme": RuleTexts(
        ("業種・資本金・従業員数を確認してください(中小企業等でなければ申請できません)",
         "check industry, capital and employees (only SMEs may apply)"),
        _one("{role_ja} {name} は中小企業等に該当しません: {reason_ja}", "the {role} {member} is not an SME: {reason_en}"),
    ),
    "applicant.small_business": RuleTexts(
        NO_FIX, _one("{name}は小規模事業者です: {reason_ja}", "{member} is a 小規模事業者: {reason_en}")
    ),
    "applicant.large_enterprise_rate": RuleTexts(
        NO_FIX,
        _one("{name}は中小企業等に該当しません({reason_ja})。この類型では補助率 {rate} です",
             "{member} is not an SME ({reason_en}); this frame pays {rate}"),
    ),
    # ------------------------------------------------------------------ §2 frames: costs
    "cost.kind_not_eligible": RuleTexts(
        ("対象の経費区分か別の枠で申請してください", "claim it under an eligible kind or another frame"),
        {
            "frame": Msg("経費 {line}: {kind_ja}は{frame_ja}の補助対象経費ではありません",
                         "line {line}: {kind} is not an eligible cost of {frame_en}"),
            "expense_a": Msg("経費 {line}: {kind_ja}は(a)基盤導入経費の補助対象経費ではありません",
                             "line {line}: {kind} is not an eligible cost of (a)基盤導入経費"),
            "expense_b": Msg("経費 {line}: {kind_ja}は(b)消費動向等分析経費の補助対象経費ではありません",
                             "line {line}: {kind} is not an eligible cost of (b)消費動向等分析経費"),
        },
    ),
    "cost.tool_not_eligible": RuleTexts(
        ("対象機能を持つツールの経費だけを計上してください", "claim only tools with the frame's functions"),
        {
            DEFAULT: Msg("経費 {line}: ツール {tool_name} は{functions_ja}の機能を持たないため対象外です",
                         "line {line}: the tool {tool} has none of the functions {functions}"),
            "group": Msg(
                "経費 {line}: ツール {tool_name} は{functions_ja}の機能を持たないため対象外です",
                "line {line}: the tool {tool} has none of the functions {functions}",
                fix=("対象機能を持つツールの経費だけを計上してください(複数社連携では(b)消費動向等分析経費)",
                     "claim only tools with the frame's functions (in 複数社連携: as (b))"),
            ),
        },
    ),
    "cost.term_limit": RuleTexts(
        ("対象期間を上限の月数にしてください", "claim at most the frame's term"),
        _one("利用料は上限の月数分までが対象です({detail_ja})。{removed} を対象外にしました",
             "fees count up to the frame's term ({detail_en}); {removed} removed"),
    ),
    "cost.service_cap": RuleTexts(
        ("役務の計上額を上限内にしてください", "keep the 役務 within the cap"),
        _one("{member}: 役務の補助対象経費は {cap} が上限です。{removed} を対象外にしました",
             "{member}: 役務 count up to {cap}; {removed} removed"),
    ),
    "cost.e_trade_share": RuleTexts(
        NO_FIX,
        _one("受注側アカウントのうち中小企業等に供与する割合を乗じた額が対象です。{removed} を対象外にしました",
             "only the share of accounts given to SME counterparties is eligible; {removed} removed"),
    ),
    # ------------------------------------------------------------------ §2 frames: tools, amounts
    "tool.process_count": RuleTexts(
        ("tools[].processes を確認し、必要なプロセスを持つITツールを選んでください",
         "check tools[].processes and choose tools covering the required processes"),
        _one(
            "ITツールのプロセス数 {counted}(うち業務プロセス {business})が要件 {min}(業務プロセス {min_business})に足りません",
            "the tools cover {counted} process(es) ({business} 業務プロセス); the frame needs "
            "{min} ({min_business} 業務プロセス)",
        ),
    ),
    "tool.functions_missing": RuleTexts(
        ("tools[].functions に導入ソフトウェアの機能を指定してください", "list the software's functions in tools[].functions"),
        _one("{member}: ソフトウェアに{functions_ja}の機能がありません(この類型は{min}機能以上が必要)",
             "{member}: the software has none of the functions {functions} (the frame needs {min})"),
    ),
    "tool.security_not_listed": RuleTexts(
        ("リスト掲載のサービスを選び、tools[].security_listed を true にしてください",
         "choose a listed service (tools[].security_listed: true)"),
        {
            "tool": Msg("経費 {line}: サービス({tool_name})がサイバーセキュリティお助け隊サービスリストに掲載されていません",
                        "line {line}: the service is not on IPA's サイバーセキュリティお助け隊 list"),
            "no_tool": Msg("経費 {line}: サービスがサイバーセキュリティお助け隊サービスリストに掲載されていません",
                           "line {line}: the service is not on IPA's サイバーセキュリティお助け隊 list"),
        },
    ),
    "tool.e_trade_accounts": RuleTexts(
        ('tools[] に functions: ["ordering"] と free_counterparty_accounts: true を指定してください',
         'set functions: ["ordering"] and free_counterparty_accounts: true on the tool'),
        {
            "tool": Msg(
                "経費 {line}: 電子取引類型のツールは受発注機能を持ち、受注側に無償でアカウントを発行できるものです",
                "line {line}: the e-trade tool must have the ordering function and give counterparties free accounts",
            ),
            "counts": Msg(
                "経費 {line}: 受注側のアカウント総数と中小企業等に供与する数がありません",
                "line {line}: the counterparty account counts (total, SME) are missing",
                fix=("counterparty_accounts_total と counterparty_accounts_sme を指定してください",
                     "give counterparty_accounts_total and counterparty_accounts_sme"),
            ),
        },
    ),
    "subsidy.band": RuleTexts(
        NO_FIX,
        {
            "capped_by_processes": Msg(
                "プロセス数 {counted} のため {cap} が上限です({upper_min}プロセス以上で {upper_cap} まで)",
                "{counted} process(es): capped at {cap} (≥ {upper_min} processes allow up to {upper_cap})",
            ),
            "band": Msg("補助額帯 {n}: {lower}〜{cap}、{min}プロセス以上", "band {n}: {lower} – {cap}, ≥ {min} processes"),
        },
    ),
    "subsidy.below_minimum": RuleTexts(
        ("補助対象経費を増やすか、別の枠・類型を検討してください", "raise the eligible cost or consider another frame"),
        {
            "frame": Msg("補助額 {subsidy} が下限 {lower} 未満です", "the subsidy {subsidy} is below the lower limit {lower}"),
            "software": Msg(
                "{member}: ソフトウェアの補助額 {subsidy} が下限 {lower} 未満です",
                "{member}: the software subsidy {subsidy} is below the lower limit {lower}",
                fix=("補助対象経費を増やすか、別の枠を検討してください", "raise the eligible cost or consider another frame"),
            ),
        },
    ),
    "subsidy.capped": RuleTexts(
        NO_FIX, _one("補助額 {raw} が上限 {cap} を超えるため {cap} です", "the subsidy {raw} is capped at {cap}")
    ),
    "rate.minimum_wage_staff": RuleTexts(
        NO_FIX,
        {
            "met": Msg(
                "地域別最低賃金+50円以内の従業員 {near}/{total}人({share})・{months}か月: 補助率 {rate} を適用します",
                "staff near the minimum wage {near}/{total} ({share}) for {months} months: rate {rate}",
            ),
            "not_met": Msg(
                "地域別最低賃金+50円以内の従業員 {near}/{total}人({share})・{months}か月: "
                "要件(30%以上・3か月以上)を満たさず補助率 {rate} です",
                "staff near the minimum wage {near}/{total} ({share}) for {months} months: below the requirement, rate {rate}",
            ),
        },
    ),
    # ------------------------------------------------------------------ §3 tiered rate, hardware
    "software.one_function_cap": RuleTexts(
        ("{min_functions}機能以上(会計・受発注・決済)のソフトウェアにすると上限350万円です",
         "software with ≥ {min_functions} functions lifts the cap to 3,500,000"),
        _one(
            "{member}: 機能が{n}つのため補助額は {cap} が上限です(50万円超の部分 {removed} は対象外)",
            "{member}: with {n} function(s) the software subsidy is capped at {cap} ({removed} above the first tier removed)",
        ),
    ),
    "software.tier_capped": RuleTexts(
        NO_FIX,
        _one("{member}: ソフトウェアの補助額が段階の上限で頭打ちです({over})",
             "{member}: a tier cap binds the software subsidy ({over} above it)"),
    ),
    "hardware.capped": RuleTexts(
        NO_FIX,
        _one("{member}: {kind_ja}の補助額は {cap} が上限です({over} 頭打ち)", "{member}: {kind} is capped at {cap} ({over} above)"),
    ),
    "hardware.without_software": RuleTexts(
        ("会計・受発注・決済のソフトウェアとあわせて申請してください", "apply together with eligible software"),
        _one("{member}: ハードウェアは対象ソフトウェアとあわせて導入する場合のみ対象です。{removed} を対象外にしました",
             "{member}: hardware is eligible only with eligible software; {removed} removed"),
    ),
    # ------------------------------------------------------------------ §4 group
    "group.min_members": RuleTexts(
        ("ITツールを利用する参画事業者を{more}者以上加えてください", "add at least {more} participant(s) that use the tools"),
        _one("グループ構成員が{n}者です。{min}者以上必要です", "the group has {n} member(s); at least {min} are required"),
    ),
    "group.participant_without_tools": RuleTexts(
        ("参画事業者がITツールを利用する計画にするか、グループから外してください",
         "have the participant use the tools, or take it out of the group"),
        _one("参画事業者 {name} はITツールを利用しないため、グループ構成員に数えません",
             "the participant {member} does not use the tools and is not counted as a member"),
    ),
    "group.representative_type": RuleTexts(
        ("中小企業・小規模事業者等、商店街組合等、商工会又は商工会議所を代表事業者にしてください",
         "make an SME, a 商店街 organisation, a 商工会 or a 商工会議所 the representative"),
        _one("代表事業者 {name} の種類 {rep_type} は認められていません",
             "the representative {member} is of a type the frame does not allow ({rep_type})"),
    ),
    "group.analysis_cap": RuleTexts(
        NO_FIX,
        _one("(b)の補助額 {raw} は上限 {per_member} × {n}者 = {cap} までです",
             "(b) {raw} is capped at {per_member} × {n} = {cap}"),
    ),
    "group.ab_cap": RuleTexts(
        ("(a)+(b)が3,000万円以内になるよう計画してください", "plan (a)+(b) within 30,000,000"),
        _one(
            "(a)+(b)の補助額 {total} が上限 {cap} を超えるため、{excess} を各構成員の(a)と(b)から按分して削減しました",
            "(a)+(b) {total} exceeds {cap}; {excess} removed pro rata from the members' (a) and the (b)",
        ),
    ),
    "group.admin_cap": RuleTexts(NO_FIX, _one("(c)の補助額 {raw} は上限 {cap} までです", "(c) {raw} is capped at {cap}")),
    "group.analysis_without_members": RuleTexts(NO_FIX, {}),  # registered; the engine does not report it today
    # ------------------------------------------------------------------ 賃上げ
    "wage.plan_missing": RuleTexts(
        ("members[].wage_plan を入力するか、補助額を必須とならない範囲にしてください",
         "give members[].wage_plan, or apply for an amount below the band that requires it"),
        _one("この枠・補助額帯では賃上げ計画(給与支給総額・事業場内最低賃金)が必須です",
             "this frame or band requires a 賃上げ plan (payroll and minimum wage)"),
    ),
    "wage.required_not_met": RuleTexts(
        ("給与支給総額の目標・事業場内最低賃金を引き上げ、従業員に表明してください",
         "raise the payroll target and the minimum wage, and announce the plan"),
        _one("必須の賃上げ計画が要件を満たしません: {problems_ja}", "the required 賃上げ plan falls short: {problems_en}"),
    ),
    "wage.bonus": RuleTexts(
        NO_FIX,
        {
            "short": Msg("賃上げ計画は加点の要件を満たしません: {problems_ja}",
                         "the 賃上げ plan does not earn the 加点: {problems_en}"),
            "earned": Msg("賃上げ計画は加点の要件を満たします", "the 賃上げ plan earns the 加点"),
            "earned_extra": Msg("賃上げ計画は加点の要件を満たします(+50円以上でさらに加点)",
                                "the 賃上げ plan earns the 加点 (and the further +50円 加点)"),
        },
    ),
    "wage.exempt": RuleTexts(
        NO_FIX,
        {
            "small_business": Msg("小規模事業者" + _WAGE_EXEMPT, "as a 小規模事業者, the required 賃上げ plan does not apply"),
            "declared": Msg("{exempt}" + _WAGE_EXEMPT, "as {exempt}, the required 賃上げ plan does not apply"),
        },
    ),
    # ------------------------------------------------------------------ 労働生産性
    "productivity.plan_missing": RuleTexts(
        ("members[].productivity に基準年と目標年の数値を入力してください", "give members[].productivity (base and target years)"),
        _one("労働生産性の計画がないため、伸び率の要件は確認していません", "no 労働生産性 plan given: the growth targets are not checked"),
    ),
    "productivity.inputs_missing": RuleTexts(
        ("基準年と各目標年の数値を入力してください", "give the base year and every target year"),
        {
            "gross_profit": Msg("労働生産性の計算に必要な数値(売上・原価・従業員数・労働時間)がありません: {missing}",
                                _PRODUCTIVITY_MISSING_EN),
            "operating_profit": Msg(
                "労働生産性の計算に必要な数値(営業利益・人件費・減価償却費・従業員数・労働時間)がありません: {missing}",
                _PRODUCTIVITY_MISSING_EN,
            ),
        },
    ),
    "productivity.growth": RuleTexts(
        ("目標年の計画値を見直してください", "revise the target-year plan"),
        {
            "base_not_positive": Msg(
                "基準年の労働生産性が0以下のため伸び率を計算できません",
                "the base-year productivity is zero or negative: no growth can be computed",
                fix=("基準年の数値を確認してください", "check the base-year figures"),
            ),
            "total": Msg("労働生産性の{year}年後の伸び率 {shown} が目標 {required} に届きません",
                         "the 労働生産性 growth by year {year} {shown} is below the target {required}"),
            "total_raised": Msg(
                "労働生産性の{year}年後の伸び率 {shown} が目標 {required} に届きません(過去の交付決定者を含むため引き上げ後の目標)",
                "the 労働生産性 growth by year {year} {shown} is below the target {required} (raised: a member had a recent grant)",
            ),
            "cagr": Msg("労働生産性の{year}年間の年平均成長率 {shown} が目標 {required} に届きません",
                        "the 労働生産性 CAGR over {year} years {shown} is below the target {required}"),
            "cagr_raised": Msg(
                "労働生産性の{year}年間の年平均成長率 {shown} が目標 {required} に届きません(過去の交付決定者を含むため引き上げ後の目標)",
                "the 労働生産性 CAGR over {year} years {shown} is below the target {required} (raised: a member had a recent grant)",
            ),
        },
    ),
}

#: Pieces a message lists several of: (ja, en) templates.  Keys: ``<rule or family>:<piece>``.
FRAGMENTS: dict[str, tuple[str, str]] = {
    "cost.term_limit:line": ("{line}: {months}か月→{max_months}か月", "{line}: {months} → {max_months} months"),
    "wage:payroll_short": (
        "給与支給総額 {base}→{target} が年平均{growth}×{years}年に届きません",
        "payroll {base} → {target} is below {growth} a year for {years} years",
    ),
    "wage:min_wage_short": (
        "事業場内最低賃金 {min_wage}円 < 地域別最低賃金+{margin}円 = {required}円",
        "minimum wage {min_wage} < regional + {margin} = {required} yen",
    ),
    "wage:not_announced": ("従業員に表明していません", "not announced to the staff"),
}


_CATALOGUE = Catalogue(CATALOGUE, severity)
#: The rule's texts filled with fields: (message_ja, message_en, fix_ja, fix_en).
render = _CATALOGUE.render
#: A :class:`~planner.result.Finding` of an IT導入 rule id (severity from its registry) with the catalogue's texts.
emit = _CATALOGUE.emit


def fragment(key: str, **fields: Any) -> tuple[str, str]:
    """A :data:`FRAGMENTS` entry filled with ``fields``: (ja, en)."""
    ja, en = FRAGMENTS[key]
    return ja.format(**fields), en.format(**fields)
