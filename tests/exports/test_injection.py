"""User text never becomes a formula: a corpus of hostile strings in every text field of a plan.

No formula cell holds user text (every formula is one the writer built from cell references, its own
labels and defined names), every hostile string reads back verbatim as a text cell (with a quote
prefix where a spreadsheet would take it for a formula), LibreOffice loading the file turns none of
them into a formula, and the file names and the e-mail subject made from them are safe.
"""

from __future__ import annotations

import email
import io
import re
from email import policy

import openpyxl
import pytest

from exports.common import CATEGORY_LABELS, METHOD_LABELS, ROLE_LABELS, is_risky_text
from exports.costs_import import import_costs
from exports.naming import safe_filename
from exports.packet import build_packet
from tests.exports.conftest import RecalcSet
from tests.exports.helpers import HOSTILE, hostile_dict, hostile_plan, read_strings

#: what a formula may contain besides references, numbers and operators
OUR_STRINGS = {"○", *ROLE_LABELS.values(), "エラー", "警告", "情報"}
FUNCTIONS = ("SUMIF", "SUM", "TRUNC", "MIN", "COUNTIF", "COUNTA")
NAMES = ("補助率", "補助上限額")
_CELL = re.compile(r"\$?[A-Z]{1,3}\$?\d+")


def _formula_is_ours(formula: str, sheets: set[str]) -> bool:
    rest = formula[1:]
    for literal in re.findall(r'"([^"]*)"', rest):
        if literal not in OUR_STRINGS:
            return False
    rest = re.sub(r'"[^"]*"', "", rest)
    for quoted in re.findall(r"'([^']*)'!", rest):
        if quoted not in sheets:
            return False
    rest = re.sub(r"'[^']*'!", "", rest)
    for bare in re.findall(r"([^\s!=+\-*/(),:'\"]+)!", rest):
        if bare not in sheets:
            return False
    rest = re.sub(r"[^\s!=+\-*/(),:'\"]+!", "", rest)
    for word in (*FUNCTIONS, *NAMES):
        rest = rest.replace(word, "")
    rest = _CELL.sub("", rest)
    return re.fullmatch(r"[0-9+\-*/(),:. ]*", rest) is not None


def test_corpus_is_big_enough_and_reaches_every_text_field() -> None:
    assert len(HOSTILE) >= 15
    d = hostile_dict()
    plan = hostile_plan()
    assert plan.consortium.name in HOSTILE
    texts = {plan.consortium.name, *(m.name for m in plan.members), *(c.description for c in plan.costs)}
    assert set(HOSTILE) <= texts | {m.representative for m in plan.members} | {m.address for m in plan.members}
    assert d["consortium"]["contact"]["company"] in HOSTILE
    assert any(m.id in HOSTILE for m in plan.members)  # hostile ids too
    assert any(c.id in HOSTILE for c in plan.costs)


@pytest.fixture(scope="module")
def packet():  # type: ignore[no-untyped-def]
    return build_packet(hostile_plan(), password="pw")


def test_no_formula_holds_user_text(packet) -> None:  # type: ignore[no-untyped-def]
    for doc in packet.documents:
        wb = openpyxl.load_workbook(io.BytesIO(doc.data))
        sheets = set(wb.sheetnames)
        formulas = [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows()
                    for c in row if c.data_type == "f"]
        assert {(s, a) for s, a, _ in formulas} == {(f.sheet, f.cell) for f in doc.info.figures}, doc.key
        bad = [(s, a, f) for s, a, f in formulas if not _formula_is_ours(str(f), sheets)]
        assert bad == [], doc.key
        for _, _, f in formulas:
            for text in HOSTILE:
                if len(text) > 4:
                    assert text not in str(f)


def test_the_checker_rejects_user_text_in_a_formula() -> None:
    sheets = {"総括表", "経費内訳01"}
    assert _formula_is_ours("=TRUNC(G14*補助率)", sheets)
    assert _formula_is_ours("=SUM('経費内訳01'!$G$20,'経費内訳01'!$G$21)", sheets)
    assert _formula_is_ours('=COUNTIF(E14:E20,"○")', sheets)
    assert not _formula_is_ours('=HYPERLINK("http://evil.example/","x")', sheets)
    assert not _formula_is_ours("=cmd|' /C calc'!A0", sheets)
    assert not _formula_is_ours('=COUNTIF(E14:E20,"=1+1")', sheets)
    assert not _formula_is_ours("=SUM(1)+EVIL", sheets)


def test_every_hostile_string_reads_back_verbatim_as_text(packet) -> None:  # type: ignore[no-untyped-def]
    plan = hostile_plan()
    found: set[str] = set()
    for doc in packet.documents:
        reader = read_strings(doc.data)
        wb = openpyxl.load_workbook(io.BytesIO(doc.data))
        for sheet, grid in reader.values.items():
            ws = wb[sheet]
            for r, row in enumerate(grid, start=1):
                for c, (value, dtype) in enumerate(row, start=1):
                    if not isinstance(value, str):
                        continue
                    text = value
                    if text in HOSTILE:
                        found.add(text)
                        assert dtype == "s", (doc.key, sheet, r, c)
                        if is_risky_text(text):
                            assert ws.cell(row=r, column=c).quotePrefix, (doc.key, sheet, r, c, text)
    assert found == set(HOSTILE)
    # field by field on the 経費内訳 sheets: the description next to each line's id
    app = read_strings(packet.documents[0].data)
    by_id = {c.id: c for c in plan.costs}
    seen = 0
    for sheet in app.sheetnames:
        if not sheet.startswith("経費内訳"):
            continue
        for row in app.values[sheet][7:]:
            line_id = row[0][0]
            if line_id == "合計":
                break
            if line_id in by_id:
                desc = row[3][0]
                assert desc == by_id[line_id].description
                seen += 1
    assert seen == len(plan.costs)


def test_libreoffice_turns_no_text_into_a_formula(recalc: RecalcSet) -> None:
    ex = recalc.sets["hostile"]
    for key, path in ex.recalculated.items():
        ours = {(f.sheet, f.cell) for f in ex.doc(key).info.figures}
        wb = openpyxl.load_workbook(path)
        theirs = {(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                  if c.data_type == "f"}
        assert theirs == ours, key
    reader = read_strings(ex.recalculated["application"].read_bytes())
    texts = {v for grid in reader.values.values() for row in grid for v, _ in row
             if isinstance(v, str)}
    # LibreOffice's xlsx writer does not escape a literal _xHHHH_, and LibreOffice keeps a line break
    # CR LF as LF; apart from that every string survives exactly
    expected = {t.replace("\r\n", "\n") for t in HOSTILE if not re.search(r"_x[0-9A-Fa-f]{4}_", t)}
    assert expected <= texts


def test_import_of_the_hostile_workbook_reproduces_the_lines(packet) -> None:  # type: ignore[no-untyped-def]
    plan = hostile_plan()
    report = import_costs(plan, packet.documents[0].data)
    assert report.problems == []
    assert report.changes == []
    assert report.plan is not None
    assert report.plan.to_json_dict()["costs"] == plan.to_json_dict()["costs"]


def test_names_and_subject_from_hostile_text_are_safe(packet) -> None:  # type: ignore[no-untyped-def]
    for name in [*packet.files(), *(safe_filename(t) for t in HOSTILE)]:
        assert not re.search(r'[<>:"/\\|?*\x00-\x1f]', name)
        assert name not in (".", "..") and not name.startswith(".")
        assert not re.match(r"(?i)^(con|prn|aux|nul|com\d|lpt\d)(\.|$)", name)
    msg = email.message_from_bytes(packet.eml_bytes, policy=policy.default)
    subject = str(msg["Subject"])
    assert "\n" not in subject and "\r" not in subject
    assert subject.endswith("令和4年度「共創型サービスIT連携支援補助金」 応募書類送付")


def test_labels_are_not_user_text() -> None:
    """The strings formulas compare with are the writer's own labels, never plan text."""
    assert not (set(HOSTILE) & (OUR_STRINGS | set(CATEGORY_LABELS.values()) | set(METHOD_LABELS.values())))
