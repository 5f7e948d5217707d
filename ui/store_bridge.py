"""The bridge between the app's session plan (``ui.state``) and the plan store (``planner.store``).

Wiring (done in ``app.py`` / ``ui/state.py``, see docs/store.md "App wiring"):

- ``open_from_query_params()`` once per run, right after ``state.init(...)``: opens ``?plan=<id>``
  (with ``&token=<share token>`` for a share link) from the store, keeps the URL in step with the open
  plan, and in shared mode (``KYOSO_SHARED_MODE=1``) stops the page unless a valid link was used.
- ``on_plan_accepted(plan, summary)`` from ``state.set_plan`` after the plan is set: autosave.  The save
  names the version the session was based on; when another session saved first, the conflict (who, what
  changed) is kept and ``render_status()`` shows it with "reload" and "re-apply my edit" buttons.  An edit
  the role may not make is refused by the store and the session goes back to the saved plan.
- ``on_plan_replaced(plan, source)`` from ``state.replace_plan``: a new plan altogether (new, sample,
  upload) becomes a new stored plan (local mode) or a new version of the shared plan (share link).
- ``render_status()`` after the headline: the save status, and the conflict / refusal messages.

The store is never required for the app to work: if it cannot be opened the app runs as before and
says that autosave is off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import streamlit as st

from planner.store import (
    Access,
    AccessDenied,
    Conflict,
    OpenedPlan,
    ReapplyFailed,
    Store,
    StoreError,
)
from schemas import Plan, PlanLoadError, load_plan
from ui import state
from ui.fmt import md_escape
from ui.i18n import pick

LOG = logging.getLogger("kyoso.store")

_BIND = "_store_binding"
_CONFLICT = "_store_conflict"
_READY = "_store_ready"
_LOADING = "_store_loading"
_MESSAGES = "_store_messages"

TEXT: dict[str, tuple[str, str]] = {
    "saved": ("自動保存済み: 版 {version}({time})", "Autosaved: version {version} ({time})"),
    "pending": ("未保存の変更があります", "Unsaved edit"),
    "unsaved": ("未保存(最初の編集で保存されます)", "Not saved yet (the first edit saves it)"),
    "off": ("計画ストアを開けないため自動保存は無効です: {why}", "Autosave is off: the plan store cannot be opened: {why}"),
    "role": ("役割: {role}", "role: {role}"),
    "need_token": (
        "この計画ツールは共有モードで動いています。共有リンク(?plan=…&token=…)から開いてください。",
        "This planner runs in shared mode: open it through a share link (?plan=…&token=…).",
    ),
    "conflict_title": ("保存の競合", "Save conflict"),
    "conflict_changes": ("相手の変更内容", "The other change"),
    "reload": ("最新を読み込む(自分の変更は破棄)", "Reload the latest (drop my edit)"),
    "reapply": ("自分の変更を最新に再適用", "Re-apply my edit on the latest"),
    "reapplied": ("あなたの変更を最新の計画に再適用して保存しました(版 {version})", "Your edit was re-applied on the latest plan and saved (version {version})"),
    "reloaded": ("最新の計画を読み込みました(版 {version})", "Loaded the latest plan (version {version})"),
    "refused": ("保存できません。{why}(保存済みの内容に戻しました)", "Not saved: {why} (back to the saved plan)"),
    "save_failed": ("保存できませんでした: {why}(編集内容はこの画面に残っています)", "Could not save: {why} (your edit is kept on this screen)"),
    "created": ("計画を保存しました(ID {id})。このページのURLで再び開けます", "The plan was saved (id {id}); this page's URL reopens it"),
    "open_failed": ("計画を開けません: {why}", "Cannot open the plan: {why}"),
}


def tr(key: str, **kw: Any) -> str:
    return pick(TEXT, key, **kw)


@dataclass(frozen=True)
class Binding:
    """The stored plan this session edits: its id, the version the session is based on, who we are."""

    plan_id: str
    version: int
    name: str
    access: Access
    token: str | None
    saved: dict[str, Any]
    saved_at: datetime | None = None


# -- the store ---------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _open_store() -> Store:
    return Store()


def get_store() -> Store | None:
    """The process-wide store, or None (with the reason kept for the status line) when it cannot open."""
    try:
        return _open_store()
    except Exception as exc:  # a broken database URL must not take the app down
        LOG.error("the plan store cannot be opened: %s", exc)
        st.session_state["_store_error"] = f"{type(exc).__name__}: {exc}"
        return None


def binding() -> Binding | None:
    value = st.session_state.get(_BIND)
    return value if isinstance(value, Binding) else None


def current_role() -> str | None:
    """``lead``, ``member:<id>`` or None (no stored plan open); pages may hide what the role cannot edit."""
    b = binding()
    return b.access.role if b else None


def message(kind: str, text: str) -> None:
    """A message shown once by :func:`render_status`."""
    st.session_state.setdefault(_MESSAGES, []).append((kind, text))


def _sync_url(b: Binding) -> None:
    if st.query_params.get("plan") != b.plan_id:
        st.query_params["plan"] = b.plan_id
    if b.token and st.query_params.get("token") != b.token:
        st.query_params["token"] = b.token


def _bind(opened: OpenedPlan, access: Access, token: str | None, *, load: bool = True) -> None:
    """Make the opened stored plan the session's plan (``load``: replace the session plan with it, so the
    widgets start afresh; without, the session already shows exactly this plan)."""
    if load:
        st.session_state[_LOADING] = True
        try:
            state.replace_plan(load_plan(opened.plan), opened.info.name)
        finally:
            st.session_state[_LOADING] = False
    b = Binding(opened.info.id, opened.version, opened.info.name, access, token, opened.plan,
                opened.info.updated_at)
    st.session_state[_BIND] = b
    st.session_state.pop(_CONFLICT, None)
    _sync_url(b)


def open_plan(plan_id: str, token: str | None = None) -> bool:
    """Open a stored plan in this session (the plans page, a link).  False (with a message) on failure."""
    store = get_store()
    if store is None:
        return False
    try:
        access = store.token_access(token) if token else store.local_access()
        _bind(store.open_plan(access, plan_id), access, token)
        return True
    except (StoreError, PlanLoadError) as exc:
        message("error", tr("open_failed", why=md_escape(exc.message(state.lang()))))
        return False


def open_from_query_params() -> None:
    """Once per run: open ``?plan=…[&token=…]`` unless it is already the session's plan."""
    st.session_state[_READY] = True
    b = binding()
    wanted = st.query_params.get("plan")
    token = st.query_params.get("token") or None
    if b is not None and wanted in (None, b.plan_id):
        _sync_url(b)  # page switches may drop the query string: put it back
        return
    store = get_store()
    if store is None:
        return
    if wanted is None:
        if store.shared_mode:
            st.warning(tr("need_token"), icon=":material/lock:")
            st.stop()
        return
    if not open_plan(str(wanted), str(token) if token else (b.token if b and b.token else None)):
        if store.shared_mode:
            for kind, text in pop_messages():
                (st.error if kind == "error" else st.info)(text)
            st.warning(tr("need_token"), icon=":material/lock:")
            st.stop()
        st.query_params.pop("plan", None)
        st.query_params.pop("token", None)


# -- autosave ------------------------------------------------------------------------------------------


def _json(plan: Plan | dict[str, Any]) -> dict[str, Any]:
    return plan.to_json_dict() if isinstance(plan, Plan) else plan


def on_plan_accepted(plan: Plan | dict[str, Any], summary: str | None = None) -> None:
    """Autosave an accepted edit (called by ``state.set_plan``).  ``summary`` is kept as the version's note."""
    if st.session_state.get(_LOADING) or not st.session_state.get(_READY):
        return
    store = get_store()
    if store is None:
        return
    b = binding()
    data = _json(plan)
    if b is None:
        if store.shared_mode:
            return
        try:
            access = store.local_access()
            info = store.create_plan(access, data, note=summary)
            _bind(store.open_plan(access, info.id), access, None, load=False)
            message("success", tr("created", id=info.id))
        except StoreError as exc:
            message("error", tr("save_failed", why=md_escape(exc.message(state.lang()))))
        return
    try:
        result = store.save(b.access, b.plan_id, data, b.version, note=summary)
    except Conflict as exc:
        st.session_state[_CONFLICT] = exc
        return
    except AccessDenied as exc:
        message("error", tr("refused", why=md_escape(exc.message(state.lang()))))
        _revert(b)
        return
    except StoreError as exc:
        message("error", tr("save_failed", why=md_escape(exc.message(state.lang()))))
        return
    except Exception as exc:  # database down: keep the edit on screen, say so
        LOG.error("autosave failed: %s", exc)
        message("error", tr("save_failed", why=f"{type(exc).__name__}"))
        return
    if result.changed:
        st.session_state[_BIND] = replace(b, version=result.version, saved=data, saved_at=datetime.now().astimezone())
    st.session_state.pop(_CONFLICT, None)


def on_plan_replaced(plan: Plan | dict[str, Any], source: str | None = None) -> None:
    """A different plan altogether (new, sample, upload; called by ``state.replace_plan``).

    Local mode: it becomes a new stored plan.  Through a share link: a new version of the shared plan
    (the role check applies, so a member cannot replace the others' rows this way either).
    """
    if st.session_state.get(_LOADING) or not st.session_state.get(_READY):
        return
    b = binding()
    if b is not None and b.token:
        on_plan_accepted(plan, source)
        return
    forget()
    on_plan_accepted(plan, source)


def start_new(plan: Plan, source: str | None = None) -> None:
    """Make ``plan`` the session's plan and store it as a new plan (the plans page's "new")."""
    st.session_state[_LOADING] = True
    try:
        state.replace_plan(plan, source)
    finally:
        st.session_state[_LOADING] = False
    forget()
    on_plan_accepted(plan, source)


def forget() -> None:
    """The session no longer edits a stored plan (e.g. it was deleted)."""
    st.session_state.pop(_BIND, None)
    st.session_state.pop(_CONFLICT, None)
    st.query_params.pop("plan", None)
    st.query_params.pop("token", None)


def renamed(name: str) -> None:
    b = binding()
    if b is not None:
        st.session_state[_BIND] = replace(b, name=" ".join(name.split()))


def _revert(b: Binding) -> None:
    st.session_state[_LOADING] = True
    try:
        state.replace_plan(load_plan(b.saved), b.name)
    finally:
        st.session_state[_LOADING] = False


# -- conflicts ---------------------------------------------------------------------------------------


def pending_conflict() -> Conflict | None:
    value = st.session_state.get(_CONFLICT)
    return value if isinstance(value, Conflict) else None


def reload_latest() -> None:
    """Drop my unsaved edit and load the plan as it is now in the store."""
    b, store = binding(), get_store()
    if b is None or store is None:
        return
    try:
        opened = store.open_plan(b.access, b.plan_id)
    except StoreError as exc:
        message("error", tr("open_failed", why=md_escape(exc.message(state.lang()))))
        return
    _bind(opened, b.access, b.token)
    message("success", tr("reloaded", version=opened.version))


def reapply_mine() -> None:
    """Apply my edit (relative to the version I started from) on top of the latest plan, and save."""
    b, store = binding(), get_store()
    if b is None or store is None:
        return
    mine = state.plan_dict()
    try:
        result = store.reapply(b.access, b.plan_id, b.version, mine)
        opened = store.open_plan(b.access, b.plan_id)
    except Conflict as exc:
        st.session_state[_CONFLICT] = exc
        return
    except ReapplyFailed as exc:
        message("error", md_escape(exc.message(state.lang())))
        return
    except StoreError as exc:
        message("error", tr("refused", why=md_escape(exc.message(state.lang()))))
        return
    _bind(opened, b.access, b.token)
    message("success", tr("reapplied", version=result.version))


# -- rendering -------------------------------------------------------------------------------------------


def pop_messages() -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = st.session_state.get(_MESSAGES, [])
    st.session_state[_MESSAGES] = []
    return items


def render_status() -> None:
    """The save status line, then any conflict (with reload / re-apply) and store messages."""
    lang = state.lang()
    for kind, text in pop_messages():
        (st.error if kind == "error" else st.success if kind == "success" else st.info)(text)
    conflict = pending_conflict()
    if conflict is not None:
        with st.container(border=True):
            st.warning(f"**{tr('conflict_title')}** — {md_escape(conflict.message(lang))}", icon=":material/sync_problem:")
            with st.expander(tr("conflict_changes"), expanded=True):
                for v in sorted(conflict.their_versions, key=lambda v: v.version):
                    st.markdown(f"- 版 {v.version} · {md_escape(v.author)} · {md_escape(v.summary_text(lang))}" if lang == "ja"
                                else f"- v{v.version} · {md_escape(v.author)} · {md_escape(v.summary_text(lang))}")
                st.code("\n".join(c.text(lang) for c in conflict.their_changes) or "—", language=None)
            left, right = st.columns(2)
            left.button(tr("reload"), on_click=reload_latest, key="store_reload", icon=":material/refresh:")
            right.button(tr("reapply"), on_click=reapply_mine, key="store_reapply", type="primary",
                         icon=":material/merge:")
    b = binding()
    store_error = st.session_state.get("_store_error")
    if b is not None and conflict is not None:
        st.caption(f"{tr('pending')} · ID `{b.plan_id}` · {tr('role', role=md_escape(b.access.role))}")
    elif b is not None:
        when = b.saved_at.astimezone().strftime("%H:%M:%S") if b.saved_at else ""
        st.caption(f"{tr('saved', version=b.version, time=when)} · ID `{b.plan_id}` · {tr('role', role=md_escape(b.access.role))}")
    elif store_error:
        st.caption(tr("off", why=md_escape(store_error)))
    else:
        st.caption(tr("unsaved"))
