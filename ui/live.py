"""Live updates in the app (issue 16): a plan saved by anyone shows in every other open session of it.

:func:`render` runs once per app run, after the save status.  It starts a fragment that reruns by itself every
``KYOSO_LIVE_SECONDS`` (default 1 s; ``0`` turns live updates off) and, on each tick:

- asks the process's :class:`store.live.Watcher` for the plan's newest version (PostgreSQL: a dict lookup fed by
  ``LISTEN/NOTIFY``, so a save on any replica is known here within milliseconds; SQLite: a cheap poll);
- when a newer version than the session's exists and the session holds nothing unsaved (its plan is the saved
  one, no save conflict, no rejected edit kept in a form), loads it — the page reruns on the new version and
  says who saved what;
- when the session does hold something unsaved, does not touch it: it shows the same choice as a save
  conflict (reload the latest and drop my edit, or re-apply my edit on the latest);
- says who else has the plan open (each session refreshes its presence every few seconds; a session not seen
  for 20 s no longer counts).

A cell being typed in a grid and not yet committed (Enter / leaving the cell) lives only in the browser; a
reload that arrives meanwhile starts the grid afresh from the new version (docs/deploy.md "Live updates").
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from planner import load_plan
from schemas import PlanLoadError
from store import Store, StoreError
from store.live import Watcher
from ui import state, store_bridge
from ui.fmt import md_escape
from ui.i18n import pick

LOG = logging.getLogger("kyoso.live")

_SESSION = "_live_session"
_TOUCHED = "_live_touched"
_OTHERS = "_live_others"
_SEEN = "_live_seen"  # the newest version this session has acted on (so a tick acts once per version)
PRESENCE_EVERY = 5.0

TEXT: dict[str, tuple[str, str]] = {
    "others": ("ほかにこの計画を開いている人: {who}", "Also open by: {who}"),
}


def tr(key: str, **kw: Any) -> str:
    return pick(TEXT, key, **kw)


def interval() -> float:
    """Seconds between ticks (``KYOSO_LIVE_SECONDS``; 0 or less: off)."""
    raw = os.environ.get("KYOSO_LIVE_SECONDS", "").strip()
    try:
        return float(raw) if raw else 1.0
    except ValueError:
        return 1.0


def _watcher(store: Store) -> Watcher:
    """The process's watcher of ``store`` (keyed by the store object and its database, not just "one per
    process": a store opened anew — another database — gets its own)."""
    return _watcher_of(f"{id(store)}:{store.url}", store)


@st.cache_resource(show_spinner=False)
def _watcher_of(key: str, _store: Store) -> Watcher:
    """One watcher per process and store; when the process ends (a replica's graceful shutdown), the
    presence of its sessions is cleared, so the others stop listing them at once."""
    watcher = Watcher(_store)
    atexit.register(_leave_all, _store, watcher)
    return watcher


def _leave_all(store: Store, watcher: Watcher) -> None:
    with _SESSIONS_LOCK:
        ids = list(_SESSIONS)
        _SESSIONS.clear()
    for sid in ids:
        try:
            store.leave(sid)
        except Exception:  # shutting down: the rows expire by themselves anyway
            break
    watcher.close()


_SESSIONS: set[str] = set()  # this process's sessions with a presence row
_SESSIONS_LOCK = threading.Lock()


def session_id() -> str:
    value = st.session_state.get(_SESSION)
    if not isinstance(value, str):
        value = st.session_state[_SESSION] = secrets.token_hex(16)
    return value


def _unsaved(b: store_bridge.Binding) -> bool:
    """Does this session hold anything the store does not have (so a reload would lose it)?"""
    if store_bridge.pending_conflict() is not None:
        return True
    if any(st.session_state.get("_plan_errors", {}).values()):
        return True  # a rejected edit kept in a form for the user to fix
    return state.plan_dict() != b.saved


def _presence(store: Store, b: store_bridge.Binding) -> list[tuple[str, str]]:
    now = time.monotonic()
    last = st.session_state.get(_TOUCHED)
    if not isinstance(last, tuple) or last[0] != b.plan_id or now - last[1] >= PRESENCE_EVERY:
        try:
            store.touch_presence(b.access, b.plan_id, session_id())
            with _SESSIONS_LOCK:
                _SESSIONS.add(session_id())
            others = store.present(b.plan_id, exclude=session_id())
        except Exception as exc:  # presence is a courtesy: never break the page for it
            LOG.warning("presence: %s", type(exc).__name__)
            others = []
        st.session_state[_TOUCHED] = (b.plan_id, now)
        st.session_state[_OTHERS] = others
    value = st.session_state.get(_OTHERS)
    return value if isinstance(value, list) else []


def tick() -> None:
    """One look at the store: act on a newer version, show who else is here (the fragment's body)."""
    b, store = store_bridge.binding(), store_bridge.get_store()
    if b is None or store is None:
        return
    latest = _watcher(store).latest(b.plan_id)
    if latest is not None and latest > _known(b) and _newer(store, b.plan_id, latest):
        st.rerun(scope="app")
    others = _presence(store, b)
    if others:
        names = (who if role in who else f"{who}({role})" for who, role in others)
        st.caption(tr("others", who=md_escape("、".join(dict.fromkeys(names)))), help=None)


def _known(b: store_bridge.Binding) -> int:
    """The newest version this session has: its own, a conflict's, or one a tick already acted on."""
    seen = st.session_state.get(_SEEN)
    conflict = store_bridge.pending_conflict()
    return max(b.version, conflict.current_version if conflict is not None else 0,
               seen[1] if isinstance(seen, tuple) and seen[0] == b.plan_id else 0)


def _newer(store: Store, plan_id: str, latest: int) -> bool:
    """Version ``latest`` exists and this session does not have it: act on it (True: the page must rerun).

    Under the session's lock (store_bridge.session_lock), with the binding read again inside it: this tick
    may be one Streamlit left running when an interaction started a new run, and that run may have just
    saved ``latest`` itself — then the binding says so and there is nothing to do.  When the lock is busy
    (a save is in progress), this tick does nothing; the next one looks again."""
    lock = store_bridge.session_lock()
    if not lock.acquire(blocking=False):
        return False
    try:
        if _superseded():
            return False
        b = store_bridge.binding()
        if b is None or b.plan_id != plan_id or latest <= _known(b):
            return False
        acted = _act(store, b)
        if acted is not None:  # (None: a newer run took over; the next tick of the live run looks again)
            st.session_state[_SEEN] = (b.plan_id, latest)
        return bool(acted)
    finally:
        lock.release()


def _superseded() -> bool:
    """Has Streamlit told this run to stop (an interaction started a newer run of the session)?  Then the
    newer run owns the session and this tick leaves it alone.  (Streamlit's request state, read defensively:
    when it cannot be read, the tick goes on, guarded by the lock alone.)"""
    ctx = get_script_run_ctx()
    requests = getattr(ctx, "script_requests", None) if ctx is not None else None
    state_ = getattr(requests, "_state", None)
    return getattr(state_, "name", "") == "STOP"


def _act(store: Store, b: store_bridge.Binding) -> bool | None:
    """A newer version exists: load it, or (something unsaved here) offer the conflict choice.  None: Streamlit
    stopped this run meanwhile (a newer run of the session owns it now), so nothing was touched.

    The database read and the parse come first; the session is changed only after a last look at whether a
    newer run has started, so an interaction's callback (which runs only in that newer run) cannot read the
    plan before these few writes and save its edit over the version they load."""
    unsaved = _unsaved(b)
    mine = state.plan_dict() if unsaved else b.saved
    try:
        news = store.changes_since(b.access, b.plan_id, b.version, mine)
        plan = None if news is None or unsaved else load_plan(news.current_plan)
    except (StoreError, PlanLoadError) as exc:
        LOG.warning("live update: %s", exc.message("en"))
        return False
    if news is None:
        return False
    if _superseded():
        return None
    if plan is None:
        store_bridge.hold_conflict(news)
    else:
        store_bridge.show_version(news, plan)
    return True


_FRAGMENT: dict[float, Callable[[], None]] = {}


def render() -> None:
    """Start the live-update fragment for the session's stored plan (nothing when there is none)."""
    every = interval()
    if every <= 0 or store_bridge.binding() is None or store_bridge.get_store() is None:
        return
    fragment = _FRAGMENT.get(every)
    if fragment is None:
        fragment = _FRAGMENT[every] = st.fragment(run_every=every)(tick)
    fragment()
