"""Official workbook parity: the secretariat's 複数社連携 calculator, recalculated by LibreOffice, vs the engine.

Each case fills a copy of ``it2025_yoshikikeisan_fukusu.xlsx`` (様式5 基盤導入経費 per member, 様式6 (b),
様式7 (c), the 労働生産性 tools; 計算用ツール for the 役務 cap), recalculates all copies in one headless
LibreOffice call and compares every figure with ``planner.evaluate`` on the same group.  Where the
workbook and the 公募要領 disagree the engine follows the text and the difference is asserted exactly
and recorded in ``test-output/itdonyu-workbook-parity.json``:

* the 1-function cap (上限50万円) the workbook lacks (it pays the 2/3 tier to any software);
* its 625,001 split for 小規模事業者 (the text's first tier ends at 625,000: 625,000 × 4/5 = 500,000);
* (a)+(b) ≤ 30,000,000, which the workbook only colours red (the engine removes the excess);
* the (b) cap basis: the workbook multiplies by the グループ構成員数 typed in 様式6 C12, the engine by the
  members that adopt (b) (交付規程 別表1 *3, an interpretation).
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import planner
from planner.itdonyu import formulas as fx
from planner.money import floor_mul
from schemas.itdonyu import load_application
from tests.itdonyu.apps import group_from_case
from tests.itdonyu.workbook import REFERENCE, WbCase, WbMember, fill_all, read, recalc

M = WbMember


def _sme(n: int, software: int, **kw: Any) -> list[WbMember]:
    return [M(software=software, **kw) for _ in range(n)]


def _prod(base: int, y1: int, y2: int, emp: int = 10, hours: int = 2000) -> tuple[tuple[int, int, int, int, int], ...]:
    """Value added split as 営業利益 / 人件費 / 減価償却費 (20% / 75% / 5%)."""

    def split(va: int) -> tuple[int, int, int, int, int]:
        op = va // 5
        dep = va // 20
        return (op, va - op - dep, dep, emp, hours)

    return (split(base), split(y1), split(y2))


CASES: list[WbCase] = [
    WbCase(
        "tier-boundaries-sme",
        [M(software=s) for s in (666_666, 666_667, 666_668, 666_669, 1_000_000, 5_166_666, 5_166_667, 5_166_668, 50_000, 1)],
    ),
    WbCase(
        "tier-boundaries-small",
        [M(small=True, software=s) for s in (624_999, 625_000, 625_001, 625_002, 625_003, 625_004, 1_000_000,
                                                5_125_000, 5_125_001, 5_125_002)],
    ),
    WbCase(
        "hardware-caps",
        [M(software=300_000, pc=pc, register=reg) for pc, reg in (
            (199_999, 399_999), (200_000, 400_000), (200_001, 400_001), (200_002, 400_002), (1, 1),
            (150_000, 300_000), (800_000, 900_000), (2, 3), (199_998, 399_998), (250_000, 410_000))],
    ),
    WbCase(
        "one-function-cap",
        [M(software=s, functions=f, small=sm) for s, f, sm in (
            (666_667, 1, False), (1_000_000, 1, False), (3_000_000, 1, False), (1_000_000, 1, True),
            (666_668, 1, False), (1_000_000, 2, False), (700_000, 1, True), (625_000, 1, True),
            (666_669, 1, False), (2_000_000, 2, True))],
    ),
    WbCase(
        "analysis-below-cap",
        [M(software=400_000, b_software=600_000) for _ in range(3)] + _sme(7, 400_000),
    ),
    WbCase(
        "analysis-at-cap-minus-1",
        [M(software=400_000, b_software=749_999), M(software=400_000, b_software=750_000),
         M(software=400_000, b_hardware=749_999), *_sme(7, 400_000)],
    ),
    WbCase(
        "analysis-at-cap",
        [M(software=400_000, b_software=750_000), M(software=400_000, b_software=750_000),
         M(software=400_000, b_software=500_000, b_hardware=250_000), *_sme(7, 400_000)],
    ),
    WbCase(
        "analysis-over-cap",
        [M(software=400_000, b_software=750_000), M(software=400_000, b_software=750_000),
         M(software=400_000, b_hardware=750_002), *_sme(7, 400_000)],
    ),
    WbCase("admin-at-cap-minus-1", _sme(10, 1_000_000), admin_yen=500_000, expert_yen=222_220),
    WbCase("admin-at-cap", _sme(10, 1_000_000), admin_yen=500_000, expert_yen=222_222),
    WbCase("admin-at-cap-plus-1", _sme(10, 1_000_000), admin_yen=500_000, expert_yen=222_223),
    WbCase(
        "ab-over-30m",
        [M(software=5_166_667, b_software=600_000) for _ in range(2)] + _sme(8, 5_166_667),
        admin_yen=3_000_000,
        expert_yen=3,
    ),
    WbCase(
        "b-basis-all-members",
        [M(software=400_000, b_software=3_000_000), M(software=400_000, b_software=3_000_000), *_sme(8, 400_000)],
        b_members_entered=10,
    ),
    WbCase(
        "service-cap-calc-tool",
        [M(tool_lines=(("software", 500_000), ("option", 100_000), ("service", 1_500_000), ("service", 700_000))), *_sme(9, 800_000)],
    ),
    WbCase(
        "productivity-exactly-5pct",
        [M(software=800_000, productivity=_prod(2_000_000, 2_100_000, 2_205_000)) for _ in range(10)],
    ),
    WbCase(
        "productivity-just-below-5pct",
        [M(software=800_000, productivity=_prod(2_000_000, 2_100_000, 2_204_999)) for _ in range(10)],
    ),
    WbCase(
        "productivity-mixed-members",
        [M(software=800_000, productivity=_prod(b, y1, y2, emp, hrs)) for b, y1, y2, emp, hrs in (
            (2_000_000, 2_100_000, 2_300_000, 10, 2000), (5_000_000, 5_100_000, 5_400_000, 20, 1800),
            (900_000, 950_000, 1_000_000, 3, 1900), (12_000_000, 12_500_000, 13_700_000, 45, 2050),
            (3_000_000, 3_000_000, 3_100_000, 8, 1750), (2_500_000, 2_700_000, 2_900_000, 9, 2000),
            (7_000_000, 7_300_000, 7_900_000, 25, 1950), (1_000_000, 1_050_000, 1_150_000, 4, 2000),
            (4_000_000, 4_100_000, 4_500_000, 15, 1850), (6_000_000, 6_400_000, 6_800_000, 21, 2100))],
    ),
    WbCase(
        "productivity-decline",
        [M(software=800_000, productivity=_prod(2_000_000, 1_950_000, 1_900_000)) for _ in range(10)],
    ),
    WbCase(
        "productivity-prior-grant-6pct",
        [M(software=800_000, prior_grant=(k == 3), productivity=_prod(2_000_000, 2_120_000, 2_247_200))
         for k in range(10)],
    ),
    WbCase(
        "mixed-realistic",
        [
            M(software=1_800_000, pc=240_000, register=520_000, b_software=900_000,
              productivity=_prod(8_000_000, 8_400_000, 8_900_000, 12, 1900)),
            M(small=True, software=700_000, register=180_000, productivity=_prod(1_200_000, 1_300_000, 1_400_000, 3, 2000)),
            M(small=True, software=333_333, pc=99_999, b_hardware=450_000,
              productivity=_prod(900_000, 990_000, 1_050_000, 2, 1800)),
            M(software=2_500_000, b_software=1_200_000, productivity=_prod(15_000_000, 15_600_000, 16_900_000, 40, 2000)),
            M(software=666_667, productivity=_prod(3_000_000, 3_100_000, 3_350_000, 9, 1950)),
            M(small=True, software=625_001, productivity=_prod(1_500_000, 1_600_000, 1_700_000, 4, 2000)),
            M(software=90_000, pc=150_000, productivity=_prod(2_200_000, 2_300_000, 2_450_000, 8, 2000)),
            M(software=4_000_000, productivity=_prod(20_000_000, 21_000_000, 22_500_000, 50, 2000)),
            M(small=True, software=1_250_000, b_software=300_000, productivity=_prod(1_000_000, 1_100_000, 1_200_000, 5, 1700)),
            M(software=510_000, register=200_000, productivity=_prod(4_000_000, 4_250_000, 4_500_000, 14, 1900)),
            M(software=980_000, productivity=_prod(5_000_000, 5_300_000, 5_650_000, 18, 2000)),
        ],
        admin_yen=600_000,
        expert_yen=450_000,
    ),
]

OUTPUT: list[dict[str, Any]] = []


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    before = _sha(REFERENCE)
    work = tmp_path_factory.mktemp("itdonyu-workbook")
    out = recalc(fill_all(CASES, work), work)
    assert _sha(REFERENCE) == before, "the reference workbook must never be modified"
    return {case.name: read(p, case) for case, p in zip(CASES, out, strict=True)}


def _software_cost(m: WbMember, cap: int = 2_000_000) -> int:
    if not m.tool_lines:
        return m.software
    service = sum(y for k, y in m.tool_lines if k == "service")
    return sum(y for k, y in m.tool_lines if k != "service") + min(service, cap)


def _tier2(cost: int, split: int) -> int:
    return min(3_000_000, floor_mul(max(0, cost - split), Fraction(2, 3)))


def _record(case: str, member: str | None, what: str, workbook: int, engine: int, why: str) -> None:
    OUTPUT.append({"case": case, "member": member, "what": what, "workbook": workbook, "engine": engine, "why": why})


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_workbook_and_engine_agree(case: WbCase, recalculated: dict[str, dict[str, Any]]) -> None:
    wb = recalculated[case.name]
    app = load_application(group_from_case(case))
    res = planner.evaluate(app)
    known = 0  # yen by which the workbook's (a) exceeds the engine's, from the documented differences
    for k, (m, w) in enumerate(zip(case.members, wb["members"], strict=True)):
        mid = f"m{k + 1}"
        em = res.member(mid)
        assert em is not None
        cost = _software_cost(m)
        assert w["software_cost"] == cost  # the 役務 cap (計算用ツール F41) and the subtotal agree
        eng = em.parts.get("software", 0)
        delta = 0
        if m.small and cost > 625_000:  # the workbook splits at 625,001, the text at 625,000
            split_delta = _tier2(cost, 625_001) - _tier2(cost, 625_000)
            if split_delta:
                assert w["split"] == 625_001
                _record(case.name, mid, "小規模 split 625,001", w["software"], eng,
                        "text: first tier ends at 625,000 (625,000 × 4/5 = 500,000)")
            delta += split_delta
        if m.functions < 2:
            removed = next(
                f.yen for f in res.findings if f.rule == "software.one_function_cap" and mid in f.refs
            ) if any(f.rule == "software.one_function_cap" and mid in f.refs for f in res.findings) else 0
            split = 625_000 if m.small else 666_667
            assert removed == _tier2(cost, split)
            assert eng <= 500_000
            if removed:
                _record(case.name, mid, "1-function cap", w["software"], eng, "text: 1機能のみ 上限50万円 (the workbook has no function count)")
            delta += removed
        assert w["software"] == eng + delta, (mid, w, eng, delta)
        assert (w["pc"] or 0) == em.parts.get("hardware_pc", 0)
        assert (w["register"] or 0) == em.parts.get("hardware_register", 0)
        known += delta
    a_wb = sum((w["software"] or 0) + (w["pc"] or 0) + (w["register"] or 0) for w in wb["members"])
    a_engine_before_cap = sum(
        sum(v for key, v in (res.member(f"m{k + 1}").parts.items()) if key in ("software", "hardware_pc", "hardware_register"))  # type: ignore[union-attr]
        for k in range(len(case.members))
    )
    assert a_wb == a_engine_before_cap + known
    assert wb["a_requested"] == a_wb
    g = res.group_parts
    # (b): same cap arithmetic when the workbook is given the members adopting (b)
    b_wb = wb["b"] or 0
    trimmed = next((f.yen for f in res.findings if f.rule == "group.ab_cap"), 0) or 0
    if case.b_members_entered is not None and case.b_members_entered != case.b_adopters:
        b_cost = sum(m.b_software + m.b_hardware for m in case.members)
        assert b_wb == min(500_000 * case.b_members_entered, floor_mul(b_cost, Fraction(2, 3)))
        assert g["b"] == min(500_000 * case.b_adopters, floor_mul(b_cost, Fraction(2, 3)))
        _record(case.name, None, "(b) cap basis", b_wb, g["b"],
                "interpretation: 50万円 × members adopting (b) (交付規程 別表1 *3); the workbook takes the typed グループ構成員数")
    elif not trimmed:
        assert b_wb == g["b"]
    # (a)+(b) ≤ 30,000,000: the workbook only colours it red
    if trimmed:
        assert a_wb + b_wb > 30_000_000
        assert g["a"] + g["b"] == 30_000_000
        assert (wb["a_available"] or 0) + b_wb - (g["a"] + g["b"]) == min(a_wb, 30_000_000) + b_wb - 30_000_000
        _record(case.name, None, "(a)+(b) ≤ 30,000,000", (wb["a_available"] or 0) + b_wb, g["a"] + g["b"],
                "text: (1)+(2) の補助上限額は3,000万円 (the workbook only colours the cell red)")
    else:
        assert wb["a_available"] == g["a"] + known
    # (c): the workbook's own (a)+(b) through the engine's cap formula, and equal figures when nothing differs
    c_cost = case.admin_yen + case.expert_yen
    if c_cost:
        ab_wb = a_wb + b_wb
        cap_wb = 2_000_000 if ab_wb > 30_000_000 else fx.group_admin_cap(2_000_000, ab_wb, Fraction(1, 10), Fraction(2, 3))
        assert wb["c_cap"] == cap_wb
        assert wb["c"] == min(cap_wb, floor_mul(c_cost, Fraction(2, 3)))
        if not known and not trimmed:
            assert wb["c"] == g["c"]
    if not known and not trimmed and case.b_members_entered in (None, case.b_adopters):
        assert wb["total_available"] == res.subsidy_yen
        assert wb["total_requested"] == res.subsidy_yen
    # 労働生産性: the per-business tool and the group tool (float) vs the exact engine
    if any(m.productivity for m in case.members):
        prod = res.productivity
        assert prod is not None
        got = [Fraction(str(round(x, 3))) if x is not None else None for x in wb["group_growth"]]
        check = next(c for c in prod.checks if c.year == 2)
        assert got[1] == check.growth, (wb["group_growth"], check)
        assert abs(wb["group_productivity"][0] - float(prod.base)) <= 1e-9 * abs(float(prod.base))
        assert abs(wb["group_productivity"][2] - float(prod.by_year[2])) <= 1e-9 * abs(float(prod.by_year[2]))
        first = next(m for m in case.members if m.productivity)
        va = [sum(t[:3]) for t in first.productivity]
        p = [Fraction(v, t[3] * t[4]) for v, t in zip(va, first.productivity, strict=True)]
        assert [abs(w - float(x)) <= 1e-9 * float(x) for w, x in zip(wb["one_productivity"], p, strict=True)] == [True] * 3
        assert Fraction(str(round(wb["one_growth"][1], 3))) == fx.productivity_growth(p[0], p[2], 2, "cagr", Fraction(1, 1000))
        assert Fraction(str(round(wb["one_growth"][0], 3))) == fx.productivity_growth(p[0], p[1], 1, "total", Fraction(1, 1000))


def test_known_differences_are_observed_and_recorded(recalculated: dict[str, dict[str, Any]], output_dir: Path) -> None:
    """Runs after the cases: every documented difference actually occurred, with its exact figures."""
    whats = {r["what"] for r in OUTPUT}
    assert whats == {"小規模 split 625,001", "1-function cap", "(a)+(b) ≤ 30,000,000", "(b) cap basis"}
    by = {(r["case"], r["member"], r["what"]): (r["workbook"], r["engine"]) for r in OUTPUT}
    # 1,000,000 yen of 1-function software: the workbook pays 722,222, the text 500,000
    assert by[("one-function-cap", "m2", "1-function cap")] == (722_222, 500_000)
    # 小規模 625,003: workbook 500,000 + floor(2 × 2/3) = 500,001; text 500,000 + floor(3 × 2/3) = 500,002
    assert by[("tier-boundaries-small", "m5", "小規模 split 625,001")] == (500_001, 500_002)
    # ten members of 3,500,000 (a) and 800,000 (b): the workbook shows 30,000,000 + 800,000
    assert by[("ab-over-30m", None, "(a)+(b) ≤ 30,000,000")] == (30_800_000, 30_000_000)
    assert by[("b-basis-all-members", None, "(b) cap basis")] == (4_000_000, 1_000_000)
    assert len(CASES) >= 15
    (output_dir / "itdonyu-workbook-parity.json").write_text(
        json.dumps({"cases": [c.name for c in CASES], "known_differences": OUTPUT}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
