"""The 共創型 checks, one small named function per rule (or per group that shares one pass), in order.

:data:`PIPELINE` is the whole evaluation: :class:`Step` entries compute what later checks share,
:class:`Check` entries report findings into their section.  It runs top to bottom in the order of
kyoso-rules.md (§1 → §6 → §3 → §4 in their stated order → §2/§5 → §7); the result lists the
findings by section (:data:`planner.kyoso.context.SECTIONS`), so the member findings, which need the
line pass's yen, are reported right after the consortium's.

Where a check covers several rule ids it is because they share one walk whose order is the report's
order: ``graph`` (§6, per tool / integration / sme_user, see :mod:`planner.kyoso.graph`), ``cost_lines``
(§3, per line, see :data:`planner.kyoso.checks.lines.LINE_RULES`), ``member_exclusions`` (per sme_user).
Each rule inside them is still its own function.
"""

from __future__ import annotations

from planner.kyoso.checks.lines import cost_kenpo_rate_estimate, cost_lines, cost_term_over_one_year
from planner.kyoso.checks.members import (
    consortium_lead,
    consortium_min_sme_users,
    consortium_min_vendors,
    member_eligibility,
    member_exclusions,
)
from planner.kyoso.checks.money import rate_large_vendor, subsidy, subsidy_below_minimum, subsidy_capped
from planner.kyoso.checks.ratios import (
    cost_software_cloud_half,
    cost_subcontract_half,
    cost_user_labour_third,
)
from planner.kyoso.checks.schedule import (
    schedule_acceptance_after_period,
    schedule_before_decision,
    schedule_dates,
    schedule_dates_missing,
    schedule_step_order,
)
from planner.kyoso.context import Check, Context, Step
from planner.kyoso.graph import build_graph
from planner.result import Finding


def graph(ctx: Context) -> list[Finding]:
    """§6: the tool/integration graph and its rules (one walk, see :func:`planner.kyoso.graph.build_graph`)."""
    ctx.graph, findings = build_graph(ctx.plan)
    return findings


PIPELINE: tuple[Check | Step, ...] = (
    # §1 consortium
    Check("consortium", ("consortium.min_sme_users",), consortium_min_sme_users),
    Check("consortium", ("consortium.min_vendors",), consortium_min_vendors),
    Check("consortium", ("consortium.lead_missing", "consortium.lead_not_sme_user"), consortium_lead),
    Step(member_eligibility),
    # §6 tools, integrations, graph
    Check(
        "graph",
        (
            "plan.unknown_reference",
            "plan.no_integration",
            "integration.invalid_endpoint",
            "integration.no_new_development",
            "tool.no_sales_record",
            "tool.vendor_rights",
            "tool.no_user",
            "member.sme_user_without_integration",
            "graph.disconnected",
        ),
        graph,
    ),
    # §3 line rules
    Check(
        "lines",
        (
            "cost.kenpo_grade_not_in_table",
            "cost.unknown_reference",
            "cost.category_not_allowed",
            "cost.payee_invalid",
            "cost.existing_tool_mod_requires_api",
            "cost.meeting_internal",
            "cost.travel_purpose",
        ),
        cost_lines,
    ),
    Check("lines", ("cost.term_over_one_year",), cost_term_over_one_year),
    Check("lines", ("cost.kenpo_rate_estimate",), cost_kenpo_rate_estimate),
    # §1 member exclusions, now that the line pass knows their yen
    Check("members", ("member.not_sme", "member.user_is_provider"), member_exclusions),
    # §4 ratio rules, in their stated order
    Check("ratios", ("cost.subcontract_half",), cost_subcontract_half),
    Check("ratios", ("cost.user_labour_third",), cost_user_labour_third),
    Check("ratios", ("cost.software_cloud_half",), cost_software_cloud_half),
    # §2/§5 rate, cap, subsidy
    Step(subsidy),
    Check("money", ("rate.large_vendor",), rate_large_vendor),
    Check("money", ("subsidy.capped",), subsidy_capped),
    Check("money", ("subsidy.below_minimum",), subsidy_below_minimum),
    # §7 schedule
    Step(schedule_dates),
    Check("schedule", ("schedule.acceptance_after_period",), schedule_acceptance_after_period),
    Check("schedule", ("schedule.before_decision",), schedule_before_decision),
    Check("schedule", ("schedule.step_order",), schedule_step_order),
    Check("schedule", ("schedule.dates_missing",), schedule_dates_missing),
)

#: rule id → the check that reports it.
CHECK_OF_RULE: dict[str, Check] = {
    rule: item for item in PIPELINE if isinstance(item, Check) for rule in item.rules
}
