"""Which version of a plan is the newest, known cheaply by every app process (issue 16, live updates).

One :class:`Watcher` per process.  On PostgreSQL a thread holds its own connection with
``LISTEN kyoso_plan_saved``; every save's transaction sends ``pg_notify`` (``Store._notify``) when it commits,
so every replica learns of a save within milliseconds without asking the database.  A plan the watcher has not
heard of yet is read once from the database; while the listening connection is down (database restart,
network) :meth:`Watcher.latest` reads the database instead, and after it reconnects what it knew is dropped
(a notification sent while it was away is not replayed).  On SQLite (one machine) there is no NOTIFY:
:meth:`Watcher.latest` reads the plan's version (one indexed query), at most once per ``poll_seconds`` per
plan for the whole process.

The session side (``ui/live.py``) asks :meth:`Watcher.latest` on every tick of a fragment; it costs a dict
lookup on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import make_url

from store.repository import NOTIFY_CHANNEL, Store

LOG = logging.getLogger(__name__)


def _psycopg_conninfo(url: str) -> str:
    """The SQLAlchemy URL as a libpq connection string (psycopg.connect)."""
    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


class Watcher:
    """The newest version of each plan this process has been asked about."""

    def __init__(self, store: Store, *, poll_seconds: float = 0.5, reconnect_seconds: float = 1.0) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self.reconnect_seconds = reconnect_seconds
        self._lock = threading.Lock()
        self._known: dict[str, int] = {}
        self._heard: dict[str, float] = {}  # plan id -> time.time() the last notification arrived
        self._polled: dict[str, tuple[float, int | None]] = {}
        self._listening = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listeners: list[Callable[[str, int], None]] = []
        if store.backend == "postgresql":
            self._thread = threading.Thread(target=self._listen, name="kyoso-listen", daemon=True)
            self._thread.start()

    @property
    def listening(self) -> bool:
        """True while the PostgreSQL LISTEN connection is up (notifications arrive)."""
        return self._listening.is_set()

    def wait_listening(self, timeout: float = 10.0) -> bool:
        return self._listening.wait(timeout)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def heard_at(self, plan_id: str) -> float | None:
        """When (``time.time()``) the last notification for ``plan_id`` arrived (the load run's measure)."""
        with self._lock:
            return self._heard.get(plan_id)

    def latest(self, plan_id: str) -> int | None:
        """The plan's newest version (None: gone or deleted, or the database cannot be read)."""
        if self._listening.is_set():
            with self._lock:
                known = self._known.get(plan_id)
            if known is not None:
                return known
            version = self._read(plan_id)
            if version is not None:
                with self._lock:  # a notification that arrived meanwhile wins when it is newer
                    self._known[plan_id] = max(version, self._known.get(plan_id, 0))
                    return self._known[plan_id]
            return None
        now = time.monotonic()
        with self._lock:
            polled = self._polled.get(plan_id)
        if polled is not None and now - polled[0] < self.poll_seconds:
            return polled[1]
        version = self._read(plan_id)
        with self._lock:
            self._polled[plan_id] = (now, version)
        return version

    def _read(self, plan_id: str) -> int | None:
        try:
            return self.store.head_versions([plan_id]).get(plan_id)
        except Exception as exc:  # the database is down: no news is the only honest answer
            LOG.warning("live updates: cannot read the version of %s: %s", plan_id, type(exc).__name__)
            return None

    def _heard_of(self, payload: str) -> None:
        plan_id, _, raw = payload.rpartition(":")
        try:
            version = int(raw)
        except ValueError:
            return
        with self._lock:
            if version > self._known.get(plan_id, 0):
                self._known[plan_id] = version
            self._heard[plan_id] = time.time()
        for listener in list(self.listeners):
            try:
                listener(plan_id, version)
            except Exception:  # a listener's bug must not stop the notifications
                LOG.exception("live updates: a listener failed")

    def _listen(self) -> None:
        import psycopg

        conninfo = _psycopg_conninfo(self.store.url)
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    with self._lock:
                        self._known.clear()  # whatever was sent while not listening is unknown
                    self._listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self._heard_of(note.payload)
            except Exception as exc:
                if self._stop.is_set():
                    break
                LOG.warning("live updates: the LISTEN connection failed (%s); reading versions from the "
                            "database until it is back", type(exc).__name__)
            finally:
                self._listening.clear()
            self._stop.wait(self.reconnect_seconds)
