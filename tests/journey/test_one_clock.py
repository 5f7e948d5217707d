"""One clock on every page: a scenario's creation time is shown in Japan time with the zone named, like the
status line and the plans page (issue 14, bug 3)."""

from __future__ import annotations

import json

import planner
from tests.app.helpers import go, start
from tests.conftest import SAMPLE_PLAN


def test_scenario_times_are_shown_in_jst() -> None:
    data = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    inner = {k: v for k, v in data.items() if k != "scenarios"}
    data["scenarios"] = [{"name": "朝の案", "plan": inner, "created": "2025-06-01T01:53:08Z"}]
    at = start(plan=planner.load_plan(data))
    at = go(at, "scenarios")
    cells = [str(v) for df in at.dataframe for v in df.value.astype(str).to_numpy().ravel()]
    assert "2025-06-01 10:53 JST" in cells, cells
    assert not any("+09:00" in c or c.endswith("Z") for c in cells)
