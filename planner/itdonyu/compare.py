"""“Which programme pays most?” — one 共創型 plan estimated under the IT導入補助金 frames.

From a ``kyoso-plan/1`` plan this builds, by the documented mapping rules (docs/itdonyu.md, M1–M12),
the ``itdonyu-application/1`` applications the same companies could file: one 複数社連携IT導入枠 group
(2024, 2025) and one application per company under 通常枠 and インボイス枠(インボイス対応類型)
(2024, 2025).  Each is evaluated by the IT導入補助金 engine; 共創型 is ``planner.evaluate`` on the plan.
Every figure other than 共創型 is an **estimate**: the 共創型 plan does not say which processes and
functions its tools cover nor whether a cost would be a registered IT tool.  Hints may be given in the
plan's ``extra`` (``tools[].extra.itdonyu``, ``costs[].extra.itdonyu``); each estimate lists the costs the
programme cannot fund, with the reason, and the conditions its figure assumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from planner import evaluate
from planner.itdonyu.engine import evaluate_itdonyu
from planner.itdonyu.result import ItdonyuResult
from planner.loading import load_application
from planner.pack import get_pack
from planner.result import Finding, Result
from schemas.itdonyu import FUNCTIONS, PROCESSES, Application
from schemas.plan import CostLine, Plan

#: errors that the estimate assumes will be met (the 共創型 plan cannot show them either way)
ASSUMED_RULES = ("wage.plan_missing",)
INVOICE_FUNCTIONS = ("accounting", "ordering", "payment")
DEFAULT_PROCESSES = ["P06"]


@dataclass(frozen=True, slots=True)
class Unfunded:
    line: str
    member: str
    category: str
    yen: int
    reason_ja: str
    reason_en: str
    rule: str | None = None  # the IT導入補助金 rule when the engine removed it, else a mapping rule M…


@dataclass(slots=True)
class Estimate:
    key: str
    programme_ja: str
    programme_en: str
    estimate: bool
    applicants: list[str]
    plan_costs_yen: int  # all costs of the 共創型 plan
    mapped_yen: int  # the costs this programme could fund before its own rules
    eligible_yen: int
    subsidy_if_met_yen: int  # the engine's figure, blocking conditions assumed met
    subsidy_yen: int  # as planned: 0 for an application with a blocking error
    per_member: dict[str, int]
    unfunded: list[Unfunded]
    blocking: list[Finding]
    assumed: list[Finding]
    notes: list[tuple[str, str]] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    results: list[ItdonyuResult] = field(default_factory=list)

    @property
    def unfunded_yen(self) -> int:
        return sum(u.yen for u in self.unfunded)

    def to_dict(self, lang: str) -> dict[str, Any]:
        ja = lang == "ja"
        return {
            "key": self.key,
            "programme": self.programme_ja if ja else self.programme_en,
            "estimate": self.estimate,
            "applicants": self.applicants,
            "plan_costs_yen": self.plan_costs_yen,
            "mapped_yen": self.mapped_yen,
            "eligible_yen": self.eligible_yen,
            "subsidy_yen": self.subsidy_yen,
            "subsidy_if_met_yen": self.subsidy_if_met_yen,
            "per_member": self.per_member,
            "unfunded_yen": self.unfunded_yen,
            "unfunded": [
                {
                    "line": u.line,
                    "member": u.member,
                    "category": u.category,
                    "yen": u.yen,
                    "reason": u.reason_ja if ja else u.reason_en,
                    "rule": u.rule,
                }
                for u in self.unfunded
            ],
            "blocking": [{"rule": f.rule, "message": f.message(lang), "refs": list(f.refs)} for f in self.blocking],
            "assumed": [{"rule": f.rule, "message": f.message(lang), "refs": list(f.refs)} for f in self.assumed],
            "notes": [n[0] if ja else n[1] for n in self.notes],
        }


@dataclass(slots=True)
class Comparison:
    plan_name: str
    kyoso: Result
    estimates: list[Estimate]

    def best(self) -> Estimate:
        return max(self.estimates, key=lambda e: (e.subsidy_yen, e.subsidy_if_met_yen))

    def summary_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "plan": self.plan_name,
            "best": self.best().key,
            "programmes": [e.to_dict(lang) for e in self.estimates],
        }


# ---------------------------------------------------------------------------------------------
# Mapping


def _hint(extra: dict[str, Any] | None) -> dict[str, Any]:
    raw = (extra or {}).get("itdonyu")
    return raw if isinstance(raw, dict) else {}


def _tool_hints(plan: Plan) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for t in plan.tools:
        h = _hint(t.extra)
        functions = [f for f in h.get("functions", []) if f in FUNCTIONS]
        processes = [p for p in h.get("processes", DEFAULT_PROCESSES) if p in PROCESSES]
        out[t.id] = {
            "id": t.id,
            "name": t.name[:200],
            "functions": sorted(set(functions), key=FUNCTIONS.index),
            "processes": sorted(set(processes), key=PROCESSES.index),
            "hinted": bool(h),
        }
    return out


@dataclass(frozen=True, slots=True)
class _Mapped:
    line: CostLine
    member: str
    kind: str | None  # IT導入 kind, or None when not fundable
    group_kind: str | None  # (c) admin / expert in 複数社連携
    tool: str | None
    months: int | None
    reason_ja: str
    reason_en: str
    rule: str
    amount: int = 0  # the line's claimed yen as the 共創型 engine computed it (labour: hours × rate incl. 健保等級)


def _map_line(plan: Plan, line: CostLine, lead: str | None, tools_of: dict[str, list[str]]) -> _Mapped:
    """M3–M9: what an IT導入補助金 application could claim for one 共創型 cost line."""
    roles = {m.id: m.role for m in plan.members}
    role = roles.get(line.member)
    h = _hint(line.extra)
    tool = h.get("tool") if isinstance(h.get("tool"), str) else None
    if tool is None and tools_of.get(line.member):
        tool = tools_of[line.member][0]
    if role != "sme_user":
        return _Mapped(line, line.member, None, None, None, None,
                       "ITベンダ・協力者の経費(ツールの提供・開発側の費用)はIT導入補助金の対象外",
                       "vendor and collaborator costs (the supplier's side) are not IT導入補助金 costs", "M3")
    cat = line.category
    kind = h.get("kind") if h.get("kind") in ("software", "cloud", "option", "service") else None
    if cat == "software":
        return _Mapped(line, line.member, kind or ("service" if line.maintenance else "software"), None, tool,
                       line.months, "", "", "M4")
    if cat == "cloud":
        return _Mapped(line, line.member, kind or "cloud", None, tool, line.months, "", "", "M4")
    if cat == "outsourcing" and kind is not None:
        return _Mapped(line, line.member, kind, None, tool, None, "", "", "M5")
    if cat == "outsourcing":
        return _Mapped(line, line.member, None, None, None, None,
                       "開発・カスタマイズの委託はIT導入補助金の対象外(登録済みITツールのみ;スクラッチ開発・大幅なカスタマイズは対象外)",
                       "commissioned development is not fundable (registered IT tools only; no scratch development "
                       "or major customisation)", "M5")
    if cat == "labour":
        return _Mapped(line, line.member, None, None, None, None, "自社の人件費はIT導入補助金の対象外",
                       "the applicant's own labour is not an IT導入補助金 cost", "M6")
    if cat == "meeting":
        if line.member == lead:
            return _Mapped(line, line.member, None, "admin", None, None,
                           "会議費は複数社連携の(c)事務費(代表事業者)としてのみ対象", "meetings count only as (c) 事務費 of the "
                           "複数社連携 representative", "M7")
        return _Mapped(line, line.member, None, None, None, None, "会議費は代表事業者の(c)事務費以外は対象外",
                       "meeting costs count only as the representative's (c) 事務費", "M7")
    if cat == "expert":
        return _Mapped(line, line.member, None, "expert", None, None,
                       "外部専門家謝金は複数社連携の(c)としてのみ対象", "expert fees count only as 複数社連携 (c)", "M8")
    return _Mapped(line, line.member, None, None, None, None, "旅費(中小ユーザ企業)はIT導入補助金の対象外",
                   "travel is not an IT導入補助金 cost", "M9")


def _company(plan: Plan, mid: str, role: str) -> dict[str, Any]:
    m = next(x for x in plan.members if x.id == mid)
    out: dict[str, Any] = {"id": m.id, "name": m.name, "role": role}
    for key in ("industry", "main_industry", "capital_yen", "employees", "corporate_number"):
        value = getattr(m, key)
        if value is not None:
            out[key] = value
    if m.deemed_large:
        out["deemed_large"] = True
    if m.large_enterprise:
        out["large_enterprise"] = True
    return out


def _line_dict(mp: _Mapped, member: str | None, expense: str | None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": mp.line.id,
        "kind": mp.kind,
        "unit_price_yen": mp.amount,
        "quantity": 1,
    }
    if mp.line.description:
        d["description"] = mp.line.description[:2000]
    if member is not None:
        d["member"] = member
    if expense is not None:
        d["expense"] = expense
    if mp.tool is not None:
        d["tool"] = mp.tool
    if mp.months is not None:
        d["months"] = mp.months
    return d


def _tool_dict(hint: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in hint.items() if k != "hinted"}


def _run(data: dict[str, Any]) -> tuple[Application, ItdonyuResult]:
    app = load_application(data, name=f"{data['program']}/{data['frame']}")
    return app, evaluate_itdonyu(app, get_pack(app.program))


def _blocking(findings: list[Finding], reduced: set[str]) -> list[Finding]:
    """Errors that stop the application as planned: not those whose rule already removed yen from lines
    (the figure accounts for them), nor those the estimate assumes met."""
    return [
        f for f in findings if f.severity == "error" and not f.yen and f.rule not in reduced and f.rule not in ASSUMED_RULES
    ]


def _split(res: ItdonyuResult) -> tuple[list[Finding], list[Finding]]:
    reduced = {r.rule for ln in res.lines for r in ln.reductions}
    assumed = [f for f in res.findings if f.severity == "error" and f.rule in ASSUMED_RULES]
    return _blocking(res.findings, reduced), assumed


def _engine_unfunded(res: ItdonyuResult) -> list[Unfunded]:
    out = []
    for ln in res.lines:
        for r in ln.reductions:
            out.append(Unfunded(ln.id, ln.member, ln.kind, r.yen, f"IT導入補助金のルール {r.rule}", f"IT導入補助金 rule {r.rule}", r.rule))
    return out


def compare_programmes(plan: Plan, years: tuple[int, ...] = (2024, 2025)) -> Comparison:
    """Estimate what the plan's companies would receive under each programme, beside 共創型."""
    kyoso = evaluate(plan)
    users = [m.id for m in plan.members if m.role == "sme_user"]
    lead = plan.consortium.lead if plan.consortium.lead in users else (users[0] if users else None)
    hints = _tool_hints(plan)
    tools_of: dict[str, list[str]] = {u: [] for u in users}
    for t in plan.tools:
        for u in t.users:
            if u in tools_of:
                tools_of[u].append(t.id)
    # prefer a tool with invoice functions as a line's default tool (M4)
    for ids in tools_of.values():
        ids.sort(key=lambda tid: 0 if set(hints[tid]["functions"]) & set(INVOICE_FUNCTIONS) else 1)
    mapped = [
        replace(_map_line(plan, ln, lead, tools_of), amount=lr.claimed_yen)
        for ln, lr in zip(plan.costs, kyoso.lines, strict=True)
    ]
    plan_costs = kyoso.claimed_total_yen
    unhinted = [t for t in hints.values() if not t["hinted"]]
    common_notes: list[tuple[str, str]] = [
        ("推計: 共創型の計画をIT導入補助金の申請に読み替えた概算です(docs/itdonyu.md のM1–M12)",
         "estimate: the 共創型 plan read as IT導入補助金 applications (docs/itdonyu.md, M1–M12)"),
    ]
    if unhinted:
        names = ", ".join(t["id"] for t in unhinted)
        common_notes.append(
            (f"ツール {names} はプロセス・機能が未指定のため、業務プロセス1つ・会計/受発注/決済の機能なしと仮定(tools[].extra.itdonyu で指定可)",
             f"tools {names} have no hints: assumed 1 業務プロセス and no 会計/受発注/決済 function (give tools[].extra.itdonyu)")
        )
    estimates: list[Estimate] = []
    kyoso_unfunded = [
        Unfunded(ln.id, ln.member, ln.category, ln.claimed_yen - ln.eligible_yen, "共創型のルールで対象外", "removed by a 共創型 rule",
                 ",".join(r.rule for r in ln.reductions) or None)
        for ln in kyoso.lines
        if ln.claimed_yen > ln.eligible_yen
    ]
    kyoso_blocking = _blocking(kyoso.findings, {r.rule for ln in kyoso.lines for r in ln.reductions})
    estimates.append(
        Estimate(
            "kyoso", "共創型サービスIT連携支援補助金", "共創型 (co-creation IT integration)", False,
            [m.id for m in kyoso.members if m.counted], plan_costs, kyoso.claimed_total_yen, kyoso.eligible_total_yen,
            kyoso.subsidy_yen, 0 if kyoso_blocking else kyoso.subsidy_yen,
            {m.id: m.subsidy_yen for m in kyoso.members if m.subsidy_yen}, kyoso_unfunded, kyoso_blocking, [],
            [("計画どおりの評価(推計ではありません)", "the plan as evaluated (not an estimate)")],
        )
    )
    fundable = [mp for mp in mapped if mp.kind is not None]
    tools_used = sorted({mp.tool for mp in fundable if mp.tool}, key=list(hints).index)
    for year in years:
        program = f"itdonyu-{year}"
        # 複数社連携: one group of the sme_users (M10–M12)
        if users and lead is not None:
            members = [_company(plan, u, "representative" if u == lead else "participant") for u in users]
            costs = []
            for mp in fundable:
                h = _hint(mp.line.extra)
                tool_fn = set(hints[mp.tool]["functions"]) if mp.tool else set()
                expense = h.get("expense") if h.get("expense") in ("a", "b") else ("a" if tool_fn & set(INVOICE_FUNCTIONS) else "b")
                costs.append(_line_dict(mp, mp.member, expense))
            group_costs = [
                {"id": mp.line.id, "kind": mp.group_kind, "unit_price_yen": mp.amount, "quantity": 1}
                for mp in mapped
                if mp.group_kind is not None
            ]
            data = {
                "format": "itdonyu-application/1", "program": program, "frame": "group",
                "title": plan.consortium.name[:200], "members": members,
                "tools": [_tool_dict(hints[t]) for t in tools_used], "costs": costs, "group_costs": group_costs,
            }
            app, res = _run(data)
            blocking, assumed = _split(res)
            unfunded = [Unfunded(mp.line.id, mp.member, mp.line.category, mp.amount, mp.reason_ja, mp.reason_en, mp.rule)
                        for mp in mapped if mp.kind is None and mp.group_kind is None and mp.amount]
            unfunded += _engine_unfunded(res)
            estimates.append(
                Estimate(
                    f"{program}/group", f"IT導入補助金{year} 複数社連携IT導入枠", f"IT導入補助金 {year} multi-company frame", True,
                    users, plan_costs, res.claimed_total_yen, res.eligible_total_yen, res.subsidy_yen,
                    0 if blocking else res.subsidy_yen, {m.id: m.subsidy_yen for m in res.members},
                    unfunded, blocking, assumed, list(common_notes), [app], [res],
                )
            )
        # individual frames: one application per sme_user (M1, M2)
        for frame, name_ja, name_en in (("normal", "通常枠", "normal frame"), ("invoice", "インボイス枠(インボイス対応類型)", "invoice frame")):
            apps: list[Application] = []
            results: list[ItdonyuResult] = []
            per_member: dict[str, int] = {}
            blocking_all: list[Finding] = []
            assumed_all: list[Finding] = []
            unfunded = [Unfunded(mp.line.id, mp.member, mp.line.category, mp.amount, mp.reason_ja, mp.reason_en, mp.rule)
                        for mp in mapped if mp.kind is None and mp.amount]
            if_met = as_planned = eligible = claimed = 0
            for u in users:
                mine = [mp for mp in fundable if mp.member == u]
                if not mine:
                    continue
                tool_ids = sorted(set(tools_of[u]) | {mp.tool for mp in mine if mp.tool}, key=list(hints).index)
                data = {
                    "format": "itdonyu-application/1", "program": program, "frame": frame,
                    "title": f"{plan.consortium.name[:150]} / {u}", "members": [_company(plan, u, "applicant")],
                    "tools": [_tool_dict(hints[t]) for t in tool_ids],
                    "costs": [_line_dict(mp, None, None) for mp in mine],
                }
                app, res = _run(data)
                blocking, assumed = _split(res)
                apps.append(app)
                results.append(res)
                per_member[u] = 0 if blocking else res.subsidy_yen
                if_met += res.subsidy_yen
                as_planned += 0 if blocking else res.subsidy_yen
                eligible += res.eligible_total_yen
                claimed += res.claimed_total_yen
                blocking_all += blocking
                assumed_all += assumed
                unfunded += _engine_unfunded(res)
            estimates.append(
                Estimate(
                    f"{program}/{frame}", f"IT導入補助金{year} {name_ja}(各社個別)", f"IT導入補助金 {year} {name_en} (each company)",
                    True, list(per_member), plan_costs, claimed, eligible, if_met, as_planned, per_member, unfunded,
                    blocking_all, assumed_all,
                    [*common_notes, ("各社が個別に申請した場合の合計(同期間に複数社連携と重複申請は不可)",
                                     "the sum of separate applications (not combinable with 複数社連携 in the same period)")],
                    apps, results,
                )
            )
    return Comparison(plan.consortium.name, kyoso, estimates)
