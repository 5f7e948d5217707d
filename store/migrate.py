"""Schema migrations (Alembic), run on open: a database at any earlier revision is brought to the head.

Replicas (``KYOSO_MIGRATE=external``): the app does not migrate; the deployment runs ``python -m store.migrate``
(or ``alembic upgrade head`` with the repository's ``alembic.ini``) once as its own step, and an app process
started on an older database refuses with what to run (:func:`require_current`).

The upgrade runs in one transaction holding the write lock (SQLite ``BEGIN IMMEDIATE``; PostgreSQL an
advisory transaction lock), so two processes starting at once do not both create the tables.
By hand: ``python -m store.migrate [REVISION]`` (default ``head``) against the configured store.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

from store.db import read_tx, write_tx

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x6B796F736F  # "kyoso"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with read_tx(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with write_tx(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_current(engine: Engine) -> None:
    """Upgrade to the head revision unless the database is there already (the usual, cheap case)."""
    if current_revision(engine) != head_revision():
        upgrade(engine)


def require_current(engine: Engine, url: str) -> None:
    """``KYOSO_MIGRATE=external``: refuse to run on a database that is not at the head revision."""
    from store.db import DatabaseUnavailable, safe_url

    have, want = current_revision(engine), head_revision()
    if have != want:
        raise DatabaseUnavailable(
            f"データベース {safe_url(url)} のスキーマが古いか未作成です(版 {have or 'なし'}、必要な版 {want})。"
            "先に移行を実行してください: python -m store.migrate",
            f"the database {safe_url(url)} is not at the schema revision this app needs (it is at {have or 'none'}, "
            f"needs {want}); run the migration first: python -m store.migrate",
        )


def main(argv: list[str] | None = None) -> int:
    from store.config import database_url
    from store.db import make_engine

    args = sys.argv[1:] if argv is None else argv
    engine = make_engine(database_url())
    upgrade(engine, args[0] if args else "head")
    print(current_revision(engine))
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
