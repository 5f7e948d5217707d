"""The 共創型 engine: a pure function from a plan and its rule pack to a :class:`Result`.

The evaluation is :data:`planner.kyoso.checks.PIPELINE` run over a :class:`Context`: §1 consortium and
members → §6 graph → §3 line rules → §4 ratio rules in their stated order → §2/§5 rate, cap,
per-member subsidy → §7 schedule.  Every yen a rule removes is recorded on the line as a
:class:`~planner.result.Reduction` and summed on the rule's finding.  Where each rule's check,
parameters, texts and cases live: docs/architecture-rules.md.
"""

from __future__ import annotations

import gc

from planner.kyoso.checks import PIPELINE
from planner.kyoso.context import SECTIONS, Check, Context, Section
from planner.kyoso.messages import CATEGORY_JA, ROLE_JA, STEP_JA
from planner.kyoso.params import KyosoParams
from planner.pack import RulePack
from planner.result import Finding, Result
from schemas.plan import Plan

__all__ = ["CATEGORY_JA", "ROLE_JA", "STEP_JA", "evaluate_kyoso"]


def evaluate_kyoso(plan: Plan, pack: RulePack[KyosoParams]) -> Result:
    """Evaluate ``plan`` under ``pack``, with the cyclic garbage collector paused for the run.

    Every line adds a few objects that live on in the result; on a 100,000-line plan that made the
    collector run several full passes over the whole plan per evaluation, doubling the time
    (docs/performance.md).  The engine makes no reference cycles, so nothing waits for the collector;
    it is switched back on (if it was on) when the run ends, however it ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _evaluate(plan, pack)
    finally:
        if was_enabled:
            gc.enable()


def _evaluate(plan: Plan, pack: RulePack[KyosoParams]) -> Result:
    ctx = Context.start(plan, pack.params)
    by_section: dict[Section, list[Finding]] = {s: [] for s in SECTIONS}
    for item in PIPELINE:
        if isinstance(item, Check):
            by_section[item.section].extend(item.run(ctx))
        else:
            item.run(ctx)
    money, dates = ctx.need_money(), ctx.need_dates()
    assert ctx.graph is not None
    claimed_total = sum(ctx.claimed)
    return Result(
        program=plan.program,
        member_count=money.counted,
        rate=money.rate,
        cap_yen=money.cap,
        claimed_total_yen=claimed_total,
        eligible_total_yen=sum(ctx.elig),
        raw_subsidy_total_yen=money.raw_total,
        subsidy_yen=money.subsidy,
        own_funds_yen=claimed_total - money.subsidy,
        members=money.members,
        lines=ctx.lines,
        findings=[f for s in SECTIONS for f in by_section[s]],
        ratios=ctx.ratios,
        graph=ctx.graph,
        schedule=dates.info,
        eligible_by_step=ctx.eligible_by_step,
        claimed_by_step=ctx.claimed_by_step,
    )
