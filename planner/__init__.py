"""共創型 consortium planner: the pure rules engine.

``planner.evaluate(plan)`` does all computation; the app, the command line and the exports only call
it and render its :class:`~planner.result.Result`.
"""

from __future__ import annotations

from typing import Any

import schemas.loader as _loader
from planner import kyoso as _kyoso  # noqa: F401  (registers the engine's parameter model)
from planner.kyoso.engine import evaluate_kyoso
from planner.pack import PackError, RulePack, available_pack_ids, get_pack, load_all_packs
from planner.result import Finding, LineResult, MemberResult, RatioCheck, Reduction, Result
from schemas.plan import Plan

_ENGINES = {"kyoso": evaluate_kyoso}

_loader.known_programs = available_pack_ids


def evaluate(plan: Plan, pack: RulePack[Any] | None = None) -> Result:
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
    "load_all_packs",
]
