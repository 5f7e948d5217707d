"""Scenarios (issue 7): named variants of a plan, side-by-side comparison, what-if variants, headroom.

A plan may carry ``"scenarios": [{"name": …, "plan": {…}, "note": …, "created": …}]`` (docs/scenarios.md).
Each scenario's plan is a whole plan of its own (without scenarios).  Nothing here computes a rule: the
figures come from :func:`planner.evaluate`; this module only builds variants and lines results up.
Every function returns a new plan; none changes the plan it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import planner
from planner.kyoso import formulas as fx
from planner.loading import load_plan
from planner.money import yen
from planner.result import Finding, Result
from schemas.loader import PlanLoadError
from schemas.plan import METHODS, Plan, Scenario

RATIO_RULES = ("cost.subcontract_half", "cost.user_labour_third", "cost.software_cloud_half")
BASE_NAME = {"ja": "基本計画", "en": "base plan"}
JST = timezone(timedelta(hours=9))


# ---------------------------------------------------------------------------------------------
# Scenario list


def finding_key(f: Finding) -> tuple[str, tuple[str, ...]]:
    """What makes two findings "the same" across two versions of a plan: the rule and what it is about
    (a ratio rule's scope — the vendor for the subcontract rule — rather than the trimmed lines)."""
    if f.rule == "cost.subcontract_half":
        return f.rule, f.refs[:1]
    if f.rule in RATIO_RULES:
        return f.rule, ()
    return f.rule, f.refs


def without_scenarios(plan: Plan) -> Plan:
    """The plan itself, without its scenarios (as a scenario's plan must be)."""
    if plan.scenarios is None and "scenarios" not in plan.model_fields_set:
        return plan
    out = plan.model_copy(update={"scenarios": None})
    out.model_fields_set.discard("scenarios")
    return out


def scenario_entries(plan: Plan, lang: str = "ja") -> list[tuple[str, Plan]]:
    """The base plan and each scenario, as (name, plan) in file order."""
    return [(BASE_NAME[lang], without_scenarios(plan))] + [(s.name, s.plan) for s in plan.scenarios or []]


def get_scenario(plan: Plan, name: str) -> Scenario | None:
    return next((s for s in plan.scenarios or [] if s.name == name), None)


def unique_name(plan: Plan, name: str) -> str:
    taken = {s.name for s in plan.scenarios or []} | set(BASE_NAME.values())
    name = name.strip()[:180] or "シナリオ"
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


def now_iso() -> str:
    return datetime.now(JST).replace(microsecond=0).isoformat()


def add_scenario(plan: Plan, name: str, variant: Plan, note: str | None = None, created: str | None = None) -> Plan:
    """A copy of ``plan`` with ``variant`` appended as a new scenario (a free name is chosen)."""
    scenario = Scenario(
        name=unique_name(plan, name),
        plan=without_scenarios(variant),
        note=(note or None) and note[:2000],
        created=created or now_iso(),
    )
    return plan.model_copy(update={"scenarios": [*(plan.scenarios or []), scenario]})


def remove_scenario(plan: Plan, name: str) -> Plan:
    kept = [s for s in plan.scenarios or [] if s.name != name]
    if not kept:
        return without_scenarios(plan)
    return plan.model_copy(update={"scenarios": kept})


def adopt_scenario(plan: Plan, name: str, keep_base_as: str | None = None) -> Plan:
    """Make scenario ``name`` the plan; the former base is kept as a scenario (nothing is lost)."""
    chosen = get_scenario(plan, name)
    if chosen is None:
        return plan
    others = [s for s in plan.scenarios or [] if s.name != name]
    former = Scenario(
        name=keep_base_as or f"採用前の計画 {now_iso()[:16]}",
        plan=without_scenarios(plan),
        note=f"シナリオ「{name}」を採用する前の計画",
        created=now_iso(),
    )
    taken = {s.name for s in others}
    if former.name in taken:
        former = former.model_copy(update={"name": former.name + " (2)"})
    return chosen.plan.model_copy(update={"scenarios": [*others, former]})


# ---------------------------------------------------------------------------------------------
# Comparison


@dataclass(slots=True)
class LineDiff:
    id: str
    change: str  # added | removed | changed
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Column:
    name: str
    plan: Plan
    result: Result
    findings_added: list[Finding] = field(default_factory=list)
    findings_removed: list[Finding] = field(default_factory=list)
    line_diffs: list[LineDiff] = field(default_factory=list)


HEADLINE: list[tuple[str, str, str]] = [
    ("member_count", "対象メンバー数", "counted members"),
    ("rate", "補助率", "rate"),
    ("cap_yen", "補助上限額", "cap"),
    ("claimed_total_yen", "申請経費", "claimed"),
    ("eligible_total_yen", "補助対象経費", "eligible"),
    ("subsidy_yen", "補助金額", "subsidy"),
    ("own_funds_yen", "自己負担", "own funds"),
    ("error_count", "エラー", "errors"),
    ("warning_count", "警告", "warnings"),
]


def _headline_value(result: Result, key: str) -> Any:
    if key == "rate":
        return f"{result.rate.numerator}/{result.rate.denominator}"
    if key in ("error_count", "warning_count"):
        return result.count("error" if key == "error_count" else "warning")
    return getattr(result, key)


def _line_view(plan: Plan, result: Result) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for ln, lr in zip(plan.costs, result.lines, strict=True):
        out[ln.id] = {
            "member": ln.member,
            "step": ln.step,
            "category": ln.category,
            "claimed_yen": lr.claimed_yen,
            "eligible_yen": lr.eligible_yen,
            **({"hours": str(ln.hours)} if ln.hours is not None else {}),
        }
    return out


def _finding_dict(f: Finding, lang: str) -> dict[str, Any]:
    return {"rule": f.rule, "severity": f.severity, "message": f.message(lang), "refs": list(f.refs)}


@dataclass(slots=True)
class Comparison:
    columns: list[Column]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def headline(self, lang: str = "ja") -> list[dict[str, Any]]:
        rows = []
        for key, ja, en in HEADLINE:
            values = [_headline_value(c.result, key) for c in self.columns]
            row: dict[str, Any] = {"key": key, "label": ja if lang == "ja" else en, "values": values}
            if all(isinstance(v, int) for v in values):
                row["deltas"] = [v - values[0] for v in values]
            rows.append(row)
        return rows

    def members(self) -> list[dict[str, Any]]:
        order: list[str] = []
        names: dict[str, str] = {}
        for c in self.columns:
            for m in c.result.members:
                if m.id not in names:
                    order.append(m.id)
                    names[m.id] = m.name
        rows = []
        for mid in order:
            cells = []
            for c in self.columns:
                mr = c.result.member(mid)
                cells.append(
                    None
                    if mr is None
                    else {"role": mr.role, "claimed_yen": mr.claimed_yen, "subsidy_yen": mr.subsidy_yen, "own_funds_yen": mr.own_funds_yen}
                )
            rows.append({"id": mid, "name": names[mid], "cells": cells})
        return rows

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "scenarios": self.names,
            "headline": self.headline(lang),
            "members": self.members(),
            "differences": [
                {
                    "scenario": c.name,
                    "against": self.columns[0].name,
                    "findings_added": [_finding_dict(f, lang) for f in c.findings_added],
                    "findings_removed": [_finding_dict(f, lang) for f in c.findings_removed],
                    "lines": [
                        {"id": d.id, "change": d.change, "fields": d.fields, "before": d.before, "after": d.after}
                        for d in c.line_diffs
                    ],
                }
                for c in self.columns[1:]
            ],
        }

    def to_text(self, lang: str = "ja") -> str:
        ja = lang == "ja"
        out: list[str] = []
        names = self.names
        head = [("項目" if ja else "figure"), *names]
        table: list[list[str]] = [head]
        for row in self.headline(lang):
            cells = [row["label"]]
            for i, v in enumerate(row["values"]):
                text = yen(v) if row["key"].endswith("_yen") else str(v)
                if i and "deltas" in row and row["deltas"][i]:
                    d = row["deltas"][i]
                    text += f" ({'+' if d > 0 else '-'}{yen(abs(d)) if row['key'].endswith('_yen') else abs(d)})"
                cells.append(text)
            table.append(cells)
        out.extend(_render_table(table))
        out.append("")
        mtable = [["メンバー" if ja else "member", *(f"{n}: {'補助金 / 自己負担' if ja else 'subsidy / own funds'}" for n in names)]]
        for row in self.members():
            cells = [f"{row['id']} {row['name']}"]
            for cell in row["cells"]:
                cells.append("—" if cell is None else f"{yen(cell['subsidy_yen'])} / {yen(cell['own_funds_yen'])}")
            mtable.append(cells)
        out.extend(_render_table(mtable))
        for c in self.columns[1:]:
            out.append("")
            out.append(f"== {c.name} ← {names[0]} ==")
            for f in c.findings_added:
                out.append(f"  + {f.severity} {f.rule}: {f.message(lang)}")
            for f in c.findings_removed:
                out.append(f"  - {f.severity} {f.rule}: {f.message(lang)}")
            if not c.findings_added and not c.findings_removed:
                out.append("  指摘の増減なし" if ja else "  no findings added or removed")
            for d in c.line_diffs:
                if d.change == "added":
                    assert d.after is not None
                    out.append(f"  + {d.id} {d.after['member']} STEP{d.after['step']} {d.after['category']} {yen(d.after['claimed_yen'])}")
                elif d.change == "removed":
                    assert d.before is not None
                    out.append(f"  - {d.id} {d.before['member']} STEP{d.before['step']} {d.before['category']} {yen(d.before['claimed_yen'])}")
                else:
                    assert d.before is not None and d.after is not None
                    parts = []
                    for f_name in d.fields:
                        b, a = d.before.get(f_name), d.after.get(f_name)
                        if f_name.endswith("_yen") and isinstance(a, int) and isinstance(b, int):
                            parts.append(f"{f_name} {yen(b)} → {yen(a)}")
                        else:
                            parts.append(f"{f_name} {b} → {a}")
                    out.append(f"  ~ {d.id}: " + ", ".join(parts))
        return "\n".join(out)


def _render_table(rows: list[list[str]]) -> list[str]:
    from planner.textwidth import pad as _pad
    from planner.textwidth import width as _width

    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(_pad(c, widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]


def compare(entries: Sequence[tuple[str, Plan]], results: Sequence[Result] | None = None) -> Comparison:
    """Compare two or more plans; the first is the reference for findings and line differences."""
    columns = []
    for i, (name, plan) in enumerate(entries):
        res = results[i] if results is not None else planner.evaluate(without_scenarios(plan))
        columns.append(Column(name, plan, res))
    if not columns:
        return Comparison([])
    ref = columns[0]
    ref_keys = {finding_key(f): f for f in ref.result.findings}
    ref_lines = _line_view(ref.plan, ref.result)
    for c in columns[1:]:
        keys = {finding_key(f): f for f in c.result.findings}
        c.findings_added = [f for k, f in keys.items() if k not in ref_keys]
        c.findings_removed = [f for k, f in ref_keys.items() if k not in keys]
        lines = _line_view(c.plan, c.result)
        for lid, after in lines.items():
            before = ref_lines.get(lid)
            if before is None:
                c.line_diffs.append(LineDiff(lid, "added", None, after, []))
            elif before != after:
                changed = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
                c.line_diffs.append(LineDiff(lid, "changed", before, after, changed))
        for lid, before in ref_lines.items():
            if lid not in lines:
                c.line_diffs.append(LineDiff(lid, "removed", before, None, []))
    return Comparison(columns)


# ---------------------------------------------------------------------------------------------
# What-if variants


@dataclass(slots=True)
class Variant:
    """A what-if variant: a new plan and what was changed (ja/en), or why it could not be made."""

    name: str
    note_ja: str
    note_en: str
    plan: Plan | None
    error_ja: str = ""
    error_en: str = ""

    @property
    def ok(self) -> bool:
        return self.plan is not None

    def note(self, lang: str = "ja") -> str:
        return self.note_ja if lang == "ja" else self.note_en

    def error(self, lang: str = "ja") -> str:
        return self.error_ja if lang == "ja" else self.error_en


def _rebuild(data: dict[str, Any], name: str, note_ja: str, note_en: str) -> Variant:
    try:
        plan = load_plan(data, name=name)
    except PlanLoadError as exc:
        return Variant(name, note_ja, note_en, None, exc.message("ja"), exc.message("en"))
    return Variant(name, note_ja, note_en, plan)


def _effect(before: Plan, after: Plan | None) -> tuple[str, str]:
    """The variant's effect on the headline figures, in words."""
    if after is None:
        return "", ""
    a, b = planner.evaluate(without_scenarios(before)), planner.evaluate(after)
    ja: list[str] = []
    en: list[str] = []
    if a.cap_yen != b.cap_yen:
        ja.append(f"補助上限 {yen(a.cap_yen)} → {yen(b.cap_yen)}")
        en.append(f"cap {yen(a.cap_yen)} → {yen(b.cap_yen)}")
    if a.rate != b.rate:
        ja.append(f"補助率 {a.rate.numerator}/{a.rate.denominator} → {b.rate.numerator}/{b.rate.denominator}")
        en.append(f"rate {a.rate.numerator}/{a.rate.denominator} → {b.rate.numerator}/{b.rate.denominator}")
    ja.append(f"補助金 {yen(a.subsidy_yen)} → {yen(b.subsidy_yen)}")
    en.append(f"subsidy {yen(a.subsidy_yen)} → {yen(b.subsidy_yen)}")
    return "、".join(ja), ", ".join(en)


def _free_id(taken: set[str], prefix: str) -> str:
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def whatif_add_member(
    plan: Plan,
    role: str = "it_vendor",
    *,
    name: str | None = None,
    member_id: str | None = None,
    large_enterprise: bool = False,
    industry: str | None = None,
    employees: int | None = None,
) -> Variant:
    """Add a member (counted members lift the cap; a large-enterprise vendor lowers the rate)."""
    base = without_scenarios(plan)
    data = base.to_json_dict()
    ids = {m.id for m in base.members}
    prefix = {"sme_user": "u", "it_vendor": "v", "collaborator": "x"}.get(role, "m")
    mid = member_id or _free_id(ids, prefix)
    label = {"sme_user": "中小ユーザ企業", "it_vendor": "ITベンダ", "collaborator": "協力者"}.get(role, role)
    member: dict[str, Any] = {"id": mid, "name": name or f"追加の{label} {mid}", "role": role}
    if role == "sme_user":
        member.update({"industry": industry or "other", "employees": 10 if employees is None else employees})
    elif role == "it_vendor":
        member.update({"industry": industry or "software", "employees": 10 if employees is None else employees})
        if large_enterprise:
            member["large_enterprise"] = True
            member["employees"] = 1000 if employees is None else employees
    data["members"] = [*data.get("members", []), member]
    big = "(大企業)" if large_enterprise else ""
    v = _rebuild(data, f"{mid} を追加{big}", "", "")
    eff_ja, eff_en = _effect(base, v.plan)
    v.note_ja = f"{label}{big} {mid} を追加しました。{eff_ja}"
    v.note_en = f"added {role}{' (large enterprise)' if large_enterprise else ''} {mid}. {eff_en}"
    return v


def whatif_remove_member(plan: Plan, member_id: str) -> Variant:
    """Remove a member with its own cost lines; references elsewhere are left for the rules to flag."""
    base = without_scenarios(plan)
    if member_id not in {m.id for m in base.members}:
        return Variant(f"{member_id} を除外", "", "", None, f"メンバー {member_id} はいません", f"no member {member_id}")
    data = base.to_json_dict()
    data["members"] = [m for m in data.get("members", []) if m["id"] != member_id]
    removed_lines = [c["id"] for c in data.get("costs", []) if c["member"] == member_id]
    data["costs"] = [c for c in data.get("costs", []) if c["member"] != member_id]
    for t in data.get("tools", []):
        if member_id in t.get("users", []):
            t["users"] = [u for u in t["users"] if u != member_id]
    for mt in data.get("meetings", []):
        if member_id in mt.get("participants", []):
            mt["participants"] = [u for u in mt["participants"] if u != member_id]
    dangling = [t["id"] for t in data.get("tools", []) if t.get("vendor") == member_id]
    dangling += [c["id"] for c in data.get("costs", []) if c.get("payee") == member_id]
    if data.get("consortium", {}).get("lead") == member_id:
        dangling.append("lead")
    v = _rebuild(data, f"{member_id} を除外", "", "")
    eff_ja, eff_en = _effect(base, v.plan)
    v.note_ja = (
        f"{member_id} とその経費 {len(removed_lines)} 行を除きました。{eff_ja}"
        + (f"。まだ {member_id} を参照しているもの: {', '.join(dangling)}" if dangling else "")
    )
    v.note_en = (
        f"removed {member_id} and its {len(removed_lines)} cost line(s). {eff_en}"
        + (f"; still referring to {member_id}: {', '.join(dangling)}" if dangling else "")
    )
    return v


def whatif_move_line(plan: Plan, line_id: str, *, member: str | None = None, step: int | None = None) -> Variant:
    """Move a cost line to another member and/or STEP."""
    base = without_scenarios(plan)
    data = base.to_json_dict()
    line = next((c for c in data.get("costs", []) if c["id"] == line_id), None)
    if line is None:
        return Variant(f"{line_id} を移動", "", "", None, f"経費 {line_id} はありません", f"no cost line {line_id}")
    before = (line["member"], line["step"])
    if member is not None:
        line["member"] = member
    if step is not None:
        line["step"] = step
    where = f"{line['member']} / STEP{line['step']}"
    v = _rebuild(data, f"{line_id} → {where}", "", "")
    eff_ja, eff_en = _effect(base, v.plan)
    v.note_ja = f"経費 {line_id} を {before[0]} / STEP{before[1]} から {where} へ移しました。{eff_ja}"
    v.note_en = f"moved line {line_id} from {before[0]} / STEP {before[1]} to {where}. {eff_en}"
    return v


def whatif_switch_method(plan: Plan, integration_id: str, method: str = "api") -> Variant:
    """Switch an integration's method (``api`` unlocks vendor labour that modifies an existing tool)."""
    base = without_scenarios(plan)
    if method not in METHODS:
        return Variant(f"{integration_id} → {method}", "", "", None, f"連携方式 {method} はありません", f"no method {method}")
    data = base.to_json_dict()
    integ = next((i for i in data.get("integrations", []) if i["id"] == integration_id), None)
    if integ is None:
        return Variant(f"{integration_id} → {method}", "", "", None, f"連携 {integration_id} はありません", f"no integration {integration_id}")
    old = integ["method"]
    if old == method:
        return Variant(
            f"{integration_id} → {method}", "", "", None,
            f"連携 {integration_id} の方式は既に {method} です", f"integration {integration_id} already uses {method}",
        )
    integ["method"] = method
    v = _rebuild(data, f"{integration_id} を {method} に", "", "")
    eff_ja, eff_en = _effect(base, v.plan)
    v.note_ja = f"連携 {integration_id} の方式を {old} から {method} に変えました。{eff_ja}"
    v.note_en = f"switched integration {integration_id} from {old} to {method}. {eff_en}"
    return v


def add_variant(plan: Plan, variant: Variant, lang: str = "ja") -> Plan:
    """Append a what-if variant to ``plan`` as a new scenario (nothing is overwritten)."""
    if variant.plan is None:
        return plan
    return add_scenario(plan, variant.name, variant.plan, variant.note(lang))


# ---------------------------------------------------------------------------------------------
# Headroom


@dataclass(frozen=True, slots=True)
class Headroom:
    """How many more eligible yen a group can take before a rule (or the cap) binds."""

    rule: str
    scope: str  # consortium or a member id
    yen: int  # more eligible yen before it binds (0 when it binds already)
    over_yen: int  # yen already trimmed by it
    ja: str
    en: str

    def text(self, lang: str = "ja") -> str:
        return self.ja if lang == "ja" else self.en


def headroom(plan: Plan, result: Result | None = None) -> list[Headroom]:
    """Per ratio rule (per vendor for the subcontract rule) and per member for the cap."""
    base = without_scenarios(plan)
    res = result or planner.evaluate(base)
    out: list[Headroom] = []
    names = {m.id: m.name for m in base.members}
    for rc in res.ratios:
        if rc.rule == "cost.subcontract_half":
            who = f"{rc.scope}({names.get(rc.scope, 'コンソーシアム')})"
            ja = (
                f"{who}: STEP3の下請け委託費はあと {yen(rc.headroom_yen)} 増やせます(上限 {yen(rc.limit_yen)} = その他のSTEP3経費 {yen(rc.basis_yen)} 未満)"
                if not rc.removed_yen
                else f"{who}: STEP3の下請け委託費が上限 {yen(rc.limit_yen)} を {yen(rc.removed_yen)} 超えています"
            )
            en = (
                f"{rc.scope}: STEP3 subcontracting can grow by {yen(rc.headroom_yen)} (limit {yen(rc.limit_yen)}, below the other STEP3 costs {yen(rc.basis_yen)})"
                if not rc.removed_yen
                else f"{rc.scope}: STEP3 subcontracting is {yen(rc.removed_yen)} over its limit {yen(rc.limit_yen)}"
            )
        elif rc.rule == "cost.user_labour_third":
            ja = (
                f"中小ユーザ企業の人件費はあと {yen(rc.headroom_yen)} 増やせます(上限 {yen(rc.limit_yen)} = ITベンダへの委託費・ITベンダ人件費 {yen(rc.basis_yen)} の1/3)"
                if not rc.removed_yen
                else f"中小ユーザ企業の人件費が上限 {yen(rc.limit_yen)} を {yen(rc.removed_yen)} 超えています"
            )
            en = (
                f"sme_user labour can grow by {yen(rc.headroom_yen)} (limit {yen(rc.limit_yen)}, a third of vendor outsourcing + vendor labour {yen(rc.basis_yen)})"
                if not rc.removed_yen
                else f"sme_user labour is {yen(rc.removed_yen)} over its limit {yen(rc.limit_yen)}"
            )
        else:
            ja = (
                f"ソフトウェア購入費・クラウド利用費はあと {yen(rc.headroom_yen)} 増やせます(上限 {yen(rc.limit_yen)} = その他の経費 {yen(rc.basis_yen)})"
                if not rc.removed_yen
                else f"ソフトウェア購入費・クラウド利用費が上限 {yen(rc.limit_yen)} を {yen(rc.removed_yen)} 超えています"
            )
            en = (
                f"software + cloud can grow by {yen(rc.headroom_yen)} (limit {yen(rc.limit_yen)}, the other eligible costs {yen(rc.basis_yen)})"
                if not rc.removed_yen
                else f"software + cloud is {yen(rc.removed_yen)} over its limit {yen(rc.limit_yen)}"
            )
        out.append(Headroom(rc.rule, rc.scope, rc.headroom_yen, rc.removed_yen, ja, en))

    # the cap: how many more eligible yen each member could add before the total subsidy reaches it
    raw_total = res.raw_subsidy_total_yen
    rate = res.rate
    spare = res.cap_yen - raw_total
    for m in res.members:
        if not m.counted or m.role == "collaborator":
            continue
        if spare <= 0:
            more = 0
        else:
            room = res.cap_yen - (raw_total - m.raw_subsidy_yen)  # the most this member's raw subsidy may be
            limit_e = fx.largest_eligible_within(room, rate)
            more = max(0, limit_e - m.eligible_yen)
        ja = (
            f"{m.id}({m.name}): 補助上限 {yen(res.cap_yen)} に達するまで、補助対象経費をあと {yen(more)} 増やせます"
            if spare > 0
            else f"{m.id}({m.name}): 補助金は上限 {yen(res.cap_yen)} に達しています(超過 {yen(-spare)})"
        )
        en = (
            f"{m.id}: {yen(more)} more eligible cost before the cap {yen(res.cap_yen)} binds"
            if spare > 0
            else f"{m.id}: the subsidy is at the cap {yen(res.cap_yen)} ({yen(-spare)} over)"
        )
        out.append(Headroom("subsidy.capped", m.id, more, max(0, -spare), ja, en))
    return out
