"""The plan store's folder is 0700 and its SQLite files (db, -wal, -shm) 0600, whatever the umask; a store
the user cannot open (bad URL, unreachable server, unwritable path, not a database) is exit 2, not 3."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.files_helpers import ROOT, SAMPLE, kyoso

_PROBE = r"""
import os, stat, sys
from store import Store
from schemas import load_plan
os.umask(int(sys.argv[2], 8))
store = Store(sys.argv[1], shared_mode=False)
store.create_plan(store.operator_access(), load_plan(sys.argv[3]), name="x")
path = sys.argv[1].removeprefix("sqlite:///")
modes = {}
for p in (os.path.dirname(path), path, path + "-wal", path + "-shm"):
    modes[os.path.basename(p)] = oct(stat.S_IMODE(os.stat(p).st_mode)) if os.path.exists(p) else None
store.close()
import json; print(json.dumps(modes))
"""


def _probe(db: Path, umask: int) -> dict[str, str | None]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, f"sqlite:///{db}", oct(umask), str(SAMPLE)],
                          capture_output=True, text=True, cwd=ROOT, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    got: dict[str, str | None] = json.loads(proc.stdout)
    return got


@pytest.mark.parametrize("umask", [0o022, 0o000, 0o002])
def test_new_store_is_private(tmp_path: Path, umask: int) -> None:
    db = tmp_path / "data" / "kyoso.db"
    modes = _probe(db, umask)
    assert modes == {"data": "0o700", "kyoso.db": "0o600", "kyoso.db-wal": "0o600", "kyoso.db-shm": "0o600"}


def test_existing_loose_store_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "data" / "kyoso.db"
    _probe(db, 0o022)
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if p.exists():
            p.chmod(0o644)
    Path(f"{db}-wal").touch(mode=0o666)
    os.chmod(f"{db}-wal", 0o666)
    modes = _probe(db, 0o022)
    assert modes["kyoso.db"] == modes["kyoso.db-wal"] == modes["kyoso.db-shm"] == "0o600"


def test_default_data_folder_is_created_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KYOSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("KYOSO_DATA_DIR", raising=False)
    old = os.umask(0)
    try:
        assert kyoso(capsys, "plans", "list").code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data" / "kyoso.db").stat().st_mode) == 0o600
    # an existing loose default data folder is tightened when the store opens it
    (tmp_path / "data").chmod(0o755)
    assert kyoso(capsys, "plans", "list").code == 0
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


# -- exit codes ---------------------------------------------------------------------------------------


def _plans(capsys: pytest.CaptureFixture[str], url: str, lang: str = "ja") -> tuple[int, str]:
    run = kyoso(capsys, "plans", "--db", url, "list", "--lang", lang)
    assert "内部エラー" not in run.err and "internal error" not in run.err
    return run.code, run.err


def test_bad_database_url(capsys: pytest.CaptureFixture[str]) -> None:
    for url in ("nonsense://x", "sqlite:/", "postgresql://u:p@[::1/x", "mysql://u@127.0.0.1/x"):
        code, err = _plans(capsys, url)
        assert code == 2 and "--db" in err, (url, err)


def test_unreachable_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _plans(capsys, "postgresql://u:p@127.0.0.1:1/x")
    assert code == 2 and "127.0.0.1" in err and "p@" not in err  # never echo the password
    code, err = _plans(capsys, "postgresql://u:p@127.0.0.1:1/x", "en")
    assert code == 2 and "cannot connect" in err


def test_unwritable_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    for url in (f"sqlite:///{afile}/sub/kyoso.db", "sqlite:////proc/kyoso-no/kyoso.db", f"sqlite:///{tmp_path}"):
        code, err = _plans(capsys, url)
        assert code == 2 and err.strip(), (url, err)
    assert afile.read_text(encoding="utf-8") == "x"


def test_not_a_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_bytes(SAMPLE.read_bytes())
    mode = stat.S_IMODE(plan.stat().st_mode)
    code, err = _plans(capsys, f"sqlite:///{plan}")
    assert code == 2 and "データベースではありません" in err
    code, err = _plans(capsys, f"sqlite:///{plan}", "en")
    assert code == 2 and "not a database" in err
    assert plan.read_bytes() == SAMPLE.read_bytes() and stat.S_IMODE(plan.stat().st_mode) == mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]  # no -wal/-shm beside it


def test_kyoso_database_url_errors_are_exit_2(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYOSO_DATABASE_URL", "postgresql://u:p@127.0.0.1:1/x")
    run = kyoso(capsys, "plans", "list")
    assert run.code == 2 and "KYOSO_DATABASE_URL" in run.err
