"""Done when: starting from an empty plan, model case ② is entered through the UI alone and the app shows
the figures of ``kyoso summary``.

Only what a user touches is used: the 「新しい空の計画」 button, text inputs, selects, a date input, and the
table editors' edit state (``edited_rows`` / ``added_rows``) exactly as the browser sends it.  The plan is
never put into the session; the rows typed are the example's values, cell by cell.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from typing import Any

from streamlit.testing.v1 import AppTest

from tests.app.helpers import assert_clean, by_label, edit, go, label, metric, start, yen
from tests.conftest import FIXTURES, ROOT
from ui.fmt import md_escape

EXAMPLE = FIXTURES / "spec" / "examples" / "model-case-2.json"


def _typed(obj: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The cells a user fills in for one row (the editor's column names are the plan's field names)."""
    return {k: v for k, v in obj.items() if k not in skip}


def _kyoso_summary() -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "summary", str(EXAMPLE), "--json"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert proc.returncode in (0, 1), proc.stderr
    summary: dict[str, Any] = json.loads(proc.stdout)
    return summary


def test_model_case_2_entered_through_the_ui_matches_kyoso_summary() -> None:
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    at: AppTest = start()
    at.button(key="new_plan").click().run()
    assert_clean(at)
    assert at.session_state["plan"].members == []

    # -- コンソーシアム: name, members, lead, contact ---------------------------------------------------------
    by_label(at.text_input, label("c.name")).input(example["consortium"]["name"]).run()
    edit(at, "members", added=[_typed(m) for m in example["members"]])
    by_label(at.selectbox, label("c.lead")).set_value(example["consortium"]["lead"]).run()
    at.toggle(key="c.contact_edit").set_value(True).run()
    for field, value in example["consortium"]["contact"].items():
        by_label(at.text_input, label(f"c.contact.{field}")).input(value).run()
    assert_clean(at)
    assert metric(at, "m.members") == "6"

    # -- ITツールと連携 ----------------------------------------------------------------------------------------
    go(at, "tools")
    edit(at, "tools", added=[_typed(t) for t in example["tools"]])
    edit(at, "integrations", added=[_typed(i) for i in example["integrations"]])

    # -- 経費: meetings, then every cost line in the plan's order ----------------------------------------------
    go(at, "costs")
    at.toggle(key="k.detail_cols@ja").set_value(True).run()  # 保守, 連携, 会議, 下請け … are detail columns
    edit(at, "meetings", added=[_typed(m) for m in example["meetings"]])
    edit(at, "costs", added=[_typed(c) for c in example["costs"]])

    # -- 補助金額: 交付決定日 and the STEP dates ---------------------------------------------------------------
    go(at, "subsidy")
    by_label(at.date_input, label("s.decision")).set_value(date.fromisoformat(example["consortium"]["decision_date"])).run()
    edit(at, "schedule", edited={s["step"] - 1: {"start": s["start"], "end": s["end"]} for s in example["schedule"]})
    assert_clean(at)

    # -- the same figures as `kyoso summary` ---------------------------------------------------------------------
    summary = _kyoso_summary()
    assert metric(at, "m.members") == str(summary["member_count"])
    assert metric(at, "m.rate") == summary["rate"]
    assert yen(metric(at, "m.cap")) == summary["cap_yen"]
    assert yen(metric(at, "m.claimed")) == summary["claimed_total_yen"]
    assert yen(metric(at, "m.eligible")) == summary["eligible_total_yen"]
    assert yen(metric(at, "m.subsidy")) == summary["subsidy_yen"]
    assert yen(metric(at, "m.own")) == summary["own_funds_yen"]
    assert metric(at, "m.errors") == str(summary["error_count"])
    assert metric(at, "m.warnings") == str(summary["warning_count"])

    table = at.dataframe[0].value  # the per-member table
    ids = list(table[label("col.id")])[:-1]
    assert ids == [m["id"] for m in summary["members"]]
    for column, field in (("col.claimed", "claimed_yen"), ("col.eligible", "eligible_yen"),
                          ("col.subsidy", "subsidy_yen"), ("col.own", "own_funds_yen")):
        assert [int(v) for v in table[label(column)]][:-1] == [m[field] for m in summary["members"]], column

    # every line's claimed and eligible amount, as the 経費 page shows them
    go(at, "costs")
    lines = at.data_editor(key=at.session_state["_editors"]["costs"]["key"]).value
    assert list(lines["id"]) == [ln["id"] for ln in summary["lines"]]
    assert [int(v) for v in lines["amount"]] == [ln["claimed_yen"] for ln in summary["lines"]]
    assert [int(v) for v in lines["eligible"]] == [ln["eligible_yen"] for ln in summary["lines"]]

    # and the findings the ルールチェック page lists are the summary's (messages name members and tools:
    # user text, shown escaped for Markdown)
    go(at, "checks")
    shown = "\n".join(str(e.value) for e in [*at.error, *at.warning, *at.info])
    for f in summary["findings"]:
        assert md_escape(f["message"]) in shown, f["rule"]

    # what was entered is the example plan itself (so a download gives the same file)
    assert at.session_state["plan"].to_json_dict() == example
