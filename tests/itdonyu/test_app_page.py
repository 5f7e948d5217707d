"""The IT導入補助金 app page (AppTest): comparison of the session's 共創型 plan, any frame computed with
its explanation, edits re-evaluated, an invalid edit refused with the last valid figures kept, ja/en."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from schemas import load_plan
from tests.app.helpers import shown
from tests.conftest import ROOT, SAMPLE_PLAN

PAGE = ROOT / "app_pages" / "itdonyu.py"


def _start(**session: Any) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


FRAME_TAB = {"ja": "枠の計算(1社・複数社連携)", "en": "Compute a frame (one company or a group)"}


def _frame_tab(at: AppTest) -> AppTest:
    """Select the frame tab as a click does (only the selected tab's body runs)."""
    lang = at.session_state["lang"]
    at.session_state[f"itdonyu_tab_{lang}"] = FRAME_TAB[lang]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert len(values) == 1, [m.label for m in at.metric]
    return str(values[0])


def _costs_key(at: AppTest) -> str:
    return f"itd_costs_{at.session_state['itdonyu_gen']}"


def test_page_compares_the_plan_and_computes_the_group_example() -> None:
    at = _start(plan=load_plan(SAMPLE_PLAN), lang="ja")
    assert any("共創型サービスIT連携支援補助金" in str(s.value) for s in at.success)  # pays most as planned
    table = at.dataframe[0].value
    assert "¥10,913,332" in table.to_string() and "¥2,114,999" in table.to_string()
    _frame_tab(at)
    assert _metric(at, "補助金額") == "¥14,088,831"  # group-2025-shotengai.json
    assert any("(c)その他経費" in at.dataframe[i].value.to_string() for i in range(len(at.dataframe)))


def test_an_edit_changes_the_subsidy_and_an_invalid_one_is_refused() -> None:
    at = _frame_tab(_start(plan=load_plan(SAMPLE_PLAN), lang="en"))
    selector = next(s for s in at.selectbox if s.label == "example")
    selector.select("digital-base-2022-worked-example.json").run()
    assert _metric(at, "subsidy") == "¥722,222"
    at.session_state[_costs_key(at)] = {"edited_rows": {0: {"unit_price_yen": 666_667}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert _metric(at, "subsidy") == "¥500,000"
    at.session_state[_costs_key(at)] = {"edited_rows": {0: {"unit_price_yen": 666_667, "months": 0}}, "added_rows": [],
                                        "deleted_rows": []}
    at.run()
    assert not at.exception
    assert any("$.costs[0].months" in shown(e.value) for e in at.error)
    assert _metric(at, "subsidy") == "¥500,000"  # the last valid application


def test_page_without_a_plan_and_in_english() -> None:
    at = _start(lang="en")
    assert any("no 共創型 plan" in str(i.value) for i in at.info)
    _frame_tab(at)
    assert _metric(at, "subsidy") == "¥14,088,831"
