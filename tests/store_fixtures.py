"""Fixtures of the plan-store tests (a pytest plugin named in tests/conftest.py, so tests/store and
tests/security share them and the one PostgreSQL server).

Store tests run against SQLite and against a real PostgreSQL server.

PostgreSQL: ``KYOSO_TEST_DATABASE_URL`` when set (an existing server, e.g. a CI service), otherwise a
throwaway cluster that ``scripts/pg_test_server.sh`` starts on 127.0.0.1 for the session and stops after it.
When PostgreSQL is not installed the PostgreSQL half FAILS (never skips): run ``scripts/setup.sh --test``.
Each test gets a fresh database (SQLite: a file in tmp_path; PostgreSQL: a new database, dropped after).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from store import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "model-case-2.json"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    given = os.environ.get("KYOSO_TEST_DATABASE_URL", "").strip()
    if given:
        yield given
        return
    script = ROOT / "scripts" / "pg_test_server.sh"
    proc = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True, timeout=180)
    if proc.returncode != 0:
        pytest.fail(
            "PostgreSQL test server did not start (the store tests need it; install with "
            f"scripts/setup.sh --test):\n{proc.stderr}",
            pytrace=False,
        )
    env = dict(line.removeprefix("export ").split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    try:
        yield env["KYOSO_TEST_DATABASE_URL"]
    finally:
        subprocess.run(["bash", str(script), "stop", env["KYOSO_TEST_PG_DIR"]], capture_output=True, timeout=120)


def _admin(url: str) -> Any:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database, autocommit=True
    )


@pytest.fixture
def new_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A factory of empty databases of the test's backend (``backend`` param)."""
    backend = request.param if hasattr(request, "param") else "sqlite"
    made: list[str] = []

    def make() -> str:
        if backend == "sqlite":
            path = tmp_path / f"kyoso-{secrets.token_hex(3)}.db"
            return f"sqlite:///{path}"
        base = request.getfixturevalue("pg_server_url")
        name = f"t_{secrets.token_hex(6)}"
        with _admin(base) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        from sqlalchemy.engine import make_url

        return make_url(base).set(database=name).render_as_string(hide_password=False)

    yield make
    if made:
        base = request.getfixturevalue("pg_server_url")
        with _admin(base) as conn:
            for name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(new_db_url: Any) -> str:
    url: str = new_db_url()
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url, shared_mode=False)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def plan() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a database runs once per backend."""
    if {"store", "db_url", "new_db_url"} & set(metafunc.fixturenames):
        metafunc.parametrize("new_db_url", BACKENDS, indirect=True)
