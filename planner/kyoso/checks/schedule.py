"""§7 schedule: STEP dates against the grant decision, the project end and each other."""

from __future__ import annotations

from datetime import date

from planner.kyoso.context import Context, Dates
from planner.kyoso.messages import emit
from planner.result import Finding, ScheduleInfo
from schemas.plan import ScheduleStep


def schedule_dates(ctx: Context) -> None:
    """Step: the decision date and the project end, from the plan, else the pack, else missing."""
    pack_dates = ctx.p.dates.value
    consortium = ctx.plan.consortium
    decision: date | None
    end: date | None
    if consortium.decision_date is not None:
        decision, dsrc = consortium.decision_date, "plan"
    elif pack_dates.decision_date is not None:
        decision, dsrc = pack_dates.decision_date, "pack"
    else:
        decision, dsrc = None, "missing"
    if consortium.project_end is not None:
        end, esrc = consortium.project_end, "plan"
    elif pack_dates.project_end is not None:
        end, esrc = pack_dates.project_end, "pack"
    else:
        end, esrc = None, "missing"
    info = ScheduleInfo(decision, dsrc, end, esrc)  # type: ignore[arg-type]
    ctx.dates = Dates(info, decision, end)


def _steps(ctx: Context) -> dict[int, ScheduleStep]:
    return {s.step: s for s in ctx.plan.schedule}


def schedule_acceptance_after_period(ctx: Context) -> list[Finding]:
    """schedule.acceptance_after_period: STEP4 ends within the project period (NG case 1)."""
    end = ctx.need_dates().end
    if end is None:
        ctx.skipped_schedule_rules.append("schedule.acceptance_after_period")
        return []
    step4 = _steps(ctx).get(4)
    if step4 is None or step4.end <= end:
        return []
    return [emit("schedule.acceptance_after_period", refs=["step4"], step_end=step4.end.isoformat(), end=end.isoformat())]


def schedule_before_decision(ctx: Context) -> list[Finding]:
    """schedule.before_decision: a STEP with a claimed amount starts on or after the grant decision."""
    decision = ctx.need_dates().decision
    if decision is None:
        ctx.skipped_schedule_rules.append("schedule.before_decision")
        return []
    steps = _steps(ctx)
    out: list[Finding] = []
    for n in (1, 2, 3, 4):
        s = steps.get(n)
        if s is not None and ctx.claimed_by_step.get(n, 0) > 0 and s.start < decision:
            out.append(
                emit("schedule.before_decision", refs=[f"step{n}"], step=n, start=s.start.isoformat(),
                     decision=decision.isoformat())
            )
    return out


def schedule_step_order(ctx: Context) -> list[Finding]:
    """schedule.step_order: a STEP ends after it starts, and starts no earlier than the nearest earlier STEP."""
    steps = _steps(ctx)
    out: list[Finding] = []
    for n in (1, 2, 3, 4):
        s = steps.get(n)
        if s is None:
            continue
        if s.end < s.start:
            out.append(
                emit("schedule.step_order", "ends_before_start", refs=[f"step{n}"], step=n, end=s.end.isoformat(),
                     start=s.start.isoformat())
            )
        # the previous STEP is the nearest earlier one in the schedule (a STEP may be left out)
        pn = next((k for k in range(n - 1, 0, -1) if k in steps), None)
        if pn is not None and s.start < steps[pn].start:
            out.append(
                emit("schedule.step_order", "before_previous", refs=[f"step{pn}", f"step{n}"], step=n,
                     start=s.start.isoformat(), prev=pn, prev_start=steps[pn].start.isoformat())
            )
    return out


def schedule_dates_missing(ctx: Context) -> list[Finding]:
    """schedule.dates_missing: the rules above skipped for want of a date, named in one info."""
    skipped = ctx.skipped_schedule_rules
    if not skipped:
        return []
    return [emit("schedule.dates_missing", refs=skipped, skipped=", ".join(skipped))]
