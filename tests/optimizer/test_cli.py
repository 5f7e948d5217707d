"""``kyoso optimize`` and ``kyoso compare`` as a user runs them (a subprocess, real files)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import planner
from schemas import load_plan
from tests.optimizer.plans import amount_line, base_plan, flex


def _kyoso(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, check=False, cwd=cwd)


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _all_flex(data: dict[str, Any]) -> dict[str, Any]:
    for c in data["costs"]:
        amount = int(c["hours"] * c["hourly_rate_yen"]) if c["category"] == "labour" else c["unit_price_yen"] * c["quantity"]
        c["flex"] = {"min_yen": amount // 2, "max_yen": amount * 2}
    return data


def test_optimize_then_summary_scores_the_optimum(sample_plan_dict: dict[str, Any], tmp_path: Path) -> None:
    src = _write(tmp_path / "plan.json", _all_flex(sample_plan_dict))
    before = src.read_bytes()
    out = tmp_path / "out.json"
    proc = _kyoso("optimize", str(src), "-o", str(out), "--json")
    assert proc.stderr == ""
    report = json.loads(proc.stdout)
    assert report["status"] == "optimal"
    # the sample keeps one error no amount can fix (vendor labour modifying a tool on a messaging link)
    assert proc.returncode == 1
    assert src.read_bytes() == before  # the input is never written
    summary = _kyoso("summary", str(out), "--json")
    got = json.loads(summary.stdout)
    assert got["subsidy_yen"] == report["subsidy_yen"] == report["model_subsidy_yen"]
    assert got["subsidy_yen"] > report["baseline_subsidy_yen"]
    # the input's own lines are kept in the output as a scenario, and compare shows both
    written = load_plan(out)
    assert written.scenarios is not None and written.scenarios[-1].name == "最適化前の計画"
    assert written.scenarios[-1].plan.costs == load_plan(src).costs
    cmp = json.loads(_kyoso("compare", str(out), "--json").stdout)
    subsidy = next(r for r in cmp["headline"] if r["key"] == "subsidy_yen")
    assert subsidy["values"] == [report["subsidy_yen"], report["baseline_subsidy_yen"]]


def test_optimize_as_scenario_with_budgets_and_objective(sample_plan_dict: dict[str, Any], tmp_path: Path) -> None:
    src = _write(tmp_path / "plan.json", _all_flex(sample_plan_dict))
    out = tmp_path / "scn.json"
    proc = _kyoso(
        "optimize", str(src), "--objective", "own-funds:u1", "--budget", "¥20,000,000",
        "--budget-member", "v2=3,000,000", "-o", str(out), "--as-scenario", "--name", "予算2千万", "--lang", "en",
    )
    assert proc.returncode == 1, proc.stderr  # the sample's unfixable error remains
    assert "written to" in proc.stdout and "budget" in proc.stdout
    plan = load_plan(out)
    assert plan.costs == load_plan(src).costs  # --as-scenario: the plan's own lines untouched
    assert plan.scenarios is not None and plan.scenarios[0].name == "予算2千万"
    result = planner.evaluate(plan.scenarios[0].plan)
    assert result.claimed_total_yen <= 20_000_000
    v2 = result.member("v2")
    assert v2 is not None and v2.claimed_yen <= 3_000_000
    assert plan.scenarios[0].note and "budget" in plan.scenarios[0].note


def test_optimize_exit_codes_and_messages(tmp_path: Path) -> None:
    data = base_plan()
    data["costs"] = [
        amount_line("fixed", "u1", 2, "outsourcing", 5_000_000, payee="v1"),
        flex(amount_line("f", "u2", 2, "outsourcing", 0, payee="v2"), 0, 2_000_000),
    ]
    src = _write(tmp_path / "p.json", data)
    out = tmp_path / "o.json"
    infeasible = _kyoso("optimize", str(src), "--budget", "4000000", "-o", str(out))
    assert infeasible.returncode == 4 and not out.exists()
    assert "¥4,000,000" in infeasible.stdout and "¥1,000,000" in infeasible.stdout
    unknown = _kyoso("optimize", str(src), "--budget-member", "zz=5", "-o", str(out))
    assert unknown.returncode == 2 and "zz" in unknown.stderr and "Traceback" not in unknown.stderr
    bad = _kyoso("optimize", str(src), "--budget", "lots", "-o", str(out))
    assert bad.returncode == 2 and "lots" in bad.stderr
    same = _kyoso("optimize", str(src), "-o", str(src))
    assert same.returncode == 2 and "入力" in same.stderr
    missing = _kyoso("optimize", str(tmp_path / "nope.json"), "-o", str(out))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    # u2's 2,000,000th yen still earns one (floor(2,000,000 × 2/3) = 1,333,333 > 1,333,332)
    ok = _kyoso("optimize", str(src), "-o", str(out))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(_kyoso("summary", str(out), "--json").stdout)["claimed_total_yen"] == 7_000_000


def test_compare_two_files(sample_plan_path: Path, sample_plan_dict: dict[str, Any], tmp_path: Path) -> None:
    changed = json.loads(json.dumps(sample_plan_dict))
    changed["integrations"][1]["method"] = "api"
    other = _write(tmp_path / "api.json", changed)
    proc = _kyoso("compare", str(sample_plan_path), str(other), "--json", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    cmp = json.loads(proc.stdout)
    assert cmp["scenarios"] == [sample_plan_path.name, "api.json"]
    diff = cmp["differences"][0]
    assert [f["rule"] for f in diff["findings_removed"]] == ["cost.existing_tool_mod_requires_api"]
    assert [d["id"] for d in diff["lines"]] == ["c12"]
    text = _kyoso("compare", str(sample_plan_path), str(other))
    assert text.returncode == 0 and "c12" in text.stdout and "補助金額" in text.stdout
    alone = _kyoso("compare", str(sample_plan_path))
    assert alone.returncode == 2 and "2つ以上" in alone.stderr
