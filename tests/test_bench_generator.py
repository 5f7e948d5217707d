"""The benchmark's plan generator makes valid plans, and ``python -m bench --quick`` runs end to end.

No timing is asserted here (issue 5: speed is measured by bench/, never by timed tests).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import planner
from bench.generate import generate_plan
from bench.timing import fit_exponent, measure, percentile, stats_of
from schemas import CATEGORIES, load_plan
from tests.conftest import ROOT

REFERENCE_RULES = {"cost.unknown_reference", "plan.unknown_reference", "integration.invalid_endpoint"}
LINE_RULES = {
    "cost.category_not_allowed",
    "cost.payee_invalid",
    "cost.meeting_internal",
    "cost.travel_purpose",
    "cost.existing_tool_mod_requires_api",
    "cost.term_over_one_year",
    "member.not_sme",
    "member.user_is_provider",
}
GRAPH_RULES = {
    "plan.no_integration",
    "tool.no_sales_record",
    "integration.no_new_development",
    "tool.vendor_rights",
    "tool.no_user",
    "member.sme_user_without_integration",
    "graph.disconnected",
}


@pytest.mark.parametrize(
    ("n_lines", "seed", "n_members"),
    [(0, 0, 4), (10, 0, None), (137, 3, 4), (1_000, 1, None), (2_000, 7, 30), (5_000, 2, 11)],
)
def test_generated_plans_load_and_reference_only_what_exists(n_lines: int, seed: int, n_members: int | None) -> None:
    data = generate_plan(n_lines, seed=seed, n_members=n_members)
    plan = load_plan(json.dumps(data, ensure_ascii=False).encode("utf-8"), name="generated.json")
    assert len(plan.costs) == n_lines
    assert 4 <= len(plan.members) <= 30
    if n_members is not None:
        assert len(plan.members) == n_members
    result = planner.evaluate(plan)
    rules = {f.rule for f in result.findings}
    assert not rules & REFERENCE_RULES, sorted(rules & REFERENCE_RULES)
    assert not rules & GRAPH_RULES, sorted(rules & GRAPH_RULES)  # a connected, new, sold, used tool graph
    if n_lines:
        eligible = sum(1 for ln in result.lines if ln.eligible_yen > 0)
        assert eligible >= 0.9 * n_lines


def test_large_plans_have_every_category_step_and_some_violations() -> None:
    plan = load_plan(generate_plan(3_000, seed=5))
    cats = Counter(ln.category for ln in plan.costs)
    assert set(cats) == set(CATEGORIES)
    assert {ln.step for ln in plan.costs} == {1, 2, 3, 4}
    assert {m.role for m in plan.members} == {"sme_user", "it_vendor", "collaborator"}
    assert any(ln.kenpo_grade is not None for ln in plan.costs)
    assert any(ln.hourly_rate_yen is not None for ln in plan.costs)
    result = planner.evaluate(plan)
    rules = Counter(f.rule for f in result.findings)
    # the deliberate violations (2 % of lines) show up as line findings …
    assert sum(rules[r] for r in LINE_RULES) >= 20
    # … and the three pressure lines make every §4 ratio rule bind
    assert {r.rule for r in result.ratios if r.removed_yen > 0} == {
        "cost.subcontract_half",
        "cost.user_labour_third",
        "cost.software_cloud_half",
    }


@pytest.mark.parametrize("program", ["kyoso-r3", "kyoso-r4"])
def test_without_violations_no_line_rule_fires(program: str) -> None:
    plan = load_plan(generate_plan(1_500, seed=11, violation_rate=0.0, program=program))
    result = planner.evaluate(plan)
    fired = {f.rule for f in result.findings} & (LINE_RULES - {"cost.term_over_one_year"})
    assert not fired, fired
    assert not result.has_errors, [f.rule for f in result.findings if f.severity == "error"]


def test_generator_is_deterministic_by_seed() -> None:
    assert generate_plan(500, seed=4) == generate_plan(500, seed=4)
    assert generate_plan(500, seed=4) != generate_plan(500, seed=5)


def test_flex_ranges_contain_the_amount() -> None:
    plan = load_plan(generate_plan(400, seed=2, flex=True))
    flex = [ln for ln in plan.costs if ln.flex is not None]
    assert len(flex) > 100
    for ln in flex:
        assert ln.flex is not None
        amount = (
            (ln.unit_price_yen or 0) * (ln.quantity or 0)
            if ln.category != "labour"
            else None
        )
        if amount is not None:
            assert ln.flex.min_yen <= amount <= ln.flex.max_yen


def test_generator_rejects_member_counts_outside_4_to_30() -> None:
    with pytest.raises(ValueError):
        generate_plan(10, n_members=3)
    with pytest.raises(ValueError):
        generate_plan(10, n_members=31)


def test_timing_helpers() -> None:
    # t = 3·n^1.5 exactly → slope 1.5
    k = fit_exponent([(n, 3 * n**1.5) for n in (10, 100, 1_000, 10_000)])
    assert k is not None and math.isclose(k, 1.5, rel_tol=1e-9)
    assert fit_exponent([(10, 1.0)]) is None
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    s = stats_of([5, 1, 4, 2, 3])
    assert (s.n, s.min_ns, s.median_ns, s.max_ns) == (5, 1, 3, 5)
    calls: list[int] = []
    st = measure(lambda: calls.append(1), repeats=4, warmup=3)
    assert len(calls) == 7 and st.n == 4
    assert st.min_ns <= st.median_ns <= st.p90_ns <= st.max_ns


def test_bench_quick_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--quiet", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "| evaluate" in proc.stdout and "median ms" in proc.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["config"]["quick"] is True
    assert set(data["evaluate"]["sizes"]) == {"10", "40"}
    for entry in (*data["evaluate"]["sizes"].values(), *data["load"]["sizes"].values()):
        assert entry["n"] == 2 and entry["min_ns"] <= entry["median_ns"] <= entry["max_ns"]
    for section in ("app", "export", "optimize", "libreoffice"):
        assert data[section]["status"], section  # measured, or why not ("app not present", …)
    assert data["machine"]["nproc"] >= 1 and data["machine"]["python"]
    # the replicas' load run, small: two replicas' sessions saved, were heard across, lost nothing
    saves = data["replicas"]["saves"]
    assert saves["saves"] > 0 and saves["lost_or_overwritten"] == [] and saves["notify_s"]["never_heard"] == 0
    assert data["replicas"]["memory"]["mb_per_session"] > 0
    assert not data.get("errors")


def test_bench_libreoffice_step_really_recalculates(tmp_path: Path) -> None:
    """The LibreOffice timing is only meaningful if the profile makes it recalculate on load."""
    import openpyxl
    import xlsxwriter

    from bench.runner import libreoffice_recalc, make_profile

    book = tmp_path / "stale.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    wb.add_worksheet().write_formula(0, 0, "=1+1", None, 5)  # a stale cached value
    wb.close()
    libreoffice_recalc(book, tmp_path, make_profile(tmp_path))
    (out,) = tmp_path.glob("out-*/stale.xlsx")
    assert openpyxl.load_workbook(out, data_only=True).active["A1"].value == 2
