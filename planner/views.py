"""Pure view helpers for the app: what to offer in a form, and the cap ladder.

The app renders; it decides nothing.  Where a screen needs something that is neither in the
:class:`~planner.result.Result` nor a plain lookup, it comes from here, computed from the rule pack's
parameters and the engine's own formulas (``planner.kyoso.formulas``), never re-implemented.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from planner.kyoso import formulas as fx
from planner.kyoso.params import KyosoParams
from planner.pack import RulePack
from planner.result import Result
from schemas.plan import CATEGORIES, Plan


def _params(pack: RulePack[Any]) -> KyosoParams:
    params = pack.params
    if not isinstance(params, KyosoParams):  # pragma: no cover - only kyoso packs exist
        raise TypeError(f"{pack.id}: not a 共創型 rule pack")
    return params


# -- §3 the STEP × role × category matrix -----------------------------------------------------------


def allowed_categories(pack: RulePack[Any], role: str | None, step: int | None) -> list[str]:
    """The categories the pack's matrix allows for ``role`` in ``step`` (either None: any)."""
    matrix = _params(pack).step_matrix.value
    roles = [role] if role in matrix else list(matrix)
    out: list[str] = []
    for cat in CATEGORIES:
        for r in roles:
            steps = matrix[r][cat]
            if (step is None and steps) or (step is not None and step in steps):
                out.append(cat)
                break
    return out


def claimable_steps(pack: RulePack[Any], role: str | None) -> list[int]:
    """The STEPs in which ``role`` may claim anything (None: any role)."""
    matrix = _params(pack).step_matrix.value
    roles = [role] if role in matrix else list(matrix)
    return sorted({s for r in roles for steps in matrix[r].values() for s in steps})


def payee_options(plan: Plan, role: str | None, step: int | None, category: str | None = None) -> list[str]:
    """Member ids that are valid payees (kyoso-rules.md §3 ``cost.payee_invalid``) for a line.

    ``sme_user`` 委託費 → an ``it_vendor`` or ``collaborator`` (STEP3: ``it_vendor`` only); 専門家経費 → a
    ``collaborator``; an ``it_vendor`` pays only parties outside the plan (``payee_external``).  With
    ``category`` None the union over 委託費 and 専門家経費 is returned.
    """
    want: set[str] = set()
    cats = [category] if category is not None else ["outsourcing", "expert"]
    for cat in cats:
        if cat == "outsourcing" and role in ("sme_user", None):
            want |= {"it_vendor"} if step == 3 else {"it_vendor", "collaborator"}
        elif cat == "expert" and role in ("sme_user", None):
            want.add("collaborator")
    return [m.id for m in plan.members if m.role in want]


def tool_vendor_options(plan: Plan) -> list[str]:
    """Member ids a tool's ``vendor`` may name: the plan's ``it_vendor`` members (a tool of an ``sme_user``
    is ``member.user_is_provider``; a collaborator's tool is not a vendor's tool of the plan, §6)."""
    return [m.id for m in plan.members if m.role == "it_vendor"]


def tool_user_options(plan: Plan) -> list[str]:
    """Member ids a tool's ``users`` may name: the plan's ``sme_user`` members (§6)."""
    return [m.id for m in plan.members if m.role == "sme_user"]


# -- §2 the cap ladder --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LadderStep:
    members: int  # counted members (sme_user + it_vendor)
    cap_yen: int
    current: bool
    adds_yen: int  # what this step adds over the previous one


def cap_ladder(pack: RulePack[Any], counted_members: int) -> list[LadderStep]:
    """The cap at each consortium size from the base size up to the maximum (``formulas.cap_yen``)."""
    p = _params(pack)
    first = p.cap_base_members.value
    n = first
    rows: list[LadderStep] = []
    prev: int | None = None
    while True:
        cap = fx.cap_yen(p, n)
        rows.append(LadderStep(n, cap, n == counted_members, 0 if prev is None else cap - prev))
        prev = cap
        if cap >= p.cap_max_yen.value:
            break
        n += 1
    return rows


def next_member_adds(pack: RulePack[Any], counted_members: int) -> int:
    """How many yen of cap one more counted member would add (0 at the maximum)."""
    p = _params(pack)
    return fx.cap_yen(p, counted_members + 1) - fx.cap_yen(p, counted_members)


def cap_binds(result: Result) -> bool:
    """Whether the cap cut the subsidy (the raw subsidy exceeds it and is shared out, §2 ``cap_sharing``)."""
    return result.raw_subsidy_total_yen > result.cap_yen


def members_to_lift_cap(pack: RulePack[Any], result: Result) -> int | None:
    """How many more counted members would lift the cap to the raw subsidy (0: it does not bind)."""
    if not cap_binds(result):
        return 0
    return fx.members_to_lift_cap(_params(pack), result.member_count, result.raw_subsidy_total_yen)


# -- §2 the rate ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateReason:
    rate: Fraction
    large_vendor: bool  # the lower rate applies because of a large-enterprise it_vendor
    source: str  # the pack's source text for the applied rate
    other_rate: Fraction  # the rate that would apply otherwise


def rate_reason(pack: RulePack[Any], result: Result) -> RateReason:
    """Which of the pack's two rates applies and its source (the engine already chose ``result.rate``)."""
    p = _params(pack)
    large = any(f.rule == "rate.large_vendor" for f in result.findings)
    if large:
        return RateReason(result.rate, True, p.rate_large_vendor.source, p.rate_standard.value)
    return RateReason(result.rate, False, p.rate_standard.source, p.rate_large_vendor.value)


# -- labour rates ---------------------------------------------------------------------------------------


def kenpo_estimate_rate(pack: RulePack[Any], grade: int) -> int:
    """The 概算 hourly rate of a 健保等級 (``formulas.kenpo_estimate_rate``)."""
    return fx.kenpo_estimate_rate(_params(pack), grade)


# -- interpretations ------------------------------------------------------------------------------------


def interpretation_notes(pack: RulePack[Any], *names: str, lang: str = "ja") -> list[tuple[str, str]]:
    """(parameter name, note) for each named parameter the pack marks ``interpretation = true``.

    The note is the pack's ``note_ja`` in Japanese (``note`` when it has none), ``note`` in English.
    """
    out: list[tuple[str, str]] = []
    for name in names:
        entry = pack.raw.get(name, {})
        if entry.get("interpretation"):
            note = (entry.get("note_ja") if lang == "ja" else None) or entry.get("note") or entry.get("source")
            out.append((name, str(note or "")))
    return out
