"""§1 consortium and members: who takes part, who may receive subsidy, and why not."""

from __future__ import annotations

from planner.catalogue import yen
from planner.kyoso import formulas as fx
from planner.kyoso.context import Context
from planner.kyoso.messages import ROLE_JA, emit
from planner.result import Finding, MemberResult
from schemas.plan import Member

MEMBER_EXCLUSIONS = ("member.not_sme", "member.user_is_provider")


def consortium_min_sme_users(ctx: Context) -> list[Finding]:
    """consortium.min_sme_users: at least ``min_sme_users`` sme_user members."""
    minimum = ctx.p.min_sme_users.value
    if ctx.n_users >= minimum:
        return []
    refs = [m.id for m in ctx.plan.members if m.role == "sme_user"]
    return [emit("consortium.min_sme_users", refs=refs, n=ctx.n_users, min=minimum)]


def consortium_min_vendors(ctx: Context) -> list[Finding]:
    """consortium.min_vendors: at least ``min_vendors`` it_vendor members."""
    minimum = ctx.p.min_vendors.value
    if ctx.n_vendors >= minimum:
        return []
    refs = [m.id for m in ctx.plan.members if m.role == "it_vendor"]
    return [emit("consortium.min_vendors", refs=refs, n=ctx.n_vendors, min=minimum)]


def consortium_lead(ctx: Context) -> list[Finding]:
    """consortium.lead_missing (no lead, or not a member), else consortium.lead_not_sme_user."""
    lead = ctx.plan.consortium.lead
    if lead is None:
        return [emit("consortium.lead_missing", "none")]
    if lead not in ctx.by_id:
        return [emit("consortium.lead_missing", "not_member", refs=[lead] if lead else [], lead=lead)]
    role = ctx.roles[lead]
    if role == "sme_user":
        return []
    return [
        emit("consortium.lead_not_sme_user", refs=[lead], lead=lead, name=ctx.by_id[lead].name,
             role=role, role_ja=ROLE_JA[role])
    ]


def member_eligibility(ctx: Context) -> None:
    """Step: a MemberResult per member; which sme_users are excluded from receiving subsidy, and why.

    An sme_user is excluded by member.not_sme (fails the 中小企業 definition), or by member.user_is_provider
    (it provides a tool of the plan, or claims STEP3 人件費: 「設計・開発を行う事業者は除きます」).
    """
    roles = ctx.roles
    for m in ctx.plan.members:
        mr = MemberResult(m.id, m.name, m.role, counted=m.role in ("sme_user", "it_vendor"))
        ctx.member_results[m.id] = mr
        if m.role != "sme_user":
            continue
        check = fx.member_not_sme(ctx.p, m)
        mr.sme = check
        if not check.ok:
            ctx.excluded[m.id] = "member.not_sme"
            ctx.exclusion_text[m.id] = (check.reason_ja, check.reason_en)
    for t in ctx.plan.tools:
        if t.vendor is not None and roles.get(t.vendor) == "sme_user":
            ctx.provider_tools.setdefault(t.vendor, []).append(t.id)
    for uid in ctx.provider_tools:
        ctx.excluded.setdefault(uid, "member.user_is_provider")
    for ln in ctx.plan.costs:
        if ln.category == "labour" and ln.step == 3 and roles.get(ln.member) == "sme_user":
            ctx.excluded.setdefault(ln.member, "member.user_is_provider")
            ctx.step3_user_labour.setdefault(ln.member, []).append(ln.id)


def member_not_sme(ctx: Context, m: Member, removed: int) -> Finding | None:
    """member.not_sme: the sme_user meets the 中小企業等 definition; the finding carries its lines' yen."""
    if m.id not in ctx.exclusion_text:
        return None
    reason_ja, reason_en = ctx.exclusion_text[m.id]
    return emit(
        "member.not_sme",
        "with_costs" if removed else "default",
        refs=[m.id],
        yen_removed=removed or None,
        member=m.id,
        name=m.name,
        reason_ja=reason_ja,
        reason_en=reason_en,
        removed=yen(removed),
    )


def member_user_is_provider(ctx: Context, m: Member, removed: int) -> Finding | None:
    """member.user_is_provider: the sme_user provides no tool of the plan and claims no STEP3 labour."""
    tools = ctx.provider_tools.get(m.id, [])
    lines = ctx.step3_user_labour.get(m.id, [])
    if not tools and not lines:
        return None
    variant = "tools_and_step3_labour" if tools and lines else "tools" if tools else "step3_labour"
    yen_removed = removed if ctx.excluded.get(m.id) == "member.user_is_provider" else 0
    return emit(
        "member.user_is_provider",
        variant,
        refs=[m.id, *tools, *lines],
        yen_removed=yen_removed or None,
        member=m.id,
        name=m.name,
        tools=", ".join(tools),
        lines=", ".join(lines),
    )


def member_exclusions(ctx: Context) -> list[Finding]:
    """member.not_sme and member.user_is_provider, per sme_user, once the line pass knows their yen."""
    removed = ctx.excluded_yen  # the yen the line pass removed for each member's exclusion
    out: list[Finding] = []
    for m in ctx.plan.members:
        if m.role != "sme_user":
            continue
        for rule in (member_not_sme, member_user_is_provider):
            found = rule(ctx, m, removed.get(m.id, 0))
            if found is not None:
                out.append(found)
    return out
