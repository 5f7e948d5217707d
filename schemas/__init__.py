"""Pydantic v2 models of the ``kyoso-plan/1`` plan file and its strict loader."""

from schemas.loader import MAX_PLAN_BYTES, PlanLoadError, Problem, load_plan, plan_json_schema
from schemas.plan import (
    CATEGORIES,
    INDUSTRIES,
    METHODS,
    ROLES,
    Consortium,
    Contact,
    CostLine,
    Integration,
    KenpoRates,
    Meeting,
    Member,
    Plan,
    ScheduleStep,
    Tool,
)

__all__ = [
    "CATEGORIES",
    "INDUSTRIES",
    "MAX_PLAN_BYTES",
    "METHODS",
    "ROLES",
    "Consortium",
    "Contact",
    "CostLine",
    "Integration",
    "KenpoRates",
    "Meeting",
    "Member",
    "Plan",
    "PlanLoadError",
    "Problem",
    "ScheduleStep",
    "Tool",
    "load_plan",
    "plan_json_schema",
]
