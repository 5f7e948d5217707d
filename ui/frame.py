"""The frame around every page: sidebar (rule pack, language, plan files) and the headline metrics."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

import planner
from schemas import PlanLoadError
from ui import fmt, state
from ui.i18n import LANG_NAMES, LANGS, bind_lang, t

LOG = logging.getLogger("kyoso.app")
PAGES_DIR = Path(__file__).resolve().parent.parent / "app_pages"

# (file, label key, url path, icon); optional pages are added when their file exists.
PAGES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("consortium.py", "nav.consortium", "consortium", ":material/groups:", False),
    ("tools.py", "nav.tools", "tools", ":material/hub:", False),
    ("costs.py", "nav.costs", "costs", ":material/receipt_long:", False),
    ("checks.py", "nav.checks", "checks", ":material/rule:", False),
    ("subsidy.py", "nav.subsidy", "subsidy", ":material/payments:", False),
    ("scenarios.py", "nav.scenarios", "scenarios", ":material/compare_arrows:", True),
    ("export.py", "nav.export", "export", ":material/description:", True),
    ("itdonyu.py", "nav.itdonyu", "itdonyu", ":material/calculate:", True),
    ("plans.py", "nav.plans", "plans", ":material/folder_open:", True),
)


def pages() -> list[Any]:
    """The navigation: the five pages, plus ``scenarios.py`` and ``export.py`` when those files exist.

    The page objects are kept per session (they carry per-run state, so sessions must not share them).
    """
    present = tuple(file for file, *_, optional in PAGES if not optional or (PAGES_DIR / file).is_file())
    key = (t("nav.consortium"), present)
    held = st.session_state.get("_pages")
    cached = held[1] if isinstance(held, tuple) and held[0] == key else None
    if cached is None:
        cached = [
            st.Page(f"app_pages/{file}", title=t(label), url_path=url, icon=icon, default=url == "consortium")
            for file, label, url, icon, _optional in PAGES
            if file in present
        ]
        st.session_state["_pages"] = (key, cached)
    return cached


# -- errors ---------------------------------------------------------------------------------------------


def unexpected(exc: BaseException) -> None:
    """A friendly message instead of a traceback (the traceback goes to the server log)."""
    LOG.error("unexpected error in the app:\n%s", "".join(traceback.format_exception(exc)))
    st.error(t("err.unexpected", what=fmt.md_escape(f"{type(exc).__name__}: {exc}")), icon=":material/error:")


def guard(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception as exc:  # StopException/RerunException are BaseException and pass through
        unexpected(exc)


# -- sidebar -----------------------------------------------------------------------------------------------


def _on_lang() -> None:
    value = st.session_state.get("lang_choice")
    if value in LANGS:
        st.session_state["lang"] = value
        bind_lang()


def _on_pack(key: str) -> None:
    pack_id = st.session_state.get(key)
    d = dict(state.plan_dict())
    if pack_id and pack_id != d.get("program"):
        d["program"] = pack_id
        state.apply_plan_dict(d, where="pack", show=False)


def _on_new() -> None:
    state.replace_plan(state.empty_plan(t("empty.name"), state.get_plan().program), None)
    st.session_state.pop("plan_source", None)


def _on_sample() -> None:
    files = {p.name: p for p in state.sample_files()}
    name = st.session_state.get("sample_choice")
    path = files.get(str(name))
    if path is None:
        return
    try:
        state.replace_plan(state.load_checked(path, name=path.name), path.name)
        state.notice("success", t("side.loaded", name=fmt.md_escape(path.name)))
    except PlanLoadError as exc:
        state.notice("error", fmt.md_escape(exc.message(state.lang())))


def _on_upload() -> None:
    uploaded = st.session_state.get("upload")
    if uploaded is None:
        return
    data = uploaded.getvalue()
    name = str(getattr(uploaded, "name", "plan.json"))
    if len(data) > state.UPLOAD_LIMIT_BYTES:
        state.notice(
            "error", t("side.too_big", name=fmt.md_escape(name), size=f"{len(data):,}", limit=f"{state.UPLOAD_LIMIT_BYTES:,}")
        )
        return
    try:
        plan = state.load_checked(bytes(data), name=name)
    except PlanLoadError as exc:
        state.notice("error", fmt.md_escape(exc.message(state.lang())))
        return
    state.replace_plan(plan, name)
    state.notice("success", t("side.loaded", name=fmt.md_escape(name)))


def safe_file_name(name: str) -> str:
    """A file name from the consortium name, safe on Windows and POSIX."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" ._") or "plan"
    if stem.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                                      *(f"LPT{i}" for i in range(1, 10))}:
        stem = "_" + stem
    return stem[:80] + ".json"


def _on_undo() -> None:
    state.undo()


def _on_redo() -> None:
    state.redo()


def render_undo(sb: Any) -> None:
    """元に戻す / やり直す (each saved as a new version), and after an edit that deleted rows a toast plus a
    notice here with the undo button made primary: a toast cannot hold a button, this box can."""
    deleted = state.pop_deleted_rows()
    if deleted:
        st.toast(t("side.deleted", n=deleted), icon=":material/delete:")
        sb.warning(t("side.deleted_undo", n=deleted), icon=":material/undo:")
    left, right = sb.columns(2)
    ro = _read_only()
    left.button(t("side.undo"), key="undo_edit", on_click=_on_undo, disabled=ro or not state.can_undo(),
                help=t("side.undo_help"), icon=":material/undo:", width="stretch",
                type="primary" if deleted else "secondary")
    right.button(t("side.redo"), key="redo_edit", on_click=_on_redo, disabled=ro or not state.can_redo(),
                 help=t("side.redo_help"), icon=":material/redo:", width="stretch")


def _read_only() -> bool:
    """A viewer: the sidebar's plan-changing controls are shown disabled (the store refuses them anyway)."""
    from ui.editors import read_only

    return read_only()


def render_sidebar() -> None:
    sb = st.sidebar
    ro = _read_only()
    sb.markdown(f"### {t('app.title')}")
    sb.caption(t("app.caption"))
    render_undo(sb)
    current = state.lang()
    sb.radio(
        t("side.lang"),
        LANGS,
        index=LANGS.index(current),
        format_func=lambda x: LANG_NAMES[x],
        horizontal=True,
        key="lang_choice",
        on_change=_on_lang,
    )
    plan = state.get_plan()
    ids = list(state.plan_pack_ids())
    pack_key = state.widget_key("pack")

    def pack_label(pid: str) -> str:
        header = planner.get_pack(pid).header
        return f"{header.fiscal_year_ja}({pid})" if state.lang() == "ja" else f"{header.fiscal_year_en} ({pid})"

    pack_labels = {pid: pack_label(pid) for pid in ids}  # fixed now: format_func may run outside the script
    sb.selectbox(
        t("side.pack"),
        ids,
        index=ids.index(plan.program) if plan.program in ids else 0,
        format_func=lambda pid: pack_labels.get(pid, str(pid)),
        key=pack_key,
        on_change=_on_pack,
        args=(pack_key,),
        disabled=ro,
    )
    state.show_error("pack")

    sb.markdown(f"**{t('side.plan')}**")
    samples = [p.name for p in state.sample_files()]
    if samples:
        sb.selectbox(t("side.sample"), samples, key="sample_choice")
        sb.button(t("side.load_sample"), on_click=_on_sample, key="load_sample", width="stretch", disabled=ro)
    sb.button(t("side.new"), on_click=_on_new, key="new_plan", width="stretch", disabled=ro)
    if not ro:  # a viewer: no upload (it would replace the plan)
        sb.file_uploader(
            t("side.upload"),
            type=["json"],
            key="upload",
            on_change=_on_upload,
            help=t("side.upload_help", limit=fmt.human_bytes(state.UPLOAD_LIMIT_BYTES)),
        )
    sb.download_button(
        t("side.download"),
        data=state.memo_get("json_bytes", state.plan_json_bytes),  # built once per plan
        file_name=safe_file_name(plan.consortium.name),
        mime="application/json",
        key="download_plan",
        on_click="ignore",
        width="stretch",
        icon=":material/download:",
    )
    for kind, text in state.pop_notices():
        (sb.error if kind == "error" else sb.success if kind == "success" else sb.info)(text)


# -- headline ------------------------------------------------------------------------------------------------


HEADLINE_CSS = """<style>
[data-testid="stMetricValue"] { font-size: clamp(0.95rem, 1.3vw, 1.45rem); }
[data-testid="stMetricValue"] > div { white-space: normal; overflow-wrap: anywhere; text-overflow: clip; }
[data-testid="stMetricLabel"] p { font-size: 0.8rem; }
</style>"""


def render_headline() -> None:
    result = state.current_result()
    plan = state.get_plan()
    st.html(HEADLINE_CSS)
    st.markdown(f"#### {fmt.md_escape(plan.consortium.name)}")
    c = st.columns([1.2, 0.75, 1.3, 1.3, 1.3, 1.3, 1.3, 0.75, 0.75], gap="small")
    c[0].metric(t("m.members"), f"{result.member_count}", help=t("m.members_help"))
    c[1].metric(t("m.rate"), fmt.rate(result.rate))
    c[2].metric(t("m.cap"), fmt.yen(result.cap_yen))
    c[3].metric(t("m.claimed"), fmt.yen(result.claimed_total_yen))
    c[4].metric(t("m.eligible"), fmt.yen(result.eligible_total_yen))
    c[5].metric(t("m.subsidy"), fmt.yen(result.subsidy_yen))
    c[6].metric(t("m.own"), fmt.yen(result.own_funds_yen))
    c[7].metric(t("m.errors"), f"{result.count('error')}")
    c[8].metric(t("m.warnings"), f"{result.count('warning')}")
