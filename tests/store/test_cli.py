"""``kyoso plans …`` against the same store the app uses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from cli import main
from store import Store

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "model-case-2.json"


def _run(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> tuple[int, str, str]:
    code = main(["plans", "--db", db_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_round_trip(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path, plan: dict[str, Any]) -> None:
    code, out, _ = _run(capsys, db_url, "new", str(SAMPLE), "--name", "CLI計画")
    assert code == 0
    pid = out.strip()

    store = Store(db_url, shared_mode=False)
    edited = copy.deepcopy(plan)
    edited["costs"][0]["quantity"] = 3
    store.save(store.local_access("編集者"), pid, edited, 1)
    store.close()

    code, out, _ = _run(capsys, db_url, "list", "--json")
    assert code == 0 and json.loads(out) == [
        {"id": pid, "name": "CLI計画", "version": 2, "updated_at": json.loads(out)[0]["updated_at"],
         "deleted_at": None}]
    code, out, _ = _run(capsys, db_url, "history", pid)
    assert code == 0 and "編集者" in out and "経費 c1 の数量を変更" in out
    code, out, _ = _run(capsys, db_url, "--lang", "en", "history", pid, "--json")
    assert [v["summary_en"] for v in json.loads(out)] == ["changed cost c1 quantity", "created"]
    code, out, _ = _run(capsys, db_url, "show", pid, "--diff", "1", "--json")
    assert json.loads(out) == [{"path": ["costs", "c1", "quantity"], "op": "change", "old": plan["costs"][0]["quantity"], "new": 3}]
    code, out, _ = _run(capsys, db_url, "show", pid)
    assert code == 0 and "補助金額" in out and "2 / 2" in out

    code, out, _ = _run(capsys, db_url, "restore", pid, "1")
    assert code == 0 and out.startswith("版 3:")
    target = tmp_path / "out.json"
    code, _, _ = _run(capsys, db_url, "export", pid, "-o", str(target))
    assert code == 0 and json.loads(target.read_text(encoding="utf-8")) == plan
    code, out, _ = _run(capsys, db_url, "export", pid, "--version", "2")
    assert json.loads(out) == edited

    code, out, _ = _run(capsys, db_url, "share", pid, "--role", "member:u2", "--label", "湯の郷")
    assert code == 0
    token = next(line.split()[1] for line in out.splitlines() if line.startswith("token "))
    assert f"?plan={pid}&token={token}" in out
    code, out, _ = _run(capsys, db_url, f"--token={token}", "show", pid, "--json")
    assert code == 0 and json.loads(out) == plan
    code, out, _ = _run(capsys, db_url, f"--token={token}", "restore", pid, "2")
    assert code == 2  # as member:u2 a restore that changes u1's line is refused
    code, out, _ = _run(capsys, db_url, "share", pid, "--list")
    share_id = next(line.split()[0] for line in out.splitlines() if "member:u2" in line)
    code, out, _ = _run(capsys, db_url, "revoke", pid, share_id)
    assert code == 0
    code, _, err = _run(capsys, db_url, f"--token={token}", "show", pid)
    assert code == 2 and "取り消されています" in err

    code, out, _ = _run(capsys, db_url, "delete", pid)
    assert code == 0
    code, out, _ = _run(capsys, db_url, "list")
    assert pid not in out
    code, out, _ = _run(capsys, db_url, "list", "--deleted")
    assert pid in out
    code, _, _ = _run(capsys, db_url, "undelete", pid)
    assert code == 0


def test_cli_errors_are_messages(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> None:
    code, _, err = _run(capsys, db_url, "show", "nope")
    assert code == 2 and "nope" in err and "Traceback" not in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "kyoso-plan/1"}', encoding="utf-8")
    code, _, err = _run(capsys, db_url, "new", str(bad))
    assert code == 2 and "$" in err
    code, _, err = _run(capsys, db_url, "--token", "garbage", "list")
    assert code == 2 and "無効" in err
