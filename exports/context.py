"""The plan, its evaluation and its rule pack, with the look-ups every document writer needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import planner
from planner.pack import RulePack
from planner.result import LineResult, Result
from schemas.plan import CostLine, Member, Plan


class ExportError(ValueError):
    """The plan cannot be exported (its rule pack is not a 共創型 pack)."""


@dataclass
class CostGroup:
    """The cost lines of one member (or of an id that names no member), in plan order."""

    member_id: str
    member: Member | None
    lines: list[tuple[CostLine, LineResult]] = field(default_factory=list)
    sheet: str = ""


@dataclass
class ExportContext:
    plan: Plan
    result: Result
    pack: RulePack[Any]

    @classmethod
    def of(cls, plan: Plan, result: Result | None = None) -> ExportContext:
        pack = planner.get_pack(plan.program)
        if pack.header.engine != "kyoso":
            raise ExportError(f"rule pack {plan.program!r} is not a 共創型 (kyoso) pack; only those can be exported")
        return cls(plan, result if result is not None else planner.evaluate(plan, pack), pack)

    @property
    def fiscal_year_ja(self) -> str:
        return self.pack.header.fiscal_year_ja

    @property
    def programme_ja(self) -> str:
        return self.pack.header.programme_ja

    @property
    def heading(self) -> str:
        return f"{self.fiscal_year_ja} {self.programme_ja}"

    @cached_property
    def members_by_id(self) -> dict[str, Member]:
        return {m.id: m for m in self.plan.members}

    def member_name(self, member_id: str | None) -> str:
        if member_id is None:
            return ""
        m = self.members_by_id.get(member_id)
        return m.name if m is not None else f"{member_id}(計画にないメンバー)"

    @cached_property
    def tools_by_id(self) -> dict[str, Any]:
        return {t.id: t for t in self.plan.tools}

    @cached_property
    def integrations_by_id(self) -> dict[str, Any]:
        return {i.id: i for i in self.plan.integrations}

    @cached_property
    def meetings_by_id(self) -> dict[str, Any]:
        return {mt.id: mt for mt in self.plan.meetings}

    @cached_property
    def cost_groups(self) -> list[CostGroup]:
        """One group per member with cost lines or a subsidy role (plan member order), then ids naming no member."""
        groups: dict[str, CostGroup] = {}
        for m in self.plan.members:
            groups[m.id] = CostGroup(m.id, m)
        unknown: dict[str, CostGroup] = {}
        for line, lr in zip(self.plan.costs, self.result.lines, strict=True):
            group = groups.get(line.member)
            if group is None:
                group = unknown.setdefault(line.member, CostGroup(line.member, None))
            group.lines.append((line, lr))
        # every member that receives subsidy gets a sheet (to add lines to), others only when they claim
        out = [g for g in groups.values() if g.lines or (g.member is not None and g.member.role != "collaborator")]
        out += list(unknown.values())
        width = max(2, len(str(len(out))))
        for n, g in enumerate(out, start=1):
            g.sheet = f"経費内訳{n:0{width}d}"
        return out

    def group_of(self, member_id: str) -> CostGroup | None:
        return next((g for g in self.cost_groups if g.member_id == member_id), None)

    @property
    def capped(self) -> bool:
        return self.result.raw_subsidy_total_yen > self.result.cap_yen
