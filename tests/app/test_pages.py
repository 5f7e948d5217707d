"""AppTest of every page: sample and empty plan, edits through the editors, invalid input, language, files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import planner
from schemas import load_plan
from tests.app.helpers import (
    OPTIONAL_PAGES,
    PAGES,
    assert_clean,
    by_label,
    edit,
    editor_key,
    errors,
    go,
    label,
    metric,
    shown,
    start,
    yen,
)
from tests.conftest import FIXTURES, SAMPLE_PLAN

EXPECTED = json.loads((FIXTURES / "spec" / "examples" / "model-case-2.expected.json").read_text(encoding="utf-8"))


def _headline_matches(at: Any, result: planner.Result) -> None:
    assert metric(at, "m.members") == str(result.member_count)
    assert metric(at, "m.rate") == f"{result.rate.numerator}/{result.rate.denominator}"
    assert yen(metric(at, "m.cap")) == result.cap_yen
    assert yen(metric(at, "m.claimed")) == result.claimed_total_yen
    assert yen(metric(at, "m.eligible")) == result.eligible_total_yen
    assert yen(metric(at, "m.subsidy")) == result.subsidy_yen
    assert yen(metric(at, "m.own")) == result.own_funds_yen
    assert metric(at, "m.errors") == str(result.count("error"))
    assert metric(at, "m.warnings") == str(result.count("warning"))


@pytest.mark.parametrize("page", PAGES + OPTIONAL_PAGES)
def test_every_page_renders_the_sample(page: str) -> None:
    at = go(start(), page)
    assert yen(metric(at, "m.subsidy")) == EXPECTED["subsidy_yen"]
    assert yen(metric(at, "m.cap")) == EXPECTED["cap_yen"]
    assert metric(at, "m.members") == str(EXPECTED["member_count"])
    assert len(at.sidebar.button) >= 2  # sample / new plan


@pytest.mark.parametrize("page", PAGES + OPTIONAL_PAGES)
def test_every_page_renders_an_empty_plan(page: str) -> None:
    at = start()
    at.button(key="new_plan").click().run()
    assert_clean(at)
    plan = at.session_state["plan"]
    assert plan.members == [] and plan.costs == []
    go(at, page)
    _headline_matches(at, planner.evaluate(plan))
    assert yen(metric(at, "m.subsidy")) == 0


def test_headline_is_the_engines_result_on_every_page() -> None:
    at = start()
    result = planner.evaluate(load_plan(SAMPLE_PLAN))
    for page in PAGES:
        _headline_matches(go(at, page), result)


def test_cost_cell_edits_change_the_subsidy_by_the_hand_computed_yen() -> None:
    at = go(start(), "costs")
    before = yen(metric(at, "m.subsidy"))
    assert before == EXPECTED["subsidy_yen"]

    # c4 (row 3): u3's software 600,000 → 300,000.  No ratio rule binds for u3 and the cap (¥66M) does not
    # bind, so u3's subsidy floor(600,000 × 2/3) = 400,000 becomes floor(300,000 × 2/3) = 200,000: −200,000.
    edit(at, "costs", edited={3: {"unit_price_yen": 300000}})
    assert yen(metric(at, "m.subsidy")) == before - 200_000
    assert at.session_state["plan"].costs[3].unit_price_yen == 300000

    # A new row: v1 labour in STEP4, 10 h × ¥4,000 = ¥40,000.  v1's eligible 4,284,000 → 4,324,000, so
    # its subsidy floor(4,284,000 × 2/3) = 2,856,000 → floor(4,324,000 × 2/3) = 2,882,666: +26,666.
    edit(at, "costs", added=[{"id": "c16", "member": "v1", "step": 4, "category": "labour", "hours": 10,
                              "hourly_rate_yen": 4000, "description": "追加研修"}])
    assert yen(metric(at, "m.subsidy")) == before - 200_000 + 26_666
    assert at.session_state["plan"].costs[-1].id == "c16"

    # Delete c15 (row 14): v2's STEP2 travel ¥114,000, not part of v2's STEP3 subcontract ratio, so v2's
    # eligible 4,713,999 → 4,599,999 and its subsidy 3,142,666 → 3,066,666: −76,000.
    edit(at, "costs", deleted=[14])
    assert yen(metric(at, "m.subsidy")) == before - 200_000 + 26_666 - 76_000
    assert [c.id for c in at.session_state["plan"].costs][-2:] == ["c14", "c16"]
    at.run()  # a rerun applies nothing twice
    assert yen(metric(at, "m.subsidy")) == before - 200_000 + 26_666 - 76_000


def test_filtered_cost_editor_adds_to_the_chosen_member_and_step() -> None:
    at = go(start(), "costs")
    at.selectbox(key="k.filter_member@ja").set_value("u3").run()
    at.selectbox(key="k.filter_step@ja").set_value(1).run()
    assert_clean(at)
    # only u3's STEP1 lines are shown, and only STEP1 categories an sme_user may claim are offered
    shown = at.data_editor(key=editor_key(at, "costs")).value
    assert list(shown["id"]) == ["c4"]
    assert "member" not in shown.columns and "step" not in shown.columns
    pack = planner.get_pack("kyoso-r4")
    assert at.session_state["_editors"]["costs"]["defaults"] == {"member": "u3", "step": 1}
    assert planner.views.allowed_categories(pack, "sme_user", 1) == ["software", "cloud"]
    edit(at, "costs", added=[{"id": "c20", "category": "cloud", "unit_price_yen": 10000, "quantity": 12,
                              "months": 12}])
    line = at.session_state["plan"].costs[-1]
    assert (line.id, line.member, line.step, line.category) == ("c20", "u3", 1, "cloud")
    # u3: eligible 600,000 + 120,000 → subsidy floor(720,000 × 2/3) = 480,000 (+80,000)
    assert yen(metric(at, "m.subsidy")) == EXPECTED["subsidy_yen"] + 80_000


def test_an_invalid_edit_shows_the_error_and_keeps_the_plan() -> None:
    at = go(start(), "costs")
    plan_before = at.session_state["plan"]
    edit(at, "costs", edited={3: {"quantity": 0}})
    msgs = errors(at)
    assert any(f"c4 · {label('col.quantity')}" in m for m in msgs), msgs
    assert any("$.costs[3].quantity" in str(c.value) for c in at.caption)  # the JSON path, as a detail
    assert at.session_state["plan"] is plan_before
    assert yen(metric(at, "m.subsidy")) == EXPECTED["subsidy_yen"]
    # the typed value stays in the editor (same key) until it is fixed; the fix is then applied
    key = editor_key(at, "costs")
    at.run()
    assert editor_key(at, "costs") == key and errors(at) == msgs
    at.session_state[key] = {"edited_rows": {3: {"quantity": 2}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert_clean(at)
    assert not errors(at)
    assert at.session_state["plan"].costs[3].quantity == 2


def test_an_invalid_member_and_form_field_are_rejected() -> None:
    at = start()
    plan_before = at.session_state["plan"]
    edit(at, "members", edited={0: {"corporate_number": "1234567890123"}})
    assert any(f"u1 · {label('col.corporate_number')}" in m for m in errors(at)), errors(at)
    assert at.session_state["plan"] is plan_before
    at.toggle(key="c.contact_edit").set_value(True).run()
    email = by_label(at.text_input, label("c.contact.email"))
    email.input("not an e-mail").run()
    assert any("$.consortium.contact.email" in m for m in errors(at)), errors(at)
    assert at.session_state["plan"].consortium.contact.email == "sato@example.jp"
    by_label(at.text_input, label("c.contact.email")).input("hanako@example.jp").run()
    assert at.session_state["plan"].consortium.contact.email == "hanako@example.jp"


def test_renaming_a_member_renames_its_references() -> None:
    at = start()
    edit(at, "members", edited={3: {"id": "pos"}})
    plan = at.session_state["plan"]
    assert plan.members[3].id == "pos"
    assert plan.tools[0].vendor == "pos"
    assert "pos" in plan.meetings[0].participants
    assert [c.id for c in plan.costs if c.member == "pos"] == ["c9", "c13"]
    assert yen(metric(at, "m.subsidy")) == EXPECTED["subsidy_yen"]


def test_switching_language_switches_labels() -> None:
    at = start()
    assert metric(at, "m.subsidy", "ja") == "¥10,913,332"
    assert any(h.value == "コンソーシアム" for h in at.subheader)
    at.radio(key="lang_choice").set_value("en").run()
    assert_clean(at)
    assert at.session_state["lang"] == "en"
    assert metric(at, "m.subsidy", "en") == "¥10,913,332"
    assert any(h.value == "Consortium" for h in at.subheader)
    assert not any(m.label == "補助金額" for m in at.metric)
    go(at, "checks")
    assert any(h.value == "Findings" for h in at.subheader)
    at.radio(key="lang_choice").set_value("ja").run()
    assert any(h.value == "指摘" for h in at.subheader)


def test_rule_pack_choice_sets_the_program() -> None:
    at = start()
    at.selectbox(key=f"pack@{at.session_state['_plan_gen']}@ja").set_value("kyoso-r3").run()
    assert_clean(at)
    plan = at.session_state["plan"]
    assert plan.program == "kyoso-r3"
    _headline_matches(at, planner.evaluate(plan))


def test_upload_shows_the_loaders_message_and_keeps_the_plan() -> None:
    at = start()
    plan_before = at.session_state["plan"]
    bad = {"format": "kyoso-plan/1", "program": "kyoso-r4", "consortium": {"name": "x"},
           "members": [{"id": "a", "name": "A", "role": "sme_user", "employees": "many"}]}
    at.sidebar.file_uploader[0].set_value(("bad.json", json.dumps(bad).encode(), "application/json")).run()
    assert_clean(at)
    msgs = [shown(e.value) for e in at.sidebar.error]
    assert any("bad.json" in m and "$.members[0].employees" in m for m in msgs), msgs
    assert at.session_state["plan"] is plan_before

    at.sidebar.file_uploader[0].set_value(("broken.json", b'{"format": ', "application/json")).run()
    assert any("broken.json" in shown(e.value) and "JSON" in shown(e.value) for e in at.sidebar.error)
    assert at.session_state["plan"] is plan_before


def test_upload_size_limit_and_a_good_upload() -> None:
    from ui.state import UPLOAD_LIMIT_BYTES

    at = start()
    plan_before = at.session_state["plan"]
    big = b" " * (UPLOAD_LIMIT_BYTES + 1)
    at.sidebar.file_uploader[0].set_value(("big.json", big, "application/json")).run()
    assert any("big.json" in shown(e.value) for e in at.sidebar.error)
    assert at.session_state["plan"] is plan_before

    good = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    good["consortium"]["name"] = "アップロードしたコンソーシアム"
    at.sidebar.file_uploader[0].set_value(("good.json", json.dumps(good).encode(), "application/json")).run()
    assert_clean(at)
    assert at.session_state["plan"].consortium.name == "アップロードしたコンソーシアム"
    assert any("アップロードしたコンソーシアム" in str(m.value) for m in at.markdown)


def test_start_up_plan_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    data["consortium"]["name"] = "起動時の計画"
    path = tmp_path / "start.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["app.py", "--plan", str(path)])
    at = start()
    assert at.session_state["plan"].consortium.name == "起動時の計画"

    monkeypatch.setattr(sys, "argv", ["app.py", "--plan", str(tmp_path / "missing.json")])
    at = start()
    assert at.session_state["plan"].consortium.name == json.loads(SAMPLE_PLAN.read_text("utf-8"))["consortium"]["name"]
    assert any("missing.json" in shown(e.value) for e in at.sidebar.error)


def test_an_unexpected_error_is_a_friendly_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.charts

    def boom(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("graph layout failed")

    monkeypatch.setattr(ui.charts, "graph_dot", boom)
    at = start()
    at.switch_page("app_pages/tools.py").run()
    assert not at.exception
    assert any("graph layout failed" in str(e.value) for e in at.error)
    # the frame still works and the plan is intact
    assert yen(metric(at, "m.subsidy")) == EXPECTED["subsidy_yen"]


def test_schedule_and_dates_edit() -> None:
    at = go(start(), "subsidy")
    # STEP4 ending after the pack's project end (2023-02-10) is NG case ①
    edit(at, "schedule", edited={3: {"end": "2023-02-20"}})
    plan = at.session_state["plan"]
    assert plan.schedule[3].end.isoformat() == "2023-02-20"
    assert "schedule.acceptance_after_period" in planner.evaluate(plan).rule_ids("error")
    assert metric(at, "m.errors") == "2"
    # clearing both dates of STEP2 removes it from the plan
    edit(at, "schedule", edited={1: {"start": None, "end": None}})
    assert [s.step for s in at.session_state["plan"].schedule] == [1, 3, 4]


def test_labour_by_kenpo_grade_shows_the_rate_and_a_pasted_table_replaces_it() -> None:
    at = go(start(), "costs")
    at.toggle(key="k.detail_cols@ja").set_value(True).run()  # 健保等級 and 適用単価 are detail columns
    # c5 (row 4): u1 labour 120 h.  By 健保等級 20 without a table the 概算 rate is
    # floor10(260,000 × 12 ÷ 2,005 h) = floor10(1,556.1) = ¥1,550/h, so the line claims 120 × 1,550 = ¥186,000.
    edit(at, "costs", edited={4: {"hourly_rate_yen": None, "kenpo_grade": 20}})
    lines = at.data_editor(key=editor_key(at, "costs")).value
    assert int(lines["amount"][4]) == 186_000
    assert lines["rate_used"][4] == "¥1,550/h(概算)"
    # with the plan's own table (grade 20 → ¥1,560/h) the line claims 120 × 1,560 = ¥187,200
    by_label(at.text_area, label("k.kenpo_paste")).input("19,1450\n20,1560").run()
    by_label(at.text_input, label("k.kenpo_title")).input("健保等級単価一覧表(令和4年度)").run()
    by_label(at.button, label("k.kenpo_apply")).click().run()
    assert_clean(at)
    plan = at.session_state["plan"]
    assert plan.kenpo_rates is not None and plan.kenpo_rates.rates == {"19": 1450, "20": 1560}
    lines = at.data_editor(key=editor_key(at, "costs")).value
    assert int(lines["amount"][4]) == 187_200
    assert lines["rate_used"][4] == "¥1,560/h(単価表)"
    # a malformed paste is refused with a message and keeps the table
    by_label(at.text_area, label("k.kenpo_paste")).input("20;abc").run()
    by_label(at.button, label("k.kenpo_apply")).click().run()
    assert at.session_state["plan"].kenpo_rates.rates == {"19": 1450, "20": 1560}
    assert any("20;abc" in m for m in errors(at)), errors(at)


def test_a_rejected_edit_is_forgotten_after_a_page_switch() -> None:
    at = go(start(), "costs")
    edit(at, "costs", edited={3: {"quantity": 0}})
    assert errors(at)
    go(at, "checks")
    go(at, "costs")
    assert not [m for m in errors(at) if "$.costs" in m]
    assert yen(metric(at, "m.subsidy")) == EXPECTED["subsidy_yen"]


def test_an_upload_naming_a_pack_of_another_programme_is_refused() -> None:
    at = start()
    plan_before = at.session_state["plan"]
    other = [p for p in planner.available_pack_ids() if not p.startswith("kyoso-")]
    data = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    data["program"] = other[0] if other else "kyoso-r99"
    at.sidebar.file_uploader[0].set_value(("other.json", json.dumps(data).encode(), "application/json")).run()
    assert_clean(at)
    assert any("other.json" in shown(e.value) and "$.program" in shown(e.value) for e in at.sidebar.error)
    assert at.session_state["plan"] is plan_before
