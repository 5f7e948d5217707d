"""The exported workbooks' structure, read with openpyxl: sheets, protection, locked and unlocked cells,
drop-downs on the hidden list sheet, defined names, number formats, fonts and print settings."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

import planner
from exports.application import COST_HEADERS, SUMMARY
from exports.common import FONT, WAREKI
from exports.packet import Document, export_documents
from tests.exports.helpers import sample_plan

EXPECTED_SHEETS = {
    "application": [SUMMARY, *(f"経費内訳0{n}" for n in range(1, 7)), "リスト"],
    "overview": ["1_事業概要", "参加事業者", "ITツール", "連携", "会議", "リスト"],
    "members": ["事業者情報", "リスト"],
    "pledges": [f"誓約書0{n}" for n in range(1, 8)],
    "checklist": ["チェックリスト", "リスト"],
}


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    return {d.key: d for d in export_documents(sample_plan())}


def _wb(doc: Document) -> Any:
    return openpyxl.load_workbook(io.BytesIO(doc.data))


@pytest.mark.parametrize("key", list(EXPECTED_SHEETS))
def test_sheets_protection_and_print_settings(docs: dict[str, Document], key: str) -> None:
    wb = _wb(docs[key])
    assert wb.sheetnames == EXPECTED_SHEETS[key]
    for ws in wb.worksheets:
        if ws.title == "リスト":
            assert ws.sheet_state == "hidden"
            continue
        assert ws.sheet_state == "visible"
        assert ws.protection.sheet is True, ws.title
        assert not ws.protection.password, ws.title  # protected without a password
        ps = ws.page_setup
        assert ps.paperSize == 9, ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        # one page wide (fitToWidth is omitted when it is the OOXML default 1), as many pages down as needed
        assert ps.fitToWidth in (None, 1) and ps.fitToHeight == 0, ws.title
        assert ws.print_options.gridLines in (None, False)
        if not ws.title.startswith("誓約書"):
            assert ws.print_title_rows, ws.title  # header rows repeated on every page
        assert "&P" in (ws.oddFooter.center.text or "")


def test_cost_sheet_layout_inputs_and_locks(docs: dict[str, Document]) -> None:
    wb = _wb(docs["application"])
    ws = wb["経費内訳01"]
    assert [ws.cell(row=7, column=c).value for c in range(1, 12)] == list(COST_HEADERS)
    assert ws.print_title_rows == "$7:$7"
    assert ws.page_setup.orientation == "landscape"
    assert ws.freeze_panes == "A8"
    row = 8  # c1
    assert ws.cell(row=row, column=1).value == "c1"
    for col in range(1, 7):  # ID, STEP, 経費区分, 内容, 単価, 数量/時間: inputs
        assert ws.cell(row=row, column=col).protection.locked is False, col
    for col in range(7, 12):  # 金額, 対象外額, 補助対象経費, 理由, 備考: locked
        assert ws.cell(row=row, column=col).protection.locked is True, col
    assert ws.cell(row=row, column=7).value == "=TRUNC(E8*F8)"
    assert ws.cell(row=row, column=9).value == "=G8-H8"
    assert ws.cell(row=row, column=7).number_format == "#,##0"
    assert ws.cell(row=row, column=5).number_format == "#,##0"
    assert ws.column_dimensions["L"].hidden is True  # the amount at export time (change highlight)
    assert ws.conditional_formatting  # rows whose amount changed since export turn yellow
    labour = next(r for r in range(8, 20) if ws.cell(row=r, column=3).value == "人件費")
    assert ws.cell(row=labour, column=6).number_format == '#,##0"時間"'
    # drop-downs from the hidden list sheet, by defined name
    dv = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    lists = {v.formula1 for v in dv.values() if v.type == "list"}
    assert lists == {"STEPリスト", "経費区分リスト"}
    assert {v.type for v in dv.values()} == {"list", "whole", "decimal"}
    for name, first, last in (("STEPリスト", "$A$2", "$A$5"), ("経費区分リスト", "$B$2", "$B$8")):
        dn = wb.defined_names[name]
        assert dn.attr_text == f"リスト!{first}:{last}"
    assert [c.value for c in wb["リスト"]["B"][1:8]] == ["ソフトウェア購入費", "クラウド利用費", "会議費", "旅費",
                                                        "専門家経費", "人件費", "委託費"]


def test_summary_names_rate_and_cap(docs: dict[str, Document]) -> None:
    wb = _wb(docs["application"])
    res = planner.evaluate(sample_plan())
    ws = wb[SUMMARY]
    assert wb.defined_names["補助率"].attr_text == f"'{SUMMARY}'!$D$7" or \
        wb.defined_names["補助率"].attr_text == f"{SUMMARY}!$D$7"
    assert wb.defined_names["補助上限額"].attr_text.endswith("!$D$9")
    assert ws["D7"].value == "=2/3" and ws["D7"].number_format == "# ?/?"
    assert ws["D9"].value == res.cap_yen and ws["D9"].number_format == '"¥"#,##0'
    assert ws["D4"].protection.locked is False and ws["D4"].number_format == WAREKI  # 申請日 (令和)
    formulas = [c.value for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert any(f.startswith("=TRUNC(") and "補助率" in f for f in formulas)
    assert any(f.startswith("=MIN(") and "補助上限額" in f for f in formulas)
    for row in ws.iter_rows():
        for c in row:
            if c.data_type == "f":
                assert c.protection.locked is True, c.coordinate


def test_japanese_font_and_wareki_dates(docs: dict[str, Document]) -> None:
    wb = _wb(docs["overview"])
    ws = wb["1_事業概要"]
    assert ws["A1"].font.name == FONT
    dates = [c for row in ws.iter_rows() for c in row if getattr(c, "is_date", False)]
    assert dates, "the schedule and the decision date are date cells"
    assert all(c.number_format == WAREKI for c in dates)
    assert all(c.protection.locked is False for c in dates)
    wb2 = _wb(docs["members"])
    ws2 = wb2["事業者情報"]
    assert ws2["K5"].value == "9234567890123" and ws2["K5"].data_type == "s"  # 法人番号 stays text
    assert ws2["G5"].number_format == "#,##0"
    lists = {v.formula1 for v in ws2.data_validations.dataValidation if v.type == "list"}
    assert lists == {"役割リスト", "業種リスト", "主たる業種リスト", "はいいいえ"}


def test_pledges_one_per_member_with_the_name(docs: dict[str, Document]) -> None:
    wb = _wb(docs["pledges"])
    plan = sample_plan()
    for n, m in enumerate(plan.members, start=1):
        ws = wb[f"誓約書0{n}"]
        values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert m.name in values
        assert "誓 約 書" in values
        assert any(plan.consortium.name in v for v in values)


def test_checklist_lists_the_documents_and_the_findings(docs: dict[str, Document]) -> None:
    wb = _wb(docs["checklist"])
    ws = wb["チェックリスト"]
    values = [c.value for row in ws.iter_rows() for c in row]
    for d in docs.values():
        assert d.filename in values
        assert d.title in values
    res = planner.evaluate(sample_plan())
    for f in res.findings:
        assert f.rule in values
    status = [v for v in ws.data_validations.dataValidation if v.formula1 == "状態リスト"]
    assert len(status) == 1


def test_a_figure_the_formula_cannot_reproduce_is_written_as_the_engines_value() -> None:
    """The safety net: if a formula would not give the engine's figure, the engine's value is written, with a note."""
    from exports.common import Book

    book = Book("t")
    ws = book.sheet("S")
    fmt = book.fmt(num_format="#,##0")
    book.figure(ws, 0, 0, "=1+1", 2, fmt, formula_gives=2)
    book.figure(ws, 1, 0, "=1+1", 3, fmt, formula_gives=2)
    data = book.close()
    assert [(f.cell, f.value) for f in book.info.figures] == [("A1", 2)]
    assert [(f.cell, f.value) for f in book.info.fallbacks] == [("A2", 3)]
    ws2 = openpyxl.load_workbook(io.BytesIO(data))["S"]
    assert ws2["A1"].value == "=1+1" and ws2["A2"].value == 3
    assert ws2["A2"].comment is not None and "計画ツール" in ws2["A2"].comment.text
