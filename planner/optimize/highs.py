"""HiGHS through scipy: :func:`scipy.optimize.milp` with the HiGHS options scipy does not name.

:data:`HIGHS_EXTRA_OPTIONS` (feasibility jump off, only if this scipy's HiGHS knows the option) and
:func:`_highs_milp`, the one way the optimiser calls ``milp``.  See docs/scenarios.md ("Proof").
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.optimize import milp


def _highs_extra_options() -> dict[str, Any]:
    """HiGHS options beyond the five scipy's ``milp`` names, which it passes on verbatim (with a warning).

    Feasibility jump is a primal heuristic that, on these small models (60–190 columns, most questions
    with no objective), takes longer than the branch and bound it is meant to shortcut: off, a
    2,000-line all-flex plan whose cap does not bind is optimised in a median 72.6 ms instead of 89.5
    (10 seeds × 3 runs), 300-line plans in 129 ms instead of 191, with the same answers (a heuristic
    only changes which feasible point is seen first; every answer is still re-checked exactly and
    proven by infeasibility).  An option this scipy's HiGHS does not have is left out.
    """
    wanted = {"mip_heuristic_run_feasibility_jump": False}
    try:
        from scipy.optimize._highspy._core import HighsOptions  # private: only to ask which names exist

        known = HighsOptions()
    except Exception:  # a scipy without this module: plain options
        return {}
    return {k: v for k, v in wanted.items() if hasattr(known, k)}


HIGHS_EXTRA_OPTIONS = _highs_extra_options()


def _highs_milp(c: np.ndarray, options: dict[str, Any], **kwargs: Any) -> Any:
    """scipy's ``milp`` with :data:`HIGHS_EXTRA_OPTIONS` (and without the warning it gives for them)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Unrecognized options detected", category=RuntimeWarning)
        return milp(c, options={**options, **HIGHS_EXTRA_OPTIONS}, **kwargs)
