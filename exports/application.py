"""補助金交付申請書・事業計画書・補助対象経費内訳書: the 総括表 and one 経費内訳 sheet per claiming member.

Layout of a 経費内訳 sheet (the importer reads it back by its labels, not by fixed positions):
the 事業者ID label with the member id to its right, a header row starting ``ID | STEP | 経費区分``,
one row per cost line, spare input rows, and a row whose first cell is ``合計``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from exports.common import (
    CATEGORY_LABELS,
    COUNT,
    RATE,
    ROLE_LABELS,
    STEP_LABELS,
    WAREKI,
    YEN,
    YEN_SIGN,
    Book,
    BookInfo,
    cell_ref,
    join_nonempty,
)
from exports.context import CostGroup, ExportContext
from planner.kyoso.rules import RULES
from planner.money import floor_mul
from planner.result import LineResult
from schemas.plan import CostLine

#: 1円未満切り捨て is written TRUNC(x) — for the non-negative amounts here the same as ROUNDDOWN(x,0) and
#: INT(x) in Excel, but LibreOffice 7.4's ROUNDDOWN rounds values of 10^11 and more to 12 significant
#: digits (ROUNDDOWN(123456789012.5,0) gives 123456789013), while its TRUNC and INT are exact.
SUMMARY = "総括表"
SPARE_ROWS = 10
COST_HEADERS = ("ID", "STEP", "経費区分", "内容", "単価(円)", "数量/時間", "金額(円)", "対象外額(円)",
                "補助対象経費(円)", "対象外の理由(ルールID)", "備考")
COST_WIDTHS = (8, 6, 15, 30, 12, 10, 14, 13, 15, 36, 28, 12)
COL_ID, COL_STEP, COL_CAT, COL_DESC, COL_PRICE, COL_QTY, COL_AMOUNT, COL_TRIM, COL_ELIG, COL_WHY, COL_NOTE = range(11)
COL_EXPORTED = 11  # hidden: the amount at export time, for the "changed since export" highlight
HEADER_ROW = 6
MEMBER_ID_LABEL = "事業者ID"
TOTAL_LABEL = "合計"
CHECKS_JA = {r.id: r.checks_ja for r in RULES}
COST_SHEET_NOTE = (
    "白いセル(ID・STEP・経費区分・内容・単価・数量/時間)は入力できます。人件費は単価に時間単価、数量/時間に時間を入れます。"
    "行の追加は下の空行に(IDは空欄のまま)、削除は行の入力セルをすべて消してください。"
    "対象外額・補助対象経費・補助金額は計画ツールに取り込むと再計算されます(金額を変えた行は黄色になります)。"
)

# 総括表 columns
S_NO, S_ID, S_NAME, S_ROLE, S_COUNTED, S_CLAIMED, S_ELIG, S_RAW, S_SUBSIDY, S_OWN, S_SHEET = range(11)


def _rate_float(rate: Fraction) -> float:
    return rate.numerator / rate.denominator


def rate_formula(rate: Fraction) -> str:
    return f"={rate.numerator}/{rate.denominator}"


def _amount_inputs(line: CostLine, lr: LineResult) -> tuple[int | None, Decimal | int | None]:
    """(単価, 数量/時間) as shown: for 人件費 the hourly rate and the hours."""
    if line.category == "labour":
        return lr.hourly_rate_yen, line.hours
    return line.unit_price_yen, line.quantity


def _floor_product(price: int | None, qty: Decimal | int | None) -> int:
    if price is None or qty is None:
        return 0
    return int(Decimal(price) * Decimal(qty) // 1)


def _reason(lr: LineResult) -> str:
    return "\n".join(
        f"{CHECKS_JA.get(r.rule, r.rule)} [{r.rule}] {r.yen:,}円" for r in lr.reductions
    )


def _note(ctx: ExportContext, line: CostLine, lr: LineResult) -> str:
    parts: list[str | None] = []
    if line.payee is not None:
        parts.append(f"支払先: {ctx.member_name(line.payee)}")
    if line.payee_external is not None:
        parts.append(f"{'下請け先' if line.subcontract else '委託先'}: {line.payee_external}")
    if line.integration is not None:
        integ = ctx.integrations_by_id.get(line.integration)
        if integ is not None:
            a = ctx.tools_by_id.get(integ.from_)
            b = ctx.tools_by_id.get(integ.to)
            parts.append(f"連携 {integ.id}: {a.name if a else integ.from_} ⇔ {b.name if b else integ.to}")
        else:
            parts.append(f"連携 {line.integration}(計画にない連携)")
    if line.meeting is not None:
        mt = ctx.meetings_by_id.get(line.meeting)
        parts.append(f"会議: {mt.title if mt else line.meeting + '(計画にない会議)'}")
    if line.months is not None:
        parts.append(f"契約期間 {line.months}か月")
    if line.maintenance:
        parts.append("運用保守を含む")
    if line.kenpo_grade is not None:
        source = {"plan_table": "計画の健保等級単価表", "estimate": "概算"}.get(lr.rate_source or "", "")
        parts.append(f"健保等級 {line.kenpo_grade}({source})")
    if line.modifies_existing_tool:
        parts.append("既存ツールの改修")
    return join_nonempty(parts, "\n")


class ApplicationWriter:
    def __init__(self, ctx: ExportContext) -> None:
        self.ctx = ctx
        self.book = Book("補助金交付申請書・事業計画書・補助対象経費内訳書", ctx.heading)
        b = self.book
        self.f_title = b.fmt(bold=True, font_size=14, align="center")
        self.f_sub = b.fmt(align="center")
        self.f_label = b.fmt(bold=True, bg_color="#E8EEF7", border=1, text_wrap=True, valign="vcenter")
        self.f_head = b.fmt(bold=True, bg_color="#D9E2F3", border=1, align="center", text_wrap=True, valign="vcenter")
        self.f_text = b.fmt(border=1, text_wrap=True, valign="top")
        self.f_text_c = b.fmt(border=1, align="center")
        self.f_in_text = b.fmt(border=1, text_wrap=True, locked=False, valign="top")
        self.f_in_c = b.fmt(border=1, align="center", locked=False)
        self.f_in_yen = b.fmt(border=1, num_format=YEN, locked=False)
        self.f_in_qty = b.fmt(border=1, num_format="#,##0", locked=False)
        self.f_in_hours = b.fmt(border=1, num_format='#,##0"時間"', locked=False)
        self.f_in_hours2 = b.fmt(border=1, num_format='#,##0.00"時間"', locked=False)
        self.f_in_general = b.fmt(border=1, num_format="General", locked=False)
        self.f_in_date = b.fmt(border=1, num_format=WAREKI, locked=False, align="left")
        self.f_yen = b.fmt(border=1, num_format=YEN)
        self.f_yen_spare = b.fmt(border=1, num_format='#,##0;-#,##0;""')
        self.f_yen_total = b.fmt(border=1, num_format=YEN, bold=True, bg_color="#F2F2F2", top=2)
        self.f_total_label = b.fmt(bold=True, border=1, bg_color="#F2F2F2", top=2, align="center", valign="vcenter")
        self.f_yen_sign = b.fmt(border=1, num_format=YEN_SIGN, bold=True)
        self.f_rate = b.fmt(border=1, num_format=RATE, bold=True, align="right")
        self.f_count = b.fmt(border=1, num_format=COUNT, bold=True)
        self.f_note = b.fmt(text_wrap=True, valign="top", font_size=9, font_color="#404040")
        self.f_changed = b.wb.add_format({"bg_color": "#FFF2CC"})
        self.summary_rows: dict[str, int] = {}
        self.sheet_cells: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------------------------------
    def write(self) -> tuple[bytes, BookInfo]:
        ctx, b = self.ctx, self.book
        summary = b.sheet(SUMMARY, landscape=True, header_rows=(0, 0),
                          widths=(5, 8, 28, 14, 9, 15, 15, 15, 15, 15, 12))
        groups = ctx.cost_groups
        # the summary's member rows are fixed before the cost sheets refer to them
        first_member_row = 13
        rows = [m.id for m in ctx.plan.members] + [g.member_id for g in groups if g.member is None]
        for n, mid in enumerate(rows):
            self.summary_rows[mid] = first_member_row + n
        for g in groups:
            self._cost_sheet(g)
        self._summary(summary, rows, first_member_row)
        b.lists({
            "STEPリスト": [1, 2, 3, 4],
            "経費区分リスト": list(CATEGORY_LABELS.values()),
        })
        return b.close(), b.info

    # ------------------------------------------------------------------------------------------
    def _cost_sheet(self, g: CostGroup) -> None:
        ctx, b = self.ctx, self.book
        ws = b.sheet(g.sheet, landscape=True, header_rows=(HEADER_ROW, HEADER_ROW), widths=COST_WIDTHS)
        ws.set_column(COL_EXPORTED, COL_EXPORTED, 12, None, {"hidden": True})
        last_col = COL_NOTE
        self.book.merge(ws, 0, 0, 0, last_col, self.f_title)
        ws.write_string(0, 0, "補助対象経費内訳書", self.f_title)
        self.book.merge(ws, 1, 0, 1, last_col, self.f_sub)
        ws.write_string(1, 0, ctx.heading, self.f_sub)
        self.book.merge(ws, 2, 0, 2, 1, self.f_label)
        ws.write_string(2, 0, "コンソーシアム名", self.f_label)
        self.book.merge(ws, 2, 2, 2, 5, self.f_text)
        b.text(ws, 2, 2, ctx.plan.consortium.name, self.f_text)
        self.book.merge(ws, 3, 0, 3, 1, self.f_label)
        ws.write_string(3, 0, "事業者名", self.f_label)
        self.book.merge(ws, 3, 2, 3, 5, self.f_text)
        b.text(ws, 3, 2, ctx.member_name(g.member_id), self.f_text)
        b.fit_row(ws, 2, ((2, 5, ctx.plan.consortium.name),))
        b.fit_row(ws, 3, ((2, 5, ctx.member_name(g.member_id)),))
        ws.write_string(3, COL_AMOUNT, MEMBER_ID_LABEL, self.f_label)
        b.text(ws, 3, COL_TRIM, g.member_id, self.f_text_c)
        ws.write_string(3, COL_ELIG, "役割", self.f_label)
        role = ROLE_LABELS.get(g.member.role, g.member.role) if g.member is not None else "(計画にないメンバー)"
        ws.write_string(3, COL_WHY, role, self.f_text)
        self.book.merge(ws, 4, 0, 4, last_col, self.f_note)
        ws.write_string(4, 0, COST_SHEET_NOTE, self.f_note)
        b.fit_row(ws, 4, ((0, last_col, COST_SHEET_NOTE),), font_size=9)
        for col, head in enumerate(COST_HEADERS):
            ws.write_string(HEADER_ROW, col, head, self.f_head)
        ws.write_string(HEADER_ROW, COL_EXPORTED, "出力時の金額", self.f_head)
        ws.freeze_panes(HEADER_ROW + 1, 0)

        first = HEADER_ROW + 1
        row = first
        amounts: list[int] = []
        trims: list[int] = []
        for line, lr in g.lines:
            price, qty = _amount_inputs(line, lr)
            b.text(ws, row, COL_ID, line.id, self.f_in_c)
            ws.write_number(row, COL_STEP, line.step, self.f_in_c)
            ws.write_string(row, COL_CAT, CATEGORY_LABELS[line.category], self.f_in_c)
            b.text(ws, row, COL_DESC, line.description, self.f_in_text)
            b.number(ws, row, COL_PRICE, price, self.f_in_yen)
            if line.category == "labour":
                hours = Decimal(qty) if qty is not None else None
                integral = hours is not None and hours == hours.to_integral_value()
                b.number(ws, row, COL_QTY, float(hours) if hours is not None else None,
                         self.f_in_hours if integral else self.f_in_hours2)
            else:
                b.number(ws, row, COL_QTY, int(qty) if qty is not None else None, self.f_in_qty)
            r1 = row + 1
            b.figure(ws, row, COL_AMOUNT, f"=TRUNC(E{r1}*F{r1})", lr.claimed_yen, self.f_yen,
                     formula_gives=_floor_product(price, qty),
                     note="計画ツールの金額(単価×数量では再現できないため値で記載)")
            trim = lr.claimed_yen - lr.eligible_yen
            ws.write_number(row, COL_TRIM, trim, self.f_yen)
            b.figure(ws, row, COL_ELIG, f"=G{r1}-H{r1}", lr.eligible_yen, self.f_yen,
                     formula_gives=lr.claimed_yen - trim)
            reason, note = _reason(lr), _note(ctx, line, lr)
            ws.write_string(row, COL_WHY, reason, self.f_text)
            b.text(ws, row, COL_NOTE, note, self.f_text)
            b.fit_row(ws, row, ((COL_DESC, COL_DESC, line.description), (COL_WHY, COL_WHY, reason),
                                (COL_NOTE, COL_NOTE, note)))
            ws.write_number(row, COL_EXPORTED, lr.claimed_yen, self.f_yen)
            amounts.append(lr.claimed_yen)
            trims.append(trim)
            row += 1
        for _ in range(SPARE_ROWS):
            r1 = row + 1
            ws.write_blank(row, COL_ID, None, self.f_in_c)
            ws.write_blank(row, COL_STEP, None, self.f_in_c)
            ws.write_blank(row, COL_CAT, None, self.f_in_c)
            ws.write_blank(row, COL_DESC, None, self.f_in_text)
            ws.write_blank(row, COL_PRICE, None, self.f_in_yen)
            ws.write_blank(row, COL_QTY, None, self.f_in_general)
            b.figure(ws, row, COL_AMOUNT, f"=TRUNC(E{r1}*F{r1})", 0, self.f_yen_spare)
            ws.write_blank(row, COL_TRIM, None, self.f_yen_spare)
            b.figure(ws, row, COL_ELIG, f"=G{r1}-H{r1}", 0, self.f_yen_spare)
            ws.write_blank(row, COL_WHY, None, self.f_text)
            ws.write_blank(row, COL_NOTE, None, self.f_text)
            row += 1
        last = row - 1
        # inputs: drop-downs and number checks
        b.choose(ws, first, COL_STEP, last, "STEPリスト")
        b.choose(ws, first, COL_CAT, last, "経費区分リスト")
        ws.data_validation(first, COL_PRICE, last, COL_PRICE, {
            "validate": "integer", "criteria": "between", "minimum": 0, "maximum": 10**12,
            "error_title": "単価", "error_message": "0以上の整数(円)を入力してください"})
        ws.data_validation(first, COL_QTY, last, COL_QTY, {
            "validate": "decimal", "criteria": ">", "value": 0,
            "error_title": "数量/時間", "error_message": "0より大きい数を入力してください(時間は小数第2位まで)"})
        ws.conditional_format(first, COL_ID, last, COL_NOTE, {
            "type": "formula", "criteria": f"=$G{first + 1}<>$L{first + 1}", "format": self.f_changed})

        # totals
        total = row
        self.book.merge(ws, total, 0, total, COL_QTY, self.f_total_label)
        ws.write_string(total, 0, TOTAL_LABEL, self.f_total_label)
        rng = {c: f"{xl_col_to_name(c)}{first + 1}:{xl_col_to_name(c)}{last + 1}"
               for c in (COL_AMOUNT, COL_TRIM, COL_ELIG)}
        claimed = sum(amounts)
        trimmed = sum(trims)
        eligible = claimed - trimmed
        b.figure(ws, total, COL_AMOUNT, f"=SUM({rng[COL_AMOUNT]})", claimed, self.f_yen_total)
        b.figure(ws, total, COL_TRIM, f"=SUM({rng[COL_TRIM]})", trimmed, self.f_yen_total)
        b.figure(ws, total, COL_ELIG, f"=SUM({rng[COL_ELIG]})", eligible, self.f_yen_total)
        ws.write_blank(total, COL_WHY, None, self.f_total_label)
        ws.write_blank(total, COL_NOTE, None, self.f_total_label)

        # subtotals by category and by STEP
        row = total + 2
        self.book.merge(ws, row, COL_STEP, row, COL_QTY, self.f_head)
        ws.write_string(row, COL_STEP, "経費区分別小計", self.f_head)
        for col, head in ((COL_AMOUNT, "金額(円)"), (COL_TRIM, "対象外額(円)"), (COL_ELIG, "補助対象経費(円)")):
            ws.write_string(row, col, head, self.f_head)
        row += 1
        cat_a = f"$C${first + 1}:$C${last + 1}"
        step_a = f"$B${first + 1}:$B${last + 1}"
        for cat, label in CATEGORY_LABELS.items():
            self.book.merge(ws, row, COL_STEP, row, COL_QTY, self.f_text)
            ws.write_string(row, COL_STEP, label, self.f_text)
            sel = [(line, lr) for line, lr in g.lines if line.category == cat]
            self._subtotal_row(ws, row, cat_a, f"$B{row + 1}", (first + 1, last + 1), sel)
            row += 1
        row += 1
        self.book.merge(ws, row, COL_STEP, row, COL_QTY, self.f_head)
        ws.write_string(row, COL_STEP, "STEP別小計", self.f_head)
        for col, head in ((COL_AMOUNT, "金額(円)"), (COL_TRIM, "対象外額(円)"), (COL_ELIG, "補助対象経費(円)")):
            ws.write_string(row, col, head, self.f_head)
        row += 1
        step_rows: dict[int, int] = {}
        for step, label in STEP_LABELS.items():
            ws.write_number(row, COL_ID, step, self.f_text_c)
            self.book.merge(ws, row, COL_STEP, row, COL_QTY, self.f_text)
            ws.write_string(row, COL_STEP, label, self.f_text)
            sel = [(line, lr) for line, lr in g.lines if line.step == step]
            self._subtotal_row(ws, row, step_a, f"$A{row + 1}", (first + 1, last + 1), sel)
            step_rows[step] = row
            row += 1

        # rate and subsidy of this member
        row += 1
        res = ctx.result
        sub_row = self.summary_rows[g.member_id]
        mres = res.member(g.member_id)
        raw = mres.raw_subsidy_yen if mres is not None else 0
        subsidy = mres.subsidy_yen if mres is not None else 0
        labels = (
            ("補助率", "=補助率", _rate_float(res.rate), self.f_rate, None),
            ("算定額(補助対象経費×補助率、1円未満切り捨て)", f"=TRUNC(I{total + 1}*補助率)", raw, self.f_yen_sign,
             floor_mul(eligible, res.rate) if g.member is not None else raw),
            ("補助金額(総括表)", "=" + cell_ref(SUMMARY, sub_row, S_SUBSIDY), subsidy, self.f_yen_sign, None),
        )
        for label, formula, value, fmt, gives in labels:
            self.book.merge(ws, row, COL_STEP, row, COL_TRIM, self.f_label)
            ws.write_string(row, COL_STEP, label, self.f_label)
            b.figure(ws, row, COL_ELIG, formula, value, fmt, formula_gives=gives)
            row += 1
        self.sheet_cells[g.member_id] = {
            "claimed": (total, COL_AMOUNT, claimed),
            "eligible": (total, COL_ELIG, eligible),
            "steps": {s: (r, sum(lr.claimed_yen for ln, lr in g.lines if ln.step == s),
                          sum(lr.eligible_yen for ln, lr in g.lines if ln.step == s))
                      for s, r in step_rows.items()},
            "cat_first": total + 3,
        }
        b.protect(ws)

    def _subtotal_row(self, ws: Worksheet, row: int, criteria: str, criteria_cell: str,
                      span: tuple[int, int], sel: list[tuple[CostLine, LineResult]]) -> None:
        """SUMIF over the line rows (``span``: first and last sheet row, 1-based) for one category/STEP."""
        claimed = sum(lr.claimed_yen for _, lr in sel)
        eligible = sum(lr.eligible_yen for _, lr in sel)
        for col, value in ((COL_AMOUNT, claimed), (COL_TRIM, claimed - eligible), (COL_ELIG, eligible)):
            letter = xl_col_to_name(col)
            summed = f"{letter}{span[0]}:{letter}{span[1]}"
            self.book.figure(ws, row, col, f"=SUMIF({criteria},{criteria_cell},{summed})", value, self.f_yen)

    # ------------------------------------------------------------------------------------------
    def _summary(self, ws: Worksheet, rows: list[str], first_member_row: int) -> None:
        ctx, b = self.ctx, self.book
        res = ctx.result
        last_col = S_SHEET
        self.book.merge(ws, 0, 0, 0, last_col, self.f_title)
        ws.write_string(0, 0, "補助金交付申請書・事業計画書(総括表)", self.f_title)
        self.book.merge(ws, 1, 0, 1, last_col, self.f_sub)
        ws.write_string(1, 0, ctx.heading, self.f_sub)

        def label(row: int, text: str) -> None:
            self.book.merge(ws, row, 0, row, 2, self.f_label)
            ws.write_string(row, 0, text, self.f_label)

        label(3, "申請日")
        self.book.merge(ws, 3, 3, 3, 4, self.f_in_date)
        ws.write_blank(3, 3, None, self.f_in_date)
        label(4, "コンソーシアム名")
        self.book.merge(ws, 4, 3, 4, 7, self.f_text)
        b.text(ws, 4, 3, ctx.plan.consortium.name, self.f_text)
        b.fit_row(ws, 4, ((3, 7, ctx.plan.consortium.name),))
        label(5, "幹事社")
        self.book.merge(ws, 5, 3, 5, 7, self.f_text)
        lead = ctx.plan.consortium.lead
        b.text(ws, 5, 3, ctx.member_name(lead) if lead else "(未指定)", self.f_text)
        label(6, "補助率")
        b.figure(ws, 6, 3, rate_formula(res.rate), _rate_float(res.rate), self.f_rate)
        b.wb.define_name("補助率", "=" + cell_ref(SUMMARY, 6, 3))
        note_rate = next((f.message_ja for f in res.findings if f.rule == "rate.large_vendor"), "")
        self.book.merge(ws, 6, 4, 6, last_col, self.f_note)
        ws.write_string(6, 4, note_rate, self.f_note)
        b.fit_row(ws, 6, ((4, last_col, note_rate),), font_size=9)
        label(7, "補助上限額の算定対象者数(中小ユーザ企業+ITベンダ)")
        last_member_row = first_member_row + len(rows) - 1
        counted = sum(1 for m in res.members if m.counted)
        b.figure(ws, 7, 3, f'=COUNTIF({xl_col_to_name(S_COUNTED)}{first_member_row + 1}:'
                 f'{xl_col_to_name(S_COUNTED)}{last_member_row + 1},"○")', res.member_count, self.f_count,
                 formula_gives=counted)
        label(8, "補助上限額")
        ws.write_number(8, 3, res.cap_yen, self.f_yen_sign)
        b.wb.define_name("補助上限額", "=" + cell_ref(SUMMARY, 8, 3))
        label(9, "補助下限額")
        ws.write_number(9, 3, ctx.pack.params.lower_limit_yen.value, self.f_yen_sign)
        b.wb.define_name("補助下限額", "=" + cell_ref(SUMMARY, 9, 3))
        self.book.merge(ws, 8, 4, 9, last_col, self.f_note)
        ws.write_string(8, 4, f"補助上限額は算定対象者数から決まります(ルールパック {ctx.pack.id})。"
                              "経費・補助金額は計画ツールの計算結果で、数式は同じ値を再計算します。", self.f_note)

        head_row = first_member_row - 1
        self.book.merge(ws, head_row - 1, 0, head_row - 1, last_col, self.f_sub)
        ws.write_string(head_row - 1, 0, "参加事業者別の経費と補助金額", b.fmt(bold=True, align="left"))
        for col, head in enumerate(("No", "ID", "事業者名", "役割", "上限算定対象", "申請経費(円)", "補助対象経費(円)",
                                    "算定額(円)", "補助金額(円)", "自己負担額(円)", "経費内訳")):
            ws.write_string(head_row, col, head, self.f_head)
        ws.set_row(head_row, 30)
        capped = ctx.capped
        cap_note = (
            f"算定額の合計 {res.raw_subsidy_total_yen:,}円 が補助上限額 {res.cap_yen:,}円 を超えるため、"
            "上限額を算定額に比例して配分しています(1円未満切り捨て、残りの円は端数の大きい順)。"
            "この欄は計画ツールの計算結果です [subsidy.capped]"
        )
        for n, mid in enumerate(rows):
            row = first_member_row + n
            r1 = row + 1
            m = ctx.members_by_id.get(mid)
            mres = res.member(mid)
            g = ctx.group_of(mid)
            ws.write_number(row, S_NO, n + 1, self.f_text_c)
            b.text(ws, row, S_ID, mid, self.f_text_c)
            b.text(ws, row, S_NAME, ctx.member_name(mid), self.f_text)
            b.fit_row(ws, row, ((S_NAME, S_NAME, ctx.member_name(mid)),))
            ws.write_string(row, S_ROLE, ROLE_LABELS.get(m.role, m.role) if m else "不明", self.f_text_c)
            ws.write_string(row, S_COUNTED, "○" if (mres is not None and mres.counted) else "", self.f_text_c)
            claimed = mres.claimed_yen if mres is not None else sum(lr.claimed_yen for _, lr in g.lines) if g else 0
            eligible = mres.eligible_yen if mres is not None else sum(lr.eligible_yen for _, lr in g.lines) if g else 0
            raw = mres.raw_subsidy_yen if mres is not None else 0
            subsidy = mres.subsidy_yen if mres is not None else 0
            if g is not None:
                cells = self.sheet_cells[mid]
                c_row, c_col, c_val = cells["claimed"]
                e_row, e_col, e_val = cells["eligible"]
                b.figure(ws, row, S_CLAIMED, "=" + cell_ref(g.sheet, c_row, c_col), claimed, self.f_yen,
                         formula_gives=c_val)
                b.figure(ws, row, S_ELIG, "=" + cell_ref(g.sheet, e_row, e_col), eligible, self.f_yen,
                         formula_gives=e_val)
                ws.write_string(row, S_SHEET, g.sheet, self.f_text_c)
            else:
                ws.write_number(row, S_CLAIMED, claimed, self.f_yen)
                ws.write_number(row, S_ELIG, eligible, self.f_yen)
                ws.write_string(row, S_SHEET, "—", self.f_text_c)
            if m is None:
                ws.write_number(row, S_RAW, raw, self.f_yen)
                ws.write_number(row, S_SUBSIDY, subsidy, self.f_yen)
            else:
                b.figure(ws, row, S_RAW, f"=TRUNC({xl_col_to_name(S_ELIG)}{r1}*補助率)", raw, self.f_yen,
                         formula_gives=floor_mul(eligible, res.rate))
                if capped:
                    ws.write_number(row, S_SUBSIDY, subsidy, self.f_yen)
                    ws.write_comment(row, S_SUBSIDY, cap_note, {"x_scale": 3, "y_scale": 2})
                else:
                    b.figure(ws, row, S_SUBSIDY, f"={xl_col_to_name(S_RAW)}{r1}", subsidy, self.f_yen,
                             formula_gives=raw)
            b.figure(ws, row, S_OWN, f"={xl_col_to_name(S_CLAIMED)}{r1}-{xl_col_to_name(S_SUBSIDY)}{r1}",
                     mres.own_funds_yen if mres is not None else claimed - subsidy, self.f_yen,
                     formula_gives=claimed - subsidy)
        total = last_member_row + 1
        self.book.merge(ws, total, 0, total, S_COUNTED, self.f_total_label)
        ws.write_string(total, 0, TOTAL_LABEL, self.f_total_label)
        for col, value in ((S_CLAIMED, res.claimed_total_yen), (S_ELIG, res.eligible_total_yen),
                           (S_RAW, res.raw_subsidy_total_yen), (S_SUBSIDY, res.subsidy_yen),
                           (S_OWN, res.own_funds_yen)):
            letter = xl_col_to_name(col)
            b.figure(ws, total, col, f"=SUM({letter}{first_member_row + 1}:{letter}{last_member_row + 1})",
                     value, self.f_yen_total)
        ws.write_blank(total, S_SHEET, None, self.f_total_label)
        row = total + 1
        self.book.merge(ws, row, 0, row, S_RAW, self.f_label)
        ws.write_string(row, 0, "補助金額の合計(算定額の合計と補助上限額の小さい方)", self.f_label)
        b.figure(ws, row, S_SUBSIDY,
                 f"=MIN({xl_col_to_name(S_RAW)}{total + 1},補助上限額)", res.subsidy_yen, self.f_yen_sign,
                 formula_gives=min(res.raw_subsidy_total_yen, res.cap_yen))
        row += 1
        if capped:
            self.book.merge(ws, row, 0, row + 1, last_col, self.f_note)
            ws.write_string(row, 0, "※ " + cap_note, self.f_note)
            row += 2
        # by STEP and by category, over the cost sheets
        row += 1
        row = self._step_block(ws, row)
        row += 1
        self._category_block(ws, row)
        b.protect(ws)

    def _block_head(self, ws: Worksheet, row: int, title: str) -> int:
        """The heading row of a 総括表 block (STEP別 / 経費区分別); returns the first data row."""
        self.book.merge(ws, row, 0, row, S_CLAIMED - 1, self.f_head)
        ws.write_string(row, 0, title, self.f_head)
        ws.write_string(row, S_CLAIMED, "申請経費(円)", self.f_head)
        ws.write_string(row, S_ELIG, "補助対象経費(円)", self.f_head)
        return row + 1

    def _block_total(self, ws: Worksheet, row: int, first: int) -> int:
        """The 合計 row under a 総括表 block's rows ``first``..``row - 1``; returns the row after it."""
        res = self.ctx.result
        self.book.merge(ws, row, 0, row, S_CLAIMED - 1, self.f_total_label)
        ws.write_string(row, 0, TOTAL_LABEL, self.f_total_label)
        for col, value in ((S_CLAIMED, res.claimed_total_yen), (S_ELIG, res.eligible_total_yen)):
            letter = xl_col_to_name(col)
            self.book.figure(ws, row, col, f"=SUM({letter}{first + 1}:{letter}{row})", value, self.f_yen_total)
        return row + 1

    def _step_block(self, ws: Worksheet, row: int) -> int:
        ctx = self.ctx
        res = ctx.result
        row = first = self._block_head(ws, row, "STEP別の経費")
        for step, label in STEP_LABELS.items():
            self.book.merge(ws, row, 0, row, S_CLAIMED - 1, self.f_text)
            ws.write_string(row, 0, label, self.f_text)
            claimed_refs, elig_refs = [], []
            c_sum = e_sum = 0
            for g in ctx.cost_groups:
                s_row, c_val, e_val = self.sheet_cells[g.member_id]["steps"][step]
                claimed_refs.append(cell_ref(g.sheet, s_row, COL_AMOUNT))
                elig_refs.append(cell_ref(g.sheet, s_row, COL_ELIG))
                c_sum += c_val
                e_sum += e_val
            self._sum_of_refs(ws, row, S_CLAIMED, claimed_refs, res.claimed_by_step.get(step, 0), c_sum)
            self._sum_of_refs(ws, row, S_ELIG, elig_refs, res.eligible_by_step.get(step, 0), e_sum)
            row += 1
        return self._block_total(ws, row, first)

    def _category_block(self, ws: Worksheet, row: int) -> int:
        ctx = self.ctx
        res = ctx.result
        row = first = self._block_head(ws, row, "経費区分別の経費")
        for k, (cat, label) in enumerate(CATEGORY_LABELS.items()):
            self.book.merge(ws, row, 0, row, S_CLAIMED - 1, self.f_text)
            ws.write_string(row, 0, label, self.f_text)
            claimed_refs, elig_refs = [], []
            for g in ctx.cost_groups:
                cat_row = self.sheet_cells[g.member_id]["cat_first"] + k
                claimed_refs.append(cell_ref(g.sheet, cat_row, COL_AMOUNT))
                elig_refs.append(cell_ref(g.sheet, cat_row, COL_ELIG))
            lines = [lr for lr in res.lines if lr.category == cat]
            c_sum = sum(lr.claimed_yen for lr in lines)
            e_sum = sum(lr.eligible_yen for lr in lines)
            self._sum_of_refs(ws, row, S_CLAIMED, claimed_refs, c_sum, c_sum)
            self._sum_of_refs(ws, row, S_ELIG, elig_refs, e_sum, e_sum)
            row += 1
        return self._block_total(ws, row, first)

    def _sum_of_refs(self, ws: Worksheet, row: int, col: int, refs: list[str], engine: int, gives: int) -> None:
        """A sum over other sheets' cells; long lists go through SUM() in chunks (formula length limits)."""
        if not refs:
            self.book.figure(ws, row, col, "=0", engine, self.f_yen, formula_gives=0)
            return
        chunks = [",".join(refs[i:i + 30]) for i in range(0, len(refs), 30)]
        formula = "=" + "+".join(f"SUM({c})" for c in chunks)
        self.book.figure(ws, row, col, formula, engine, self.f_yen, formula_gives=gives)


def write_application(ctx: ExportContext) -> tuple[bytes, BookInfo]:
    return ApplicationWriter(ctx).write()


__all__ = ["COST_HEADERS", "MEMBER_ID_LABEL", "SUMMARY", "TOTAL_LABEL", "write_application"]
