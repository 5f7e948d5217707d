"""The engine's result: every figure, every finding, and the trail of every trimmed yen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Literal

import networkx as nx

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule outcome: id, severity, messages in Japanese and English, the ids concerned, the fix."""

    rule: str
    severity: Severity
    message_ja: str
    message_en: str
    refs: tuple[str, ...] = ()
    fix_ja: str = ""
    fix_en: str = ""
    yen: int | None = None  # yen removed by this finding, where it removed any

    def message(self, lang: str = "ja") -> str:
        return self.message_ja if lang == "ja" else self.message_en

    def fix(self, lang: str = "ja") -> str:
        return self.fix_ja if lang == "ja" else self.fix_en

    def as_dict(self, lang: str = "ja") -> dict[str, Any]:
        """The finding as it appears in ``kyoso summary --json``."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message(lang),
            "fix": self.fix(lang),
            "refs": list(self.refs),
            **({"yen": self.yen} if self.yen is not None else {}),
        }


class FindingsMixin:
    """Counting and listing a result's findings (shared by every engine's result type)."""

    __slots__ = ()
    findings: list[Finding]

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def rule_ids(self, *severities: Severity) -> list[str]:
        wanted = severities or SEVERITIES
        return sorted({f.rule for f in self.findings if f.severity in wanted})


@dataclass(frozen=True, slots=True)
class Reduction:
    """``yen`` removed from a line by ``rule``."""

    rule: str
    yen: int


@dataclass(slots=True)
class LineResult:
    id: str
    member: str
    step: int
    category: str
    claimed_yen: int
    eligible_yen: int
    hourly_rate_yen: int | None = None
    rate_source: Literal["explicit", "plan_table", "estimate", "missing"] | None = None
    reductions: list[Reduction] = field(default_factory=list)

    def trimmed_yen(self) -> int:
        return self.claimed_yen - self.eligible_yen


@dataclass(frozen=True, slots=True)
class SmeCheck:
    """Why an ``sme_user`` does or does not meet the 中小企業等 definition."""

    ok: bool
    reason_ja: str
    reason_en: str


@dataclass(slots=True)
class MemberResult:
    id: str
    name: str
    role: str
    claimed_yen: int = 0
    eligible_yen: int = 0
    raw_subsidy_yen: int = 0
    subsidy_yen: int = 0
    own_funds_yen: int = 0
    counted: bool = False
    sme: SmeCheck | None = None
    claimed_by_category: dict[str, int] = field(default_factory=dict)
    eligible_by_category: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RatioCheck:
    """A ratio rule in one scope: value, its limit after line rules, what was removed, the headroom.

    ``headroom_yen`` is how many more yen of the limited group would still be eligible.
    """

    rule: str
    scope: str  # "consortium" or a member id
    limited_yen: int  # the limited group's eligible before this rule (C, U or S)
    basis_yen: int  # what the limit is computed from (R, B or O)
    limit_yen: int  # the most the limited group may be
    removed_yen: int
    headroom_yen: int


@dataclass(slots=True)
class GraphSummary:
    """The tool/integration graph for the UI (networkx ``MultiGraph``)."""

    graph: nx.MultiGraph
    components: list[list[str]]
    sme_users_reached: list[str]
    tool_degree: dict[str, int]
    problem_nodes: dict[str, list[str]]  # node id → rule ids


@dataclass(frozen=True, slots=True)
class ScheduleInfo:
    decision_date: date | None
    decision_date_source: Literal["plan", "pack", "missing"]
    project_end: date | None
    project_end_source: Literal["plan", "pack", "missing"]


@dataclass(slots=True)
class Result(FindingsMixin):
    program: str
    member_count: int
    rate: Fraction
    cap_yen: int
    claimed_total_yen: int
    eligible_total_yen: int
    raw_subsidy_total_yen: int
    subsidy_yen: int
    own_funds_yen: int
    members: list[MemberResult]
    lines: list[LineResult]
    findings: list[Finding]
    ratios: list[RatioCheck]
    graph: GraphSummary
    schedule: ScheduleInfo
    eligible_by_step: dict[int, int] = field(default_factory=dict)
    claimed_by_step: dict[int, int] = field(default_factory=dict)

    # -- convenience -----------------------------------------------------------------------------
    def member(self, member_id: str) -> MemberResult | None:
        return next((m for m in self.members if m.id == member_id), None)

    def line(self, line_id: str) -> LineResult | None:
        return next((ln for ln in self.lines if ln.id == line_id), None)

    def summary_dict(self, lang: str = "ja") -> dict[str, Any]:
        """The ``kyoso summary --json`` object (plan-format.md)."""
        return {
            "program": self.program,
            "member_count": self.member_count,
            "rate": f"{self.rate.numerator}/{self.rate.denominator}",
            "cap_yen": self.cap_yen,
            "claimed_total_yen": self.claimed_total_yen,
            "eligible_total_yen": self.eligible_total_yen,
            "subsidy_yen": self.subsidy_yen,
            "own_funds_yen": self.own_funds_yen,
            "error_count": self.count("error"),
            "warning_count": self.count("warning"),
            "info_count": self.count("info"),
            "members": [
                {
                    "id": m.id,
                    "role": m.role,
                    "claimed_yen": m.claimed_yen,
                    "eligible_yen": m.eligible_yen,
                    "subsidy_yen": m.subsidy_yen,
                    "own_funds_yen": m.own_funds_yen,
                }
                for m in self.members
            ],
            "lines": [
                {
                    "id": ln.id,
                    "member": ln.member,
                    "claimed_yen": ln.claimed_yen,
                    "eligible_yen": ln.eligible_yen,
                    **(
                        {"hourly_rate_yen": ln.hourly_rate_yen, "rate_source": ln.rate_source}
                        if ln.rate_source is not None
                        else {}
                    ),
                    "reductions": [{"rule": r.rule, "yen": r.yen} for r in ln.reductions],
                }
                for ln in self.lines
            ],
            "findings": [f.as_dict(lang) for f in self.findings],
        }
