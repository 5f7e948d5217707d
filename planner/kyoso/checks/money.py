"""§2/§5 rate, cap, lower limit and each member's subsidy."""

from __future__ import annotations

from planner.catalogue import yen
from planner.kyoso import formulas as fx
from planner.kyoso.context import Context, Money
from planner.kyoso.messages import emit
from planner.money import share_largest_remainder
from planner.result import Finding


def subsidy(ctx: Context) -> None:
    """Step: amounts per STEP and member, the rate, the cap, and the cap shared pro rata when it binds."""
    large_vendors = [m for m in ctx.plan.members if m.role == "it_vendor" and m.large_enterprise]
    rate = fx.rate(ctx.p, bool(large_vendors))
    counted = ctx.n_users + ctx.n_vendors
    cap = fx.cap_yen(ctx.p, counted)
    claimed_by_step: dict[int, int] = {1: 0, 2: 0, 3: 0, 4: 0}
    eligible_by_step: dict[int, int] = {1: 0, 2: 0, 3: 0, 4: 0}
    claimed_yen, elig = ctx.claimed, ctx.elig
    # per kind of line, not per line: the kinds come in the order of their first line, so each member's
    # categories are listed in the order they first appear in the plan, as a walk over the lines lists them
    for (member, _, step, category, _), idxs in ctx.kinds.items():
        claimed = sum(map(claimed_yen.__getitem__, idxs))
        eligible = sum(map(elig.__getitem__, idxs))
        claimed_by_step[step] += claimed
        eligible_by_step[step] += eligible
        owner = ctx.member_results.get(member)
        if owner is None:
            continue
        owner.claimed_yen += claimed
        owner.eligible_yen += eligible
        owner.claimed_by_category[category] = owner.claimed_by_category.get(category, 0) + claimed
        owner.eligible_by_category[category] = owner.eligible_by_category.get(category, 0) + eligible
    mrs = list(ctx.member_results.values())
    for mr in mrs:
        if mr.role == "collaborator":
            mr.eligible_yen = 0  # collaborators receive nothing (their lines are already 0)
        mr.raw_subsidy_yen = mr.eligible_yen * rate.numerator // rate.denominator
    raw_total = sum(mr.raw_subsidy_yen for mr in mrs)
    if raw_total > cap:
        shares = share_largest_remainder(cap, [mr.raw_subsidy_yen for mr in mrs])
        for mr, s in zip(mrs, shares, strict=True):
            mr.subsidy_yen = s
    else:
        for mr in mrs:
            mr.subsidy_yen = mr.raw_subsidy_yen
    for mr in mrs:
        mr.own_funds_yen = mr.claimed_yen - mr.subsidy_yen
    ctx.claimed_by_step = claimed_by_step
    ctx.eligible_by_step = eligible_by_step
    ctx.money = Money(large_vendors, rate, counted, cap, raw_total, sum(mr.subsidy_yen for mr in mrs), mrs)


def rate_large_vendor(ctx: Context) -> list[Finding]:
    """rate.large_vendor: the rate is ``rate_large_vendor`` when an it_vendor is a large enterprise."""
    money = ctx.need_money()
    if not money.large_vendors:
        return []
    names = ", ".join(f"{m.id}({m.name})" for m in money.large_vendors)
    rate = f"{money.rate.numerator}/{money.rate.denominator}"
    return [emit("rate.large_vendor", refs=[m.id for m in money.large_vendors], names=names, rate=rate)]


def subsidy_capped(ctx: Context) -> list[Finding]:
    """subsidy.capped: the membership-scaled cap binds; the finding carries the subsidy it removed."""
    money = ctx.need_money()
    if money.raw_total <= money.cap:
        return []
    more = fx.members_to_lift_cap(ctx.p, money.counted, money.raw_total)
    return [
        emit(
            "subsidy.capped",
            "more_members" if more is not None else "at_max",
            refs=[mr.id for mr in money.members if mr.raw_subsidy_yen > mr.subsidy_yen],
            yen_removed=money.raw_total - money.cap,
            raw=yen(money.raw_total),
            cap=yen(money.cap),
            counted=money.counted,
            over=yen(money.raw_total - money.cap),
            more=more,
            cap_max=yen(ctx.p.cap_max_yen.value),
        )
    ]


def subsidy_below_minimum(ctx: Context) -> list[Finding]:
    """subsidy.below_minimum: the total subsidy is at least ``lower_limit_yen`` (the figures stand)."""
    money = ctx.need_money()
    if not fx.subsidy_below_minimum(ctx.p, money.subsidy):
        return []
    return [emit("subsidy.below_minimum", subsidy=yen(money.subsidy), lower=yen(ctx.p.lower_limit_yen.value))]
