"""LibreOffice recalculates every exported workbook to the engine's figures, cell by cell.

Every formula cell's cached value is the engine's figure (what any viewer shows before a
recalculation); after LibreOffice recalculates (``OOXMLRecalcMode`` = always) each one still shows
that figure, and nowhere is there a ``#REF!``, ``#NAME?``, ``Err:`` or any other error value.
The application workbook's figures are also read back by their labels and compared with
``planner.evaluate`` directly, for the sample plan, a capped plan, a hostile-text plan, hypothesis
plans and a 2,000-line plan.
"""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import planner
from exports.application import SUMMARY
from tests.conftest import FIXTURES
from tests.exports.conftest import Exported, RecalcSet
from tests.exports.helpers import read_strings

TAGS = ("sample", "capped", "hostile", "precision", "gen0", "gen1", "gen2", "gen3", "large")
DOCS = ("application", "overview", "members", "pledges", "checklist")
ERRORS = ("#REF!", "#NAME?", "#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:", "#ERR")


def _cases() -> list[tuple[str, str]]:
    return [(t, d) for t in TAGS for d in DOCS if t != "large" or d == "application"]


def _formulas(data: bytes) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {(ws.title, c.coordinate): str(c.value) for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f"}


def _values(src: bytes | Path) -> Any:
    return openpyxl.load_workbook(io.BytesIO(src) if isinstance(src, bytes) else src, data_only=True)


def _same_number(got: Any, want: float | int) -> bool:
    if isinstance(got, bool) or not isinstance(got, int | float):
        return False
    if isinstance(want, int):
        return got == want
    return abs(got - want) < 1e-12


def test_libreoffice_really_recalculates(recalc: RecalcSet) -> None:
    ws = _values(recalc.control)["control"]
    assert ws["A1"].value == 2
    assert ws["A4"].value == 6


@pytest.mark.parametrize(("tag", "key"), _cases())
def test_every_formula_recalculates_to_the_cached_engine_figure(recalc: RecalcSet, tag: str, key: str) -> None:
    ex = recalc.sets[tag]
    doc = ex.doc(key)
    assert doc.info.fallbacks == []
    formulas = _formulas(doc.data)
    recorded = {(f.sheet, f.cell): f for f in doc.info.figures}
    assert set(formulas) == set(recorded)  # no formula cell the writer did not mean (no text became one)
    cached = _values(doc.data)
    recalculated = _values(ex.recalculated[key])
    mismatches = []
    for (sheet, cell), fig in recorded.items():
        assert formulas[(sheet, cell)] == fig.formula
        assert _same_number(cached[sheet][cell].value, fig.value), (sheet, cell)
        got = recalculated[sheet][cell].value
        if not _same_number(got, fig.value):
            mismatches.append((sheet, cell, fig.formula, fig.value, got))
    assert mismatches == []
    if key == "application":
        assert len(recorded) > 10


@pytest.mark.parametrize(("tag", "key"), _cases())
def test_no_error_value_anywhere(recalc: RecalcSet, tag: str, key: str) -> None:
    wb = _values(recalc.sets[tag].recalculated[key])
    bad = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "e" or (isinstance(c.value, str) and c.value.startswith(ERRORS)):
                    bad.append((ws.title, c.coordinate, c.value))
    assert bad == []


def _summary_rows(reader: Any) -> dict[str, list[Any]]:
    grid = reader.values[SUMMARY]
    out: dict[str, list[Any]] = {}
    for row in grid[13:]:
        first = row[0][0]
        if first == "合計":
            out["合計"] = [v for v, _ in row]
            break
        member_id = row[1][0]
        out[member_id] = [v for v, _ in row]
    return out


def _label_row(grid: list[list[tuple[Any, str]]], label: str) -> int:
    return next(i for i, row in enumerate(grid) if row and row[0][0] == label)


@pytest.mark.parametrize("tag", TAGS)
def test_application_shows_the_engines_figures(recalc: RecalcSet, tag: str) -> None:
    ex: Exported = recalc.sets[tag]
    res = ex.result
    reader = read_strings(ex.recalculated["application"].read_bytes())
    grid = reader.values[SUMMARY]
    assert Fraction(grid[6][3][0]).limit_denominator(100) == res.rate
    assert grid[7][3][0] == res.member_count
    assert grid[8][3][0] == res.cap_yen
    rows = _summary_rows(reader)
    for m in res.members:
        row = rows[m.id]
        assert row[5:10] == [m.claimed_yen, m.eligible_yen, m.raw_subsidy_yen, m.subsidy_yen, m.own_funds_yen], m.id
    total = rows["合計"]
    assert total[5:10] == [res.claimed_total_yen, res.eligible_total_yen, res.raw_subsidy_total_yen,
                           res.subsidy_yen, res.own_funds_yen]
    after_total = grid[_label_row(grid, "合計") + 1]
    assert after_total[8][0] == res.subsidy_yen == min(res.raw_subsidy_total_yen, res.cap_yen)
    steps = _label_row(grid, "STEP別の経費")
    for n in (1, 2, 3, 4):
        row = grid[steps + n]
        assert (row[5][0], row[6][0]) == (res.claimed_by_step[n], res.eligible_by_step[n]), n
    # every line on its member's sheet
    lines = {ln.id: ln for ln in res.lines}
    seen = set()
    for sheet in reader.sheetnames:
        if not sheet.startswith("経費内訳"):
            continue
        g = reader.values[sheet]
        member = g[3][7][0]
        for row in g[7:]:
            first = row[0][0]
            if first == "合計":
                mres = res.member(member)
                if mres is not None:
                    assert row[6][0] == mres.claimed_yen
                    if mres.role != "collaborator":
                        assert row[8][0] == mres.eligible_yen
                break
            if first is None:
                continue
            ln = lines[first]
            assert ln.member == member
            assert (row[6][0], row[7][0], row[8][0]) == (ln.claimed_yen, ln.claimed_yen - ln.eligible_yen,
                                                        ln.eligible_yen), first
            seen.add(first)
    assert seen == set(lines)


def test_sample_shows_the_shared_expected_figures(recalc: RecalcSet) -> None:
    expected = json.loads((FIXTURES / "spec" / "examples" / "model-case-2.expected.json").read_text(encoding="utf-8"))
    reader = read_strings(recalc.sets["sample"].recalculated["application"].read_bytes())
    rows = _summary_rows(reader)
    for m in expected["members"]:
        assert rows[m["id"]][5] == m["claimed_yen"]
        assert rows[m["id"]][6] == m["eligible_yen"]
        assert rows[m["id"]][8] == m["subsidy_yen"]
    assert rows["合計"][5] == expected["claimed_total_yen"]
    assert rows["合計"][6] == expected["eligible_total_yen"]
    assert rows["合計"][8] == expected["subsidy_yen"]
    assert reader.values[SUMMARY][8][3][0] == expected["cap_yen"]


def test_precision_plan_hits_the_large_amounts() -> None:
    """The precision plan really has figures of the kind LibreOffice's ROUNDDOWN(x,0) gets wrong."""
    from tests.exports.helpers import precision_plan

    res = planner.evaluate(precision_plan())
    u2 = res.member("u2")
    assert u2 is not None and res.rate == Fraction(1, 2)
    assert u2.eligible_yen > 2 * 10**11 and u2.eligible_yen % 2 == 1
    assert u2.raw_subsidy_yen == (u2.eligible_yen - 1) // 2
    c9 = res.line("c9")
    assert c9 is not None and c9.claimed_yen > 10**11


def test_capped_plan_really_is_capped(recalc: RecalcSet) -> None:
    """The capped plan's shares are the engine's (values with a note), and they sum to the cap."""
    ex = recalc.sets["capped"]
    assert ex.result.raw_subsidy_total_yen > ex.result.cap_yen
    assert ex.result.subsidy_yen == ex.result.cap_yen
    wb = openpyxl.load_workbook(io.BytesIO(ex.doc("application").data))
    ws = wb[SUMMARY]
    for r in range(14, 14 + len(ex.result.members)):
        cell = ws.cell(row=r, column=9)
        assert cell.data_type == "n"  # a value, not a formula
        assert cell.comment is not None and "subsidy.capped" in cell.comment.text
