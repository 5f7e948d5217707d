"""The 共創型 message catalogue: every text a 共創型 finding carries, per rule id, in Japanese and English.

One :class:`RuleTexts` per rule id of :mod:`planner.kyoso.rules`: the fix (what to do) and the message
templates, one per *variant* where a rule says different things in different situations (the lead is
missing / not a member; a STEP ends before it starts / starts before the previous one).  Templates are
``str.format`` strings with named fields; the check that emits the finding passes the fields
(money already formatted with :func:`yen`, dates as ISO strings).  Fields that differ by language carry
a ``_ja`` / ``_en`` suffix.  No check builds a message inline: it names the rule, the variant and the fields.

:data:`SME_REASONS` holds the reasons :func:`planner.kyoso.formulas.member_not_sme` gives (shown in the
member's 中小企業 check and inside the ``member.not_sme`` message).

    render("cost.travel_purpose", line="c7")  # -> (message_ja, message_en, fix_ja, fix_en)
"""

from __future__ import annotations

from typing import Any

from planner.catalogue import DEFAULT, Catalogue, Msg, RuleTexts, one
from planner.kyoso.rules import severity

# -- labels shared by the messages, the workbooks and the app ------------------------------------------

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


_one = one


CATALOGUE: dict[str, RuleTexts] = {
    # ------------------------------------------------------------------ §1 consortium and members
    "consortium.min_sme_users": RuleTexts(
        ("中小ユーザ企業をコンソーシアムに加えてください", "add sme_user members to the consortium"),
        _one("中小ユーザ企業が{n}者です。{min}者以上必要です", "{n} sme_user member(s); at least {min} are required"),
    ),
    "consortium.min_vendors": RuleTexts(
        ("ITベンダをコンソーシアムに加えてください", "add it_vendor members to the consortium"),
        _one("ITベンダが{n}者です。{min}者以上必要です", "{n} it_vendor member(s); at least {min} are required"),
    ),
    "consortium.lead_missing": RuleTexts(
        ("メンバーの中から幹事社を選んでください", "choose the lead among the members"),
        {
            "none": Msg("幹事社(lead)が未指定です", "no lead (幹事社) is named"),
            "not_member": Msg("幹事社 {lead} はメンバーにいません", "the lead {lead} is not a member"),
        },
    ),
    "consortium.lead_not_sme_user": RuleTexts(
        ("可能であれば中小ユーザ企業を幹事社にしてください", "make an sme_user the lead if you can"),
        _one(
            "幹事社 {lead}({name})は{role_ja}です。中小ユーザ企業が幹事社となることが望ましいとされています",
            "the lead {lead} is an {role}; an sme_user lead is preferred (FAQ)",
        ),
    ),
    "member.not_sme": RuleTexts(
        ("業種・資本金・従業員数を確認するか、役割を見直してください", "check industry, capital and employees, or change the member's role"),
        {
            DEFAULT: Msg("{member}({name})は中小企業等に該当しません: {reason_ja}",
                         "{member} ({name}) is not an SME: {reason_en}"),
            "with_costs": Msg(
                "{member}({name})は中小企業等に該当しません: {reason_ja}。このメンバーの経費 {removed} は対象外です",
                "{member} ({name}) is not an SME: {reason_en}; its {removed} of costs are not eligible",
            ),
        },
    ),
    "member.user_is_provider": RuleTexts(
        ("ツールの提供者はITベンダとして参加し、設計・開発はITベンダが行う形にしてください",
         "let the provider join as an it_vendor and leave design/development to vendors"),
        {
            "tools": Msg(
                "中小ユーザ企業 {member}({name})は、ツール {tools} の提供者です。"
                "ITツールの提供者や設計・開発を行う事業者は中小ユーザ企業になれません",
                "sme_user {member} ({name}): it provides tool(s) {tools}; tool providers and developers cannot be sme_users",
            ),
            "step3_labour": Msg(
                "中小ユーザ企業 {member}({name})は、STEP3の人件費 {lines} を計上しています。"
                "ITツールの提供者や設計・開発を行う事業者は中小ユーザ企業になれません",
                "sme_user {member} ({name}): it claims STEP3 labour {lines}; tool providers and developers cannot be sme_users",
            ),
            "tools_and_step3_labour": Msg(
                "中小ユーザ企業 {member}({name})は、ツール {tools} の提供者です、STEP3の人件費 {lines} を計上しています。"
                "ITツールの提供者や設計・開発を行う事業者は中小ユーザ企業になれません",
                "sme_user {member} ({name}): it provides tool(s) {tools}; it claims STEP3 labour {lines}; "
                "tool providers and developers cannot be sme_users",
            ),
        },
    ),
    # ------------------------------------------------------------------ §2 rate, cap, lower limit
    "rate.large_vendor": RuleTexts(
        ("大企業のITベンダが抜けると補助率は2/3になります", "without a large-enterprise vendor the rate would be 2/3"),
        _one(
            "大企業のITベンダ {names} が含まれるため、補助率は{rate}です",
            "a large-enterprise it_vendor ({names}) is in the consortium, so the rate is {rate}",
        ),
    ),
    "subsidy.below_minimum": RuleTexts(
        ("補助対象経費を増やしてください", "increase the eligible costs"),
        _one("補助金額の合計 {subsidy} が下限 {lower} 未満です", "the total subsidy {subsidy} is below the lower limit {lower}"),
    ),
    "subsidy.capped": RuleTexts(
        ("メンバーを増やすか、計画規模を上限に合わせてください", "add members or size the plan to the cap"),
        {
            "more_members": Msg(
                "補助金額 {raw} が上限 {cap}({counted}者)を {over} 超えるため、上限額をメンバーの補助金額に比例して配分しました。"
                "メンバー(中小ユーザ企業・ITベンダ)があと{more}者いれば上限に収まります",
                "the subsidy {raw} exceeds the cap {cap} ({counted} members) by {over}; the cap is shared pro rata. "
                "{more} more counted member(s) would lift the cap above it",
            ),
            "at_max": Msg(
                "補助金額 {raw} が上限 {cap}({counted}者)を {over} 超えるため、上限額をメンバーの補助金額に比例して配分しました。"
                "上限は最大の{cap_max}で、これ以上は増えません",
                "the subsidy {raw} exceeds the cap {cap} ({counted} members) by {over}; the cap is shared pro rata. "
                "the cap is at its maximum {cap_max}",
            ),
        },
    ),
    # ------------------------------------------------------------------ §3 cost lines
    "cost.category_not_allowed": RuleTexts(
        ("STEP・経費区分・計上するメンバーを対象表に合わせてください",
         "change the STEP, the category or the member to one the matrix allows"),
        {
            "other_steps": Msg(
                "経費 {line}: {role_ja}の{category_ja}はSTEP{step}では対象外です(STEP{allowed} のみ)",
                "line {line}: {category} of an {role} is not eligible in STEP {step} (STEP {allowed} only)",
            ),
            "never": Msg(
                "経費 {line}: {role_ja}の{category_ja}はSTEP{step}では対象外です(計上できません)",
                "line {line}: {category} of an {role} is not eligible in STEP {step} (not claimable)",
            ),
        },
    ),
    "cost.payee_invalid": RuleTexts(
        ("支払先を直してください", "correct the payee"),
        {
            "user_no_payee": Msg("経費 {line}: 委託先(payee)にメンバーのITベンダか協力者を指定してください",
                                 "line {line}: name the payee member"),
            "user_step3_not_vendor": Msg("経費 {line}: STEP3(設計・開発〜システムテスト)の委託先はITベンダのみです",
                                         "line {line}: in STEP3 the payee must be an it_vendor"),
            "user_payee_role": Msg("経費 {line}: 委託先はITベンダかその他協力者でなければなりません",
                                   "line {line}: the payee must be an it_vendor or a collaborator"),
            "vendor_not_external": Msg(
                "経費 {line}: ITベンダの委託費は計画外の事業者への下請け(payee_external)に限られます",
                "line {line}: an it_vendor's outsourcing must be a subcontract to a party outside the plan (payee_external)",
            ),
            "vendor_not_subcontract": Msg(
                "経費 {line}: ITベンダの委託費は下請けに限られます(subcontract: false は対象外)",
                "line {line}: an it_vendor's outsourcing must be a subcontract (subcontract: false is not eligible)",
            ),
            "expert_payee": Msg("経費 {line}: 専門家経費の支払先(payee)はその他協力者のメンバーです",
                                "line {line}: an expert line's payee must be a collaborator member"),
        },
    ),
    "cost.term_over_one_year": RuleTexts(
        ("契約期間を{max_months}か月以内にするか、{max_months}か月分で計上してください", "claim at most {max_months} months"),
        _one(
            "経費 {line}: {months}か月分のうち{max_months}か月分のみ対象です({claimed} → {eligible})",
            "line {line}: only {max_months} of {months} months are eligible ({claimed} → {eligible})",
        ),
    ),
    "cost.existing_tool_mod_requires_api": RuleTexts(
        ("連携方式を API にするか、既存ツール改修を伴わない開発にしてください",
         "make the integration api, or develop without modifying the existing tool"),
        {
            "no_integration": Msg(
                "経費 {line}: 既存ツールの改修に係るITベンダの人件費はAPI連携の場合のみ対象です(連携が未指定)",
                "line {line}: vendor labour modifying an existing tool is eligible only for an api integration "
                "(no integration named)",
            ),
            "not_api": Msg(
                "経費 {line}: 既存ツールの改修に係るITベンダの人件費はAPI連携の場合のみ対象です(連携 {integration} は{method})",
                "line {line}: vendor labour modifying an existing tool is eligible only for an api integration "
                "(integration {integration} is {method})",
            ),
            "unknown_integration": Msg(
                "経費 {line}: 既存ツールの改修に係るITベンダの人件費はAPI連携の場合のみ対象です(連携 {integration} は不明)",
                "line {line}: vendor labour modifying an existing tool is eligible only for an api integration "
                "(integration {integration} is unknown)",
            ),
        },
    ),
    "cost.meeting_internal": RuleTexts(
        ("会議を指定し、参加者に中小ユーザ企業とITベンダを含めてください",
         "name the meeting and include an sme_user and an it_vendor among its participants"),
        {
            "no_meeting": Msg(
                "経費 {line}: 会議費は中小ユーザ企業とITベンダが参加する会議に限られます(会議が未指定)",
                "line {line}: a meeting line needs a meeting with an sme_user and an it_vendor (no meeting named)",
            ),
            "participants": Msg(
                "経費 {line}: 会議費は中小ユーザ企業とITベンダが参加する会議に限られます(会議 {meeting})",
                "line {line}: a meeting line needs a meeting with an sme_user and an it_vendor (meeting {meeting})",
            ),
        },
    ),
    "cost.travel_purpose": RuleTexts(
        ("旅費の目的となる連携(integration)か会議(meeting)を指定してください",
         "name the integration or the meeting the travel serves"),
        _one(
            "経費 {line}: 旅費は打ち合わせや研修などを伴うもののみ対象です(連携か会議を指定してください)",
            "line {line}: travel must serve an integration or a meeting (name one)",
        ),
    ),
    "cost.unknown_reference": RuleTexts(
        ("参照先を計画にあるものに直してください", "point the line at a member, payee, integration or meeting of the plan"),
        _one("経費 {line} が存在しない {unknown} を参照しています", "line {line} names what does not exist: {unknown}"),
    ),
    "cost.kenpo_rate_estimate": RuleTexts(
        ("健保等級単価一覧表(kenpo_rates)を計画に追加してください", "add the official 健保等級 rate table (kenpo_rates) to the plan"),
        _one(
            "{count}行の人件費単価は健保等級からの概算です(標準報酬月額×12÷{hours:,}時間、10円未満切捨て)。"
            "正式な健保等級単価一覧表を計画に取り込むと置き換わります",
            "{count} labour line(s) use the 概算 rate from the 健保等級 (standard monthly pay × 12 ÷ "
            "{hours:,} h, floored to 10 yen); import the official rate table to replace it",
        ),
    ),
    "cost.kenpo_grade_not_in_table": RuleTexts(
        ("健保等級単価表に該当等級の単価を追加してください", "add the grade's rate to the plan's kenpo_rates table"),
        _one(
            "経費 {line}: 健保等級単価表に等級{grade}がないため、概算単価 {rate}/時 を使いました",
            "line {line}: the plan's rate table has no grade {grade}; the estimate {rate}/h is used",
        ),
    ),
    # ------------------------------------------------------------------ §4 ratio rules
    "cost.subcontract_half": RuleTexts(
        ("下請け委託費を減らすか、自社の設計・開発の人件費を見直してください", "reduce the subcontract or review the vendor's own STEP3 labour"),
        {
            "vendor": Msg(
                "{scope}({name})のSTEP3下請け委託費 {c} はSTEP3のその他経費 {r} 未満(1/2未満)でなければなりません。"
                "{removed} を対象外にしました(対象 {kept})",
                "{scope}: STEP3 subcontracting {c} must be less than its other STEP3 costs {r} "
                "(under 1/2); {removed} removed (eligible {kept})",
            ),
            "consortium": Msg(
                "{scope}(コンソーシアム)のSTEP3下請け委託費 {c} はSTEP3のその他経費 {r} 未満(1/2未満)でなければなりません。"
                "{removed} を対象外にしました(対象 {kept})",
                "{scope}: STEP3 subcontracting {c} must be less than its other STEP3 costs {r} "
                "(under 1/2); {removed} removed (eligible {kept})",
            ),
        },
    ),
    "cost.user_labour_third": RuleTexts(
        ("ユーザの人件費を減らすか、ITベンダへの委託・開発の計画を見直してください", "reduce sme_user labour or review the vendor work it supports"),
        _one(
            "中小ユーザ企業の人件費 {u} はITベンダへの委託費・ITベンダ人件費 {b} の1/3({limit})までです。{removed} を対象外にしました",
            "sme_user labour {u} may be at most 1/3 of vendor outsourcing + vendor labour {b} ({limit}); {removed} removed",
        ),
    ),
    "cost.software_cloud_half": RuleTexts(
        ("ソフトウェア・クラウドの計上を減らすか、連携開発の経費を見直してください", "reduce software/cloud or review the integration work"),
        _one(
            "ソフトウェア購入費・クラウド利用費 {s} はその他の補助対象経費 {o} 以下(総額の1/2以下)でなければなりません。"
            "{removed} を対象外にしました",
            "software + cloud {s} may be at most the other eligible costs {o} (half of the total); {removed} removed",
        ),
    ),
    # ------------------------------------------------------------------ §6 tools, integrations, graph
    "plan.no_integration": RuleTexts(
        ("「ITツールと連携」で連携を追加してください(連携元・連携先・方式)", "add an integration (from, to, method) between two tools"),
        _one(
            "ITツール間の連携(integration)が1つもありません。本補助金は複数ツールの連携が前提です",
            "the plan has no integration between IT tools; the programme funds integrations",
        ),
    ),
    "plan.unknown_reference": RuleTexts(
        ("メンバーを追加するか、ツールの vendor / users を直してください", "add the member(s) or correct the tool's vendor / users"),
        {
            "tool": Msg(
                "ツール {tool}({name})が存在しないメンバー {unknown} を参照しています",
                "tool {tool} ({name}) names member(s) that do not exist: {unknown}",
            ),
            "meeting": Msg(
                "会議 {meeting}({title})の参加者 {unknown} はメンバーにいません",
                "meeting {meeting} ({title}) lists participants that are not members: {unknown}",
                fix=("参加者をメンバーから選び直してください", "choose the participants among the members"),
            ),
        },
    ),
    "tool.no_sales_record": RuleTexts(
        ("販売実績のあるツールに替えるか、販売実績を確認して has_sales_record を直してください",
         "use a tool with a sales record, or correct has_sales_record"),
        _one(
            "連携するツール {tool}({name})に販売実績がありません(NGケース③)",
            "tool {tool} ({name}) takes part in an integration but has no sales record (NG case 3)",
        ),
    ),
    "integration.no_new_development": RuleTexts(
        ("新たに設計・開発する連携にするか、この連携を計画から外してください",
         "make it a newly designed and developed integration, or remove it"),
        _one(
            "連携 {integration}({from_}→{to})は既存の連携機能の利用で、新たな設計・開発を伴いません(NGケース②)",
            "integration {integration} ({from_}→{to}) reuses an existing linkage without new design/development (NG case 2)",
        ),
    ),
    "integration.invalid_endpoint": RuleTexts(
        ("連携元と連携先に、計画にある別々のツールを指定してください", "make from and to two different tools of the plan"),
        {
            "same_tool": Msg("連携 {integration} の連携元と連携先が同じツール {tool} です",
                             "integration {integration} joins tool {tool} to itself"),
            "missing_tool": Msg("連携 {integration} のツール {missing} が存在しません",
                                "integration {integration} names tool(s) that do not exist: {missing}"),
        },
    ),
    "tool.vendor_rights": RuleTexts(
        ("連携方式を API にするか、ツールの提供ベンダをコンソーシアムに加えてください",
         "switch the integration to api, or bring the tool's vendor into the consortium"),
        _one(
            "ツール {tool}({name})の権利者 {who} は計画内のITベンダではないため、API以外の連携 {integrations} はできません",
            "tool {tool} ({name}) belongs to {who}, not an it_vendor of the plan, so its non-api "
            "integration(s) {integrations} are not allowed",
        ),
    ),
    "tool.no_user": RuleTexts(
        ("ツールの利用者(users)に中小ユーザ企業を加えてください", "add the sme_user(s) using it to the tool's users"),
        _one(
            "連携するツール {tool}({name})を利用する中小ユーザ企業がいません",
            "tool {tool} ({name}) takes part in an integration but no sme_user uses it",
        ),
    ),
    "member.sme_user_without_integration": RuleTexts(
        ("連携するツールの利用者に加えるか、このメンバーの役割を見直してください",
         "add the member to the users of an integrated tool, or reconsider its role"),
        _one(
            "中小ユーザ企業 {member}({name})は連携するツールを利用していません",
            "sme_user {member} ({name}) uses no tool that takes part in an integration",
        ),
    ),
    "graph.disconnected": RuleTexts(
        ("一体的な連携を示すには、分かれた部分をつなぐ連携を検討してください", "consider an integration that joins the separate parts"),
        _one("連携グラフが {n} つに分かれています: {listed}", "the integration graph has {n} separate parts: {listed}"),
    ),
    # ------------------------------------------------------------------ §7 schedule
    "schedule.acceptance_after_period": RuleTexts(
        ("STEP4を補助事業期間内に終えるよう日程を前倒ししてください", "bring STEP4 forward so it ends within the project period"),
        _one(
            "STEP4(受入テスト・研修)の終了 {step_end} が補助事業期間の終了日 {end} より後です(NGケース①)",
            "STEP4 (acceptance test, training) ends {step_end}, after the project end {end} (NG case 1)",
        ),
    ),
    "schedule.before_decision": RuleTexts(
        ("交付決定日以降に開始するよう日程を直してください", "start the STEP on or after the grant decision date"),
        _one(
            "STEP{step} の開始 {start} が交付決定日 {decision} より前です(交付決定前の経費は対象外)",
            "STEP{step} starts {start}, before the grant decision {decision} (costs before the decision are not eligible)",
        ),
    ),
    "schedule.step_order": RuleTexts(
        ("STEPを順番に並べてください", "put the STEPs in order"),
        {
            "ends_before_start": Msg(
                "STEP{step} の終了 {end} が開始 {start} より前です",
                "STEP{step} ends {end} before it starts {start}",
                fix=("開始日と終了日を直してください", "correct the start and end dates"),
            ),
            "before_previous": Msg(
                "STEP{step} の開始 {start} が STEP{prev} の開始 {prev_start} より前です",
                "STEP{step} starts {start} before STEP{prev} starts {prev_start}",
            ),
        },
    ),
    "schedule.dates_missing": RuleTexts(
        ("コンソーシアム情報に交付決定日(decision_date)と終了日(project_end)を入力してください",
         "give consortium.decision_date and consortium.project_end"),
        _one(
            "交付決定日または補助事業期間の終了日が分からないため、次の日程ルールを省略しました: {skipped}",
            "the grant decision date or the project end is unknown, so these schedule rules were skipped: {skipped}",
        ),
    ),
}

#: Why an sme_user does or does not meet the 中小企業等 definition (``member.not_sme``): (ja, en).
#: ``{label}`` is the industry's Japanese label, ``{industry}`` its id (the English side names the id).
SME_REASONS: dict[str, tuple[str, str]] = {
    "deemed_large": ("みなし大企業に該当します", "deemed a large enterprise (みなし大企業)"),
    "large_enterprise": ("大企業として登録されています", "registered as a large enterprise"),
    "no_industry": ("業種(industry)が未入力のため判定できません", "no industry given, cannot judge"),
    "no_main_industry": (
        "{label}は主たる業種(main_industry、①〜⑧)の従業員数基準で判定します。main_industry を入力してください",
        "{industry} is judged by its main industry's employee limit: give main_industry (①–⑧)",
    ),
    "main_industry_label": ("{label}(主たる業種 {main_label})", "{industry}"),
    "employees_within": ("従業員{employees:,}人 ≤ {employees_max:,}人({label})",
                         "{employees:,} employees ≤ {employees_max:,} ({industry})"),
    "capital_within": ("資本金{capital:,}円 ≤ {capital_max:,}円({label})",
                       "capital ¥{capital:,} ≤ ¥{capital_max:,} ({industry})"),
    "no_employees": ("従業員数が未入力のため判定できません({label})", "no employees given, cannot judge"),
    "no_capital_or_employees": ("資本金または従業員数が未入力のため判定できません({label})",
                                "no capital or employees given, cannot judge"),
    "employees_over": ("従業員{employees:,}人 > {employees_max:,}人({label})",
                       "{employees:,} employees > {employees_max:,} ({industry})"),
    "capital_over": ("資本金{capital:,}円 > {capital_max:,}円({label})",
                     "capital ¥{capital:,} > ¥{capital_max:,} ({industry})"),
    "employees_and_capital_over": (
        "従業員{employees:,}人 > {employees_max:,}人、資本金{capital:,}円 > {capital_max:,}円({label})",
        "{employees:,} employees > {employees_max:,}; capital ¥{capital:,} > ¥{capital_max:,} ({industry})",
    ),
    "no_figure_compared": ("({label})", " ({industry})"),
}


_CATALOGUE = Catalogue(CATALOGUE, severity)
#: The rule's texts filled with fields: (message_ja, message_en, fix_ja, fix_en).
render = _CATALOGUE.render
#: A :class:`~planner.result.Finding` of a rule id with the catalogue's texts — the only way a check builds one.
emit = _CATALOGUE.emit


def sme_reason(key: str, **fields: Any) -> tuple[str, str]:
    """An :data:`SME_REASONS` entry filled with ``fields``: (ja, en)."""
    ja, en = SME_REASONS[key]
    return ja.format(**fields), en.format(**fields)
