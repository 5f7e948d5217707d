"""The comparison of one 共創型 plan across 共創型, 複数社連携 and the individual frames (mapping M1–M12)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import planner
from planner.itdonyu.compare import compare_programmes
from schemas import load_plan
from tests.conftest import EXAMPLES, SAMPLE_PLAN

HINTED = EXAMPLES / "itdonyu" / "model-case-2-with-hints.json"
VENDOR_LINES = {"c9", "c10", "c11", "c12", "c13", "c15"}  # it_vendor labour, subcontracting, travel


def _by_key(path: Path) -> dict[str, object]:
    comparison = compare_programmes(load_plan(path))
    return {e.key: e for e in comparison.estimates}


def test_sample_consortium_across_programmes() -> None:
    plan = load_plan(SAMPLE_PLAN)
    est = _by_key(SAMPLE_PLAN)
    kyoso = est["kyoso"]
    assert kyoso.subsidy_yen == planner.evaluate(plan).subsidy_yen == 10_913_332  # type: ignore[attr-defined]
    assert not kyoso.estimate  # type: ignore[attr-defined]
    for year in (2024, 2025):
        normal = est[f"itdonyu-{year}/normal"]
        # M4: u1 software 2,400,000 + cloud 600,000 at 1/2 = 1,500,000, capped at 1,499,999 with 1 process;
        # u2 cloud 630,000 (18 months ≤ 24) → 315,000; u3 software 600,000 → 300,000
        assert normal.per_member == {"u1": 1_499_999, "u2": 315_000, "u3": 300_000}  # type: ignore[attr-defined]
        invoice = est[f"itdonyu-{year}/invoice"]
        assert invoice.subsidy_if_met_yen == 0  # type: ignore[attr-defined]  (no 会計・受発注・決済 tool)
        group = est[f"itdonyu-{year}/group"]
        assert [f.rule for f in group.blocking] == ["group.min_members"]  # type: ignore[attr-defined]
        assert group.subsidy_yen == 0  # type: ignore[attr-defined]
    # (b) = min(3 × 500,000, floor(4,020,000 × 2/3)); (c) 360,000 × 2/3 = 240,000, 2025 capped at (a)+(b) × 1/15
    assert est["itdonyu-2024/group"].subsidy_if_met_yen == 1_500_000 + 240_000  # type: ignore[attr-defined]
    assert est["itdonyu-2025/group"].subsidy_if_met_yen == 1_500_000 + 100_000  # type: ignore[attr-defined]
    assert compare_programmes(plan).best().key == "kyoso"


@pytest.mark.parametrize("path", [SAMPLE_PLAN, HINTED])
def test_every_yen_is_either_eligible_or_named_as_not_fundable(path: Path) -> None:
    comparison = compare_programmes(load_plan(path))
    total = comparison.estimates[0].plan_costs_yen
    assert total == 17_820_000
    for e in comparison.estimates:
        assert e.eligible_yen + e.unfunded_yen == total, e.key
        assert all(u.reason_ja and u.reason_en and u.yen > 0 for u in e.unfunded)
        if e.estimate:  # vendor development labour is not an IT導入補助金 cost, in every frame
            vendor = {u.line for u in e.unfunded if u.rule == "M3"}
            assert vendor == VENDOR_LINES, e.key
            assert any(u.line == "c8" and u.rule == "M5" for u in e.unfunded)  # commissioned development


def test_hints_route_tools_to_invoice_and_a_b() -> None:
    est = _by_key(HINTED)
    # u1's 販売管理 cloud (ordering/payment) is インボイス: 600,000 × 3/4; 画像認識 is not
    assert est["itdonyu-2025/invoice"].per_member == {"u1": 450_000, "u2": 0, "u3": 0}  # type: ignore[attr-defined]
    # (a) 450,000; (b) min(1,500,000, floor((2,400,000 + 420,000 + 600,000) × 2/3)); (c) min(240,000, floor(1,950,000/15))
    assert est["itdonyu-2025/group"].subsidy_if_met_yen == 450_000 + 1_500_000 + 130_000  # type: ignore[attr-defined]
    normal = est["itdonyu-2025/normal"]
    assert normal.per_member["u1"] == 1_500_000  # type: ignore[attr-defined]  (4 processes: the upper band)
    assert [f.rule for f in normal.assumed] == ["wage.plan_missing"]  # type: ignore[attr-defined]


def test_compare_programmes_command(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "cli", "compare-programmes", str(SAMPLE_PLAN), "--json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stderr == ""
    got = json.loads(proc.stdout)
    assert got["best"] == "kyoso"
    keys = [p["key"] for p in got["programmes"]]
    assert keys == ["kyoso", "itdonyu-2024/group", "itdonyu-2024/normal", "itdonyu-2024/invoice",
                    "itdonyu-2025/group", "itdonyu-2025/normal", "itdonyu-2025/invoice"]
    text = subprocess.run([sys.executable, "-m", "cli", "compare-programmes", str(HINTED), "--lang", "en"],
                          capture_output=True, text=True, check=False)
    assert text.returncode == 0
    assert "¥10,913,332" in text.stdout and "¥2,080,000" in text.stdout and "not fundable" in text.stdout
    wrong = subprocess.run([sys.executable, "-m", "cli", "compare-programmes",
                            str(EXAMPLES / "itdonyu" / "normal-2025.json")], capture_output=True, text=True, check=False)
    assert wrong.returncode == 2 and "kyoso-plan/1" in wrong.stderr


def test_kenpo_grade_labour_is_compared_at_the_engine_amount(sample_plan_dict: dict[str, object]) -> None:
    """A 健保等級 labour line has no hourly_rate_yen: the comparison must use the engine's claimed amount.

    c5 (u1 要件定義, 120 h) at grade 20 of the plan's own table (¥1,550/h) claims 120 × 1,550 = ¥186,000.
    """
    data = json.loads(json.dumps(sample_plan_dict))
    c5 = next(c for c in data["costs"] if c["id"] == "c5")  # type: ignore[union-attr]
    del c5["hourly_rate_yen"]
    c5["kenpo_grade"] = 20
    data["kenpo_rates"] = {"title": "テスト用 健保等級単価", "rates": {"20": 1550}}
    plan = load_plan(data)
    assert planner.evaluate(plan).line("c5").claimed_yen == 186_000  # type: ignore[union-attr]
    comparison = compare_programmes(plan)
    total = 17_820_000 - 336_000 + 186_000
    for e in comparison.estimates:
        assert e.plan_costs_yen == total, e.key
        assert e.eligible_yen + e.unfunded_yen == total, e.key
        if e.estimate:
            assert any(u.line == "c5" and u.yen == 186_000 for u in e.unfunded), e.key
