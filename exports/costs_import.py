"""Read an exported 経費内訳 workbook back into the plan's cost lines.

The workbook may have been edited in Excel or LibreOffice (amounts changed, rows filled in or
cleared, rows inserted or deleted).  Sheets are found by their labels, not their names or positions:
a 経費内訳 sheet has the ``事業者ID`` label with the member id to its right, a header row with
``ID | STEP | 経費区分 | 内容 | 単価(円) | 数量/時間`` and the line rows down to the ``合計`` row.

The result is an :class:`ImportReport`: every changed, added and removed line, and every cell that
could not be read.  The new plan exists only when there is no problem; an import is applied whole
or not at all.  Lines that did not change are kept exactly as they were (every field, including the
ones the workbook does not show: payee, integration, months, extra …).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from pyexpat import ExpatError, ParserCreate
from typing import Any, Literal

from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

import planner
from exports.application import MEMBER_ID_LABEL, TOTAL_LABEL
from exports.common import CATEGORY_LABELS
from planner import load_plan
from planner.result import Result
from schemas import PlanLoadError
from schemas.errors import BilingualError
from schemas.loader import InputRefused, read_bounded
from schemas.plan import CATEGORIES, CostLine, Plan

MAX_BOOK_BYTES = 30 * 1024 * 1024
# Bounds of a workbook, checked before openpyxl materialises anything (a hostile .xlsx is refused in
# well under a second with little memory; an exported 10,000-line plan is far inside every bound).
MAX_ZIP_MEMBERS = 500  # files in the zip
MAX_CENTRAL_DIR_BYTES = 1024 * 1024  # the zip's central directory
MAX_MEMBER_BYTES = 16 * 1024 * 1024  # one member, uncompressed (declared, and as actually read)
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # all members together, uncompressed
MAX_COMPRESSION_RATIO = 100  # uncompressed / compressed, for members over RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024 * 1024
MAX_SHEET_ROWS = 100_000  # per sheet (row elements, row numbers and the declared dimension)
MAX_SHEET_COLUMNS = 256  # per sheet (column letters, cells in a row and the declared dimension)
MAX_CELLS = 300_000  # cell elements in all sheets
MAX_GRID_CELLS = 2_000_000  # rows × columns of all sheets (the grid read, empty cells included)
MAX_SHARED_STRINGS = 200_000  # shared strings (si elements)
MAX_SHARED_STRING_CHARS = 10_000_000  # their text together
MAX_PART_ELEMENTS = 100_000  # XML elements of a part outside sheet rows and shared strings
MAX_NESTED_ELEMENTS = 10_000  # XML elements inside one sheet row or one shared string
HEADER_SCAN_ROWS = 60
LABEL_TO_CATEGORY = {label: key for key, label in CATEGORY_LABELS.items()} | {k: k for k in CATEGORIES}
FIELD_JA = {
    "member": "事業者", "step": "STEP", "category": "経費区分", "description": "内容",
    "unit_price_yen": "単価", "quantity": "数量", "hours": "時間", "hourly_rate_yen": "時間単価",
    "kenpo_grade": "健保等級", "months": "契約期間", "maintenance": "運用保守", "payee": "支払先",
    "payee_external": "委託先(計画外)", "subcontract": "下請け", "integration": "連携", "meeting": "会議",
    "modifies_existing_tool": "既存ツール改修",
}
_LABOUR_ONLY = ("hours", "hourly_rate_yen", "kenpo_grade", "modifies_existing_tool")
_OTHER_ONLY = ("unit_price_yen", "quantity")
_STEP_RE = re.compile(r"^(?:STEP\s*)?([1-4])(?:\s.*)?$", re.IGNORECASE)
_INT_RE = re.compile(r"^[¥\\]?\s*(\d{1,3}(,\d{3})+|\d+)\s*(円)?$")
_DEC_RE = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\s*(時間|h)?$")
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


# ------------------------------------------------------------------------------------------------
# report


@dataclass(frozen=True)
class CellProblem:
    """A cell (or the file) that could not be read."""

    sheet: str
    cell: str
    message_ja: str
    message_en: str

    def where(self) -> str:
        if not self.sheet:
            return ""
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def message(self, lang: str = "ja") -> str:
        text = self.message_ja if lang == "ja" else self.message_en
        return f"{self.where()}: {text}" if self.where() else text


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class LineChange:
    kind: Literal["added", "removed", "changed"]
    line_id: str
    member: str
    where: str = ""
    fields: list[FieldChange] = field(default_factory=list)

    def describe(self, lang: str = "ja") -> str:
        ja = lang == "ja"
        place = f" ({self.where})" if self.where else ""
        if self.kind == "removed":
            return (f"削除: {self.line_id}({self.member})" if ja else f"removed: {self.line_id} ({self.member})") + place
        head = {"added": ("追加", "added"), "changed": ("変更", "changed")}[self.kind][0 if ja else 1]
        parts = []
        for fc in self.fields:
            name = FIELD_JA.get(fc.field, fc.field) if ja else fc.field
            if self.kind == "added":
                parts.append(f"{name}={_show(fc.new)}")
            else:
                parts.append(f"{name}: {_show(fc.old)} → {_show(fc.new)}")
        return f"{head}: {self.line_id}({self.member}){place} " + ", ".join(parts)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, str) and value in CATEGORY_LABELS:
        return CATEGORY_LABELS[value]
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass
class ImportReport:
    problems: list[CellProblem]
    changes: list[LineChange]
    notes: list[str]
    plan: Plan | None
    before: Result | None = None
    after: Result | None = None

    @property
    def ok(self) -> bool:
        """Whether the import can be applied (no unreadable cell, the new plan validated)."""
        return not self.problems and self.plan is not None

    @property
    def counts(self) -> dict[str, int]:
        return {k: sum(1 for c in self.changes if c.kind == k) for k in ("added", "changed", "removed")}

    def summary_lines(self, lang: str = "ja") -> list[str]:
        ja = lang == "ja"
        out: list[str] = []
        if self.problems:
            out.append(f"読めない箇所が {len(self.problems)} 件あります。取り込みは行いません:" if ja
                       else f"{len(self.problems)} problem(s) found; nothing is imported:")
            out += ["  " + p.message(lang) for p in self.problems]
        out += ["  " + n for n in self.notes]
        c = self.counts
        if not self.changes:
            if not self.problems:
                out.append("経費行の変更はありません" if ja else "no cost line changed")
        else:
            if self.problems:
                out.append("(参考)読み取れた変更:" if ja else "(for reference) the changes read so far:")
            out.append(f"追加 {c['added']} 行、変更 {c['changed']} 行、削除 {c['removed']} 行" if ja
                       else f"{c['added']} added, {c['changed']} changed, {c['removed']} removed")
            out += ["  " + ch.describe(lang) for ch in self.changes]
        if self.before is not None and self.after is not None:
            b, a = self.before, self.after
            for label_ja, label_en, x, y in (
                ("申請経費", "claimed", b.claimed_total_yen, a.claimed_total_yen),
                ("補助対象経費", "eligible", b.eligible_total_yen, a.eligible_total_yen),
                ("補助金額", "subsidy", b.subsidy_yen, a.subsidy_yen),
            ):
                diff = y - x
                sign = "+" if diff >= 0 else "-"
                out.append(f"{label_ja if ja else label_en}: ¥{x:,} → ¥{y:,} ({sign}¥{abs(diff):,})")
        return out


# ------------------------------------------------------------------------------------------------
# reading cells


class _Unreadable(BilingualError):
    """A workbook (or a cell of it) that cannot be read; ja/en say why."""


def decode_ooxml(text: str) -> str:
    """OOXML's ``_xHHHH_`` escapes decoded as Excel does (``_x005F_`` is a literal underscore)."""
    return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)


class _ExactStrings(ExcelReader):  # type: ignore[misc]
    """openpyxl's reader, except that shared strings are decoded exactly.

    openpyxl only drops ``_x005F_`` and leaves every other escape (``_x000D_`` for a carriage return)
    as it is, so a CR and the literal text ``_x000D_`` would read the same.
    """

    def read_strings(self) -> None:
        ct = self.package.find(SHARED_STRINGS)
        if ct is None:
            return
        tag = f"{{{SHEET_MAIN_NS}}}si"
        strings = []
        root = None
        with self.archive.open(ct.PartName[1:]) as src:
            for event, node in iterparse(src, events=("start", "end")):
                if root is None:
                    root = node
                if event == "end" and node.tag == tag:
                    strings.append(decode_ooxml(Text.from_tree(node).content))
                    if len(strings) > MAX_SHARED_STRINGS:
                        raise _limit("共有文字列", "shared strings", MAX_SHARED_STRINGS)
                    root.clear()  # the strings read so far are not kept twice
        self.shared_strings = strings


Grid = list[list[tuple[Any, str]]]
_EMPTY = (None, "n")


def _limit(what_ja: str, what_en: str, limit: int, unit_ja: str = "", unit_en: str = "") -> _Unreadable:
    return _Unreadable(
        f"ワークブックが大きすぎるため読みません({what_ja}が上限 {limit:,}{unit_ja} を超えています)",
        f"the workbook is refused as too large ({what_en} over the limit of {limit:,}{unit_en})",
    )


class _Capped(io.RawIOBase):
    """A zip member read through a byte counter: more than ``cap`` bytes is refused (the zip lied)."""

    def __init__(self, raw: Any, cap: int, name: str) -> None:
        super().__init__()
        self._raw = raw
        self._cap = cap
        self._name = name
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        data = self._raw.read(min(len(view), self._cap + 1 - self._count))
        self._count += len(data)
        if self._count > self._cap:
            raise _limit(f"{self._name} の展開後サイズ", f"the uncompressed size of {self._name}", self._cap,
                         " バイト", " bytes")
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _GuardedZip(zipfile.ZipFile):
    """A zip whose members are only ever read through :class:`_Capped` (openpyxl reads through it too)."""

    def open(self, name: Any, mode: Any = "r", pwd: Any = None, *, force_zip64: bool = False) -> Any:
        member = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return member
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return io.BufferedReader(_Capped(member, min(info.file_size, MAX_MEMBER_BYTES), info.filename))


def _open_zip(data: bytes) -> _GuardedZip:
    """The workbook's zip, refused by its directory alone before any member is inflated."""
    fp = io.BytesIO(data)
    end_record = getattr(zipfile, "_EndRecData", None)  # the end record, read before ZipFile parses entries
    record = end_record(fp) if end_record is not None else None
    if record is not None:
        if record[4] > MAX_ZIP_MEMBERS:
            raise _limit("zip 内のファイル数", "the number of zip members", MAX_ZIP_MEMBERS)
        if record[5] > MAX_CENTRAL_DIR_BYTES:
            raise _limit("zip の目次", "the zip directory", MAX_CENTRAL_DIR_BYTES, " バイト", " bytes")
    zf = _GuardedZip(fp)
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _limit("zip 内のファイル数", "the number of zip members", MAX_ZIP_MEMBERS)
    total = 0
    for info in infos:
        if info.file_size > MAX_MEMBER_BYTES:
            raise _limit(f"{info.filename} の展開後サイズ", f"the uncompressed size of {info.filename}",
                         MAX_MEMBER_BYTES, " バイト", " bytes")
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise _limit(f"{info.filename} の圧縮率", f"the compression ratio of {info.filename}",
                         MAX_COMPRESSION_RATIO, " 倍", "×")
        total += info.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise _limit("展開後の合計サイズ", "the total uncompressed size", MAX_UNCOMPRESSED_BYTES, " バイト", " bytes")
    return zf


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class _Scan:
    """One streaming pass over every XML part (expat, constant memory) that counts what openpyxl would build.

    Sheets: the declared ``<dimension>`` (at the start of the part), rows, columns, cells, the grid
    area; shared strings: their number and characters; every part: its elements.  The
    first bound passed raises :class:`_Unreadable` at once.  A DTD is refused (no workbook has one).
    """

    def __init__(self) -> None:
        self.cells = 0
        self.grid = 0
        self.strings = 0
        self.string_chars = 0

    def part(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        kind = ""
        elements = nested = rows = row = col = max_row = max_col = 0
        dim_rows = dim_cols = 0
        depth = inner_depth = 0
        in_data = False

        def area() -> int:
            return max(max_row, dim_rows) * max(max_col, dim_cols)

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal kind, elements, nested, rows, row, col, max_row, max_col, dim_rows, dim_cols, depth
            nonlocal inner_depth, in_data
            local = tag.rpartition(" ")[2]
            depth += 1
            if not kind:
                kind = {"worksheet": "sheet", "sst": "sst"}.get(local, "other")
                if kind == "sst":
                    parser.CharacterDataHandler = text
            if inner_depth:
                inner_depth += 1
                nested += 1
                if nested > MAX_NESTED_ELEMENTS:
                    raise _limit("1 行・1 文字列の要素数", "the XML elements in one row or string", MAX_NESTED_ELEMENTS)
                if kind == "sheet" and local == "c":
                    self.cells += 1
                    if self.cells > MAX_CELLS:
                        raise _limit("セルの数", "the number of cells", MAX_CELLS)
                    m = _CELL_REF.match(attrs.get("r", ""))
                    col = column_index_from_string(m.group(1).upper()) if m else col + 1
                    if col > MAX_SHEET_COLUMNS:
                        raise _limit("列の数", "the number of columns", MAX_SHEET_COLUMNS)
                    max_col = max(max_col, col)
                    if self.grid + area() > MAX_GRID_CELLS:
                        raise _limit("行×列のセル数", "rows × columns", MAX_GRID_CELLS)
                return
            if not ((kind == "sheet" and local == "row" and in_data) or (kind == "sst" and local == "si")):
                elements += 1  # rows and strings have their own bounds
            if elements > MAX_PART_ELEMENTS:
                raise _limit(f"{info.filename} の要素数", f"the XML elements of {info.filename}", MAX_PART_ELEMENTS)
            if kind == "sheet":
                if local == "dimension" and not in_data and not dim_rows:
                    try:
                        _min_c, _min_r, max_c, max_r = range_boundaries(attrs.get("ref", ""))
                    except (ValueError, TypeError):
                        return
                    dim_rows, dim_cols = max_r or 0, max_c or 0
                    if dim_rows > MAX_SHEET_ROWS or dim_cols > MAX_SHEET_COLUMNS or self.grid + area() > MAX_GRID_CELLS:
                        raise _limit(f"宣言された範囲(dimension {attrs.get('ref')})",
                                     f"the declared dimension {attrs.get('ref')}",
                                     MAX_GRID_CELLS, " セル", " cells")
                elif local == "sheetData":
                    in_data = True
                elif local == "row" and in_data:
                    rows += 1
                    r = attrs.get("r", "")
                    row = int(r) if r.isdigit() and len(r) <= 8 else row + 1
                    if rows > MAX_SHEET_ROWS or row > MAX_SHEET_ROWS:
                        raise _limit("行の数", "the number of rows", MAX_SHEET_ROWS)
                    max_row = max(max_row, row)
                    col = 0
                    nested = 0
                    inner_depth = 1
                    if self.grid + area() > MAX_GRID_CELLS:
                        raise _limit("行×列のセル数", "rows × columns", MAX_GRID_CELLS)
            elif kind == "sst" and local == "si":
                self.strings += 1
                if self.strings > MAX_SHARED_STRINGS:
                    raise _limit("共有文字列の数", "the number of shared strings", MAX_SHARED_STRINGS)
                nested = 0
                inner_depth = 1

        def end(tag: str) -> None:
            nonlocal depth, inner_depth
            depth -= 1
            if inner_depth:
                inner_depth -= 1

        def text(data: str) -> None:  # shared strings only (a sheet's text is bounded by its part's size)
            self.string_chars += len(data)
            if self.string_chars > MAX_SHARED_STRING_CHARS:
                raise _limit("共有文字列の文字数", "the characters of the shared strings", MAX_SHARED_STRING_CHARS)

        def doctype(*_args: Any) -> None:
            raise _Unreadable("ワークブックに DTD があるため読みません", "the workbook holds a DTD; refused")

        parser = ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.StartDoctypeDeclHandler = doctype
        parser.EntityDeclHandler = doctype
        with zf.open(info) as src:
            try:
                while chunk := src.read(256 * 1024):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
            except ExpatError:
                return  # not XML after all: openpyxl says so if it reads this part
        if kind == "sheet":
            self.grid += area()


def _check_book(data: bytes) -> None:
    """Refuse a workbook past any bound before openpyxl builds anything (:class:`_Unreadable`)."""
    with _open_zip(data) as zf:
        scan = _Scan()
        for info in zf.infolist():
            if not info.is_dir() and info.filename.lower().endswith((".xml", ".rels")):
                scan.part(zf, info)


def _rows(ws: Any) -> Iterator[list[tuple[Any, str]]]:
    """A read-only sheet's rows, counted while streaming (a second bound behind :func:`_check_book`)."""
    width = 0
    for n, row in enumerate(ws.iter_rows(), start=1):
        width = max(width, len(row))
        if n > MAX_SHEET_ROWS or width > MAX_SHEET_COLUMNS:
            raise _limit("行×列のセル数", "rows × columns", MAX_SHEET_ROWS * MAX_SHEET_COLUMNS)
        yield [_EMPTY if c is EMPTY_CELL else (c.value, getattr(c, "data_type", "n")) for c in row]


def _grid(data: bytes, data_only: bool, sheets: list[str] | None = None) -> tuple[list[str], dict[str, Grid]]:
    """Every sheet's cells as (value, data_type) rows, read in one streaming pass (read-only mode)."""
    reader = _ExactStrings(io.BytesIO(data), read_only=True, keep_vba=False, data_only=data_only, keep_links=False)
    reader.archive = _open_zip(data)  # every member openpyxl reads goes through the size-capped reader
    reader.read()
    wb = reader.wb
    try:
        names = list(wb.sheetnames)
        grids: dict[str, Grid] = {}
        cells = 0
        for name in names:
            if sheets is None or name in sheets:
                grids[name] = []
                for row in _rows(wb[name]):
                    cells += len(row)
                    if cells > MAX_GRID_CELLS:
                        raise _limit("行×列のセル数", "rows × columns", MAX_GRID_CELLS)
                    grids[name].append(row)
    finally:
        wb.close()
    return names, grids


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        _check_book(data)
        self.sheetnames, self.values = _grid(data, data_only=True)
        self._formulas: dict[str, Grid] = {}

    @staticmethod
    def _at(grid: Grid, row: int, col: int) -> tuple[Any, str]:
        if 1 <= row <= len(grid):
            cells = grid[row - 1]
            if 1 <= col <= len(cells):
                return cells[col - 1]
        return None, "n"

    def max_row(self, sheet: str) -> int:
        return len(self.values[sheet])

    def max_col(self, sheet: str) -> int:
        return max((len(r) for r in self.values[sheet]), default=0)

    def value(self, sheet: str, row: int, col: int) -> Any:
        """The stored value as openpyxl reads it (labels, markers)."""
        return self._at(self.values[sheet], row, col)[0]

    def raw(self, sheet: str, row: int, col: int) -> Any:
        """An input cell's value (text decoded exactly); unreadable values raise :class:`_Unreadable`."""
        value, dtype = self._at(self.values[sheet], row, col)
        if dtype == "e":
            raise _Unreadable(f"エラー値 {value} が入っています", f"the cell holds the error {value}")
        if value is None:
            if not self._formulas:  # the formulas are read once, and only when a value is missing
                self._formulas.update(_grid(self.data, data_only=False, sheets=list(self.values))[1])
            formula, ftype = self._at(self._formulas.get(sheet, []), row, col)
            if ftype == "f" or (isinstance(formula, str) and formula.startswith("=")):
                raise _Unreadable("数式の計算結果が保存されていません(Excel か LibreOffice で開いて保存し直してください)",
                                  "the formula's result is not stored (open and save the file in Excel or LibreOffice)")
        return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Unreadable("文字列ではなく真偽値です", "a boolean, not text")
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date | time):
        raise _Unreadable("日付・時刻として入力されています(文字列で入力してください)",
                          "entered as a date/time; enter it as text")
    return str(value)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _int(value: Any, what_ja: str, what_en: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool):
        raise _Unreadable(f"{what_ja}が数値ではありません", f"{what_en} is not a number")
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if value.is_integer():
            number = int(value)
    elif isinstance(value, Decimal):
        if value == value.to_integral_value():
            number = int(value)
    elif isinstance(value, str):
        text = _norm(value)
        if _INT_RE.match(text):
            number = int(re.sub(r"[^\d]", "", text))
    if number is None:
        raise _Unreadable(f"{what_ja}を整数として読めません(入力: {_show(value)})",
                          f"{what_en} is not a whole number (got {_show(value)})")
    if not minimum <= number <= maximum:
        raise _Unreadable(f"{what_ja}は {minimum:,} 以上 {maximum:,} 以下にしてください(入力: {number:,})",
                          f"{what_en} must be between {minimum:,} and {maximum:,} (got {number:,})")
    return number


def _decimal(value: Any, what_ja: str, what_en: str) -> Decimal:
    dec: Decimal | None = None
    if isinstance(value, bool):
        dec = None
    elif isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, float):
        dec = Decimal(repr(value))
    elif isinstance(value, str):
        text = _norm(value)
        if _DEC_RE.match(text):
            try:
                dec = Decimal(re.sub(r"[,時間h\s]", "", text))
            except InvalidOperation:
                dec = None
    if dec is None or not dec.is_finite():
        raise _Unreadable(f"{what_ja}を数値として読めません(入力: {_show(value)})",
                          f"{what_en} is not a number (got {_show(value)})")
    if dec <= 0:
        raise _Unreadable(f"{what_ja}は 0 より大きくしてください", f"{what_en} must be greater than 0")
    return dec


def _step(value: Any) -> int:
    if isinstance(value, bool):
        raise _Unreadable("STEPは1〜4です", "STEP must be 1–4")
    if isinstance(value, int | float) and float(value) in (1.0, 2.0, 3.0, 4.0):
        return int(value)
    if isinstance(value, str):
        m = _STEP_RE.match(_norm(value))
        if m:
            return int(m.group(1))
    raise _Unreadable(f"STEPは1〜4です(入力: {_show(value)})", f"STEP must be 1–4 (got {_show(value)})")


def _category(value: Any) -> str:
    if isinstance(value, str):
        key = LABEL_TO_CATEGORY.get(_norm(value)) or LABEL_TO_CATEGORY.get(value.strip())
        if key is not None:
            return key
    raise _Unreadable(
        f"経費区分を読めません(入力: {_show(value)}、候補: {'・'.join(CATEGORY_LABELS.values())})",
        f"unknown 経費区分 (got {_show(value)}; one of {', '.join(CATEGORY_LABELS.values())})",
    )


# ------------------------------------------------------------------------------------------------
# the workbook's rows


@dataclass
class _Row:
    sheet: str
    row: int
    member: str
    cols: dict[str, int]
    line_id: str | None = None
    step: int | None = None
    category: str | None = None
    description: str | None = None
    price: int | None = None
    qty: Decimal | None = None
    cleared: bool = False  # the ID is there, every other input cell is empty: the line is deleted

    def addr(self, key: str) -> str:
        return f"{get_column_letter(self.cols[key])}{self.row}"

    def where(self) -> str:
        return f"{self.sheet}!{self.row}行"


_HEADER_KEYS = {"ID": "id", "STEP": "step", "経費区分": "category", "内容": "description",
                "単価(円)": "price", "数量/時間": "qty"}


def _find_header(reader: _Reader, sheet: str) -> tuple[int, dict[str, int]] | None:
    for r, row in enumerate(reader.values[sheet][:HEADER_SCAN_ROWS], start=1):
        found: dict[str, int] = {}
        for c, (value, _dtype) in enumerate(row, start=1):
            if isinstance(value, str) and value.strip() in _HEADER_KEYS:
                found.setdefault(_HEADER_KEYS[value.strip()], c)
        if len(found) == len(_HEADER_KEYS):
            return r, found
    return None


def _find_labelled(reader: _Reader, sheet: str, header_row: int, label: str) -> tuple[str | None, str]:
    """The first non-empty cell right of ``label`` above the header row, and its address."""
    width = reader.max_col(sheet)
    for r in range(1, header_row):
        for c in range(1, width + 1):
            value = reader.value(sheet, r, c)
            if isinstance(value, str) and value.strip() == label:
                for c2 in range(c + 1, width + 1):
                    found = reader.raw(sheet, r, c2)
                    if not _blank(found):
                        return _text(found), f"{get_column_letter(c2)}{r}"
                return None, f"{get_column_letter(c + 1)}{r}"
    return None, ""


def _read_rows(reader: _Reader, problems: list[CellProblem]) -> tuple[list[_Row], int, list[str | None]]:
    rows: list[_Row] = []
    sheets = 0
    consortium_names: list[str | None] = []
    for sheet in reader.sheetnames:
        found = _find_header(reader, sheet)
        if found is None:
            continue
        header_row, cols = found
        try:
            member, where = _find_labelled(reader, sheet, header_row, MEMBER_ID_LABEL)
        except _Unreadable as exc:
            problems.append(CellProblem(sheet, "", exc.ja, exc.en))
            continue
        if member is None:
            problems.append(CellProblem(sheet, where, f"{MEMBER_ID_LABEL}がありません",
                                        f"the {MEMBER_ID_LABEL} (member id) is missing"))
            continue
        sheets += 1
        try:
            consortium_names.append(_find_labelled(reader, sheet, header_row, "コンソーシアム名")[0])
        except _Unreadable:
            pass
        total_row = None
        for r in range(header_row + 1, reader.max_row(sheet) + 1):
            first = reader.value(sheet, r, cols["id"])
            if isinstance(first, str) and first.strip() == TOTAL_LABEL:
                total_row = r
                break
            row = _Row(sheet, r, member, cols)
            raw: dict[str, Any] = {}
            failed: set[str] = set()
            for key, col in cols.items():
                try:
                    raw[key] = reader.raw(sheet, r, col)
                except _Unreadable as exc:
                    problems.append(CellProblem(sheet, row.addr(key), exc.ja, exc.en))
                    raw[key] = None
                    failed.add(key)
            bad = bool(failed)
            if all(_blank(v) for v in raw.values()) and not bad:
                continue
            rows.append(row)
            try:
                row.line_id = _text(raw["id"]).strip() if not _blank(raw["id"]) else None  # type: ignore[union-attr]
            except _Unreadable as exc:
                problems.append(CellProblem(sheet, row.addr("id"), exc.ja, exc.en))
                bad = True
            others = [k for k in ("step", "category", "description", "price", "qty") if not _blank(raw[k])]
            if row.line_id is not None and not others and not bad:
                row.cleared = True
                continue
            readers: dict[str, Any] = {
                "step": _step,
                "category": _category,
                "description": _text,
                "price": lambda v: _int(v, "単価", "the unit price", 0, 10**12),
                "qty": lambda v: _decimal(v, "数量/時間", "the quantity/hours"),
            }
            for key, func in readers.items():
                value = raw[key]
                if key in failed:
                    continue
                if _blank(value):
                    if key == "description":
                        row.description = None if value is None else str(value)
                        continue
                    problems.append(CellProblem(sheet, row.addr(key), f"{_label(key)}が空欄です",
                                                f"{_label(key, 'en')} is empty"))
                    continue
                try:
                    setattr(row, key, func(value))
                except _Unreadable as exc:
                    problems.append(CellProblem(sheet, row.addr(key), exc.ja, exc.en))
        if total_row is None:
            problems.append(CellProblem(sheet, "", f"「{TOTAL_LABEL}」の行が見つかりません(経費行の終わりが分かりません)",
                                        f"no '{TOTAL_LABEL}' row (the end of the cost lines is unknown)"))
    return rows, sheets, consortium_names


def _label(key: str, lang: str = "ja") -> str:
    ja = {"id": "ID", "step": "STEP", "category": "経費区分", "description": "内容", "price": "単価",
          "qty": "数量/時間"}
    en = {"id": "ID", "step": "STEP", "category": "category", "description": "description",
          "price": "unit price", "qty": "quantity/hours"}
    return (ja if lang == "ja" else en)[key]


# ------------------------------------------------------------------------------------------------
# merging rows into the plan


def _line_dict(line: CostLine) -> dict[str, Any]:
    return line.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _apply_row(row: _Row, old: CostLine | None, old_rate: int | None, new_id: str,
               problems: list[CellProblem]) -> tuple[dict[str, Any], list[FieldChange]]:
    """The line as the row says: an update of ``old`` (keeping what the sheet does not show) or a new one."""
    assert row.category is not None and row.step is not None and row.price is not None and row.qty is not None
    data: dict[str, Any] = _line_dict(old) if old is not None else {"id": new_id}
    changes: list[FieldChange] = []

    def put(name: str, value: Any) -> None:
        if value is None:
            if name in data:
                changes.append(FieldChange(name, data.pop(name), None))
            return
        if name in data and _same(data[name], value):
            return
        changes.append(FieldChange(name, data.get(name), value))
        data[name] = value

    put("member", row.member)
    put("step", row.step)
    put("category", row.category)
    old_desc = old.description if old is not None else None
    if (old_desc or "") != (row.description or ""):
        put("description", row.description or None)
    cat = row.category
    qty = row.qty
    if cat == "labour":
        if qty != qty.quantize(Decimal("0.01")):
            problems.append(CellProblem(row.sheet, row.addr("qty"), "時間は小数第2位までです",
                                        "hours may have at most 2 decimals"))
            qty = qty.quantize(Decimal("0.01"))
        for name in _OTHER_ONLY:
            put(name, None)
        if old is None or old.hours is None or old.hours != qty:
            put("hours", int(qty) if qty == qty.to_integral_value() else str(qty))
        keep_grade = (old is not None and old.category == "labour" and old.kenpo_grade is not None
                      and row.price == old_rate)
        if not keep_grade:  # a rate typed in replaces the 健保等級 (the sheet shows the rate, not the grade)
            put("kenpo_grade", None)
            put("hourly_rate_yen", row.price)
    else:
        if qty != qty.to_integral_value():
            problems.append(CellProblem(row.sheet, row.addr("qty"), "数量は整数で入力してください(時間は人件費のみ)",
                                        "the quantity must be a whole number (hours are for labour only)"))
        for name in _LABOUR_ONLY:
            put(name, None)
        put("unit_price_yen", row.price)
        put("quantity", int(qty))
    # fields the (new) category cannot carry
    if cat not in ("outsourcing", "expert"):
        put("payee", None)
        put("payee_external", None)
    if cat != "outsourcing":
        put("subcontract", None)
    if cat not in ("meeting", "travel"):
        put("meeting", None)
    if cat != "software":
        put("maintenance", None)
    if not (cat == "cloud" or (cat == "software" and data.get("maintenance"))):
        put("months", None)
    return data, changes


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return Decimal(str(a)) == Decimal(str(b))
    return bool(a == b)


def _new_ids(taken: set[str]) -> Any:
    numbers = [int(m.group(1)) for t in taken if (m := re.fullmatch(r"c(\d+)", t))]
    n = max(numbers, default=0)
    while True:
        n += 1
        if f"c{n}" not in taken:
            taken.add(f"c{n}")
            yield f"c{n}"


def import_costs(plan: Plan, source: bytes | str | Path, *, evaluate: bool = True) -> ImportReport:
    """Read a 経費内訳 workbook against ``plan``; the report's ``plan`` is set only when nothing failed."""
    problems: list[CellProblem] = []
    notes: list[str] = []
    if isinstance(source, str | Path):
        try:  # regular files only, at most MAX_BOOK_BYTES + 1 bytes read
            data = read_bounded(source, MAX_BOOK_BYTES)
        except InputRefused as exc:
            return ImportReport([CellProblem("", "", f"ファイルを読めません: {exc.ja}",
                                             f"cannot read the file: {exc.en}")], [], [], None)
    else:
        data = bytes(source)
    if len(data) > MAX_BOOK_BYTES:
        return ImportReport([CellProblem("", "", f"ファイルが大きすぎます({len(data):,} バイト)",
                                         f"the file is too large ({len(data):,} bytes)")], [], [], None)
    try:
        reader = _Reader(data)
    except _Unreadable as exc:  # past a bound of the workbook (MAX_… above): refused, nothing built
        return ImportReport([CellProblem("", "", exc.ja, exc.en)], [], [], None)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        return ImportReport([CellProblem("", "", f"Excelファイル(.xlsx)として読めません: {type(exc).__name__}",
                                         f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}")],
                            [], [], None)
    rows, sheets, consortium_names = _read_rows(reader, problems)
    if sheets == 0 and not problems:
        problems.append(CellProblem("", "", "経費内訳シートが見つかりません(ID・STEP・経費区分… の見出し行と事業者IDが必要です)",
                                    "no 経費内訳 sheet found (a header row ID, STEP, 経費区分 … and a 事業者ID)"))
    names = {n for n in consortium_names if n is not None}
    if names and plan.consortium.name not in names:
        shown = "、".join(sorted(names))
        notes.append(f"このワークブックはコンソーシアム「{shown}」のものです(計画は「{plan.consortium.name}」)")

    evaluated = planner.evaluate(plan)
    before = evaluated if evaluate else None
    old_by_id = {c.id: c for c in plan.costs}
    rates = {lr.id: lr.hourly_rate_yen for lr in evaluated.lines}

    seen: dict[str, _Row] = {}
    for row in rows:
        if row.line_id is None:
            continue
        if row.line_id in seen:
            problems.append(CellProblem(row.sheet, row.addr("id"),
                                        f"ID {row.line_id} が重複しています({seen[row.line_id].where()} と同じ)。"
                                        "新しい行は ID を空欄にしてください",
                                        f"duplicate ID {row.line_id} (same as {seen[row.line_id].where()}); "
                                        "leave the ID empty for a new line"))
        else:
            seen[row.line_id] = row

    taken = set(old_by_id) | set(seen)
    fresh = _new_ids(taken)
    changes: list[LineChange] = []
    updated: dict[str, dict[str, Any]] = {}
    where_of: dict[str, _Row] = {}
    added: list[tuple[str, dict[str, Any]]] = []
    for row in rows:
        if row.cleared:
            continue
        complete = None not in (row.step, row.category, row.price, row.qty)
        if not complete:
            continue  # its cells are already reported
        if row.line_id is not None and row.line_id in old_by_id and seen.get(row.line_id) is row:
            old = old_by_id[row.line_id]
            line, fchanges = _apply_row(row, old, rates.get(old.id), old.id, problems)
            if fchanges:
                updated[old.id] = line
                changes.append(LineChange("changed", old.id, row.member, row.where(), fchanges))
            where_of[old.id] = row
        elif row.line_id is None or seen.get(row.line_id) is row:
            line_id = row.line_id or next(fresh)
            line, fchanges = _apply_row(row, None, None, line_id, problems)
            line["id"] = line_id
            added.append((line_id, line))
            where_of[line_id] = row
            changes.append(LineChange("added", line_id, row.member, row.where(),
                                      [fc for fc in fchanges if fc.field != "member"]))
    present = {lid for lid, r in seen.items() if not r.cleared}
    kept: list[dict[str, Any]] = []
    for c in plan.costs:
        if c.id not in present:
            cleared = seen.get(c.id)
            changes.append(LineChange("removed", c.id, c.member, cleared.where() if cleared else ""))
            continue
        kept.append(updated.get(c.id) or _line_dict(c))
    new_costs = kept + [d for _, d in added]

    # nothing half-read is ever applied
    if problems:
        return ImportReport(problems, changes, notes, None, before, None)
    if not changes:
        return ImportReport([], [], notes, plan, before, before)
    doc = plan.to_json_dict()
    doc["costs"] = new_costs
    try:
        new_plan = load_plan(doc, name="import")
    except PlanLoadError as exc:
        index_to_id = [d["id"] for d in new_costs]
        for p in exc.problems:
            m = re.match(r"^\$\.costs\[(\d+)\]\.?(\w*)", p.path)
            at = where_of.get(index_to_id[int(m.group(1))]) if m and int(m.group(1)) < len(index_to_id) else None
            if at is not None:
                key = {"unit_price_yen": "price", "hourly_rate_yen": "price", "quantity": "qty",
                       "hours": "qty", "step": "step", "category": "category", "description": "description",
                       "id": "id"}.get(m.group(2) if m else "", "id")
                problems.append(CellProblem(at.sheet, at.addr(key), p.ja, p.en))
            else:
                problems.append(CellProblem("", "", p.text("ja"), p.text("en")))
        return ImportReport(problems, changes, notes, None, before, None)
    after = planner.evaluate(new_plan) if evaluate else None
    return ImportReport([], changes, notes, new_plan, before, after)
