"""Drive the secretariat's 複数社連携 calculator (it2025_yoshikikeisan_fukusu.xlsx) with LibreOffice.

The reference file is never written: it is read once with openpyxl, the cross-sheet references are
quoted in memory (LibreOffice reads them as #N/A unquoted), and each case is saved as its own copy in a
temporary folder; all copies are recalculated headless in one ``soffice`` run with a throwaway profile
whose ``OOXMLRecalcMode`` is 0 (always recalculate) and read back with ``data_only=True``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

from tests.conftest import FIXTURES
from tests.exports.lo import LibreOffice

REFERENCE = FIXTURES / "reference" / "it-donyu-2025" / "it2025_yoshikikeisan_fukusu.xlsx"

S5 = "F【様式5】基盤導入経費"
S6 = "G【様式6】消費動向等分析経費"
S7 = "H【様式7】その他経費"
S8 = "I【様式8】事業全体経費"
TOOL = "F【計算用ツール】基盤導入経費"
PROD_ONE = "B【計算用ツール】労働生産性（事業者毎算出用）"
PROD_GROUP = "B【計算用ツール】労働生産性 (補助事業グループ算出用）"

SIZE_LABEL = {False: "中小企業等", True: "小規模事業者"}

@dataclass
class WbMember:
    small: bool = False
    software: int = 0  # ソフトウェア・導入関連費 (様式5 F, or from the 計算用ツール when ``tool_lines``)
    functions: int = 2
    pc: int = 0
    register: int = 0
    b_software: int = 0
    b_hardware: int = 0
    # (software, option, service) lines entered in F【計算用ツール】 instead of ``software`` (one member)
    tool_lines: tuple[tuple[str, int], ...] = ()
    # productivity: (operating profit, personnel, depreciation, employees, hours) for base, year 1, year 2
    productivity: tuple[tuple[int, int, int, int, int], ...] = ()
    prior_grant: bool = False


@dataclass
class WbCase:
    name: str
    members: list[WbMember]
    admin_yen: int = 0  # (c) 事務費 (人件費)
    expert_yen: int = 0  # (c) 外部専門家謝金
    b_members_entered: int | None = None  # 様式6 C12 (defaults to the members adopting (b))
    notes: list[str] = field(default_factory=list)

    @property
    def b_adopters(self) -> int:
        return sum(1 for m in self.members if m.b_software or m.b_hardware)


def _quote_sheet_refs(wb: Any) -> None:
    names = [ws.title for ws in wb.worksheets]
    patterns = [(re.compile(r"(?<!')" + re.escape(n) + "!"), f"'{n}'!") for n in names]

    def quote(text: str) -> str:
        for pat, rep in patterns:
            text = pat.sub(rep, text)
        return text

    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and v.startswith("=") and "!" in v:
                    cell.value = quote(v)
                elif isinstance(v, ArrayFormula) and v.text and "!" in v.text:
                    cell.value = ArrayFormula(v.ref, quote(v.text))


class _Cells:
    """Writes cells and remembers what they held, so one loaded workbook serves every case."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.undo: list[tuple[str, str, Any]] = []

    def set(self, sheet: str, coord: str, value: Any) -> None:
        ws = self.wb[sheet]
        self.undo.append((sheet, coord, ws[coord].value))
        ws[coord] = value

    def restore(self) -> None:
        for sheet, coord, value in reversed(self.undo):
            self.wb[sheet][coord] = value
        self.undo.clear()


def _write(case: WbCase, cells: _Cells) -> None:
    put = cells.set
    for k, m in enumerate(case.members):
        r = 11 + 5 * k
        put(S5, f"C{r}", f"member{k + 1}")
        put(S5, f"D{r}", SIZE_LABEL[m.small])
        if m.tool_lines:
            put(TOOL, "D8", f"member{k + 1}")
            rows = {"software": 12, "option": 23, "service": 34}
            used: dict[str, int] = {}
            for kind, yen in m.tool_lines:
                row = rows[kind] + used.get(kind, 0)
                used[kind] = used.get(kind, 0) + 1
                put(TOOL, f"C{row}", f"{kind}{used[kind]}")
                put(TOOL, f"D{row}", 1)
                put(TOOL, f"E{row}", yen)
            put(S5, f"F{r}", f"='{TOOL}'!I12")
        elif m.software:
            put(S5, f"F{r}", m.software)
        if m.pc:
            put(S5, f"F{r + 3}", m.pc)
            put(S5, f"I{r + 3}", f"=H{r + 3}")
        if m.register:
            put(S5, f"F{r + 4}", m.register)
            put(S5, f"I{r + 4}", f"=H{r + 4}")
        put(S5, f"I{r}", f"=H{r}")  # apply for the full available amount
        rb = 16 + 2 * k
        if m.b_software or m.b_hardware:
            put(S6, f"C{rb}", f"member{k + 1}")
            if m.b_software:
                put(S6, f"E{rb}", m.b_software)
            if m.b_hardware:
                put(S6, f"E{rb + 1}", m.b_hardware)
            put(S6, f"H{rb}", f"=G{rb}")
        if m.productivity:
            row = 11 + k
            put(PROD_GROUP, f"B{row}", f"member{k + 1}")
            for col, (op, pers, dep, emp, hours) in zip("CDE", m.productivity, strict=False):
                put(PROD_GROUP, f"{col}{row}", f"=({op}+{pers}+{dep})/({emp}*{hours})")
    if case.b_adopters:
        put(S6, "C12", case.b_members_entered if case.b_members_entered is not None else case.b_adopters)
        put(S6, "M16", "=L16")
    if case.admin_yen:
        put(S7, "D24", case.admin_yen)
    if case.expert_yen:
        put(S7, "D54", case.expert_yen)
    if case.admin_yen or case.expert_yen:
        put(S7, "E18", "=D18")
    first = next((m for m in case.members if m.productivity), None)
    if first is not None:  # the per-business productivity sheet, for the first member with figures
        for row, figures in zip((13, 17, 21), first.productivity, strict=False):
            for col, value in zip("BCDFG", figures, strict=True):
                put(PROD_ONE, f"{col}{row}", value)


def fill_all(cases: list[WbCase], workdir: Path) -> list[Path]:
    """Write each case into its own copy of the reference workbook (read once, never written)."""
    wb = openpyxl.load_workbook(REFERENCE)
    _quote_sheet_refs(wb)
    for ws in wb.worksheets:  # the copies need no pictures, and openpyxl can save a picture only once
        ws._images = []
    cells = _Cells(wb)
    paths = []
    for i, case in enumerate(cases):
        path = workdir / f"case{i:02d}.xlsx"
        _write(case, cells)
        wb.save(path)
        cells.restore()
        paths.append(path)
    return paths


def recalc(paths: list[Path], workdir: Path) -> list[Path]:
    """Recalculate the files in one headless LibreOffice run (the exports tests' helper)."""
    return LibreOffice(workdir / "lo-profile").convert(paths, "xlsx", workdir / "recalculated")


def _num(v: Any) -> Any:
    return None if v in ("", None) else v


def read(path: Path, case: WbCase) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path, data_only=True)
    s5, s6, s7, s8 = wb[S5], wb[S6], wb[S7], wb[S8]
    members = []
    for k in range(len(case.members)):
        r = 11 + 5 * k
        members.append(
            {
                "software": _num(s5[f"H{r}"].value),
                "tier1": _num(s5[f"H{r + 1}"].value),
                "tier2": _num(s5[f"H{r + 2}"].value),
                "split": _num(s5[f"F{r + 1}"].value),
                "software_cost": _num(s5[f"F{r}"].value),
                "pc": _num(s5[f"H{r + 3}"].value),
                "register": _num(s5[f"H{r + 4}"].value),
            }
        )
    pg, one = wb[PROD_GROUP], wb[PROD_ONE]
    return {
        "members": members,
        "a_available": _num(s5["N11"].value),
        "a_requested": _num(s5["O11"].value),
        "b_cap": _num(s6["D12"].value),
        "b": _num(s6["L16"].value),
        "c_cap": _num(s7["C14"].value),
        "c": _num(s7["D18"].value),
        "total_available": _num(s8["F12"].value),
        "total_requested": _num(s8["G12"].value),
        "group_productivity": [_num(pg[c].value) for c in ("H10", "H11", "H12")],
        "group_growth": [_num(pg[c].value) for c in ("I11", "I12")],
        "one_productivity": [_num(one[c].value) for c in ("H13", "H17", "H21")],
        "one_growth": [_num(one[c].value) for c in ("I17", "I21")],
    }
