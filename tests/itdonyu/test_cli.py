"""``kyoso summary`` / ``kyoso check`` on itdonyu-application/1 files: figures, findings, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES

GROUP = EXAMPLES / "itdonyu" / "group-2025-shotengai.json"
WORKED = EXAMPLES / "itdonyu" / "digital-base-2022-worked-example.json"


def _kyoso(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, check=False)


def test_summary_json_of_a_group() -> None:
    proc = _kyoso("summary", str(GROUP), "--json")
    assert proc.returncode == 0 and proc.stderr == ""
    got = json.loads(proc.stdout)
    assert (got["program"], got["frame"], got["member_count"]) == ("itdonyu-2025", "group", 11)
    assert got["subsidy_yen"] == sum(got["group"].values()) == sum(m["subsidy_yen"] for m in got["members"])
    assert got["group"]["b"] == 2_000_000  # 6 members adopt (b): 6 × 500,000 < 3,000,000 × 2/3
    assert any(s["key"] == "group.c" for s in got["steps"])
    assert got["productivity"]["checks"][0]["ok"] is True


def test_summary_text_and_the_worked_example() -> None:
    proc = _kyoso("summary", str(WORKED))
    assert proc.returncode == 0
    assert "¥722,222" in proc.stdout and "itdonyu-2022" in proc.stdout


def test_check_exit_codes(tmp_path: Path) -> None:
    data = json.loads(WORKED.read_text(encoding="utf-8"))
    data["members"][0]["capital_yen"] = 500_000_000
    data["members"][0]["employees"] = 500
    bad = tmp_path / "large.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    proc = _kyoso("check", str(bad), "--lang", "en")
    assert proc.returncode == 1
    assert "applicant.not_sme" in proc.stdout
    broken = tmp_path / "broken.json"
    data["costs"][0]["unit_price_yen"] = "1000000"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    proc = _kyoso("check", str(broken))
    assert proc.returncode == 2
    assert "$.costs[0].unit_price_yen" in proc.stderr and "Traceback" not in proc.stderr
    assert _kyoso("check", str(GROUP)).returncode == 0
