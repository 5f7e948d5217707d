"""書類の出力: the application workbooks, the submission packet (zip, optional AES-256 password, .eml),
and the import of an edited 経費内訳 workbook (change report first, applied only on confirmation).

Only calls the exports package (which only calls ``planner.evaluate``) and renders.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

import planner
from exports.costs_import import ImportReport, import_costs
from exports.packet import XLSX_MIME, Packet, build_packet
from schemas import Plan
from ui.fmt import md_escape

try:  # the app's session helpers (ui/state.py); plain session state when they are absent
    from ui import state as _state
except ImportError:  # pragma: no cover - the app ships ui.state; kept for a bare page run
    _state = None  # type: ignore[assignment]

MAX_UPLOAD = 16 * 1024 * 1024

_L: dict[str, tuple[str, str]] = {
    "title": ("書類の出力", "Documents"),
    "caption": ("{heading} の応募書類(Excel)と送付用のzip・メール下書きを作成します。金額は計画ツールの計算結果で、"
                "Excel・LibreOffice で再計算しても同じ値になります。",
                "The {heading} application documents (Excel), the zip and the e-mail draft. Every amount is the "
                "planner's figure; Excel and LibreOffice recalculate to the same values."),
    "errors": ("計画にエラーが {n} 件あります。書類は作成できますが、提出前に解消してください(ルールチェック)。",
               "The plan has {n} error finding(s). The documents can be made, but fix them before you submit."),
    "unsupported": ("ルールパック {pack} の計画は書類出力に対応していません(共創型のルールパックのみ)。",
                    "Plans under the rule pack {pack} cannot be exported (共創型 packs only)."),
    "docs": ("書類(Excel)", "Documents (Excel)"),
    "packet": ("送付用パケット", "Submission packet"),
    "password": ("zipのパスワード(任意。入れると AES-256 で暗号化)", "Zip password (optional; AES-256 when given)"),
    "password_help": ("パスワードはメールとは別の手段で事務局に伝えてください。AES暗号化zipは 7-Zip などで開けます。",
                      "Send the password separately from the e-mail. AES zips open with 7-Zip and similar tools."),
    "zip": ("zip をダウンロード", "Download the zip"),
    "zip_enc": ("暗号化zip をダウンロード", "Download the encrypted zip"),
    "eml": ("メール下書き(.eml)をダウンロード", "Download the e-mail draft (.eml)"),
    "subject": ("件名", "Subject"),
    "import": ("経費内訳の取り込み", "Import the cost breakdown"),
    "import_help": ("出力した「補助金交付申請書・事業計画書・補助対象経費内訳書」を Excel などで編集したものを読み込み、"
                    "経費行の変更を確認してから計画に反映します。読めないセルがあるときは何も反映しません。",
                    "Upload the application workbook after editing it in Excel or LibreOffice; check the changes, "
                    "then apply them. Nothing is applied when a cell cannot be read."),
    "upload": ("編集したワークブック(.xlsx)", "Edited workbook (.xlsx)"),
    "too_big": ("ファイルが大きすぎます({size:,} バイト、上限 {limit:,} バイト)",
                "The file is too large ({size:,} bytes, limit {limit:,} bytes)"),
    "problems": ("読めない箇所が {n} 件あります。取り込みは行いません。", "{n} problem(s): nothing is imported."),
    "no_change": ("経費行の変更はありません。", "No cost line changed."),
    "changes": ("追加 {added} 行・変更 {changed} 行・削除 {removed} 行", "{added} added, {changed} changed, {removed} removed"),
    "apply": ("この内容で計画に反映する", "Apply these changes to the plan"),
    "applied": ("経費内訳を取り込みました({what})", "Imported the cost breakdown ({what})"),
    "kind": ("種類", "Change"),
    "line": ("経費ID", "Line"),
    "member": ("事業者", "Member"),
    "where": ("場所", "Where"),
    "detail": ("内容", "Details"),
    "k.added": ("追加", "added"),
    "k.changed": ("変更", "changed"),
    "k.removed": ("削除", "removed"),
    "claimed": ("申請経費", "Claimed"),
    "eligible": ("補助対象経費", "Eligible"),
    "subsidy": ("補助金額", "Subsidy"),
}


def _lang() -> str:
    if _state is not None:
        return _state.lang()
    value = st.session_state.get("lang", "ja")
    return value if value in ("ja", "en") else "ja"


def T(key: str, **kw: Any) -> str:
    text = _L[key][0 if _lang() == "ja" else 1]
    return text.format(**kw) if kw else text


def _plan() -> Plan | None:
    if _state is not None:
        return _state.get_plan()
    plan = st.session_state.get("plan")
    return plan if isinstance(plan, Plan) else None


def _result(plan: Plan) -> planner.Result:
    if _state is not None:
        return _state.current_result()
    return planner.evaluate(plan)


def _plan_key(plan: Plan) -> str:
    if _state is not None:
        return _state.plan_hash()
    return hashlib.sha256(plan.model_dump_json(by_alias=True).encode("utf-8")).hexdigest()


def _packet(plan: Plan, password: str) -> Packet:
    """Built once per plan and password (the bytes stay in the session, not recomputed on each rerun)."""
    key = (_plan_key(plan), hashlib.sha256(password.encode("utf-8")).hexdigest())
    cache: dict[Any, Packet] = st.session_state.setdefault("_export_packets", {})
    if key not in cache:
        cache.clear()
        cache[key] = build_packet(plan, _result(plan), password or None)
    return cache[key]


def _downloads(plan: Plan) -> None:
    st.markdown(f"##### {T('packet')}")
    password = st.text_input(T("password"), type="password", help=T("password_help"), key="export_password")
    packet = _packet(plan, password)
    st.caption(f"{T('subject')}: {md_escape(packet.subject)}")
    c1, c2 = st.columns(2)
    with c1:
        st.download_button(T("zip_enc") if packet.encrypted else T("zip"), data=packet.zip_bytes,
                           file_name=packet.zip_name, mime="application/zip", type="primary",
                           icon=":material/folder_zip:", on_click="ignore", key="export_zip")
    with c2:
        st.download_button(T("eml"), data=packet.eml_bytes, file_name=packet.eml_name, mime="message/rfc822",
                           icon=":material/mail:", on_click="ignore", key="export_eml")
    st.markdown(f"##### {T('docs')}")
    for doc in packet.documents:
        st.download_button(md_escape(doc.title), data=doc.data, file_name=doc.filename, mime=XLSX_MIME,
                           icon=":material/table:", on_click="ignore", key=f"export_doc_{doc.key}")


def _report_table(report: ImportReport) -> None:
    lang = _lang()
    rows = []
    for ch in report.changes:
        detail = ch.describe(lang).split(") ", 1)[-1] if ch.kind != "removed" else ""
        rows.append({T("kind"): T(f"k.{ch.kind}"), T("line"): ch.line_id, T("member"): ch.member,
                     T("where"): ch.where, T("detail"): detail})
    st.dataframe(rows, hide_index=True, use_container_width=True)


def _import(plan: Plan) -> None:
    st.markdown(f"##### {T('import')}")
    st.caption(T("import_help"))
    key = _state.widget_key("export_import") if _state is not None else "export_import"
    upload = st.file_uploader(T("upload"), type=["xlsx"], key=key)
    if upload is None:
        return
    data = upload.getvalue()
    if len(data) > MAX_UPLOAD:
        st.error(T("too_big", size=len(data), limit=MAX_UPLOAD))
        return
    cache_key = (_plan_key(plan), hashlib.sha256(data).hexdigest())
    cached = st.session_state.get("_export_import")
    if not cached or cached[0] != cache_key:
        cached = (cache_key, import_costs(plan, data))
        st.session_state["_export_import"] = cached
    report: ImportReport = cached[1]
    lang = _lang()
    if report.problems:
        st.error(T("problems", n=len(report.problems)) + "\n\n" +
                 "\n".join(f"- {md_escape(p.message(lang))}" for p in report.problems))
    for note in report.notes:
        st.warning(md_escape(note))
    if not report.changes:
        if not report.problems:
            st.info(T("no_change"))
        return
    st.markdown(T("changes", **report.counts))
    _report_table(report)
    if report.before is not None and report.after is not None:
        cols = st.columns(3)
        for col, (label, x, y) in zip(cols, (
            (T("claimed"), report.before.claimed_total_yen, report.after.claimed_total_yen),
            (T("eligible"), report.before.eligible_total_yen, report.after.eligible_total_yen),
            (T("subsidy"), report.before.subsidy_yen, report.after.subsidy_yen),
        ), strict=True):
            diff = y - x
            col.metric(label, f"¥{y:,}", delta=f"{'+' if diff >= 0 else '-'}¥{abs(diff):,}" if diff else None)
    if not report.ok or report.plan is None:
        return
    if st.button(T("apply"), type="primary", key="export_apply"):
        what = T("changes", **report.counts)
        st.session_state.pop("_export_import", None)
        if _state is not None:
            # the open plan's next version (the same store save as any edit, so the role check applies);
            # never a new stored plan: the URL, the history and the share links stay with the open plan
            name = " ".join(str(upload.name).split())[:120]
            _state.revise_plan(report.plan, f"経費内訳ワークブックの取り込み / cost workbook import: {name}"
                                            f"({T('changes', **report.counts)})")
            _state.notice("success", T("applied", what=what))
        else:
            st.session_state["plan"] = report.plan
        st.rerun()


def render() -> None:
    st.subheader(T("title"))
    plan = _plan()
    if plan is None:
        return
    pack = planner.get_pack(plan.program)
    if pack.header.engine != "kyoso":
        st.info(T("unsupported", pack=plan.program))
        return
    st.caption(T("caption", heading=f"{pack.header.fiscal_year_ja} {pack.header.programme_ja}"))
    result = _result(plan)
    if result.has_errors:
        st.warning(T("errors", n=result.count("error")))
    left, right = st.columns([1, 1])
    with left:
        _downloads(plan)
    with right:
        _import(plan)


render()
