"""補助事業概要書, 事業者情報入力シート, 誓約書 and 提出書類チェックリスト."""

from __future__ import annotations

import json
from collections.abc import Sequence

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from exports.common import (
    COUNT,
    METHOD_LABELS,
    ROLE_LABELS,
    STEP_LABELS,
    WAREKI,
    YEN,
    Book,
    BookInfo,
    yes_no,
)
from exports.context import ExportContext
from exports.naming import DOCUMENT_TITLES, document_filename
from schemas.plan import Member

SEVERITY_JA = {"error": "エラー", "warning": "警告", "info": "情報"}
STATUSES = ("作成済", "要確認", "要入力", "要署名・押印", "提出済")


class _Forms:
    def __init__(self, ctx: ExportContext, title: str) -> None:
        self.ctx = ctx
        self.book = b = Book(title, ctx.heading)
        self.f_title = b.fmt(bold=True, font_size=14, align="center")
        self.f_sub = b.fmt(align="center")
        self.f_section = b.fmt(bold=True, font_size=11)
        self.f_label = b.fmt(bold=True, bg_color="#E8EEF7", border=1, text_wrap=True, valign="vcenter")
        self.f_head = b.fmt(bold=True, bg_color="#D9E2F3", border=1, align="center", text_wrap=True, valign="vcenter")
        self.f_text = b.fmt(border=1, text_wrap=True, valign="top")
        self.f_text_c = b.fmt(border=1, align="center", valign="top")
        self.f_in = b.fmt(border=1, text_wrap=True, locked=False, valign="top")
        self.f_in_c = b.fmt(border=1, align="center", locked=False, valign="top")
        self.f_in_text_id = b.fmt(border=1, num_format="@", locked=False, valign="top")
        self.f_in_yen = b.fmt(border=1, num_format=YEN, locked=False, valign="top")
        self.f_in_count = b.fmt(border=1, num_format=COUNT, locked=False, valign="top")
        self.f_in_date = b.fmt(border=1, num_format=WAREKI, locked=False, align="left", valign="top")
        self.f_count = b.fmt(border=1, num_format=COUNT, bold=True)
        self.f_yen = b.fmt(border=1, num_format=YEN)
        self.f_note = b.fmt(text_wrap=True, valign="top", font_size=9, font_color="#404040")
        self.f_body = b.fmt(text_wrap=True, valign="top", font_size=11)

    def title(self, ws: Worksheet, text: str, last_col: int) -> None:
        self.book.merge(ws, 0, 0, 0, last_col, self.f_title)
        ws.write_string(0, 0, text, self.f_title)
        self.book.merge(ws, 1, 0, 1, last_col, self.f_sub)
        ws.write_string(1, 0, self.ctx.heading, self.f_sub)

    def header(self, ws: Worksheet, row: int, heads: Sequence[str]) -> None:
        for col, head in enumerate(heads):
            ws.write_string(row, col, head, self.f_head)

    def pair(self, ws: Worksheet, row: int, label: str, value: str | None, last_col: int,
             fmt: Format | None = None) -> None:
        ws.write_string(row, 0, label, self.f_label)
        self.book.merge(ws, row, 1, row, last_col, fmt or self.f_in)
        self.book.text(ws, row, 1, value, fmt or self.f_in)
        self.book.fit_row(ws, row, ((1, last_col, value),))

    def tool_name(self, tool_id: str) -> str:
        t = self.ctx.tools_by_id.get(tool_id)
        return f"{t.name}({tool_id})" if t is not None else f"{tool_id}(計画にないツール)"


# ------------------------------------------------------------------------------------------------
class OverviewWriter(_Forms):
    def __init__(self, ctx: ExportContext) -> None:
        super().__init__(ctx, "補助事業概要書")

    def write(self) -> tuple[bytes, BookInfo]:
        b = self.book
        first = b.sheet("1_事業概要", header_rows=(0, 1), widths=(24, 16, 16, 16, 16, 22))
        self._members()
        self._tools()
        self._integrations()
        self._meetings()
        self._overview(first)
        b.lists({
            "役割リスト": list(ROLE_LABELS.values()),
            "連携方式リスト": list(METHOD_LABELS.values()),
            "はいいいえ": ["はい", "いいえ"],
        })
        return b.close(), b.info

    def _overview(self, ws: Worksheet) -> None:
        ctx, b = self.ctx, self.book
        plan, res = ctx.plan, ctx.result
        last = 5
        self.title(ws, "補助事業概要書", last)
        ws.write_string(3, 0, "1. コンソーシアム", self.f_section)
        contact = plan.consortium.contact
        lead = plan.consortium.lead
        rows: list[tuple[str, str | None]] = [
            ("コンソーシアム名", plan.consortium.name),
            ("幹事社", ctx.member_name(lead) if lead else None),
            ("連絡先 会社名", contact.company if contact else None),
            ("連絡先 役職", contact.title if contact else None),
            ("連絡先 氏名", contact.name if contact else None),
            ("メールアドレス", contact.email if contact else None),
            ("電話番号", contact.phone if contact else None),
            ("所在地", contact.address if contact else None),
        ]
        row = 4
        for label, value in rows:
            self.pair(ws, row, label, value, last)
            row += 1
        sched = res.schedule
        source = {"plan": "計画で指定", "pack": f"ルールパック {ctx.pack.id}", "missing": "未定"}
        for label, d, src in (("交付決定日", sched.decision_date, sched.decision_date_source),
                              ("補助事業期間の終了日", sched.project_end, sched.project_end_source)):
            ws.write_string(row, 0, label, self.f_label)
            self.book.merge(ws, row, 1, row, 2, self.f_in_date)
            if d is not None:
                ws.write_datetime(row, 1, d, self.f_in_date)
            self.book.merge(ws, row, 3, row, last, self.f_note)
            ws.write_string(row, 3, source[src], self.f_note)
            row += 1

        row += 1
        ws.write_string(row, 0, "2. 参加事業者", self.f_section)
        row += 1
        self.header(ws, row, ("区分", "者数"))
        row += 1
        counts = {role: sum(1 for m in plan.members if m.role == role) for role in ROLE_LABELS}
        first = row
        rng = f"参加事業者!$D$5:$D${max(5, 4 + len(plan.members))}"
        for role, label in ROLE_LABELS.items():
            ws.write_string(row, 0, label, self.f_text)
            b.figure(ws, row, 1, f'=COUNTIF({rng},"{label}")', counts[role], self.f_count)
            row += 1
        ws.write_string(row, 0, "補助上限額の算定対象(中小ユーザ企業+ITベンダ)", self.f_label)
        b.figure(ws, row, 1, f"=B{first + 1}+B{first + 2}", res.member_count, self.f_count,
                 formula_gives=counts["sme_user"] + counts["it_vendor"])
        b.fit_row(ws, row, ((0, 0, "補助上限額の算定対象(中小ユーザ企業+ITベンダ)"),))
        row += 1
        ws.write_string(row, 0, "ITツール数", self.f_text)
        b.figure(ws, row, 1, f'=COUNTA(ITツール!$B$5:$B${max(5, 4 + len(plan.tools))})', len(plan.tools),
                 self.f_count)
        row += 1
        ws.write_string(row, 0, "連携数", self.f_text)
        b.figure(ws, row, 1, f'=COUNTA(連携!$B$5:$B${max(5, 4 + len(plan.integrations))})',
                 len(plan.integrations), self.f_count)
        row += 2

        ws.write_string(row, 0, "3. 実施スケジュール", self.f_section)
        row += 1
        self.header(ws, row, ("STEP", "内容", "", "開始日", "終了日", "備考"))
        self.book.merge(ws, row, 1, row, 2, self.f_head)
        ws.write_string(row, 1, "内容", self.f_head)
        row += 1
        steps = {s.step: s for s in plan.schedule}
        for step, label in STEP_LABELS.items():
            s = steps.get(step)
            ws.write_number(row, 0, step, self.f_text_c)
            self.book.merge(ws, row, 1, row, 2, self.f_text)
            ws.write_string(row, 1, label.split(" ", 1)[1], self.f_text)
            for col, d in ((3, s.start if s else None), (4, s.end if s else None)):
                if d is None:
                    ws.write_blank(row, col, None, self.f_in_date)
                else:
                    ws.write_datetime(row, col, d, self.f_in_date)
            b.text(ws, row, 5, s.note if s else None, self.f_in)
            b.fit_row(ws, row, ((1, 2, label.split(" ", 1)[1]), (5, 5, s.note if s else None)))
            row += 1
        row += 1
        self.book.merge(ws, row, 0, row, last, self.f_note)
        ws.write_string(row, 0, "参加事業者・ITツール・連携・会議の明細は後続のシートにあります。日付は和暦(令和)で表示します。",
                        self.f_note)
        b.protect(ws)

    def _table(self, name: str, title: str, heads: Sequence[str], widths: Sequence[float],
               landscape: bool = False) -> Worksheet:
        ws = self.book.sheet(name, landscape=landscape, header_rows=(3, 3), widths=widths)
        self.title(ws, title, len(heads) - 1)
        self.header(ws, 3, heads)
        ws.freeze_panes(4, 0)
        return ws

    def _members(self) -> None:
        ctx, b = self.ctx, self.book
        plan = ctx.plan
        ws = self._table("参加事業者", "参加事業者", ("No", "ID", "事業者名", "役割", "業種", "幹事社",
                                              "利用するITツール", "提供するITツール"),
                         (5, 8, 26, 14, 22, 7, 26, 22), landscape=True)
        labels = {k: v.label_ja for k, v in ctx.pack.params.sme_limits.value.items()}
        for n, m in enumerate(plan.members):
            row = 4 + n
            uses = [self.tool_name(t.id) for t in plan.tools if m.id in t.users]
            provides = [self.tool_name(t.id) for t in plan.tools if t.vendor == m.id]
            ws.write_number(row, 0, n + 1, self.f_text_c)
            b.text(ws, row, 1, m.id, self.f_text_c)
            b.text(ws, row, 2, m.name, self.f_in)
            ws.write_string(row, 3, ROLE_LABELS[m.role], self.f_in_c)
            b.text(ws, row, 4, labels.get(m.industry, "") if m.industry else "", self.f_in)
            ws.write_string(row, 5, "○" if m.id == plan.consortium.lead else "", self.f_text_c)
            b.text(ws, row, 6, "\n".join(uses), self.f_text)
            b.text(ws, row, 7, "\n".join(provides), self.f_text)
            b.fit_row(ws, row, ((2, 2, m.name), (4, 4, labels.get(m.industry or "", "")),
                                (6, 6, "\n".join(uses)), (7, 7, "\n".join(provides))))
        if plan.members:
            b.choose(ws, 4, 3, 3 + len(plan.members), "役割リスト")
        b.protect(ws)

    def _tools(self) -> None:
        ctx, b = self.ctx, self.book
        plan = ctx.plan
        ws = self._table("ITツール", "ITツール", ("No", "ID", "ツール名", "提供ベンダ", "利用する中小ユーザ企業",
                                               "販売実績", "連携数", "説明"),
                         (5, 8, 24, 24, 26, 8, 7, 30), landscape=True)
        degree = ctx.result.graph.tool_degree
        for n, t in enumerate(plan.tools):
            row = 4 + n
            vendor = ctx.member_name(t.vendor) if t.vendor else f"{t.external_vendor}(コンソーシアム外)"
            users = "\n".join(ctx.member_name(u) for u in t.users)
            ws.write_number(row, 0, n + 1, self.f_text_c)
            b.text(ws, row, 1, t.id, self.f_text_c)
            b.text(ws, row, 2, t.name, self.f_in)
            b.text(ws, row, 3, vendor, self.f_text)
            b.text(ws, row, 4, users, self.f_text)
            ws.write_string(row, 5, yes_no(t.has_sales_record), self.f_in_c)
            ws.write_number(row, 6, degree.get(t.id, 0), self.f_text_c)
            b.text(ws, row, 7, t.description, self.f_in)
            b.fit_row(ws, row, ((2, 2, t.name), (3, 3, vendor), (4, 4, users), (7, 7, t.description)))
        if plan.tools:
            b.choose(ws, 4, 5, 3 + len(plan.tools), "はいいいえ")
        b.protect(ws)

    def _integrations(self) -> None:
        ctx, b = self.ctx, self.book
        plan = ctx.plan
        ws = self._table("連携", "ITツール間の連携", ("No", "ID", "連携元ツール", "連携先ツール", "連携方式",
                                                  "新たな設計・開発", "説明"),
                         (5, 8, 26, 26, 16, 10, 34), landscape=True)
        for n, i in enumerate(plan.integrations):
            row = 4 + n
            ws.write_number(row, 0, n + 1, self.f_text_c)
            b.text(ws, row, 1, i.id, self.f_text_c)
            b.text(ws, row, 2, self.tool_name(i.from_), self.f_text)
            b.text(ws, row, 3, self.tool_name(i.to), self.f_text)
            ws.write_string(row, 4, METHOD_LABELS[i.method], self.f_in_c)
            ws.write_string(row, 5, yes_no(i.new_development), self.f_in_c)
            b.text(ws, row, 6, i.description, self.f_in)
            b.fit_row(ws, row, ((2, 2, self.tool_name(i.from_)), (3, 3, self.tool_name(i.to)),
                                (6, 6, i.description)))
        if plan.integrations:
            last = 3 + len(plan.integrations)
            b.choose(ws, 4, 4, last, "連携方式リスト")
            b.choose(ws, 4, 5, last, "はいいいえ")
        b.protect(ws)

    def _meetings(self) -> None:
        ctx, b = self.ctx, self.book
        plan = ctx.plan
        ws = self._table("会議", "会議", ("No", "ID", "会議名", "開催日", "参加者"), (5, 8, 30, 18, 44))
        for n, mt in enumerate(plan.meetings):
            row = 4 + n
            who = "\n".join(ctx.member_name(p) for p in mt.participants)
            ws.write_number(row, 0, n + 1, self.f_text_c)
            b.text(ws, row, 1, mt.id, self.f_text_c)
            b.text(ws, row, 2, mt.title, self.f_in)
            if mt.date is not None:
                ws.write_datetime(row, 3, mt.date, self.f_in_date)
            else:
                ws.write_blank(row, 3, None, self.f_in_date)
            b.text(ws, row, 4, who, self.f_text)
            b.fit_row(ws, row, ((2, 2, mt.title), (4, 4, who)))
        b.protect(ws)


# ------------------------------------------------------------------------------------------------
class MembersWriter(_Forms):
    HEADS = ("No", "ID", "事業者名", "役割", "業種", "主たる業種(⑫〜⑮)", "資本金(円)", "従業員数(人)",
             "みなし大企業", "大企業", "法人番号", "代表者", "所在地", "中小企業等の判定", "その他")

    def __init__(self, ctx: ExportContext) -> None:
        super().__init__(ctx, "事業者情報入力シート")

    def write(self) -> tuple[bytes, BookInfo]:
        ctx, b = self.ctx, self.book
        plan, res = ctx.plan, ctx.result
        ws = b.sheet("事業者情報", landscape=True, header_rows=(3, 3),
                     widths=(4, 7, 22, 12, 22, 16, 13, 8, 7, 7, 15, 14, 24, 30, 16))
        last = len(self.HEADS) - 1
        self.title(ws, "事業者情報入力シート", last)
        self.header(ws, 3, self.HEADS)
        ws.set_row(3, 30)
        ws.freeze_panes(4, 3)
        labels = {k: v.label_ja for k, v in ctx.pack.params.sme_limits.value.items()}
        for n, m in enumerate(plan.members):
            row = 4 + n
            mres = res.member(m.id)
            judge = ""
            if m.role == "sme_user" and mres is not None and mres.sme is not None:
                judge = ("該当: " if mres.sme.ok else "非該当: ") + mres.sme.reason_ja
            extra = json.dumps(m.extra, ensure_ascii=False) if m.extra else None
            ws.write_number(row, 0, n + 1, self.f_text_c)
            b.text(ws, row, 1, m.id, self.f_text_c)
            b.text(ws, row, 2, m.name, self.f_in)
            ws.write_string(row, 3, ROLE_LABELS[m.role], self.f_in_c)
            b.text(ws, row, 4, labels.get(m.industry, "") if m.industry else None, self.f_in)
            b.text(ws, row, 5, labels.get(m.main_industry, "") if m.main_industry else None, self.f_in)
            b.number(ws, row, 6, m.capital_yen, self.f_in_yen)
            b.number(ws, row, 7, m.employees, self.f_in_count)
            ws.write_string(row, 8, yes_no(m.deemed_large), self.f_in_c)
            ws.write_string(row, 9, yes_no(m.large_enterprise), self.f_in_c)
            b.text(ws, row, 10, m.corporate_number, self.f_in_text_id)
            b.text(ws, row, 11, m.representative, self.f_in)
            b.text(ws, row, 12, m.address, self.f_in)
            b.text(ws, row, 13, judge or None, self.f_text)
            b.text(ws, row, 14, extra, self.f_in)
            b.fit_row(ws, row, ((2, 2, m.name), (4, 4, labels.get(m.industry or "", "")),
                                (5, 5, labels.get(m.main_industry or "", "")), (11, 11, m.representative),
                                (12, 12, m.address), (13, 13, judge), (14, 14, extra)))
        n_rows = len(plan.members)
        if n_rows:
            lastrow = 3 + n_rows
            b.choose(ws, 4, 3, lastrow, "役割リスト")
            b.choose(ws, 4, 4, lastrow, "業種リスト")
            b.choose(ws, 4, 5, lastrow, "主たる業種リスト")
            b.choose(ws, 4, 8, lastrow, "はいいいえ")
            b.choose(ws, 4, 9, lastrow, "はいいいえ")
            ws.data_validation(4, 10, lastrow, 10, {
                "validate": "length", "criteria": "==", "value": 13,
                "error_title": "法人番号", "error_message": "法人番号は13桁です"})
        row = 4 + n_rows + 1
        counts = {role: sum(1 for m in plan.members if m.role == role) for role in ROLE_LABELS}
        rng = f"$D$5:$D${max(5, 4 + n_rows)}"
        first = row
        for role, label in ROLE_LABELS.items():
            self.book.merge(ws, row, 0, row, 2, self.f_label)
            ws.write_string(row, 0, label, self.f_label)
            b.figure(ws, row, 3, f'=COUNTIF({rng},"{label}")', counts[role], self.f_count)
            row += 1
        self.book.merge(ws, row, 0, row, 2, self.f_label)
        ws.write_string(row, 0, "補助上限額の算定対象者数", self.f_label)
        b.figure(ws, row, 3, f"=D{first + 1}+D{first + 2}", res.member_count, self.f_count,
                 formula_gives=counts["sme_user"] + counts["it_vendor"])
        b.protect(ws)
        basic = [v for k, v in labels.items() if k in ("manufacturing", "wholesale", "services", "retail",
                                                         "rubber", "software", "ryokan", "other")]
        b.lists({
            "役割リスト": list(ROLE_LABELS.values()),
            "業種リスト": list(labels.values()),
            "主たる業種リスト": basic,
            "はいいいえ": ["はい", "いいえ"],
        })
        return b.close(), b.info


# ------------------------------------------------------------------------------------------------
PLEDGE_ITEMS = (
    "本申請書類(添付書類を含む)の記載内容は事実と相違ありません。",
    "暴力団、暴力団員等の反社会的勢力に該当せず、また、反社会的勢力と関係を有していません。",
    "本事業の補助対象経費について、国(独立行政法人等を含む)の他の補助金等を重複して受給していません。",
    "交付決定日より前に発注・契約・支払いを行った経費を補助対象経費に計上しません。",
    "補助事業の実施、経費の支出及び実績の報告は、交付規程その他事務局の定めに従って行います。",
    "事務局又は国の求めに応じ、本事業に関する調査・報告・検査に協力します。",
    "上記に虚偽があった場合又は違反した場合は、交付決定の取消し及び補助金の返還に応じます。",
)


class PledgeWriter(_Forms):
    def __init__(self, ctx: ExportContext) -> None:
        super().__init__(ctx, "誓約書")

    def write(self) -> tuple[bytes, BookInfo]:
        ctx, b = self.ctx, self.book
        members = ctx.plan.members
        width = max(2, len(str(len(members))))
        if not members:
            ws = b.sheet("誓約書", widths=(4, 22, 22, 22, 22))
            ws.write_string(0, 0, "参加事業者がありません", self.f_body)
            b.protect(ws)
        for n, m in enumerate(members, start=1):
            self._pledge(f"誓約書{n:0{width}d}", m)
        return b.close(), b.info

    def _pledge(self, name: str, m: Member) -> None:
        ctx, b = self.ctx, self.book
        ws = b.sheet(name, widths=(4, 20, 22, 22, 22))
        last = 4
        ws.write_string(1, 3, "提出日", b.fmt(align="right"))
        ws.write_blank(1, 4, None, self.f_in_date)
        self.book.merge(ws, 3, 0, 3, last, b.fmt(font_size=11))
        ws.write_string(3, 0, f"{ctx.programme_ja} 事務局 御中", b.fmt(font_size=11))
        self.book.merge(ws, 5, 0, 5, last, b.fmt(bold=True, font_size=16, align="center"))
        ws.write_string(5, 0, "誓 約 書", b.fmt(bold=True, font_size=16, align="center"))
        ws.set_row(5, 30)
        intro = (f"当社(当法人)は、{ctx.fiscal_year_ja}「{ctx.programme_ja}」の交付申請にあたり、"
                 f"コンソーシアム「{ctx.plan.consortium.name}」の{ROLE_LABELS[m.role]}として、次の事項を誓約します。")
        self.book.merge(ws, 7, 0, 7, last, self.f_body)
        b.text(ws, 7, 0, intro, self.f_body)
        b.fit_row(ws, 7, ((0, last, intro),), font_size=11)
        row = 9
        for k, item in enumerate(PLEDGE_ITEMS, start=1):
            ws.write_string(row, 0, f"{k}.", b.fmt(align="right", valign="top", font_size=11))
            self.book.merge(ws, row, 1, row, last, self.f_body)
            ws.write_string(row, 1, item, self.f_body)
            b.fit_row(ws, row, ((1, last, item),), font_size=11)
            row += 1
        row += 1
        fields: list[tuple[str, str | None, Format]] = [
            ("事業者名", m.name, self.f_text),
            ("所在地", m.address, self.f_in),
            ("代表者 役職・氏名", m.representative, self.f_in),
            ("法人番号", m.corporate_number, self.f_in_text_id),
        ]
        for label, value, fmt in fields:
            ws.write_string(row, 1, label, self.f_label)
            self.book.merge(ws, row, 2, row, last, fmt)
            b.text(ws, row, 2, value, fmt)
            b.fit_row(ws, row, ((2, last, value),), min_lines=2)
            row += 1
        ws.write_string(row, 1, "署名または記名押印", self.f_label)
        self.book.merge(ws, row, 2, row, last, self.f_in)
        ws.set_row(row, 40)
        row += 2
        note = ("※ 本書は計画ツールが作成した下書きです。提出前に、事務局が公開する最新の誓約書様式の文言と照合し、"
                "代表者が署名または記名押印してください。")
        self.book.merge(ws, row, 0, row, last, self.f_note)
        ws.write_string(row, 0, note, self.f_note)
        b.fit_row(ws, row, ((0, last, note),), font_size=9)
        b.protect(ws)


# ------------------------------------------------------------------------------------------------
class ChecklistWriter(_Forms):
    def __init__(self, ctx: ExportContext, subject: str, packet_name: str, encrypted: bool) -> None:
        super().__init__(ctx, "提出書類チェックリスト")
        self.subject = subject
        self.packet_name = packet_name
        self.encrypted = encrypted

    def _missing_member_fields(self) -> list[str]:
        out = []
        for m in self.ctx.plan.members:
            missing = [label for label, value in (("代表者", m.representative), ("所在地", m.address))
                       if not value]
            if m.role != "collaborator" and not m.corporate_number:
                missing.append("法人番号")
            if missing:
                out.append(f"{m.id}: {'・'.join(missing)}")
        return out

    def write(self) -> tuple[bytes, BookInfo]:
        ctx, b = self.ctx, self.book
        plan, res = ctx.plan, ctx.result
        ws = b.sheet("チェックリスト", header_rows=(0, 1), widths=(5, 30, 34, 14, 12, 36))
        last = 5
        self.title(ws, "提出書類チェックリスト", last)
        self.book.merge(ws, 3, 0, 3, 1, self.f_label)
        ws.write_string(3, 0, "コンソーシアム名", self.f_label)
        self.book.merge(ws, 3, 2, 3, last, self.f_text)
        b.text(ws, 3, 2, plan.consortium.name, self.f_text)
        b.fit_row(ws, 3, ((2, last, plan.consortium.name),))
        row = 5
        self.header(ws, row, ("No", "提出書類", "ファイル名", "対象", "状態", "確認事項"))
        row += 1
        errors = res.count("error")
        missing = self._missing_member_fields()
        groups = ctx.cost_groups
        items = [
            ("application", f"コンソーシアム全体(経費内訳 {len(groups)}者分)",
             "要確認" if errors else "作成済",
             f"計画にエラーが {errors} 件あります(下の一覧)。解消してから提出してください" if errors
             else "金額は計画ツールの計算結果です"),
            ("overview", "コンソーシアム全体", "作成済", "連携・スケジュールの記載を確認してください"),
            ("members", f"全{len(plan.members)}者", "要入力" if missing else "作成済",
             ("未入力: " + "、".join(missing)) if missing else "全項目入力済み"),
            ("pledges", f"{len(plan.members)}者分", "要署名・押印", "各社の代表者が署名または記名押印してください"),
            ("checklist", "本書", "作成済", ""),
        ]
        first = row
        for n, (key, target, status, check) in enumerate(items, start=1):
            fname = document_filename(plan.consortium.name, key)
            ws.write_number(row, 0, n, self.f_text_c)
            ws.write_string(row, 1, DOCUMENT_TITLES[key], self.f_text)
            b.text(ws, row, 2, fname, self.f_text)
            ws.write_string(row, 3, target, self.f_text)
            ws.write_string(row, 4, status, self.f_in_c)
            b.text(ws, row, 5, check, self.f_in)
            b.fit_row(ws, row, ((1, 1, DOCUMENT_TITLES[key]), (2, 2, fname), (3, 3, target), (5, 5, check)))
            row += 1
        b.choose(ws, first, 4, row - 1, "状態リスト")
        row += 1
        ws.write_string(row, 0, "送付方法", self.f_section)
        row += 1
        zip_note = (f"{self.packet_name}.zip(AES-256で暗号化、パスワードは別送)" if self.encrypted
                    else f"{self.packet_name}.zip(暗号化なし。事務局は暗号化zipを推奨しています)")
        for label, value in (("件名", self.subject), ("添付ファイル", zip_note),
                             ("送信者", "幹事社の連絡先(補助事業概要書 1.)")):
            self.book.merge(ws, row, 0, row, 1, self.f_label)
            ws.write_string(row, 0, label, self.f_label)
            self.book.merge(ws, row, 2, row, last, self.f_text)
            b.text(ws, row, 2, value, self.f_text)
            b.fit_row(ws, row, ((2, last, value),))
            row += 1

        row += 1
        ws.write_string(row, 0, "計画のチェック結果", self.f_section)
        row += 1
        findings = sorted(res.findings, key=lambda f: ("error", "warning", "info").index(f.severity))
        table_first = row + 5
        table_last = table_first + max(len(findings), 1) - 1
        for sev in ("error", "warning", "info"):
            self.book.merge(ws, row, 0, row, 1, self.f_label)
            ws.write_string(row, 0, f"{SEVERITY_JA[sev]}の件数", self.f_label)
            b.figure(ws, row, 2, f'=COUNTIF($B${table_first + 1}:$B${table_last + 1},"{SEVERITY_JA[sev]}")',
                     res.count(sev), self.f_count, formula_gives=sum(1 for f in findings if f.severity == sev))
            row += 1
        row += 1
        self.header(ws, row, ("No", "重要度", "ルールID", "金額(円)", "", "内容・対応"))
        self.book.merge(ws, row, 3, row, 4, self.f_head)
        ws.write_string(row, 3, "対象外の金額(円)", self.f_head)
        row += 1
        assert row == table_first
        if not findings:
            self.book.merge(ws, row, 0, row, last, self.f_text)
            ws.write_string(row, 0, "指摘はありません", self.f_text)
        for n, f in enumerate(findings, start=1):
            body = f.message_ja + (f"\n→ {f.fix_ja}" if f.fix_ja else "")
            ws.write_number(row, 0, n, self.f_text_c)
            ws.write_string(row, 1, SEVERITY_JA[f.severity], self.f_text_c)
            ws.write_string(row, 2, f.rule, self.f_text)
            self.book.merge(ws, row, 3, row, 4, self.f_yen)
            b.number(ws, row, 3, f.yen, self.f_yen)
            b.text(ws, row, 5, body, self.f_text)
            b.fit_row(ws, row, ((5, 5, body), (2, 2, f.rule)))
            row += 1
        b.protect(ws)
        b.lists({"状態リスト": list(STATUSES)})
        return b.close(), b.info


def write_overview(ctx: ExportContext) -> tuple[bytes, BookInfo]:
    return OverviewWriter(ctx).write()


def write_members(ctx: ExportContext) -> tuple[bytes, BookInfo]:
    return MembersWriter(ctx).write()


def write_pledges(ctx: ExportContext) -> tuple[bytes, BookInfo]:
    return PledgeWriter(ctx).write()


def write_checklist(ctx: ExportContext, subject: str, packet_name: str, encrypted: bool) -> tuple[bytes, BookInfo]:
    return ChecklistWriter(ctx, subject, packet_name, encrypted).write()
