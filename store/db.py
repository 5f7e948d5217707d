"""Engines for the two backends.

SQLite: WAL journal, ``synchronous=FULL`` (a save that returned is on disk), foreign keys on, a 30 s busy
timeout, and write transactions opened with ``BEGIN IMMEDIATE`` so two writers queue instead of one of them
failing with "database is locked" half way through.  PostgreSQL: psycopg 3, READ COMMITTED; the
compare-and-swap UPDATE in the repository is what serialises writers there.

The SQLite files are private whatever the process umask: a folder the store creates is 0700, the database
file is created 0600 before SQLite opens it (SQLite gives its ``-wal``/``-shm`` files the database file's
mode), and an existing database, ``-wal``, ``-shm`` or ``-journal`` file — and the default data folder
(``$KYOSO_DATA_DIR``, ``./data``) — that is readable by others is tightened to 0600 (0700) when the store
opens it.  A file that is not a SQLite database is refused before SQLite touches it.

Problems the user can fix (a bad URL, a folder that cannot be created, a file that is not a database, a
server that cannot be reached) raise :class:`DatabaseUnavailable` with a message saying what to fix;
:func:`explain_error` turns the driver's errors into it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Connection, Engine, make_url

from store.access import StoreError
from store.config import data_dir, normalize_url

WRITE_OPTION = "kyoso_write"
SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
FOLDER_MODE, FILE_MODE = 0o700, 0o600


class DatabaseUnavailable(StoreError):
    """The database cannot be used for a reason the user can fix (URL, path, file, server)."""


def safe_url(url: str) -> str:
    """``url`` with its password masked (for messages)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show no part that may hold a password
        return url.split("@")[-1] if "@" in url else url


def _tighten(path: Path, mode: int) -> None:
    """chmod ``path`` to ``mode`` when it is ours and looser (never follows into someone else's file)."""
    st = path.stat()
    if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & ~mode:
        os.chmod(path, mode)


def _make_folder(folder: Path) -> None:
    missing: list[Path] = []
    p = folder
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, FOLDER_MODE)
        except FileExistsError:
            continue
        os.chmod(d, FOLDER_MODE)  # whatever the umask
    if not folder.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(folder))
    if not missing and folder.resolve() == data_dir().resolve():
        _tighten(folder, FOLDER_MODE)  # the store's own data folder; never a folder named by --db's path


def prepare_sqlite_file(path: Path) -> None:
    """Create the folder (0700) and the database file (0600), or check and tighten existing ones."""
    try:
        _make_folder(path.parent)
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            with open(path, "rb") as fh:
                head = fh.read(len(SQLITE_HEADER))
            if head and head != SQLITE_HEADER:
                raise DatabaseUnavailable(
                    f"{path} はデータベースではありません(SQLite のデータベースファイルを指定してください)",
                    f"{path} is not a database (give a SQLite database file)",
                ) from None
        else:
            try:
                os.fchmod(fd, FILE_MODE)
            finally:
                os.close(fd)
        for p in (path, *(path.with_name(path.name + s) for s in SQLITE_COMPANIONS)):
            if p.is_file():
                _tighten(p, FILE_MODE)
    except OSError as err:
        raise DatabaseUnavailable(
            f"{path}: データベースを作成・オープンできません({err.strerror or err})。書き込めるフォルダを指定してください",
            f"{path}: cannot create or open the database ({err.strerror or err}); give a folder you can write to",
        ) from None


def explain_error(error: BaseException, url: str) -> DatabaseUnavailable | None:
    """A user-fixable database problem as a :class:`DatabaseUnavailable`; None when it looks like a bug."""
    if isinstance(error, DatabaseUnavailable):
        return error
    where = safe_url(url)
    if isinstance(error, (exc.ArgumentError, exc.NoSuchModuleError, ValueError, ImportError)):
        return DatabaseUnavailable(
            f"データベースの URL が正しくありません({where}): sqlite:///パス または postgresql://ユーザー@ホスト/DB の形で指定してください",
            f"the database URL is not valid ({where}): use sqlite:///PATH or postgresql://USER@HOST/DB",
        )
    bugs = (exc.ProgrammingError, exc.IntegrityError, exc.DataError, exc.InternalError, exc.NotSupportedError)
    if isinstance(error, bugs):
        return None
    if isinstance(error, exc.DBAPIError):
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
        if "not a database" in reason:
            return DatabaseUnavailable(
                f"{where} はデータベースではありません(SQLite のデータベースファイルを指定してください)",
                f"{where} is not a database (give a SQLite database file)",
            )
        if make_url(url).get_backend_name() == "sqlite":
            return DatabaseUnavailable(
                f"データベース {where} を開けません: {reason}",
                f"cannot open the database {where}: {reason}",
            )
        return DatabaseUnavailable(
            f"データベースに接続できません({where}): {reason}。サーバーが動いているか、URL が正しいか確認してください",
            f"cannot connect to the database ({where}): {reason}; check that the server runs and the URL is right",
        )
    if isinstance(error, OSError):
        return DatabaseUnavailable(
            f"データベース {where} を開けません: {error.strerror or error}",
            f"cannot open the database {where}: {error.strerror or error}",
        )
    return None


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
        if parsed.database and parsed.database != ":memory:":
            prepare_sqlite_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    except (exc.ArgumentError, exc.NoSuchModuleError, ValueError, ImportError) as err:
        raise explain_error(err, url) or err from None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success, rolls back on error."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot for everything read inside."""
    with engine.connect() as conn, conn.begin():
        yield conn
