"""Builders of ``itdonyu-application/1`` dicts for the tests (plain data; the loader validates them)."""

from __future__ import annotations

from typing import Any

from tests.itdonyu.workbook import WbCase

TOOLS = [
    {"id": "t1", "name": "会計ソフト", "functions": ["accounting"], "processes": ["P04"]},
    {"id": "t2", "name": "会計・受発注ソフト", "functions": ["accounting", "ordering"], "processes": ["P02", "P04"]},
    {"id": "tb", "name": "需要予測システム", "processes": ["P07"]},
]


def company(mid: str, *, role: str = "applicant", small: bool = False, **extra: Any) -> dict[str, Any]:
    """A retail SME: 小規模 with 3 employees (≤ 5), else 30 employees (≤ 50, 中小)."""
    out: dict[str, Any] = {
        "id": mid,
        "name": f"会社{mid}",
        "role": role,
        "industry": "retail",
        "capital_yen": 10_000_000,
        "employees": 3 if small else 30,
    }
    out.update(extra)
    return out


def individual(
    program: str,
    frame: str,
    costs: list[dict[str, Any]],
    *,
    tools: list[dict[str, Any]] | None = None,
    **member: Any,
) -> dict[str, Any]:
    lines = [{"id": f"c{i + 1}", "unit_price_yen": 0, "quantity": 1, **c} for i, c in enumerate(costs)]
    for ln in lines:
        ln.setdefault("kind", "software")
    return {
        "format": "itdonyu-application/1",
        "program": program,
        "frame": frame,
        "members": [company("a1", **member)],
        "tools": TOOLS if tools is None else tools,
        "costs": lines,
    }


def _figures(t: tuple[int, int, int, int, int]) -> dict[str, Any]:
    op, pers, dep, emp, hours = t
    return {
        "operating_profit_yen": op,
        "personnel_yen": pers,
        "depreciation_yen": dep,
        "employees": emp,
        "annual_hours": hours,
    }


def group_from_case(case: WbCase, program: str = "itdonyu-2025") -> dict[str, Any]:
    """The 複数社連携 application that corresponds to a workbook case (member k → m{k+1})."""
    members: list[dict[str, Any]] = []
    costs: list[dict[str, Any]] = []

    def line(mid: str, kind: str, yen: int, expense: str, tool: str | None) -> None:
        costs.append(
            {
                "id": f"{mid}-{len(costs) + 1}",
                "member": mid,
                "kind": kind,
                "expense": expense,
                "unit_price_yen": yen,
                "quantity": 1,
                **({"tool": tool} if tool else {}),
            }
        )

    for k, m in enumerate(case.members):
        mid = f"m{k + 1}"
        extra: dict[str, Any] = {"prior_grant": True} if m.prior_grant else {}
        if m.productivity:
            base, *targets = m.productivity
            extra["productivity"] = {
                "base": _figures(base),
                "targets": [{"year": y + 1, **_figures(t)} for y, t in enumerate(targets)],
            }
        members.append(company(mid, role="representative" if k == 0 else "participant", small=m.small, **extra))
        tool = "t2" if m.functions >= 2 else "t1"
        for kind, yen in m.tool_lines:
            line(mid, kind, yen, "a", tool)
        if m.software:
            line(mid, "software", m.software, "a", tool)
        if m.pc:
            line(mid, "hardware_pc", m.pc, "a", None)
        if m.register:
            line(mid, "hardware_register", m.register, "a", None)
        if m.b_software:
            line(mid, "software", m.b_software, "b", "tb")
        if m.b_hardware:
            line(mid, "hardware_other", m.b_hardware, "b", None)
    group_costs = []
    if case.admin_yen:
        group_costs.append({"id": "g1", "kind": "admin", "item": "人件費", "unit_price_yen": case.admin_yen, "quantity": 1})
    if case.expert_yen:
        group_costs.append({"id": "g2", "kind": "expert", "item": "謝金", "unit_price_yen": case.expert_yen, "quantity": 1})
    return {
        "format": "itdonyu-application/1",
        "program": program,
        "frame": "group",
        "title": case.name,
        "members": members,
        "tools": TOOLS,
        "costs": costs,
        "group_costs": group_costs,
    }
