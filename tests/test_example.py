"""The shared worked example is reproduced exactly: headline, every member, every line, rule ids."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import FIXTURES

EXAMPLE = FIXTURES / "spec" / "examples" / "model-case-2.json"
EXPECTED = FIXTURES / "spec" / "examples" / "model-case-2.expected.json"


def test_kyoso_summary_reproduces_the_shared_example() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "summary", str(EXAMPLE), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stderr == ""
    got = json.loads(proc.stdout)
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for key in ("member_count", "rate", "cap_yen", "claimed_total_yen", "eligible_total_yen", "subsidy_yen"):
        assert got[key] == expected[key], key
    assert [m["id"] for m in got["members"]] == [m["id"] for m in expected["members"]]
    for g, e in zip(got["members"], expected["members"], strict=True):
        assert {k: g[k] for k in e} == e
    assert [ln["id"] for ln in got["lines"]] == [ln["id"] for ln in expected["lines"]]
    for g, e in zip(got["lines"], expected["lines"], strict=True):
        assert {k: g[k] for k in e} == e
    rules = sorted({f["rule"] for f in got["findings"] if f["severity"] in ("error", "warning")})
    assert rules == expected["rules"]
    errors = sorted({f["rule"] for f in got["findings"] if f["severity"] == "error"})
    assert errors == expected["error_rules"]
    assert proc.returncode == (1 if expected["error_rules"] else 0)


def test_bundled_sample_is_the_shared_example() -> None:
    from tests.conftest import SAMPLE_PLAN

    assert json.loads(SAMPLE_PLAN.read_text(encoding="utf-8")) == json.loads(EXAMPLE.read_text(encoding="utf-8"))
