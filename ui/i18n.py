"""Labels in Japanese (first) and English.  ``t(key)`` reads the language from ``st.session_state["lang"]``.

Japanese names of roles, categories, STEPs and methods come from the engine (one source of truth);
industry names from the rule pack's 中小企業 table.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import streamlit as st

from planner.kyoso.engine import CATEGORY_JA, ROLE_JA, STEP_JA
from planner.kyoso.graph import METHOD_JA

LANGS = ("ja", "en")
LANG_NAMES = {"ja": "日本語", "en": "English"}

_T: dict[str, tuple[str, str]] = {
    # frame
    "app.title": ("共創型 コンソーシアム計画", "共創型 consortium planner"),
    "app.caption": ("共創型サービスIT連携支援補助金", "Co-creation IT-integration subsidy"),
    "side.lang": ("言語 / Language", "Language / 言語"),
    "side.pack": ("ルールパック(年度)", "Rule pack (fiscal year)"),
    "side.plan": ("計画ファイル", "Plan file"),
    "side.sample": ("サンプル計画", "Sample plan"),
    "side.load_sample": ("サンプルを読み込む", "Load the sample"),
    "side.new": ("新しい空の計画", "New empty plan"),
    "side.upload": ("計画JSONをアップロード", "Upload a plan JSON"),
    "side.upload_help": ("kyoso-plan/1 形式、{limit} まで", "kyoso-plan/1 format, up to {limit}"),
    "side.download": ("計画JSONをダウンロード", "Download the plan JSON"),
    "side.loaded": ("読み込みました: {name}", "Loaded: {name}"),
    "side.too_big": (
        "{name}: ファイルが大きすぎます({size} バイト、上限 {limit} バイト)",
        "{name}: the file is too large ({size} bytes, limit {limit} bytes)",
    ),
    "side.plan_arg_bad": ("起動時の計画 {name} を読み込めませんでした。サンプルで始めます", "The start-up plan {name} could not be read; starting on the sample"),
    "empty.name": ("新しいコンソーシアム", "New consortium"),
    "side.undo": ("元に戻す", "Undo"),
    "side.redo": ("やり直す", "Redo"),
    "side.undo_help": ("このセッションの直前の変更を取り消します(新しい版として保存)",
                       "Take back this session's last change (saved as a new version)"),
    "side.redo_help": ("取り消した変更をもう一度行います(新しい版として保存)",
                       "Make the change undo took back again (saved as a new version)"),
    "side.deleted": ("{n} 行を削除しました", "{n} row(s) deleted"),
    "side.deleted_undo": ("{n} 行を削除しました。間違いなら「元に戻す」で戻せます。",
                          "{n} row(s) deleted. If that was a mistake, Undo brings them back."),
    # headline
    "m.members": ("対象者数", "Counted"),  # short: nine metrics share the headline (help says more)
    "m.rate": ("補助率", "Rate"),
    "m.cap": ("補助上限額", "Cap"),
    "m.claimed": ("申請経費", "Claimed"),
    "m.eligible": ("補助対象経費", "Eligible"),
    "m.subsidy": ("補助金額", "Subsidy"),
    "m.own": ("自己負担", "Own funds"),
    "m.errors": ("エラー", "Errors"),
    "m.warnings": ("警告", "Warnings"),
    "m.members_help": ("中小ユーザ企業+ITベンダの数(上限額の計算に使います)", "sme_user + it_vendor members (they set the cap)"),
    # pages
    "nav.consortium": ("コンソーシアム", "Consortium"),
    "nav.tools": ("ITツールと連携", "Tools & integrations"),
    "nav.costs": ("経費", "Costs"),
    "nav.checks": ("ルールチェック", "Rule check"),
    "nav.subsidy": ("補助金額", "Subsidy"),
    "nav.scenarios": ("シナリオ・最適化", "Scenarios & optimiser"),
    "nav.export": ("書類出力", "Documents"),
    "nav.itdonyu": ("IT導入補助金との比較", "IT導入 frames"),
    "nav.plans": ("計画の管理", "Plans"),
    # a read-only role (viewer): the pages show the plan without edit controls
    "ro.note": (
        "閲覧のみ: この計画を見ることはできますが、変更はできません(役割 viewer)。",
        "Read-only: you can view this plan but not change it (role viewer).",
    ),
    # errors
    "err.unexpected": (
        "予期しない問題が発生しました。計画はそのまま保持されています。内容: {what}",
        "Something unexpected went wrong. Your plan is kept as it was. Details: {what}",
    ),
    "err.rejected": (
        "この変更は反映されていません(直前の有効な計画を保持しています):",
        "This change was not applied (the last valid plan is kept):",
    ),
    "err.row": ("行", "row"),
    # table editors: refused cells, hints for new rows, details (ui/editors.py)
    "ed.not_number": ("「{typed}」は数として読めません", "“{typed}” is not a number"),
    "ed.negative": ("「{typed}」: マイナスの値は入力できません", "“{typed}”: negative values are not allowed"),
    "ed.decimal": ("「{typed}」: 整数で入力してください(小数は不可)", "“{typed}”: enter a whole number (no decimals)"),
    "ed.decimals2": ("「{typed}」: 小数第2位までで入力してください", "“{typed}”: at most 2 decimals"),
    "ed.kept": ("(計画は前の値 {old} のままです)", "(the plan keeps the previous value {old})"),
    "ed.kept_none": ("(計画は変わっていません)", "(the plan is unchanged)"),
    "ed.detail": ("詳細(計画ファイルの場所):", "Details (where in the plan file):"),
    "ed.more": ("…ほか {n} 件", "…and {n} more"),
    "ed.new_row": (
        "新しい行 {row}: {cols} を入力すると計画に加わります",
        "New row {row}: fill in {cols} and it joins the plan",
    ),
    "ed.row_missing": (
        "行 {row} はまだ計画に入っていません。入力が必要な列: {cols}",
        "Row {row} is not in the plan yet; still to fill in: {cols}",
    ),
    # consortium page
    "c.header": ("コンソーシアム", "Consortium"),
    "c.name": ("コンソーシアム名", "Consortium name"),
    "c.lead": ("幹事社", "Lead (幹事社)"),
    "c.lead_none": ("(未選択)", "(none)"),
    "c.contact": ("連絡先(幹事社の担当者)", "Contact (the lead's person in charge)"),
    "c.contact_none": ("(未入力)", "(not entered)"),
    "c.contact_edit": ("編集", "Edit"),
    "c.contact.company": ("会社名", "Company"),
    "c.contact.title": ("役職", "Title"),
    "c.contact.name": ("氏名", "Name"),
    "c.contact.email": ("メールアドレス", "E-mail"),
    "c.contact.phone": ("電話番号", "Phone"),
    "c.contact.address": ("住所", "Address"),
    "c.members": ("メンバー", "Members"),
    "c.members_help": (
        "行を追加・編集・削除できます。役割と業種は選択式、法人番号は13桁(チェックデジット付き)です。",
        "Add, edit or delete rows. Role and industry are choices; the corporate number has 13 digits with a check digit.",
    ),
    "c.badges": ("中小企業等の判定", "SME eligibility"),
    "c.ladder": ("補助上限額の階段", "The cap ladder"),
    "c.ladder_now": (
        "対象メンバー {n}者: 上限 {cap}。あと1者で +{adds}({next})",
        "{n} counted members: cap {cap}. One more adds +{adds} ({next})",
    ),
    "c.ladder_max": ("対象メンバー {n}者: 上限は最大の {cap} です", "{n} counted members: the cap is at its maximum {cap}"),
    "c.ladder_below": (
        "対象メンバー {n}者(上限額の基準は {base}者から)",
        "{n} counted members (the ladder starts at {base})",
    ),
    "c.ladder_raw": ("補助金額(上限適用前)", "Subsidy before the cap"),
    "c.ladder_binds": ("上限で頭打ち: あと{more}者で上限に収まります", "The cap binds: {more} more member(s) would lift it"),
    "c.ladder_binds_max": ("上限で頭打ち(最大額)", "The cap binds (at its maximum)"),
    "c.rate": ("補助率の理由", "Why this rate"),
    "c.rate_std": (
        "補助率は {rate}: 大企業のITベンダがいないため。出典: {source}",
        "The rate is {rate}: no it_vendor is a large enterprise. Source: {source}",
    ),
    "c.rate_large": (
        "補助率は {rate}: {why}。大企業のITベンダがいなければ {other} です。出典: {source}",
        "The rate is {rate}: {why}. Without a large-enterprise vendor it would be {other}. Source: {source}",
    ),
    "c.n_a": ("対象外(中小ユーザ企業のみ判定)", "n/a (judged for sme_user only)"),
    "c.vendor_note": ("補助対象(経費を申請する場合)", "eligible (when it claims costs)"),
    "c.collab_note": ("補助金の交付先ではありません", "receives no subsidy"),
    # member columns
    "col.id": ("ID", "ID"),
    "col.name": ("名称", "Name"),
    "col.role": ("役割", "Role"),
    "col.industry": ("業種", "Industry"),
    "col.main_industry": ("主たる業種(⑫〜⑮)", "Main industry (⑫–⑮)"),
    "col.capital_yen": ("資本金", "Capital"),
    "col.employees": ("従業員数", "Employees"),
    "col.deemed_large": ("みなし大企業", "Deemed large"),
    "col.large_enterprise": ("大企業", "Large enterprise"),
    "col.corporate_number": ("法人番号", "Corporate number"),
    "col.representative": ("代表者", "Representative"),
    "col.address": ("所在地", "Address"),
    "col.badge": ("判定", "Eligibility"),
    "col.subsidy": ("補助金額", "Subsidy"),
    # tools page
    "t.tools": ("ITツール", "IT tools"),
    "t.tools_help": (
        "提供ベンダは計画内のITベンダ(vendor)か、計画外のベンダ名(external_vendor)のどちらか一方です。",
        "A tool's vendor is either an it_vendor of the plan (vendor) or a vendor outside it (external_vendor), not both.",
    ),
    "t.integrations": ("連携", "Integrations"),
    "t.graph": ("連携グラフ", "Integration graph"),
    "t.findings": ("グラフの指摘", "Graph findings"),
    "t.legend": (
        "凡例: 楕円=メンバー(緑=中小ユーザ企業、青=ITベンダ、灰=協力者)、四角=ITツール。連携の色: {methods}。赤枠=指摘のあるノード。点線=提供、細線=利用。",
        "Legend: ellipse = member (green sme_user, blue it_vendor, grey collaborator), box = IT tool. Integration colours: {methods}. Red outline = a node with findings. Dashed = provides, thin = uses.",
    ),
    "t.components": ("連携のまとまり: {n}", "Connected parts: {n}"),
    "t.legend_title": ("凡例", "Legend"),
    "t.legend_new": ("実線=新規開発の連携", "solid = newly developed"),
    "t.legend_existing": ("破線=既存の連携", "dashed = existing"),
    "t.legend_tool": ("ITツール", "IT tool"),
    "t.legend_problem": ("赤枠=指摘あり", "red outline = findings"),
    "t.legend_lines": ("メンバーとツールの間: 点線=提供、細線=利用。", "Between members and tools: dashed = provides, thin = uses."),
    "col.vendor": ("提供ベンダ(計画内)", "Vendor (in plan)"),
    "col.external_vendor": ("提供ベンダ(計画外)", "Vendor (outside)"),
    "col.users": ("利用する中小ユーザ企業", "Used by (sme_user)"),
    "col.has_sales_record": ("販売実績", "Sales record"),
    "col.description": ("説明", "Description"),
    "col.from": ("連携元ツール", "From tool"),
    "col.to": ("連携先ツール", "To tool"),
    "col.method": ("連携方式", "Method"),
    "col.new_development": ("新規開発", "New development"),
    "col.problems": ("指摘", "Findings"),
    # costs page
    "k.meetings": ("会議", "Meetings"),
    "k.meetings_help": ("会議費・旅費が参照する会議と参加者。", "Meetings that meeting and travel lines refer to, with their participants."),
    "col.title": ("会議名", "Title"),
    "col.participants": ("参加者", "Participants"),
    "col.date": ("開催日", "Date"),
    "k.lines": ("経費行", "Cost lines"),
    "k.filter_member": ("メンバー", "Member"),
    "k.filter_step": ("STEP", "STEP"),
    "k.all": ("すべて", "All"),
    "k.allowed": (
        "{role}・{step}で計上できる経費区分: {cats}",
        "Categories a {role} may claim in {step}: {cats}",
    ),
    "k.allowed_none": ("{role}は{step}で計上できる経費区分がありません", "A {role} may claim nothing in {step}"),
    "k.matrix_note": ("対象表は解釈を含みます: {note}", "The matrix includes an interpretation: {note}"),
    "k.lines_help": (
        "金額 = 単価×数量(人件費は 時間×時間単価 か 時間×健保等級)。クラウド利用費・保守は 月額を単価に、月数を数量と月数の両方に入れます(13か月以上は12か月分が対象)。",
        "Amount = unit price × quantity (labour: hours × hourly rate, or hours × 健保等級). For cloud and maintenance put the monthly fee in unit price and the months in both quantity and months (beyond 12 months, 12 count).",
    ),
    "col.member": ("メンバー", "Member"),
    "col.step": ("STEP", "STEP"),
    "col.category": ("経費区分", "Category"),
    "col.unit_price_yen": ("単価", "Unit price"),
    "col.quantity": ("数量", "Quantity"),
    "col.hours": ("時間", "Hours"),
    "col.hourly_rate_yen": ("時間単価", "Hourly rate"),
    "col.kenpo_grade": ("健保等級", "健保 grade"),
    "col.months": ("月数", "Months"),
    "col.maintenance": ("保守", "Maintenance"),
    "col.payee": ("支払先(メンバー)", "Payee (member)"),
    "col.payee_external": ("支払先(計画外)", "Payee (outside)"),
    "col.subcontract": ("下請け", "Subcontract"),
    "col.integration": ("連携", "Integration"),
    "col.meeting": ("会議", "Meeting"),
    "col.modifies_existing_tool": ("既存ツール改修", "Modifies existing tool"),
    "col.rate_used": ("適用単価", "Rate used"),
    "col.claimed": ("申請額", "Claimed"),
    "col.eligible": ("補助対象額", "Eligible"),
    "col.trimmed_by": ("減額したルール", "Trimmed by"),
    "col.amount": ("金額", "Amount"),
    "col.payee_short": ("支払先", "Payee"),
    "col.amount_help": (
        "この行の申請額(エンジンの計算: 単価×数量、人件費は時間×時間単価)。入力はできません",
        "This line's claimed amount as the engine computes it (unit price × quantity; labour: hours × rate); read-only",
    ),
    "col.check": ("確認", "Check"),
    "col.check_help": ("入力の確かめどころ(月額の行の数量など)", "Things to check in the row's input (e.g. quantity of a monthly line)"),
    "k.meetings_count": ("{n}件。", "{n} meeting(s)."),
    "k.detail_cols": ("詳細列を表示", "Show detail columns"),
    "k.detail_cols_help": (
        "補助対象額・減額したルール・健保等級・適用単価・保守・支払先(計画外)・下請け・連携・会議・既存ツール改修",
        "Eligible, trimmed by, 健保 grade, rate used, maintenance, payee (outside), subcontract, integration, meeting, modifies existing tool",
    ),
    "k.detail_cols_hidden": (
        "保守・連携・会議・下請け・健保等級などの列は「詳細列を表示」で表示されます。",
        "Maintenance, integration, meeting, subcontract, 健保 grade and other columns: turn on “Show detail columns”.",
    ),
    "k.monthly_hint": (
        "月数 {months} に対して 数量 {quantity}。月額 × 月数 で計上する場合は 数量 に月数({months})を入れてください(金額 = 単価 × 数量)",
        "{months} months but quantity {quantity}. To claim a monthly fee × months, enter the months ({months}) as the quantity (amount = unit price × quantity)",
    ),
    "k.monthly_now": ("。今の金額: {amount}", ". Amount now: {amount}"),
    "rate.explicit": ("入力", "given"),
    "rate.plan_table": ("単価表", "rate table"),
    "rate.estimate": ("概算", "estimate"),
    "rate.missing": ("なし", "none"),
    "k.totals_member": ("メンバー × 経費区分(補助対象額 / 申請額)", "Member × category (eligible / claimed)"),
    "k.totals_step": ("STEP別", "By STEP"),
    "k.total": ("合計", "Total"),
    "k.kenpo": ("健保等級単価表", "健保等級 rate table"),
    "k.kenpo_none": (
        "計画に健保等級単価表がありません。健保等級を指定した人件費は概算単価(標準報酬月額×12÷年間時間、10円未満切捨て)を使います。",
        "The plan has no 健保等級 rate table; labour lines with a grade use the 概算 estimate (monthly pay × 12 ÷ annual hours, floored to 10 yen).",
    ),
    "k.kenpo_has": ("単価表「{title}」({n}等級)を使用中", "Using the rate table “{title}” ({n} grades)"),
    "k.kenpo_title": ("表の名称", "Table title"),
    "k.kenpo_paste": ("等級,時間単価 を1行ずつ貼り付け(例: 20,1560)", "Paste grade,hourly rate, one per line (e.g. 20,1560)"),
    "k.kenpo_apply": ("単価表を取り込む", "Use this table"),
    "k.kenpo_clear": ("単価表を外す", "Remove the table"),
    "k.kenpo_bad": ("{n}行目を読めません: {line}", "Line {n} cannot be read: {line}"),
    "k.kenpo_estimate": ("概算単価の例: 等級{grade} → {rate}/時", "Estimate example: grade {grade} → {rate}/h"),
    # checks page
    "r.header": ("指摘", "Findings"),
    "r.none": ("指摘はありません", "No findings"),
    "r.counts": ("エラー {e} 件、警告 {w} 件、情報 {i} 件", "{e} error(s), {w} warning(s), {i} info"),
    "r.rows": ("対象", "Concerns"),
    "r.fix": ("直し方", "Fix"),
    "r.removed": ("対象外にした額", "Removed"),
    "r.interpretation": ("解釈(公募要領に明記なし)", "Interpretation (not stated in the programme text)"),
    "r.ratios": ("比率ルール(ゲージと余裕額)", "Ratio rules (gauges and headroom)"),
    "r.headroom": ("あと {yen} まで対象", "{yen} more would still be eligible"),
    "r.over": ("{yen} を対象外にしました", "{yen} removed"),
    "r.gauge": ("{limited} / 上限 {limit}", "{limited} of at most {limit}"),
    "r.gauge_basis": ("基準額 {basis}", "basis {basis}"),
    "ratio.cost.subcontract_half": ("ITベンダの下請け委託費(STEP3、ベンダごと)", "Vendor subcontracting (STEP3, per vendor)"),
    "ratio.cost.user_labour_third": ("中小ユーザ企業の人件費", "sme_user labour"),
    "ratio.cost.software_cloud_half": ("ソフトウェア購入費+クラウド利用費", "Software + cloud"),
    "ratio.help.cost.subcontract_half": (
        "ITベンダごとにSTEP3の下請け委託費はそのベンダのSTEP3のその他経費未満(1/2未満)",
        "Per vendor, STEP3 subcontracting must be less than its other STEP3 costs (under 1/2)",
    ),
    "ratio.help.cost.user_labour_third": (
        "ITベンダへの委託費+ITベンダ人件費の1/3まで",
        "At most 1/3 of vendor outsourcing + vendor labour",
    ),
    "ratio.help.cost.software_cloud_half": ("その他の補助対象経費以下(総額の1/2以下)", "At most the other eligible costs (half of the total)"),
    "sev.error": ("エラー", "Error"),
    "sev.warning": ("警告", "Warning"),
    "sev.info": ("情報", "Info"),
    # subsidy page
    "s.members": ("メンバー別", "By member"),
    "s.chart_cat": ("メンバー × 経費区分(申請額)", "Member × category (claimed)"),
    "s.chart_sub": ("補助金額と自己負担", "Subsidy and own funds"),
    "s.schedule": ("スケジュール(STEP1〜4)", "Schedule (STEP 1–4)"),
    "s.decision": ("交付決定日", "Grant decision date"),
    "s.end": ("補助事業期間の終了日", "Project end"),
    "s.from_pack": ("ルールパックの日付: {date}", "From the rule pack: {date}"),
    "s.missing": ("未設定(ルールパックにもありません)", "not set (not in the rule pack either)"),
    "s.override": ("計画で指定する", "Set in the plan"),
    "s.steps_help": ("各STEPの開始日・終了日。空欄のSTEPは日程なし。", "Start and end of each STEP; leave both empty for no dates."),
    "s.sched_findings": ("日程の指摘", "Schedule findings"),
    "s.no_schedule": ("日程が入力されていません", "No schedule entered"),
    "s.cap_shared": ("上限額の配分は解釈を含みます: {note}", "Sharing the cap includes an interpretation: {note}"),
    "col.stage": ("工程", "Stage"),
    "col.start": ("開始日", "Start"),
    "col.end": ("終了日", "End"),
    "col.note": ("メモ", "Note"),
    "col.own": ("自己負担", "Own funds"),
    "col.raw_subsidy": ("補助金額(上限前)", "Subsidy before cap"),
    "col.kind": ("区分", "Kind"),
    "col.yen": ("金額", "Yen"),
    "col.wareki": ("和暦", "Japanese era"),
}


_RUN = threading.local()  # each session's script runs in its own thread


def bind_lang() -> None:
    """Read the language once per script run (``app.py`` calls this first); ``lang()`` is then cheap."""
    value = st.session_state.get("lang", "ja")
    _RUN.lang = value if value in LANGS else "ja"


def lang() -> str:
    value = getattr(_RUN, "lang", None)
    if value is None:
        value = st.session_state.get("lang", "ja")
    return value if value in LANGS else "ja"


def t(key: str, **fmt: Any) -> str:
    pair = _T.get(key)
    if pair is None:
        return key
    text = pair[0] if lang() == "ja" else pair[1]
    return text.format(**fmt) if fmt else text


def pick(table: Mapping[str, tuple[str, str]], key: str, **fmt: Any) -> str:
    """A page's own ``{key: (ja, en)}`` text table: the text for ``key`` in the current language, formatted."""
    ja, en = table[key]
    text = ja if lang() == "ja" else en
    return text.format(**fmt) if fmt else text


def has(key: str) -> bool:
    return key in _T


ROLE_EN = {"sme_user": "SME user", "it_vendor": "IT vendor", "collaborator": "Collaborator"}
CATEGORY_EN = {
    "software": "Software",
    "cloud": "Cloud service",
    "meeting": "Meetings",
    "travel": "Travel",
    "expert": "Expert fees",
    "labour": "Labour",
    "outsourcing": "Outsourcing",
}
STEP_EN = {1: "STEP1 tool purchase & set-up", 2: "STEP2 requirements", 3: "STEP3 design–system test", 4: "STEP4 acceptance & training"}
METHOD_EN = {"file_transfer": "File transfer", "resource_sharing": "Resource sharing", "messaging": "Messaging", "api": "API"}
INDUSTRY_EN = {
    "manufacturing": "① Manufacturing, construction, transport",
    "wholesale": "② Wholesale",
    "services": "③ Services",
    "retail": "④ Retail",
    "rubber": "⑤ Rubber products",
    "software": "⑥ Software / information services",
    "ryokan": "⑦ Ryokan (inns)",
    "other": "⑧ Other industries",
    "medical_welfare": "⑨ Medical / social welfare corporation",
    "school": "⑩ School corporation",
    "chamber": "⑪ Chamber of commerce",
    "sme_org": "⑫ SME organisation",
    "special_union": "⑬ Union under a special law",
    "foundation": "⑭ Foundation / association",
    "npo": "⑮ NPO",
}


def role_label(role: Any) -> str:
    return (ROLE_JA if lang() == "ja" else ROLE_EN).get(str(role), str(role))


def category_label(cat: Any) -> str:
    return (CATEGORY_JA if lang() == "ja" else CATEGORY_EN).get(str(cat), str(cat))


def step_label(step: Any, short: bool = False) -> str:
    try:
        n = int(step)
    except (TypeError, ValueError):
        return str(step)
    if short:
        return f"STEP{n}"
    return (STEP_JA if lang() == "ja" else STEP_EN).get(n, f"STEP{n}")


def method_label(method: Any) -> str:
    return (METHOD_JA if lang() == "ja" else METHOD_EN).get(str(method), str(method))


def severity_label(sev: str) -> str:
    return t(f"sev.{sev}")


def industry_label(industry: Any, labels_ja: dict[str, str] | None = None) -> str:
    key = str(industry)
    if lang() == "ja" and labels_ja and key in labels_ja:
        return labels_ja[key]
    return INDUSTRY_EN.get(key, key)
