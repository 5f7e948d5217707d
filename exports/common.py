"""What every exported workbook shares: labels, 令和 dates, formats, safe text cells, checked figures.

Nothing here knows a programme rule.  Figures come from :func:`planner.evaluate`; a formula cell
always carries the engine's figure as its cached value (:meth:`Book.figure`).
"""

from __future__ import annotations

import io
import math
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from planner.kyoso.engine import CATEGORY_JA, ROLE_JA, STEP_JA
from planner.kyoso.graph import METHOD_JA

EXPORT_FORMAT = "kyoso-export/1"

#: Japanese font named in the workbook (Excel on Windows/macOS has it; LibreOffice substitutes Noto CJK).
FONT = "Yu Gothic"
FONT_SIZE = 10

YEN = "#,##0"
YEN_SIGN = '"¥"#,##0'
COUNT = "#,##0"
#: 令和 dates in a date cell: Excel and LibreOffice both render ``[$-411]ggge`` as 令和4年10月20日.
WAREKI = '[$-411]ggge"年"m"月"d"日"'
RATE = "# ?/?"

CATEGORY_LABELS: dict[str, str] = dict(CATEGORY_JA)
ROLE_LABELS: dict[str, str] = dict(ROLE_JA)
METHOD_LABELS: dict[str, str] = dict(METHOD_JA)
STEP_LABELS: dict[int, str] = dict(STEP_JA)
YES, NO = "はい", "いいえ"

_RISKY_START = re.compile(r"^[\s\x00-\x1f]*[=+\-@{＝＋－＠｛]|^[\t\r\n]")


def wareki(d: date | None) -> str:
    """A date as the forms write it: 令和4年10月20日 (元年 for the first year; 平成 before 2019-05-01)."""
    if d is None:
        return ""
    for start, era, offset in ((date(2019, 5, 1), "令和", 2018), (date(1989, 1, 8), "平成", 1988)):
        if d >= start:
            year = d.year - offset
            return f"{era}{'元' if year == 1 else year}年{d.month}月{d.day}日"
    return f"{d.year}年{d.month}月{d.day}日"


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return YES if value else NO


def is_risky_text(text: str) -> bool:
    """Text a spreadsheet might take for a formula if it were typed in (=, +, -, @, {, tab, CR …)."""
    return bool(_RISKY_START.match(text))


@dataclass
class Figure:
    """One formula cell: where it is, its formula, and the engine's figure it must show."""

    sheet: str
    cell: str
    formula: str
    value: int | float


@dataclass
class BookInfo:
    """What a writer tells the caller (and the tests) about a workbook it produced."""

    figures: list[Figure] = field(default_factory=list)
    fallbacks: list[Figure] = field(default_factory=list)  # engine figures written as values (see notes)


class Book:
    """A workbook being written: cached formats, safe text, figures checked against the engine."""

    def __init__(self, title: str, subject: str = "") -> None:
        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(
            self.buf,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE},
            },
        )
        self.wb.set_properties({"title": title, "subject": subject, "author": "kyoso planner",
                                "comments": "共創型サービスIT連携支援補助金 計画ツールで作成"})
        self.wb.set_custom_property("kyoso_export", EXPORT_FORMAT)
        self.info = BookInfo()
        self._formats: dict[tuple[tuple[str, Any], ...], Format] = {}
        self._props: dict[int, dict[str, Any]] = {}
        self._lists: dict[str, tuple[str, int]] = {}
        self._widths: dict[str, list[float]] = {}

    # -- formats ---------------------------------------------------------------------------------
    def fmt(self, **props: Any) -> Format:
        props.setdefault("font_name", FONT)
        props.setdefault("font_size", FONT_SIZE)
        props.setdefault("valign", "top")
        key = tuple(sorted(props.items()))
        f = self._formats.get(key)
        if f is None:
            f = self.wb.add_format(props)
            self._formats[key] = f
            self._props[id(f)] = dict(props)
        return f

    # -- sheets ----------------------------------------------------------------------------------
    def sheet(
        self,
        name: str,
        *,
        landscape: bool = False,
        header_rows: tuple[int, int] | None = None,
        widths: Sequence[float] = (),
    ) -> Worksheet:
        """A print-ready sheet: A4, fit to one page wide, header rows repeated, page numbers."""
        ws = self.wb.add_worksheet(name)
        ws.set_paper(9)
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.center_horizontally()
        ws.set_footer("&C&P / &N")
        ws.hide_gridlines(1)
        if header_rows is not None:
            ws.repeat_rows(header_rows[0], header_rows[1])
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        self._widths[name] = list(widths)
        return ws

    def fit_row(self, ws: Worksheet, row: int, cells: Iterable[tuple[int, int, str | None]],
                *, font_size: float = FONT_SIZE, min_lines: int = 1) -> None:
        """Set a row's height so wrapped text shows in full (viewers do not all auto-fit rows).

        ``cells``: (first column, last column, text) — a merged range or a single column.
        """
        widths = self._widths.get(ws.name, [])
        lines = min_lines
        for first, last, text in cells:
            if not text:
                continue
            width = sum(widths[c] if c < len(widths) else 8.43 for c in range(first, last + 1))
            lines = max(lines, wrapped_lines(text, width, font_size))
        if lines > 1:
            ws.set_row(row, lines * line_height(font_size) + 3)

    def protect(self, ws: Worksheet) -> None:
        """Sheet protection without a password: formula cells locked, input cells editable."""
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True,
                        "format_columns": True, "format_rows": True})

    def lists(self, lists: dict[str, Sequence[str | int]]) -> None:
        """The hidden リスト sheet: one column per list, each reachable by a defined name."""
        ws = self.wb.add_worksheet("リスト")
        for col, (name, values) in enumerate(lists.items()):
            ws.write_string(0, col, name)
            for row, value in enumerate(values, start=1):
                if isinstance(value, int):
                    ws.write_number(row, col, value)
                else:
                    ws.write_string(row, col, value)
            first = xl_rowcol_to_cell(1, col, row_abs=True, col_abs=True)
            last = xl_rowcol_to_cell(len(values), col, row_abs=True, col_abs=True)
            self.wb.define_name(name, f"=リスト!{first}:{last}")
            self._lists[name] = (f"=リスト!{first}:{last}", len(values))
        ws.hide()

    def choose(self, ws: Worksheet, first_row: int, col: int, last_row: int, list_name: str,
               *, blank: bool = True) -> None:
        """A drop-down on a column range, its choices from the hidden list sheet."""
        ws.data_validation(first_row, col, last_row, col, {
            "validate": "list",
            "source": f"={list_name}",
            "ignore_blank": blank,
            "error_title": "入力値",
            "error_message": "一覧から選んでください",
        })

    def merge(self, ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int,
              fmt: Format) -> None:
        """Merge a range, empty: its first cell is then written with write_string/text/figure."""
        ws.merge_range(first_row, first_col, last_row, last_col, "", fmt)

    # -- cells -----------------------------------------------------------------------------------
    def text(self, ws: Worksheet, row: int, col: int, value: str | None, fmt: Format | None = None,
             **props: Any) -> None:
        """User text, always a string cell; a quote prefix where a spreadsheet would see a formula."""
        if fmt is None:
            fmt = self.fmt(**props)
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt)
            return
        if is_risky_text(value):
            fmt = self.fmt(**{**self._props.get(id(fmt), {}), "quote_prefix": True})
        ws.write_string(row, col, value, fmt)

    def number(self, ws: Worksheet, row: int, col: int, value: int | float | None, fmt: Format) -> None:
        if value is None:
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_number(row, col, value, fmt)

    def figure(
        self,
        ws: Worksheet,
        row: int,
        col: int,
        formula: str,
        engine_value: int | float,
        fmt: Format,
        *,
        formula_gives: int | float | None = None,
        note: str | None = None,
    ) -> None:
        """A formula whose cached value is the engine's figure.

        ``formula_gives`` is what the formula computes from the cells this writer filled in; when it
        differs from the engine's figure the engine wins: the figure is written as a value with a
        note (and recorded in ``info.fallbacks``), so a recalculating viewer never shows another
        number than the engine.
        """
        cell = xl_rowcol_to_cell(row, col)
        if formula_gives is not None and formula_gives != engine_value:
            ws.write_number(row, col, engine_value, fmt)
            ws.write_comment(row, col, note or "計画ツールの計算結果(数式では再現できないため値で記載)",
                             {"x_scale": 2, "y_scale": 1.5})
            self.info.fallbacks.append(Figure(ws.name, cell, formula, engine_value))
            return
        ws.write_formula(row, col, formula, fmt, engine_value)
        self.info.figures.append(Figure(ws.name, cell, formula, engine_value))

    def close(self) -> bytes:
        self.wb.close()
        return self.buf.getvalue()


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """Approximate width of ``text`` in Excel column units (a CJK character is about two)."""
    units = sum(2.0 if unicodedata.east_asian_width(ch) in "WFA" else 1.1 for ch in text)
    return units * font_size / FONT_SIZE


def wrapped_lines(text: str, col_width: float, font_size: float = FONT_SIZE) -> int:
    usable = max(1.0, col_width - 1.0)
    return sum(max(1, math.ceil(text_width(part, font_size) / usable)) for part in text.split("\n"))


def line_height(font_size: float = FONT_SIZE) -> float:
    return round(font_size * 1.45, 1)


def cell_ref(sheet: str, row: int, col: int) -> str:
    """An absolute reference to a cell of another sheet (our own sheet names, quoted)."""
    return f"'{sheet}'!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}"


def col_range(row1: int, col: int, row2: int) -> str:
    return f"{xl_rowcol_to_cell(row1, col)}:{xl_rowcol_to_cell(row2, col)}"


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a fresh temporary file beside it, then rename it into place.

    The temporary name is new (created exclusively), so no other file — an input file, say — is ever
    written over on the way; on failure it is removed and ``path`` is left as it was.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def join_nonempty(parts: Iterable[str | None], sep: str = " / ") -> str:
    return sep.join(p for p in parts if p)
