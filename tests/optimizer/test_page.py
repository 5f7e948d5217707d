"""The シナリオ・最適化 page, run by Streamlit's AppTest: it renders, what-if and optimiser results become
scenarios (the plan's own lines untouched), a scenario can be opened, and English works."""

from __future__ import annotations

import json
from typing import Any

from streamlit.testing.v1 import AppTest

import planner
from schemas import Plan, load_plan
from tests.app.helpers import shown
from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "scenarios.py")


def _app(plan: Plan, lang: str = "ja", tab: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["plan"] = plan
    at.session_state["lang"] = lang
    if tab is not None:
        at.session_state[f"scenarios_tab_{lang}"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def _tab(at: AppTest, label: str) -> AppTest:
    """Select a tab as a click does (only the selected tab's body runs)."""
    lang = at.session_state["lang"]
    at.session_state[f"scenarios_tab_{lang}"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str) -> Any:
    matches = [b for b in at.button if b.label == label]
    assert matches, [b.label for b in at.button]
    return matches[0]


def _half_to_double(plan_dict: dict[str, Any]) -> Plan:
    """The sample with every line's range from half to double its amount."""
    for c in plan_dict["costs"]:
        amount = int(c["hours"] * c["hourly_rate_yen"]) if c["category"] == "labour" else c["unit_price_yen"] * c["quantity"]
        c["flex"] = {"min_yen": amount // 2, "max_yen": amount * 2}
    return load_plan(plan_dict)


def test_optimise_and_keep_the_result_as_a_scenario(sample_plan_dict: dict[str, Any]) -> None:
    plan = _half_to_double(sample_plan_dict)
    at = _app(plan, tab="配分の最適化")
    _button(at, "最適化する").click().run()
    assert not at.exception, at.exception
    assert any("補助金 ¥10,913,332 → ¥21,826,665" in shown(s.value) for s in at.success)
    assert any("ユーザ人件費" in m.value or "下請け委託費" in m.value for m in at.markdown)
    _button(at, "結果をシナリオとして追加").click().run()
    new_plan: Plan = at.session_state["plan"]
    assert new_plan.costs == plan.costs
    assert new_plan.scenarios is not None and len(new_plan.scenarios) == 1
    assert planner.evaluate(new_plan.scenarios[0].plan).subsidy_yen == 21_826_665
    # the comparison table now has the base plan and the scenario side by side
    _tab(at, "シナリオと比較")
    headline = next(df.value for df in at.dataframe if "項目" in df.value.columns)
    assert list(headline.columns) == ["項目", "基本計画", new_plan.scenarios[0].name]


def test_whatif_then_open_the_scenario(sample_plan_path: Any) -> None:
    plan = load_plan(sample_plan_path)
    at = _app(plan)
    assert any("シナリオはまだありません" in i.value for i in at.info)
    _tab(at, "What-if")
    # i1 is already api: the page offers the other methods; switch i2 (messaging) to api
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "連携")).set_value("i2").run()
    _button(at, "連携方式を変える").click().run()
    assert not at.exception, at.exception
    with_variant: Plan = at.session_state["plan"]
    assert with_variant.costs == plan.costs and with_variant.integrations == plan.integrations
    assert with_variant.scenarios is not None and len(with_variant.scenarios) == 1
    variant = with_variant.scenarios[0]
    assert next(i for i in variant.plan.integrations if i.id == "i2").method == "api"
    _tab(at, "シナリオと比較")
    _button(at, "このシナリオを計画にする").click().run()
    opened: Plan = at.session_state["plan"]
    assert next(i for i in opened.integrations if i.id == "i2").method == "api"
    assert opened.scenarios is not None and opened.scenarios[0].plan.to_json_dict() == json.loads(
        json.dumps(plan.to_json_dict())
    )


def test_page_in_english_and_without_flex(sample_plan_path: Any) -> None:
    at = _app(load_plan(sample_plan_path), "en", tab="Allocation optimiser")
    assert any(b.label == "Give every line a flex range" for b in at.button)
    _button(at, "Give every line a flex range").click().run()
    flexed: Plan = at.session_state["plan"]
    assert all(c.flex is not None for c in flexed.costs)
    assert [planner.evaluate(flexed).lines[i].claimed_yen for i in range(3)] == [
        planner.evaluate(load_plan(sample_plan_path)).lines[i].claimed_yen for i in range(3)
    ]
    _tab(at, "Headroom")
    headroom = next(df.value for df in at.dataframe if "Room" in df.value.columns)
    assert "cost.subcontract_half" in set(headroom["Rule"])


def test_member_budget_box_shows_before_the_run_and_is_what_the_run_uses(sample_plan_dict: dict[str, Any]) -> None:
    """Picking a member shows its budget box at once (no run yet); the run keeps that member to the
    amount typed there, and the consortium budget box is off until its checkbox is on."""
    plan = _half_to_double(sample_plan_dict)
    at = _app(plan, tab="配分の最適化")
    budget_box = next(n for n in at.number_input if n.label == "予算(円)")
    assert budget_box.disabled
    picker = next(m for m in at.multiselect if m.label == "メンバー別の予算(申請経費の上限)")
    assert picker.placeholder == "予算を指定するメンバーを選択"
    picker.select("u1").run()
    assert not at.success  # nothing optimised yet
    box = next(n for n in at.number_input if n.label.startswith("u1"))
    box.set_value(2_500_000).run()
    assert any(c.value == "¥2,500,000" for c in at.caption)
    _button(at, "最適化する").click().run()
    assert not at.exception, at.exception
    assert at.success
    _button(at, "結果をシナリオとして追加").click().run()
    new_plan: Plan = at.session_state["plan"]
    assert new_plan.scenarios is not None
    optimised = planner.evaluate(new_plan.scenarios[0].plan)
    u1 = next(m for m in optimised.members if m.id == "u1")
    assert 1_848_000 <= u1.claimed_yen <= 2_500_000  # its minimums are ¥1,848,000; its maximums are more
    assert sum(max(c.flex.max_yen, 0) for c in plan.costs if c.member == "u1" and c.flex) > 2_500_000
