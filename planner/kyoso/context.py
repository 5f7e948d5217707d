"""What the 共創型 checks share: the plan, the pack's parameters, and the figures earlier checks computed.

A :class:`Context` is made once per evaluation (:meth:`Context.start`); the steps and checks of
:data:`planner.kyoso.checks.PIPELINE` run over it in order, each reading what the earlier ones left
(the member exclusions, the line amounts, the eligible amounts after the ratio rules, the subsidy)
and adding its own.  The checks return findings; the context never holds messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from planner.kyoso.params import KyosoParams
from planner.result import Finding, GraphSummary, LineResult, MemberResult, RatioCheck, ScheduleInfo
from schemas.plan import Category, CostLine, Integration, Meeting, Member, Plan, Role


class LineView:
    """A cost line's fields as plain attributes: what the line pass hands the line rules.

    It copies nothing: :meth:`of` points the view at the validated :class:`~schemas.plan.CostLine`'s own
    field storage (pydantic keeps a model's field values in its ``__dict__``).  A pydantic model answers
    every attribute read through its ``__getattr__`` hook, which CPython cannot specialise (≈ 27 ns a
    read, against ≈ 7 ns for a plain object), and the line pass and its rules read ten to fifteen fields a
    line.  Read only, like the whole plan: nothing in the engine writes to it.
    """

    id: str
    member: str
    step: int
    category: Category
    unit_price_yen: int | None
    quantity: int | None
    hours: Decimal | None
    hourly_rate_yen: int | None
    kenpo_grade: int | None
    months: int | None
    maintenance: bool | None
    payee: str | None
    payee_external: str | None
    subcontract: bool | None
    integration: str | None
    meeting: str | None
    modifies_existing_tool: bool | None

    @staticmethod
    def of(line: CostLine) -> LineView:
        """The view of ``line`` (the line pass inlines these two statements: it makes one per line)."""
        view = object.__new__(LineView)
        view.__dict__ = line.__dict__
        return view


#: What the checks after the line pass need to know of a line besides its yen: (member, the member's
#: role, STEP, category, the payee's role — None without a payee or for an unknown one).  The line pass
#: files every line index under its kind (:attr:`Context.kinds`), so the ratio rules and the subsidy
#: step walk the kinds (≈ 200 on a 2,000-line plan), not every line; each rule still decides by its own
#: formula which kinds it counts.
LineKind = tuple[str, Role | None, int, Category, Role | None]

#: Where a check's findings go.  The findings of a result are the sections' findings in this order,
#: each section in the order its checks emitted them (checks run in PIPELINE order, which is the
#: order their inputs become known; sections are the order kyoso-rules.md reports them).
Section = Literal["consortium", "members", "graph", "lines", "ratios", "money", "schedule"]
SECTIONS: tuple[Section, ...] = ("consortium", "members", "graph", "lines", "ratios", "money", "schedule")


@dataclass(slots=True)
class Money:
    """§2/§5: the rate, the cap and the per-member subsidy (set by the ``subsidy`` step)."""

    large_vendors: list[Member]
    rate: Fraction
    counted: int
    cap: int
    raw_total: int
    subsidy: int
    members: list[MemberResult]


@dataclass(slots=True)
class Dates:
    """§7: the dates the schedule rules compare with (plan first, then pack)."""

    info: ScheduleInfo
    decision: date | None
    end: date | None


@dataclass(slots=True)
class Context:
    plan: Plan
    p: KyosoParams
    by_id: dict[str, Member]
    roles: dict[str, Role]
    integrations: dict[str, Integration]
    meetings: dict[str, Meeting]
    n_users: int
    n_vendors: int
    step_matrix: dict[str, dict[str, list[int]]]  # the pack's step_matrix (read once per line)
    # §1 member eligibility (step ``member_eligibility``)
    member_results: dict[str, MemberResult] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)  # member id → the rule excluding it
    exclusion_text: dict[str, tuple[str, str]] = field(default_factory=dict)  # member id → why not an SME
    provider_tools: dict[str, list[str]] = field(default_factory=dict)  # sme_user → tools it provides
    step3_user_labour: dict[str, list[str]] = field(default_factory=dict)  # sme_user → its STEP3 labour lines
    # §6 (check ``graph``)
    graph: GraphSummary | None = None
    # §3 (check ``cost_lines``): one LineResult per plan line, and its eligible amount kept in step
    lines: list[LineResult] = field(default_factory=list)
    claimed: list[int] = field(default_factory=list)
    elig: list[int] = field(default_factory=list)
    kinds: dict[LineKind, list[int]] = field(default_factory=dict)  # line indices (ascending) by kind
    excluded_yen: dict[str, int] = field(default_factory=dict)  # member id → yen its exclusion removed
    term_lines: list[tuple[int, int]] = field(default_factory=list)  # (line index, yen removed)
    estimate_lines: list[str] = field(default_factory=list)  # lines priced with the 健保等級 estimate
    hundredths: dict[Decimal, int] = field(default_factory=dict)  # labour hours → hours × 100 (exact)
    # §4
    ratios: list[RatioCheck] = field(default_factory=list)
    # §2/§5
    money: Money | None = None
    claimed_by_step: dict[int, int] = field(default_factory=dict)
    eligible_by_step: dict[int, int] = field(default_factory=dict)
    # §7
    dates: Dates | None = None
    skipped_schedule_rules: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, plan: Plan, params: KyosoParams) -> Context:
        members = plan.members
        return cls(
            plan=plan,
            p=params,
            by_id={m.id: m for m in members},
            roles={m.id: m.role for m in members},
            integrations={i.id: i for i in plan.integrations},
            meetings={mt.id: mt for mt in plan.meetings},
            n_users=sum(1 for m in members if m.role == "sme_user"),
            n_vendors=sum(1 for m in members if m.role == "it_vendor"),
            step_matrix=params.step_matrix.value,
        )

    def need_money(self) -> Money:
        assert self.money is not None, "the subsidy step runs before the money checks"
        return self.money

    def need_dates(self) -> Dates:
        assert self.dates is not None, "the schedule_dates step runs before the schedule checks"
        return self.dates


@dataclass(frozen=True, slots=True)
class Check:
    """A named check: the rule ids it may report, the section its findings go to, and the function."""

    section: Section
    rules: tuple[str, ...]
    run: Callable[[Context], list[Finding]]

    @property
    def name(self) -> str:
        return self.run.__name__


@dataclass(frozen=True, slots=True)
class Step:
    """A computation several checks share; it reports nothing itself."""

    run: Callable[[Context], None]

    @property
    def name(self) -> str:
        return self.run.__name__
