"""Reading an exported 経費内訳 workbook back: exact round trip, an edited workbook's change report,
unreadable cells (nothing applied), and the ``kyoso import-costs`` command."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings

import planner
from exports.costs_import import ImportReport, import_costs
from exports.packet import export_documents
from schemas import Plan, load_plan
from tests.conftest import SAMPLE_PLAN
from tests.exports.conftest import RecalcSet
from tests.exports.helpers import (
    EDITED_EXPECTED,
    edited_expected_costs,
    rows_by_id,
    sample_dict,
    sample_plan,
    spare_row,
)
from tests.strategies import plans


def _book(plan: Plan) -> bytes:
    return export_documents(plan)[0].data


def _changes(report: ImportReport) -> list[tuple[str, str, list[tuple[str, Any, Any]]]]:
    return [(c.kind, c.line_id, [(f.field, f.old, f.new) for f in c.fields]) for c in report.changes]


def _edit(data: bytes, edit: Any) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_round_trip_reproduces_the_cost_lines_exactly() -> None:
    plan = sample_plan()
    report = import_costs(plan, _book(plan))
    assert report.ok and report.problems == [] and report.changes == []
    assert report.plan is not None
    assert report.plan.to_json_dict() == plan.to_json_dict()


@settings(max_examples=25)
@given(plans(max_costs=30))
def test_round_trip_of_generated_plans(plan: Plan) -> None:
    report = import_costs(plan, _book(plan), evaluate=False)
    if not plan.costs and all(m.role == "collaborator" for m in plan.members):
        assert [p.message_en for p in report.problems] and report.plan is None  # no 経費内訳 sheet at all
        return
    assert report.problems == [], report.summary_lines("en")
    assert report.changes == []
    assert report.plan is not None
    assert report.plan.to_json_dict()["costs"] == plan.to_json_dict()["costs"]


def _check_edited(report: ImportReport) -> None:
    assert report.problems == [], report.summary_lines()
    assert _changes(report) == EDITED_EXPECTED
    assert report.plan is not None
    assert report.plan.to_json_dict()["costs"] == edited_expected_costs()
    expected_plan = load_plan({**sample_dict(), "costs": edited_expected_costs()})
    assert report.after is not None
    assert report.after.summary_dict() == planner.evaluate(expected_plan).summary_dict()
    assert report.before is not None and report.before.subsidy_yen == 10_913_332
    text = "\n".join(report.summary_lines())
    assert "追加 2 行、変更 3 行、削除 2 行" in text
    assert "単価: 2,400,000 → 2,000,000" in text


def test_edited_workbook_gives_the_expected_change_report(recalc: RecalcSet) -> None:
    _check_edited(import_costs(sample_plan(), recalc.edited))


def test_workbook_saved_by_libreoffice_imports_the_same(recalc: RecalcSet) -> None:
    _check_edited(import_costs(sample_plan(), recalc.edited_by_libreoffice.read_bytes()))


def test_unreadable_cells_are_reported_and_nothing_is_applied() -> None:
    plan = sample_plan()

    def vandalise(wb: Any) -> None:
        ws = wb["経費内訳01"]
        rows = rows_by_id(wb, "経費内訳01")
        ws.cell(row=rows["c1"], column=6).value = "十二"  # quantity as words
        ws.cell(row=rows["c2"], column=2).value = 7  # STEP 7
        ws.cell(row=rows["c5"], column=3).value = "謎の経費"  # unknown category
        ws.cell(row=rows["c6"], column=5).value = "=1+2"  # a formula without a stored result
        ws.cell(row=rows["c7"], column=5).value = "#DIV/0!"  # an error value
        spare = spare_row(wb, "経費内訳01")
        for col, value in enumerate((None, 2, "会議費", "追加", -5, 1), start=1):  # negative price
            ws.cell(row=spare, column=col).value = value
        ws2 = wb["経費内訳04"]
        ws2.cell(row=rows_by_id(wb, "経費内訳04")["c9"], column=6).value = 12.345  # 3 decimals of hours

    report = import_costs(plan, _edit(_book(plan), vandalise))
    assert not report.ok and report.plan is None and report.after is None
    where = sorted(p.where() for p in report.problems)
    assert where == sorted(["経費内訳01!F8", "経費内訳01!B9", "経費内訳01!C10", "経費内訳01!E11", "経費内訳01!E12",
                            "経費内訳01!E13", "経費内訳04!F8"])
    messages = {p.where(): p.message_ja for p in report.problems}
    assert "数値として読めません" in messages["経費内訳01!F8"]
    assert "1〜4" in messages["経費内訳01!B9"]
    assert "経費区分" in messages["経費内訳01!C10"]
    assert "数式" in messages["経費内訳01!E11"]
    assert "エラー値" in messages["経費内訳01!E12"]
    assert "0 以上" in messages["経費内訳01!E13"]
    assert "小数第2位" in messages["経費内訳04!F8"]
    assert "取り込みは行いません" in report.summary_lines()[0]


def test_duplicate_ids_and_a_missing_cell_are_problems() -> None:
    plan = sample_plan()

    def edit(wb: Any) -> None:
        ws = wb["経費内訳01"]
        rows = rows_by_id(wb, "経費内訳01")
        spare = spare_row(wb, "経費内訳01")
        for col in range(1, 7):  # a copied row, ID included
            ws.cell(row=spare, column=col).value = ws.cell(row=rows["c1"], column=col).value
        ws.cell(row=rows["c2"], column=5).value = None  # price emptied, the rest kept

    report = import_costs(plan, _edit(_book(plan), edit))
    assert report.plan is None
    assert sorted(p.where() for p in report.problems) == ["経費内訳01!A13", "経費内訳01!E9"]


def test_kenpo_grade_kept_unless_the_rate_is_changed() -> None:
    d = sample_dict()
    line = next(c for c in d["costs"] if c["id"] == "c13")
    del line["hourly_rate_yen"]
    line["kenpo_grade"] = 22
    d["kenpo_rates"] = {"title": "令和4年度 健保等級単価", "rates": {"22": 2150}}
    plan = load_plan(d)
    book = _book(plan)
    assert import_costs(plan, book).changes == []

    def rate(wb: Any) -> None:
        wb["経費内訳04"].cell(row=rows_by_id(wb, "経費内訳04")["c13"], column=5).value = 2500

    report = import_costs(plan, _edit(book, rate))
    assert _changes(report) == [("changed", "c13", [("kenpo_grade", 22, None), ("hourly_rate_yen", None, 2500)])]
    assert report.plan is not None
    new = next(c for c in report.plan.costs if c.id == "c13")
    assert (new.kenpo_grade, new.hourly_rate_yen) == (None, 2500)


def test_a_category_change_drops_the_fields_it_cannot_carry() -> None:
    plan = sample_plan()

    def edit(wb: Any) -> None:  # c3: cloud 35,000 × 18 months → software, 35,000 × 18
        wb["経費内訳02"].cell(row=rows_by_id(wb, "経費内訳02")["c3"], column=3).value = "ソフトウェア購入費"

    report = import_costs(plan, _edit(_book(plan), edit))
    assert _changes(report) == [("changed", "c3", [("category", "cloud", "software"), ("months", 18, None)])]
    assert report.ok


def test_workbook_of_another_consortium_is_noted() -> None:
    d = sample_dict()
    d["consortium"]["name"] = "別のコンソーシアム"
    other = load_plan(d)
    report = import_costs(sample_plan(), _book(other))
    assert report.ok
    assert any("別のコンソーシアム" in n for n in report.notes)


def test_not_a_workbook() -> None:
    report = import_costs(sample_plan(), b"PK\x03\x04 not really a zip")
    assert report.plan is None and len(report.problems) == 1 and report.problems[0].sheet == ""
    report = import_costs(sample_plan(), SAMPLE_PLAN)  # a JSON file
    assert report.plan is None and report.problems


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_bytes(SAMPLE_PLAN.read_bytes())
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, check=False)


def test_cli_import_costs_writes_the_new_plan(plan_file: Path, recalc: RecalcSet, tmp_path: Path) -> None:
    book = tmp_path / "edited.xlsx"
    book.write_bytes(recalc.edited)
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (plan_file, book)}
    out = tmp_path / "new.json"
    proc = _run("import-costs", str(plan_file), str(book), "-o", str(out))
    assert proc.returncode == 1, proc.stderr  # the sample's error finding is still there
    assert "Traceback" not in proc.stderr
    assert "追加 2 行、変更 3 行、削除 2 行" in proc.stdout
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["costs"] == edited_expected_costs()
    assert {k: v for k, v in written.items() if k != "costs"} == \
        {k: v for k, v in json.loads(SAMPLE_PLAN.read_text(encoding="utf-8")).items() if k != "costs"}
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (plan_file, book)} == digests


def test_cli_import_costs_refuses_and_writes_nothing(plan_file: Path, tmp_path: Path) -> None:
    plan = sample_plan()

    def vandalise(wb: Any) -> None:
        wb["経費内訳01"].cell(row=8, column=6).value = "abc"

    book = tmp_path / "bad.xlsx"
    book.write_bytes(_edit(_book(plan), vandalise))
    out = tmp_path / "new.json"
    proc = _run("import-costs", str(plan_file), str(book), "-o", str(out))
    assert proc.returncode == 2 and not out.exists()
    assert "経費内訳01!F8" in proc.stdout and "Traceback" not in proc.stderr
    proc = _run("import-costs", str(plan_file), str(book), "-o", str(plan_file))  # never over an input
    assert proc.returncode == 2 and plan_file.read_bytes() == SAMPLE_PLAN.read_bytes()
    proc = _run("import-costs", str(plan_file), str(tmp_path / "missing.xlsx"), "-o", str(out))
    assert proc.returncode == 2 and not out.exists()
    proc = _run("import-costs", str(tmp_path / "missing.json"), str(book), "-o", str(out))
    assert proc.returncode == 2 and not out.exists() and "Traceback" not in proc.stderr
