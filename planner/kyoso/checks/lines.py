"""§3 line rules: each line's claimed amount, the rules a line can fail, and what stays eligible.

A line rule is a function ``(ctx, line, role) -> Finding | None`` (``line`` a
:class:`~planner.kyoso.context.LineView` of the plan's cost line); :data:`LINE_RULES` lists them in the
order their findings are reported for a line.  Every failing rule is reported; the first in
:data:`ZEROING_ORDER` removes the line's yen (docs/interpretations.md §6), the member exclusions sitting
between ``cost.unknown_reference`` and the matrix.  The term rule then trims lines still eligible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.catalogue import yen
from planner.kyoso import formulas as fx
from planner.kyoso.context import Context, LineView
from planner.kyoso.messages import CATEGORY_JA, ROLE_JA, emit
from planner.result import Finding, LineResult, Reduction
from schemas.plan import CATEGORIES, Category, Role

LineRule = Callable[[Context, LineView, Role | None], Finding | None]


def cost_unknown_reference(ctx: Context, ln: LineView, role: Role | None) -> Finding | None:
    """cost.unknown_reference: the line's member, payee, integration and meeting exist."""
    if (
        role is not None
        and (ln.payee is None or ln.payee in ctx.roles)
        and (ln.integration is None or ln.integration in ctx.integrations)
        and (ln.meeting is None or ln.meeting in ctx.meetings)
    ):
        return None
    unknown: list[str] = []
    if role is None:
        unknown.append(f"member={ln.member}")
    if ln.payee is not None and ln.payee not in ctx.roles:
        unknown.append(f"payee={ln.payee}")
    if ln.integration is not None and ln.integration not in ctx.integrations:
        unknown.append(f"integration={ln.integration}")
    if ln.meeting is not None and ln.meeting not in ctx.meetings:
        unknown.append(f"meeting={ln.meeting}")
    if not unknown:
        return None
    return emit("cost.unknown_reference", refs=[ln.id], line=ln.id, unknown=", ".join(unknown))


def cost_category_not_allowed(ctx: Context, ln: LineView, role: Role | None) -> Finding | None:
    """cost.category_not_allowed: the pack's step_matrix allows the role × category in the line's STEP."""
    if role is None:
        return None
    allowed = ctx.step_matrix[role][ln.category]
    if ln.step in allowed:
        return None
    return emit(
        "cost.category_not_allowed",
        "other_steps" if allowed else "never",
        refs=[ln.id, ln.member],
        line=ln.id,
        role=role,
        role_ja=ROLE_JA[role],
        category=ln.category,
        category_ja=CATEGORY_JA[ln.category],
        step=ln.step,
        allowed=", ".join(map(str, allowed)),
    )


def _payee_problem(ctx: Context, ln: LineView, role: Role) -> str | None:
    """The cost.payee_invalid variant for the line, or None when its payee is right."""
    roles = ctx.roles
    if ln.category == "outsourcing" and role == "sme_user":
        payee_role = roles.get(ln.payee) if ln.payee is not None else None
        if ln.payee is None:
            return "user_no_payee"
        if ln.step == 3 and payee_role != "it_vendor" and payee_role is not None:
            return "user_step3_not_vendor"
        if payee_role not in ("it_vendor", "collaborator", None):
            return "user_payee_role"
    elif ln.category == "outsourcing" and role == "it_vendor":
        if ln.payee_external is None or ln.payee is not None:
            return "vendor_not_external"
        if ln.subcontract is False:
            return "vendor_not_subcontract"
    elif ln.category == "expert":
        if ln.payee is None or (ln.payee in roles and roles[ln.payee] != "collaborator"):
            return "expert_payee"
    return None


def cost_payee_invalid(ctx: Context, ln: LineView, role: Role | None) -> Finding | None:
    """cost.payee_invalid: 委託費 and 専門家経費 are paid to whom the programme allows."""
    if role is None:
        return None
    variant = _payee_problem(ctx, ln, role)
    if variant is None:
        return None
    return emit("cost.payee_invalid", variant, refs=[ln.id, *([ln.payee] if ln.payee else [])], line=ln.id)


def cost_existing_tool_mod_requires_api(ctx: Context, ln: LineView, role: Role | None) -> Finding | None:
    """cost.existing_tool_mod_requires_api: vendor labour modifying an existing tool needs an api integration."""
    if not (ln.category == "labour" and role == "it_vendor" and ln.modifies_existing_tool):
        return None
    integ = ctx.integrations.get(ln.integration) if ln.integration is not None else None
    if integ is not None and integ.method == "api":
        return None
    if ln.integration is None:
        variant = "no_integration"
    elif integ is None:
        variant = "unknown_integration"
    else:
        variant = "not_api"
    return emit(
        "cost.existing_tool_mod_requires_api",
        variant,
        refs=[ln.id, *([ln.integration] if ln.integration else [])],
        line=ln.id,
        integration=ln.integration,
        method=integ.method if integ is not None else None,
    )


def cost_meeting_internal(ctx: Context, ln: LineView, role: Role | None) -> Finding | None:
    """cost.meeting_internal: a meeting line names a meeting with an sme_user and an it_vendor taking part."""
    if ln.category != "meeting":
        return None
    if ln.meeting is not None:
        mt = ctx.meetings.get(ln.meeting)
        if mt is None:  # cost.unknown_reference
            return None
        roles = ctx.roles
        if any(roles.get(x) == "sme_user" for x in mt.participants) and any(
            roles.get(x) == "it_vendor" for x in mt.participants
        ):
            return None
    return emit(
        "cost.meeting_internal",
        "no_meeting" if ln.meeting is None else "participants",
        refs=[ln.id, *([ln.meeting] if ln.meeting else [])],
        line=ln.id,
        meeting=ln.meeting,
    )


def cost_travel_purpose(ctx: Context, ln: LineView, role: Role | None) -> Finding | None:
    """cost.travel_purpose: a travel line names the integration or meeting it serves."""
    if ln.category != "travel" or ln.integration is not None or ln.meeting is not None:
        return None
    return emit("cost.travel_purpose", refs=[ln.id], line=ln.id)


#: The line rules in the order their findings are reported for one line, each with the categories of
#: line it concerns (None: every line).
LINE_RULES: tuple[tuple[LineRule, frozenset[Category] | None], ...] = (
    (cost_unknown_reference, None),
    (cost_category_not_allowed, None),
    (cost_payee_invalid, frozenset({"outsourcing", "expert"})),
    (cost_existing_tool_mod_requires_api, frozenset({"labour"})),
    (cost_meeting_internal, frozenset({"meeting"})),
    (cost_travel_purpose, frozenset({"travel"})),
)

#: category → the line rules that apply to it, in order (so a line runs only the rules that can fail it).
_RULES_FOR: dict[str, tuple[LineRule, ...]] = {
    cat: tuple(rule for rule, cats in LINE_RULES if cats is None or cat in cats) for cat in CATEGORIES
}

#: Which failing rule removes a line's yen: the first of these (``member.*``: the member's exclusion).
ZEROING_ORDER: tuple[str, ...] = (
    "cost.unknown_reference",
    "member.*",
    "cost.category_not_allowed",
    "cost.payee_invalid",
    "cost.existing_tool_mod_requires_api",
    "cost.meeting_internal",
    "cost.travel_purpose",
)


def cost_kenpo_grade_not_in_table(ln: LineView, grade: int, rate_yen: int) -> Finding:
    """cost.kenpo_grade_not_in_table: the plan's 健保等級 rate table lacks the line's grade (estimate used)."""
    return emit("cost.kenpo_grade_not_in_table", refs=[ln.id], line=ln.id, grade=grade, rate=yen(rate_yen))


def _labour_claimed(
    ctx: Context, ln: LineView, table: dict[str, int] | None, out: list[Finding]
) -> tuple[int, int, Any]:
    """A labour line's claimed yen, its hourly rate and where the rate came from (explicit, the plan's
    健保等級 table, or the estimate — with cost.kenpo_grade_not_in_table when the table lacks the grade)."""
    hours = ln.hours
    assert hours is not None
    hh = ctx.hundredths.get(hours)
    if hh is None:  # a plan repeats a few hour counts; Decimal arithmetic is the dearest step of a line
        hh = ctx.hundredths[hours] = int(hours * 100)
    if ln.hourly_rate_yen is not None:
        rate_yen, source = ln.hourly_rate_yen, "explicit"
    elif ln.kenpo_grade is not None:
        grade = ln.kenpo_grade
        if table is not None and str(grade) in table:
            rate_yen, source = table[str(grade)], "plan_table"
        else:
            rate_yen, source = fx.kenpo_estimate_rate(ctx.p, grade), "estimate"
            if table is not None:
                out.append(cost_kenpo_grade_not_in_table(ln, grade, rate_yen))
            else:
                ctx.estimate_lines.append(ln.id)
    else:  # the schema forbids this; keep evaluate total anyway
        rate_yen, source = 0, "missing"
    return fx.labour_amount(hh, rate_yen), rate_yen, source


def cost_lines(ctx: Context) -> list[Finding]:
    """The line pass: claimed amounts, the line rules, the yen they remove, and the term rule's trim.

    It is the one walk over the plan's lines: it also files each line under its kind
    (:data:`~planner.kyoso.context.LineKind`, for the ratio rules and the subsidy step) and adds up the
    yen each member's exclusion removed (for ``member_exclusions``).
    """
    out: list[Finding] = []
    max_months = ctx.p.term_max_months.value
    roles, excluded, excluded_yen, kinds = ctx.roles, ctx.excluded, ctx.excluded_yen, ctx.kinds
    lines, claimed_yen, elig, term_lines = ctx.lines, ctx.claimed, ctx.elig, ctx.term_lines
    table = ctx.plan.kenpo_rates.rates if ctx.plan.kenpo_rates is not None else None
    rules_for = _RULES_FOR
    new_view = object.__new__
    for i, line in enumerate(ctx.plan.costs):
        ln = new_view(LineView)  # LineView.of(line), inlined
        ln.__dict__ = line.__dict__
        member, step, cat, payee = ln.member, ln.step, ln.category, ln.payee
        role = roles.get(member)
        kind = (member, role, step, cat, None if payee is None else roles.get(payee))
        same_kind = kinds.get(kind)
        if same_kind is None:
            kinds[kind] = [i]
        else:
            same_kind.append(i)
        rate_yen: int | None = None
        source: Any = None
        if cat == "labour":
            claimed, rate_yen, source = _labour_claimed(ctx, ln, table, out)
        else:
            claimed = (ln.unit_price_yen or 0) * (ln.quantity or 0)
        lr = LineResult(ln.id, member, step, cat, claimed, claimed, rate_yen, source)
        lines.append(lr)
        claimed_yen.append(claimed)
        failed: list[str] | None = None
        for rule in rules_for[cat]:
            found = rule(ctx, ln, role)
            if found is not None:
                out.append(found)
                failed = [found.rule] if failed is None else [*failed, found.rule]
        exclusion = excluded.get(member)
        zero_rule = _zeroing_rule(failed or [], exclusion) if failed or exclusion is not None else None
        if zero_rule is not None:
            if claimed:
                lr.reductions.append(Reduction(zero_rule, claimed))
                if zero_rule == exclusion:
                    excluded_yen[member] = excluded_yen.get(member, 0) + claimed
            lr.eligible_yen = 0
        elif (cat == "cloud" or (cat == "software" and ln.maintenance)) and (
            ln.months is not None and ln.months > max_months
        ):
            kept = fx.cost_term_over_one_year(claimed, ln.months, max_months)
            if claimed - kept:
                lr.reductions.append(Reduction("cost.term_over_one_year", claimed - kept))
            lr.eligible_yen = kept
            term_lines.append((i, claimed - kept))
        elig.append(lr.eligible_yen)
    return out


def _zeroing_rule(failed: list[str], exclusion: str | None) -> str | None:
    """The first of :data:`ZEROING_ORDER` among the failing rules and the member's exclusion."""
    for rule in ZEROING_ORDER:
        if rule == "member.*":
            if exclusion is not None:
                return exclusion
        elif rule in failed:
            return rule
    return None


def cost_term_over_one_year(ctx: Context) -> list[Finding]:
    """cost.term_over_one_year: cloud and software maintenance count at most ``term_max_months``."""
    max_months = ctx.p.term_max_months.value
    out: list[Finding] = []
    for idx, removed in ctx.term_lines:
        lr = ctx.lines[idx]
        ln = ctx.plan.costs[idx]
        out.append(
            emit(
                "cost.term_over_one_year",
                refs=[ln.id],
                yen_removed=removed,
                line=ln.id,
                months=ln.months,
                max_months=max_months,
                claimed=yen(lr.claimed_yen),
                eligible=yen(lr.eligible_yen),
            )
        )
    return out


def cost_kenpo_rate_estimate(ctx: Context) -> list[Finding]:
    """cost.kenpo_rate_estimate: one info naming every line priced with the 健保等級 estimate."""
    if not ctx.estimate_lines:
        return []
    return [
        emit(
            "cost.kenpo_rate_estimate",
            refs=ctx.estimate_lines,
            count=len(ctx.estimate_lines),
            hours=ctx.p.kenpo_annual_hours.value,
        )
    ]
