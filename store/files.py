"""The store's own files on disk (SQLite), which no command may write over (exports/safe_write.py asks for them).

The command line (a face) passes :func:`store_files` to the writers; the writers themselves know nothing of the
store.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

#: A SQLite database and the files SQLite keeps beside it.
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def sqlite_files(url: str | None) -> list[Path]:
    """The SQLite database of ``url`` and its companion files; [] for PostgreSQL, memory or a bad URL."""
    if not url:
        return []
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:  # a URL we cannot parse names no file we could protect
        return []
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return []
    base = Path(parsed.database)
    return [base.with_name(base.name + suffix) for suffix in SQLITE_COMPANIONS]


def store_files(extra_urls: Iterable[str | None] = ()) -> list[Path]:
    """The configured store's database files (``KYOSO_DATABASE_URL`` / ``$KYOSO_DATA_DIR``) and ``extra_urls``'."""
    from store.config import database_url, normalize_url

    urls = [database_url(), *(normalize_url(u) for u in extra_urls if u)]
    return [p for u in dict.fromkeys(urls) for p in sqlite_files(u)]


