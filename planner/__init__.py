"""共創型 consortium planner: the pure rules engine.

``planner.evaluate(plan)`` does all computation; the app, the command line and the exports only call
it and render its :class:`~planner.result.Result`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from planner import itdonyu as _itdonyu  # noqa: F401  (registers the IT導入補助金 engine's parameter model)
from planner import kyoso as _kyoso  # noqa: F401  (registers the engine's parameter model)
from planner.itdonyu.engine import evaluate_itdonyu
from planner.itdonyu.result import ItdonyuResult
from planner.kyoso.engine import evaluate_kyoso
from planner.loading import kyoso_pack_ids, load_application, load_plan, load_plan_or_application
from planner.pack import PackError, RulePack, available_pack_ids, get_pack, load_all_packs
from planner.result import Finding, LineResult, MemberResult, RatioCheck, Reduction, Result
from schemas.itdonyu import Application
from schemas.plan import Plan

_ENGINES: dict[str, Callable[[Any, RulePack[Any]], Result | ItdonyuResult]] = {
    "kyoso": evaluate_kyoso,
    "itdonyu": evaluate_itdonyu,
}


@overload
def evaluate(plan: Plan, pack: RulePack[Any] | None = None) -> Result: ...
@overload
def evaluate(plan: Application, pack: RulePack[Any] | None = None) -> ItdonyuResult: ...
def evaluate(plan: Plan | Application, pack: RulePack[Any] | None = None) -> Result | ItdonyuResult:
    """Evaluate a validated plan under its rule pack (``plan.program``) or the one given."""
    pack = pack or get_pack(plan.program)
    engine = _ENGINES.get(pack.header.engine)
    if engine is None:
        raise PackError(f"{pack.path}: no engine {pack.header.engine!r}")
    return engine(plan, pack)


__all__ = [
    "Finding",
    "LineResult",
    "MemberResult",
    "PackError",
    "RatioCheck",
    "Reduction",
    "Result",
    "RulePack",
    "available_pack_ids",
    "evaluate",
    "get_pack",
    "kyoso_pack_ids",
    "load_all_packs",
    "load_application",
    "load_plan",
    "load_plan_or_application",
]
