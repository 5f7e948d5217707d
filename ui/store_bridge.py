"""The bridge between the app's session plan (``ui.state``) and the plan store (``store``).

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

Times are shown in Japan time with the zone named (:func:`when`: ``2025-06-01 10:53 JST``), whatever the
server's zone.

The stored plan's name follows the consortium name while it *is* the consortium name: a save that
renames the consortium also renames the stored plan when the plan's name was the old consortium name
(the name a new plan gets).  Once the user gives the plan another name on the plans page it no longer
follows (naming it exactly the consortium name again makes it follow again).

The last plan a browser worked on (local mode only) is remembered in a small first-party cookie holding
only its plan id (:data:`LAST_PLAN_COOKIE`); opening the root URL in that browser reopens it.  Share-link
tokens are never written to the browser: a plan opened through a link is not remembered, it needs its link
again, and in shared mode nothing is remembered at all.

Sign-in mode (``KYOSO_AUTH=oidc``, docs/store.md "Sign-in mode"): :func:`open_from_query_params` shows a
sign-in screen (Streamlit's ``st.login`` with the providers of ``.streamlit/secrets.toml`` ``[auth]``) until the
user is signed in; the session's access is then the person's (``Store.person_access`` with the verified
e-mail from ``st.user``), derived again on every run so a removal or role change applies at once.  A
``?token=`` in the URL is an invitation: accepted for the signed-in user, then the query string is cleared.
An invitation link opened before signing in is held across the provider's redirect in the store (any replica
can finish it; only hashes are stored), under a random key in a short-lived cookie (:data:`INVITE_COOKIE`; the
token itself never goes to the browser's storage).

The store is never required for the app to work: if it cannot be opened the app runs as before and
says that autosave is off.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ParamSpec, TypeVar

import streamlit as st

from planner import load_plan
from schemas import Plan, PlanLoadError
from store import (
    Access,
    AccessDenied,
    Conflict,
    OpenedPlan,
    ReapplyFailed,
    Store,
    StoreError,
)
from store import config as store_config
from ui import state
from ui.fmt import md_escape
from ui.i18n import pick

LOG = logging.getLogger("kyoso.store")

_BIND = "_store_binding"
_CONFLICT = "_store_conflict"
_READY = "_store_ready"
_LOADING = "_store_loading"
_MESSAGES = "_store_messages"
_COOKIE_DONE = "_store_cookie_checked"
_COOKIE_WRITTEN = "_store_cookie_written"
_LOCK = "_store_session_lock"
_LOCK_GUARD = threading.Lock()
_P = ParamSpec("_P")
_R = TypeVar("_R")

#: Japan Standard Time (no daylight saving): every time the app shows is in it, named "JST".
JST = timezone(timedelta(hours=9), "JST")
#: The cookie that remembers the last local-mode plan of this browser (a plan id, never a token).
LAST_PLAN_COOKIE = "kyoso_last_plan"
_PLAN_ID = re.compile(r"^[0-9a-f]{6,40}$")
_COOKIE_DAYS = 180
#: Sign-in mode: the key (never the token) of an invitation opened before signing in.
INVITE_COOKIE = "kyoso_invite"
_INVITE_TTL = 900.0

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
    "sign_in_title": ("サインイン", "Sign in"),
    "sign_in_text": ("この計画ツールを使うには、所属する会社のアカウントでサインインしてください。",
                     "Sign in with your company account to use this planner."),
    "sign_in_invite": ("招待を受けるには、招待されたメールアドレスのアカウントでサインインしてください。",
                       "To accept the invitation, sign in with the account of the invited e-mail address."),
    "sign_in_with": ("{provider} でサインイン", "Sign in with {provider}"),
    "sign_in": ("サインイン", "Sign in"),
    "sign_out": ("サインアウト", "Sign out"),
    "signed_in": ("サインイン中: {who}", "Signed in as {who}"),
    "no_email": ("このアカウントにはメールアドレスがありません。", "This account has no e-mail address."),
    "no_plan": ("参加している計画はまだありません。計画の代表(lead)に招待を依頼してください。",
                "You are not in any plan yet: ask a plan's lead for an invitation."),
    "live_updated": ("{who} が保存した最新の計画(版 {version})を表示しています: {what}",
                     "Showing the latest plan (version {version}) saved by {who}: {what}"),
    "accepted": ("招待を受けました。役割: {role}", "Invitation accepted. Your role: {role}"),
    "invite_failed": ("招待を受けられません: {why}", "Cannot accept the invitation: {why}"),
}


def tr(key: str, **kw: Any) -> str:
    return pick(TEXT, key, **kw)


def when(dt: datetime | str | None, *, date: bool | None = True, seconds: bool = False) -> str:
    """A stored time in Japan time with the zone named: ``2025-06-01 10:53 JST`` (``10:53:08 JST`` with
    ``date=False, seconds=True``; ``date=None``: the date only when it is not today in Japan).  A naive
    time is taken as UTC (how the store keeps it).  An ISO text (a scenario's ``created``,
    ``2025-06-01T10:53:08+09:00``) is read first; a bare date or unreadable text is returned as it is."""
    if isinstance(dt, str):
        try:
            parsed = datetime.fromisoformat(dt.replace("Z", "+00:00"))
        except ValueError:
            return dt
        if len(dt.strip()) <= 10:
            return dt
        dt = parsed
    if dt is None:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    local = dt.astimezone(JST)
    if date is None:
        date = local.date() != datetime.now(JST).date()
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{local:%Y-%m-%d} {clock} JST" if date else f"{clock} JST"


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


# -- sign-in mode ----------------------------------------------------------------------------------------


def sign_in_mode() -> bool:
    """``KYOSO_AUTH=oidc``: people sign in; otherwise the no-sign-in modes (local, share links)."""
    return store_config.sign_in_mode()


@dataclass(frozen=True)
class Identity:
    """The signed-in user as the identity provider vouches for it (from ``st.user``)."""

    email: str
    name: str
    verified: bool

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


def identity() -> Identity | None:
    """The signed-in user, or None.  ``verified``: the provider's ``email_verified`` claim (Microsoft Entra
    ID: ``xms_edov``, the e-mail's domain is verified by the tenant) is exactly ``true``."""
    try:
        user = st.user
        if not user.is_logged_in:
            return None
        email = str(user.get("email") or "").strip()
        name = str(user.get("name") or "").strip()
        verified = user.get("email_verified") is True or user.get("xms_edov") is True
    except Exception:  # no auth configured / no browser context
        return None
    return Identity(email, name, verified)


def _providers() -> list[str | None]:
    """The providers named in ``[auth]`` (``[auth.google]``, ``[auth.microsoft]`` …); [None]: a single one."""
    try:
        auth = st.secrets.get("auth", {})
    except Exception:
        return [None]
    names = [str(k) for k, v in auth.items() if isinstance(v, Mapping)] if isinstance(auth, Mapping) else []
    return [*names] or [None]


def _keep_invitation(store: Store, token: str) -> None:
    """Hold an invitation opened before signing in across the provider's redirect, in the store (so the
    replica the browser comes back to may be another one); the browser keeps only a random key."""
    try:
        key = store.hold_invitation(token)
    except Exception as exc:  # the link still works after signing in, opened again
        LOG.warning("an invitation could not be held across sign-in: %s", type(exc).__name__)
        return
    st.html(f"<script>document.cookie = '{INVITE_COOKIE}={key}; path=/; max-age={int(_INVITE_TTL)}; "
            "SameSite=Lax';</script>", unsafe_allow_javascript=True, width="content")


def _kept_invitation(store: Store) -> str | None:
    """The held invitation's token hash (once), and the cookie is cleared."""
    try:
        key = st.context.cookies.get(INVITE_COOKIE)
    except Exception:
        return None
    if not key:
        return None
    st.html(f"<script>document.cookie = '{INVITE_COOKIE}=; path=/; max-age=0; SameSite=Lax';</script>",
            unsafe_allow_javascript=True, width="content")
    try:
        return store.take_invitation(str(key))
    except Exception as exc:
        LOG.warning("a held invitation could not be read: %s", type(exc).__name__)
        return None


def _sign_in_screen(invited: bool) -> None:
    st.subheader(tr("sign_in_title"))
    st.write(tr("sign_in_invite") if invited else tr("sign_in_text"))
    for provider in _providers():
        label = tr("sign_in_with", provider=provider) if provider else tr("sign_in")
        if st.button(label, key=f"sign_in_{provider or 'default'}", type="primary", icon=":material/login:"):
            if provider:
                st.login(provider)
            else:
                st.login()
    st.stop()


def render_sign_out(me: Identity) -> None:
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.caption(tr("signed_in", who=md_escape(me.label)))
    if right.button(tr("sign_out"), key="sign_out", icon=":material/logout:"):
        forget()
        st.logout()


def _person_access(store: Store, me: Identity, plan_id: str) -> Access:
    return store.person_access(me.email, me.name, plan_id)


def _open_signed_in(store: Store) -> None:
    """Sign-in mode's part of :func:`open_from_query_params`."""
    token = st.query_params.get("token") or None
    me = identity()
    if me is None:
        if token:
            _keep_invitation(store, str(token))
            st.query_params.clear()
        _sign_in_screen(bool(token))
        return
    if not me.email:
        st.error(tr("no_email"))
        render_sign_out(me)
        st.stop()
    held = None if token else _kept_invitation(store)
    if token or held:
        st.query_params.clear()  # the token leaves the URL whatever happens
        try:
            access = store.accept_invitation(str(token or ""), me.email, me.verified, me.name, token_hash=held)
            _bind(store.open_plan(access, str(access.plan_id)), access, None)
            message("success", tr("accepted", role=md_escape(access.role)))
        except (StoreError, PlanLoadError) as exc:
            message("error", tr("invite_failed", why=md_escape(exc.message(state.lang()))))
    b = binding()
    wanted = st.query_params.get("plan")
    if b is not None and (b.access.email != me.email.strip().lower()):
        forget()
        b = None
    if b is not None and wanted in (None, b.plan_id):
        try:  # every run: the person's role as it is now (removed or changed: applies at once)
            access = _person_access(store, me, b.plan_id)
        except StoreError as exc:
            forget()
            message("error", tr("open_failed", why=md_escape(exc.message(state.lang()))))
            b = None
        else:
            if access != b.access:
                st.session_state[_BIND] = b = replace(b, access=access)
            _sync_url(b)
            return
    if wanted and open_plan(str(wanted)):
        return
    mine = store.plans_of(me.email) if me.verified else []
    if mine and open_plan(mine[0].id):  # the person's latest plan (also when ?plan= was not one of its own)
        return
    st.query_params.pop("plan", None)
    for kind, text in pop_messages():
        (st.error if kind == "error" else st.success if kind == "success" else st.info)(text)
    st.info(tr("no_plan"), icon=":material/lock:")
    render_sign_out(me)
    st.stop()


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
    """``lead``, ``member:<id>``, ``viewer`` or None (no stored plan open); pages hide what the role cannot edit."""
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
        me = identity() if sign_in_mode() else None
        if me is not None:
            if not me.verified:
                raise AccessDenied("メールアドレスが確認されていません", "your e-mail address is not verified")
            access = _person_access(store, me, plan_id)
        else:
            access = store.token_access(token) if token else store.local_access()
        _bind(store.open_plan(access, plan_id), access, token)
        return True
    except (StoreError, PlanLoadError) as exc:
        message("error", tr("open_failed", why=md_escape(exc.message(state.lang()))))
        return False


def open_from_query_params() -> None:
    """Once per run: open ``?plan=…[&token=…]`` unless it is already the session's plan."""
    session_lock()  # made here, in a full run, before any fragment or callback of the session can need it
    st.session_state[_READY] = True
    if sign_in_mode():
        store = get_store()
        if store is None:
            st.stop()
        _open_signed_in(store)
        return
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
        if b is None:
            _reopen_last(store)
        return
    if not open_plan(str(wanted), str(token) if token else (b.token if b and b.token else None)):
        if store.shared_mode:
            for kind, text in pop_messages():
                (st.error if kind == "error" else st.info)(text)
            st.warning(tr("need_token"), icon=":material/lock:")
            st.stop()
        st.query_params.pop("plan", None)
        st.query_params.pop("token", None)


# -- the browser's last plan -------------------------------------------------------------------------------


def last_plan_cookie() -> str | None:
    """The plan id this browser last worked on (local mode), from the request's cookies."""
    try:
        value = st.context.cookies.get(LAST_PLAN_COOKIE)
    except Exception:  # no browser context (bare script runs)
        return None
    return str(value) if value and _PLAN_ID.match(str(value)) else None


def _reopen_last(store: Store) -> None:
    """Once per session, without ``?plan=``: reopen the browser's last local plan (quietly skipped when it
    is gone or deleted; the session then starts as before)."""
    if st.session_state.get(_COOKIE_DONE):
        return
    st.session_state[_COOKIE_DONE] = True
    plan_id = last_plan_cookie()
    if plan_id is None or store.shared_mode:
        return
    try:
        access = store.local_access()
        opened = store.open_plan(access, plan_id)
        load_plan(opened.plan)
    except (StoreError, PlanLoadError):
        return
    _bind(opened, access, None)
    st.session_state[_COOKIE_WRITTEN] = plan_id


def _remember_in_browser(b: Binding) -> None:
    """Write the last-plan cookie when the session's local plan changed (never for a share link)."""
    if b.token or b.access.limited or not _PLAN_ID.match(b.plan_id):
        return
    if st.session_state.get(_COOKIE_WRITTEN) == b.plan_id:
        return
    st.session_state[_COOKIE_WRITTEN] = b.plan_id
    st.html(
        f"<script>document.cookie = '{LAST_PLAN_COOKIE}={b.plan_id}; path=/; "
        f"max-age={_COOKIE_DAYS * 86400}; SameSite=Strict';</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


# -- one writer at a time per session --------------------------------------------------------------------


def session_lock() -> Any:
    """The session's lock around "save, then record the new version" and "a newer version arrived: act on it".

    Two threads can run one session's code at once: when an interaction arrives while a run is in progress,
    Streamlit (``runner.fastReruns``) starts the new run at once and the old one stops only at its next
    Streamlit call.  Without this lock, a live-update tick left running (ui/live.py) could read the binding
    (version 3), then see version 4 that the new run had just saved, and take this session's own save for
    another person's: a save conflict with itself (CI saw it once after a rename).  A re-entrant lock: the
    paths below call each other (``show_version`` replaces the plan, which may save)."""
    lock = st.session_state.get(_LOCK)
    if lock is None:
        with _LOCK_GUARD:
            lock = st.session_state.get(_LOCK)
            if lock is None:
                lock = st.session_state[_LOCK] = threading.RLock()
    return lock


def _one_writer(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with session_lock():
            return fn(*args, **kwargs)

    return run


# -- autosave ------------------------------------------------------------------------------------------


def _json(plan: Plan | dict[str, Any]) -> dict[str, Any]:
    return plan.to_json_dict() if isinstance(plan, Plan) else plan


@_one_writer
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
        old_consortium = _consortium_name(b.saved)
        b = replace(b, version=result.version, saved=data, saved_at=datetime.now(UTC))
        st.session_state[_BIND] = _follow_consortium_name(store, b, old_consortium)
    st.session_state.pop(_CONFLICT, None)


def _consortium_name(data: dict[str, Any]) -> str:
    """The consortium name as the store would clean it for a plan name."""
    consortium = data.get("consortium")
    name = consortium.get("name") if isinstance(consortium, dict) else None
    return " ".join(str(name or "").split())[:200]


def _follow_consortium_name(store: Store, b: Binding, old_consortium: str) -> Binding:
    """The stored plan's name follows a consortium rename while it was the consortium's name (only the
    lead may rename a plan; a failure here never undoes the saved edit)."""
    new_consortium = _consortium_name(b.saved)
    if not new_consortium or new_consortium == old_consortium or not b.access.is_lead:
        return b
    try:
        if store.info(b.access, b.plan_id).name != old_consortium:
            return b  # the user named the plan: it no longer follows
        info = store.rename(b.access, b.plan_id, new_consortium)
    except StoreError as exc:
        LOG.warning("the plan name could not follow the consortium name: %s", exc)
        return b
    return replace(b, name=info.name)


def on_plan_replaced(plan: Plan | dict[str, Any], source: str | None = None) -> None:
    """A different plan altogether (new, sample, upload; called by ``state.replace_plan``).

    Local mode: it becomes a new stored plan.  Through a share link: a new version of the shared plan
    (the role check applies, so a member cannot replace the others' rows this way either).
    """
    if st.session_state.get(_LOADING) or not st.session_state.get(_READY):
        return
    b = binding()
    if b is not None and (b.token or b.access.email):
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


@_one_writer
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


@_one_writer
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


@_one_writer
def hold_conflict(conflict: Conflict) -> None:
    """Show ``conflict``'s reload / re-apply choice (live updates: a newer version while something here is
    unsaved)."""
    st.session_state[_CONFLICT] = conflict


@_one_writer
def show_version(news: Conflict, plan: Plan) -> None:
    """Live updates: load the newer version ``news`` describes, ``plan`` (that version, parsed by the caller
    before it touches the session; this session held nothing unsaved), and say who saved what."""
    b = binding()
    if b is None:
        return
    st.session_state[_LOADING] = True
    try:
        state.replace_plan(plan, b.name)
    finally:
        st.session_state[_LOADING] = False
    authors = "、".join(dict.fromkeys(v.author for v in news.their_versions)) or "?"
    last = max(news.their_versions, key=lambda v: v.version, default=None)
    saved_at = last.created_at if last is not None else datetime.now(UTC)
    st.session_state[_BIND] = replace(b, version=news.current_version, saved=news.current_plan, saved_at=saved_at)
    st.session_state.pop(_CONFLICT, None)
    message("info", tr("live_updated", who=md_escape(authors), version=news.current_version,
                       what=md_escape(news.their_summary(state.lang()))))


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
        at = when(b.saved_at, date=None, seconds=True)
        st.caption(f"{tr('saved', version=b.version, time=at)} · ID `{b.plan_id}` · {tr('role', role=md_escape(b.access.role))}")
    if b is not None:
        _remember_in_browser(b)
    me = identity() if sign_in_mode() else None
    if me is not None:
        render_sign_out(me)
    if b is None and store_error:
        st.caption(tr("off", why=md_escape(store_error)))
    elif b is None and me is None:
        st.caption(tr("unsaved"))  # (not while a stored plan is open: it is saved)
