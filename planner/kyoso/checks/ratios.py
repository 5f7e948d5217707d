"""§4 ratio rules, in their stated order; each sees the eligible amounts the earlier rules left.

Each rule computes its limited group and basis, records a :class:`RatioCheck` (also when nothing is
removed, so the app can show headroom) and trims the limited group's lines pro rata (largest remainder).
"""

from __future__ import annotations

from planner.catalogue import yen
from planner.kyoso import formulas as fx
from planner.kyoso.context import Context
from planner.kyoso.messages import emit
from planner.money import share_largest_remainder
from planner.result import Finding, RatioCheck, Reduction


def trim(ctx: Context, rule: str, idxs: list[int], amount: int) -> None:
    """Remove ``amount`` from the lines ``idxs`` in proportion to their eligible yen, traced to ``rule``."""
    elig, lines = ctx.elig, ctx.lines
    shares = share_largest_remainder(amount, [elig[i] for i in idxs])
    for i, s in zip(idxs, shares, strict=True):
        if s:
            elig[i] -= s
            lines[i].eligible_yen = elig[i]
            lines[i].reductions.append(Reduction(rule, s))


def cost_subcontract_half(ctx: Context) -> list[Finding]:
    """cost.subcontract_half: an it_vendor's STEP3 subcontracting C is under ``subcontract_ratio`` of C + R.

    Scope per the pack's ``subcontract_scope``: each it_vendor (in member order) or the consortium.
    """
    p, elig, costs = ctx.p, ctx.elig, ctx.plan.costs
    ratio = p.subcontract_ratio.value
    per_vendor = p.subcontract_scope.value == "per_vendor"
    scopes: dict[str, tuple[list[int], int]] = {}
    for (member_id, role, step, category, _), idxs in ctx.kinds.items():
        if step != 3 or role != "it_vendor":
            continue
        key = member_id if per_vendor else "consortium"
        c_idx, r = scopes.get(key, ([], 0))
        if category == "outsourcing":
            c_idx.extend(idxs)
        else:
            r += sum(map(elig.__getitem__, idxs))
        scopes[key] = (c_idx, r)
    for c_idx, _ in scopes.values():
        c_idx.sort()  # plan order: the trim's ties and the finding's refs follow it
    order = [m.id for m in ctx.plan.members if m.role == "it_vendor"] if per_vendor else ["consortium"]
    out: list[Finding] = []
    for key in order:
        c_idx, r = scopes.get(key, ([], 0))
        c = sum(map(elig.__getitem__, c_idx))
        limit = fx.cost_subcontract_half_limit(r, ratio)
        removed = max(0, c - limit)
        ctx.ratios.append(RatioCheck("cost.subcontract_half", key, c, r, limit, removed, max(0, limit - c)))
        if not removed:
            continue
        trim(ctx, "cost.subcontract_half", c_idx, removed)
        member = ctx.by_id.get(key)
        out.append(
            emit(
                "cost.subcontract_half",
                "vendor" if member is not None else "consortium",
                refs=[key, *(costs[i].id for i in c_idx)],
                yen_removed=removed,
                scope=key,
                name=member.name if member is not None else "",
                c=yen(c),
                r=yen(r),
                removed=yen(removed),
                kept=yen(c - removed),
            )
        )
    return out


def cost_user_labour_third(ctx: Context) -> list[Finding]:
    """cost.user_labour_third: sme_user labour U is at most ``user_labour_ratio`` of the basis B."""
    p, elig, costs = ctx.p, ctx.elig, ctx.plan.costs
    basis = set(p.user_labour_basis.value)
    u_idx: list[int] = []
    b_total = 0
    for (_, role, _, category, payee_role), idxs in ctx.kinds.items():
        side = fx.cost_user_labour_third_group(role, category, payee_role, basis)
        if side == "U":
            u_idx.extend(idxs)
        elif side == "B":
            b_total += sum(map(elig.__getitem__, idxs))
    u_idx.sort()  # plan order: the trim's ties and the finding's refs follow it
    u_total = sum(map(elig.__getitem__, u_idx))
    limit = fx.cost_user_labour_third_limit(b_total, p.user_labour_ratio.value)
    removed = max(0, u_total - limit)
    ctx.ratios.append(
        RatioCheck("cost.user_labour_third", "consortium", u_total, b_total, limit, removed, max(0, limit - u_total))
    )
    if not removed:
        return []
    trim(ctx, "cost.user_labour_third", u_idx, removed)
    lines = ctx.lines
    refs = [
        costs[i].id for i in u_idx if lines[i].reductions and lines[i].reductions[-1].rule == "cost.user_labour_third"
    ]
    return [
        emit("cost.user_labour_third", refs=refs, yen_removed=removed, u=yen(u_total), b=yen(b_total),
             limit=yen(limit), removed=yen(removed))
    ]


def cost_software_cloud_half(ctx: Context) -> list[Finding]:
    """cost.software_cloud_half: software + cloud S is at most ``software_cloud_ratio`` of the eligible total.

    "O" is every other eligible line of the consortium, all members together.
    """
    p, elig, costs = ctx.p, ctx.elig, ctx.plan.costs
    sc_cats = set(p.software_cloud_categories.value)
    s_idx = sorted(i for (_, _, _, category, _), idxs in ctx.kinds.items() if category in sc_cats for i in idxs)
    s_total = sum(map(elig.__getitem__, s_idx))
    o_total = sum(elig) - s_total
    limit = fx.cost_software_cloud_half_limit(o_total, p.software_cloud_ratio.value)
    removed = max(0, s_total - limit)
    ctx.ratios.append(
        RatioCheck("cost.software_cloud_half", "consortium", s_total, o_total, limit, removed, max(0, limit - s_total))
    )
    if not removed:
        return []
    trim(ctx, "cost.software_cloud_half", s_idx, removed)
    refs = [costs[i].id for i in s_idx if elig[i] != ctx.lines[i].claimed_yen]
    return [
        emit("cost.software_cloud_half", refs=refs, yen_removed=removed, s=yen(s_total), o=yen(o_total),
             removed=yen(removed))
    ]
