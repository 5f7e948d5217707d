"""書類の出力: the application workbooks, the submission packet (zip, optional AES-256 password, .eml),
and the import of an edited 経費内訳 workbook (change report first, applied only on confirmation).

Only calls the exports package (which only calls ``planner.evaluate``) and renders.
"""

from __future__ import annotations

import hashlib
import importlib.util
from typing import Any

import streamlit as st

import planner
from exports import pdf as pdf_export
from exports.costs_import import ImportReport, import_costs
from exports.packet import DEFAULT_MAX_MAIL_MB, XLSX_MIME, Packet, build_packet
from schemas import Plan
from ui.editors import read_only, read_only_note
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
    "to": ("宛先", "To"),
    "to_unset": ("宛先: 未設定(ルールパックに事務局アドレスがありません。公募要領の送付先を .eml に記入してください)",
                 "To: not set (the rule pack has no secretariat address; add the one from the guidelines to the .eml)"),
    "max_mail": ("1通あたりの上限(MB、0 = 分割しない)", "Size limit per e-mail (MB; 0 = never split)"),
    "max_mail_help": ("事務局の案内「ファイル容量が大きく送付が困難な場合は分割して送付ください」に従い、上限を超えると"
                      "書類を番号付きの複数のメール(件名末尾「(1/3)」など)に分けます。各書類はいずれか1通に入ります。",
                      "Over the limit, the documents go into numbered e-mails (subject ending “(1/3)” etc.), each "
                      "document in exactly one, as the secretariat asks for large submissions."),
    "split": ("{n} 通に分割しました(1 通 {mb:g} MB まで)。番号順に送付してください。",
              "Split into {n} e-mails (up to {mb:g} MB each); send them in order."),
    "oversized": ("{name} は 1 書類だけで上限を超えています({size:,} バイト)。", "{name} alone exceeds the limit ({size:,} bytes)."),
    "eml_n": ("メール {k}/{n}(.eml)", "E-mail {k}/{n} (.eml)"),
    "preview": ("PDFプレビュー", "PDF preview"),
    "preview_help": ("送付前に様式を確認できます(LibreOffice で各ワークブックを PDF にします。数秒かかります)。",
                     "Check the forms before sending (LibreOffice prints each workbook to PDF; takes a few seconds)."),
    "preview_make": ("PDFプレビューを作成", "Make the PDF preview"),
    "preview_doc": ("書類", "Document"),
    "preview_pdf": ("PDF をダウンロード", "Download the PDF"),
    "preview_page1": ("1ページ目", "Page 1"),
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


def _packet(plan: Plan, password: str, max_mail_mb: float) -> Packet:
    """Built once per plan, password and size limit (the bytes stay in the session, not recomputed on each rerun)."""
    key = (_plan_key(plan), hashlib.sha256(password.encode("utf-8")).hexdigest(), max_mail_mb)
    cache: dict[Any, Packet] = st.session_state.setdefault("_export_packets", {})
    if key not in cache:
        cache.clear()
        cache[key] = build_packet(plan, _result(plan), password or None, max_mail_mb=max_mail_mb or None)
    return cache[key]


def _downloads(plan: Plan) -> None:
    st.markdown(f"##### {T('packet')}")
    password = st.text_input(T("password"), type="password", help=T("password_help"), key="export_password")
    max_mb = st.number_input(T("max_mail"), min_value=0.0, max_value=1000.0, value=DEFAULT_MAX_MAIL_MB, step=1.0,
                             help=T("max_mail_help"), key="export_max_mail_mb")
    packet = _packet(plan, password, float(max_mb))
    st.caption(f"{T('subject')}: {md_escape(packet.subject)}")
    st.caption(f"{T('to')}: {md_escape(packet.to)}" if packet.to else T("to_unset"))
    c1, c2 = st.columns(2)
    with c1:
        st.download_button(T("zip_enc") if packet.encrypted else T("zip"), data=packet.zip_bytes,
                           file_name=packet.zip_name, mime="application/zip", type="primary",
                           icon=":material/folder_zip:", on_click="ignore", key="export_zip")
    with c2:
        if not packet.split:
            st.download_button(T("eml"), data=packet.eml_bytes, file_name=packet.eml_name, mime="message/rfc822",
                               icon=":material/mail:", on_click="ignore", key="export_eml")
        for mail in packet.mails if packet.split else []:
            st.download_button(T("eml_n", k=mail.number, n=mail.count), data=mail.eml_bytes, file_name=mail.eml_name,
                               mime="message/rfc822", icon=":material/mail:", on_click="ignore",
                               key=f"export_eml_{mail.number}")
    if packet.split:
        st.info(T("split", n=len(packet.mails), mb=float(max_mb)))
    for mail in packet.oversized():
        st.warning(T("oversized", name=md_escape(mail.eml_name), size=len(mail.eml_bytes)))
    st.markdown(f"##### {T('docs')}")
    for doc in packet.documents:
        st.download_button(md_escape(doc.title), data=doc.data, file_name=doc.filename, mime=XLSX_MIME,
                           icon=":material/table:", on_click="ignore", key=f"export_doc_{doc.key}")
    _pdf_preview(plan, packet)


def _pdf_viewer_available() -> bool:
    """``st.pdf`` exists in Streamlit 1.67 but needs the optional ``streamlit-pdf`` component."""
    return hasattr(st, "pdf") and importlib.util.find_spec("streamlit_pdf") is not None


def _pdf_preview(plan: Plan, packet: Packet) -> None:
    """Each workbook printed to PDF by LibreOffice, on request (cached per plan in the session)."""
    st.markdown(f"##### {T('preview')}")
    st.caption(T("preview_help"))
    key = (_plan_key(plan), packet.encrypted)
    cached = st.session_state.get("_export_pdfs")
    if st.button(T("preview_make"), icon=":material/picture_as_pdf:", key="export_pdf"):
        try:
            with st.spinner(T("preview")):
                cached = (key, pdf_export.to_pdf(packet.documents))
        except pdf_export.PdfUnavailable as exc:
            cached = (key, exc)
        st.session_state["_export_pdfs"] = cached
    if not cached or cached[0] != key:
        return
    pdfs = cached[1]
    if isinstance(pdfs, pdf_export.PdfUnavailable):
        st.info(md_escape(pdfs.message(_lang())))
        return
    titles = {d.key: d.title for d in packet.documents}
    choice = st.selectbox(T("preview_doc"), list(pdfs), format_func=lambda k: titles.get(k, k), key="export_pdf_doc")
    doc = next(d for d in packet.documents if d.key == choice)
    data = pdfs[choice]
    st.download_button(T("preview_pdf"), data=data, file_name=pdf_export.pdf_filename(doc), mime=pdf_export.PDF_MIME,
                       icon=":material/picture_as_pdf:", on_click="ignore", key="export_pdf_download")
    if _pdf_viewer_available():
        st.pdf(data, height=700)
        return
    png = pdf_export.page_png(data, dpi=90)
    if png is not None:
        st.image(png, caption=T("preview_page1"), width="stretch")


def _report_table(report: ImportReport) -> None:
    lang = _lang()
    rows = []
    for ch in report.changes:
        detail = ch.describe(lang).split(") ", 1)[-1] if ch.kind != "removed" else ""
        rows.append({T("kind"): T(f"k.{ch.kind}"), T("line"): ch.line_id, T("member"): ch.member,
                     T("where"): ch.where, T("detail"): detail})
    st.dataframe(rows, hide_index=True, width="stretch")


def _import(plan: Plan) -> None:
    if read_only():  # the import is a change of the plan: no upload for a read-only role
        return
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
    read_only_note()
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
