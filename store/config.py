"""Where the store lives and how it is served; every setting comes from the environment.

- ``KYOSO_DATABASE_URL``: a PostgreSQL URL (``postgresql://user@host/db``; the psycopg 3 driver is used).
  Unset: SQLite in ``$KYOSO_DATA_DIR/kyoso.db`` (default ``./data/kyoso.db``), WAL mode.
- ``KYOSO_SHARED_MODE=1``: the app is served to others, so a plan is reachable only through a share link.
- ``KYOSO_AUTH=oidc``: sign-in mode: people sign in (OpenID Connect, Streamlit's ``st.login``) and a plan is
  reachable only by its people (``plan_people``) and the operator; unset: no sign-in (local or link mode).
- ``KYOSO_MIGRATE=external``: the app never migrates the database; it checks the revision and refuses to start
  on an older one (replicas: ``python -m store.migrate`` — ``alembic upgrade head`` — runs once as its own step).
  Unset: the store upgrades an older database when it opens (one process on one machine).
- ``KYOSO_RETENTION_DAYS``: how long a deleted plan can be restored (default 30).
- ``KYOSO_AUTHOR``: the author label of the local user in the history (default: the login name).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

DEFAULT_RETENTION_DAYS = 30
_TRUE = ("1", "true", "yes", "on")


def data_dir() -> Path:
    return Path(os.environ.get("KYOSO_DATA_DIR") or "data")


def normalize_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` use psycopg 3; anything else is left as given."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def database_url() -> str:
    url = os.environ.get("KYOSO_DATABASE_URL", "").strip()
    if url:
        return normalize_url(url)
    return f"sqlite:///{(data_dir() / 'kyoso.db').resolve()}"


def shared_mode() -> bool:
    return os.environ.get("KYOSO_SHARED_MODE", "").strip().lower() in _TRUE


def sign_in_mode() -> bool:
    """``KYOSO_AUTH=oidc``: people sign in; anything else (or unset) keeps the no-sign-in modes."""
    return os.environ.get("KYOSO_AUTH", "").strip().lower() == "oidc"


def migrate_on_open() -> bool:
    """False with ``KYOSO_MIGRATE=external`` (the migration is a separate step of the deployment)."""
    return os.environ.get("KYOSO_MIGRATE", "").strip().lower() != "external"


def retention_days() -> int:
    raw = os.environ.get("KYOSO_RETENTION_DAYS", "").strip()
    try:
        return max(0, int(raw)) if raw else DEFAULT_RETENTION_DAYS
    except ValueError:
        return DEFAULT_RETENTION_DAYS


def local_author() -> str:
    name = os.environ.get("KYOSO_AUTHOR", "").strip()
    if name:
        return name[:200]
    try:
        return getpass.getuser()[:200] or "local"
    except (KeyError, OSError):
        return "local"
