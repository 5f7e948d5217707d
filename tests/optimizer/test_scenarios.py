"""Scenarios in the plan file, comparison, what-if variants and headroom."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import planner
from planner import scenarios as sc
from planner.optimize import optimize
from schemas import PlanLoadError, load_plan
from tests.optimizer.plans import amount_line, base_plan, flex, labour_line


def _flex_sample(sample_plan_dict: dict[str, Any]) -> dict[str, Any]:
    for c in sample_plan_dict["costs"]:
        amount = int(c["hours"] * c["hourly_rate_yen"]) if c["category"] == "labour" else c["unit_price_yen"] * c["quantity"]
        c["flex"] = {"min_yen": amount // 2, "max_yen": amount * 2}
    return sample_plan_dict


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def test_optimiser_scenario_round_trips_through_the_plan_file(sample_plan_dict: dict[str, Any], tmp_path: Path) -> None:
    plan = load_plan(_flex_sample(sample_plan_dict))
    res = optimize(plan)
    assert res.ok and res.plan is not None and res.result is not None
    with_scenario = res.add_to(plan)
    # the plan's own lines are untouched; the result is the new scenario
    assert with_scenario.costs == plan.costs
    assert with_scenario.scenarios is not None and len(with_scenario.scenarios) == 1
    path = tmp_path / "plan.json"
    _dump(path, with_scenario.to_json_dict())
    loaded = load_plan(path)  # load → dump → load
    assert loaded.to_json_dict() == with_scenario.to_json_dict()
    _dump(tmp_path / "again.json", loaded.to_json_dict())
    assert (tmp_path / "again.json").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    scenario = loaded.scenarios[0] if loaded.scenarios else None
    assert scenario is not None and scenario.name == res.scenario_name()
    assert "scenarios" not in scenario.plan.to_json_dict()
    assert planner.evaluate(scenario.plan).subsidy_yen == res.result.subsidy_yen
    assert scenario.note and res.summary_text() in scenario.note and scenario.created


def test_compare_round_trips_and_reports_differences(sample_plan_dict: dict[str, Any], tmp_path: Path) -> None:
    plan = load_plan(_flex_sample(sample_plan_dict))
    res = optimize(plan)
    assert res.plan is not None and res.result is not None
    plan = res.add_to(plan)
    plan = sc.add_variant(plan, sc.whatif_switch_method(plan, "i2", "api"))
    path = tmp_path / "plan.json"
    _dump(path, plan.to_json_dict())
    loaded = load_plan(path)
    first = sc.compare(sc.scenario_entries(loaded, "en")).to_dict("en")
    _dump(tmp_path / "again.json", loaded.to_json_dict())
    second = sc.compare(sc.scenario_entries(load_plan(tmp_path / "again.json"), "en")).to_dict("en")
    assert first == second
    assert first["scenarios"] == ["base plan", res.scenario_name(), "i2 を api に"]
    subsidy = next(r for r in first["headline"] if r["key"] == "subsidy_yen")
    base_subsidy = planner.evaluate(plan).subsidy_yen
    assert subsidy["values"][:2] == [base_subsidy, res.result.subsidy_yen]
    assert subsidy["deltas"][1] == res.result.subsidy_yen - base_subsidy
    opt_diff, api_diff = first["differences"]
    # the optimum removes the sample's subcontract trim; every line changed amount
    assert any(f["rule"] == "cost.subcontract_half" for f in opt_diff["findings_removed"])
    assert {d["id"] for d in opt_diff["lines"]} == {c.id for c in plan.costs}
    # switching i2 to api makes c12 (vendor labour modifying an existing tool) eligible
    assert any(f["rule"] == "cost.existing_tool_mod_requires_api" for f in api_diff["findings_removed"])
    (c12,) = [d for d in api_diff["lines"] if d["id"] == "c12"]
    assert c12["before"]["eligible_yen"] == 0 and c12["after"]["eligible_yen"] == 1_140_000
    members = {m["id"]: m for m in first["members"]}
    v3_opt = members["v3"]["cells"][1]
    assert res.result.member("v3") is not None
    assert v3_opt["own_funds_yen"] == res.result.member("v3").own_funds_yen  # type: ignore[union-attr]
    text = sc.compare(sc.scenario_entries(loaded)).to_text("ja")
    assert "補助金額" in text and "c12" in text


def test_scenarios_are_validated_strictly() -> None:
    inner = base_plan()
    data = base_plan()
    data["scenarios"] = [{"name": "A", "plan": {**inner, "scenarios": [{"name": "B", "plan": inner}]}}]
    with pytest.raises(PlanLoadError) as err:
        load_plan(data)
    assert err.value.problems[0].path == "$.scenarios[0].plan.scenarios"
    data["scenarios"] = [{"name": "A", "plan": inner}, {"name": "A", "plan": inner}]
    with pytest.raises(PlanLoadError) as err:
        load_plan(data)
    assert err.value.problems[0].path == "$.scenarios[1].name"
    bad = json.loads(json.dumps(inner))
    bad["costs"] = [{**amount_line("c1", "u1", 2, "meeting", 10, meeting="mt1"), "colour": "red"}]
    data["scenarios"] = [{"name": "A", "plan": bad}]
    with pytest.raises(PlanLoadError) as err:
        load_plan(data)
    assert err.value.problems[0].path == "$.scenarios[0].plan.costs[0].colour"
    data["scenarios"] = [{"name": "A", "plan": inner, "created": "yesterday"}]
    with pytest.raises(PlanLoadError):
        load_plan(data)


def _small() -> Any:
    data = base_plan()
    data["costs"] = [
        amount_line("o", "u1", 2, "outsourcing", 3_000_000, payee="v1"),
        labour_line("ul", "u1", 2, "100", 4_000),
        labour_line("r", "v1", 3, "100", 10_000, integration="i1"),
        amount_line("c", "v1", 3, "outsourcing", 300_000, payee_external="外注", subcontract=True),
        amount_line("s", "u2", 1, "software", 1_000_000),
        flex(labour_line("m", "v2", 3, "10", 5_000, integration="i1", modifies_existing_tool=True), 0, 100_000),
    ]
    return load_plan(data)


def test_whatif_variants_are_new_scenarios_with_their_effect() -> None:
    plan = _small()
    before = planner.evaluate(plan)
    assert before.cap_yen == 44_000_000 and str(before.rate) == "2/3"

    v = sc.whatif_add_member(plan, "it_vendor")
    assert v.plan is not None
    assert planner.evaluate(v.plan).cap_yen == 55_000_000
    assert "¥44,000,000 → ¥55,000,000" in v.note_ja
    big = sc.whatif_add_member(plan, "it_vendor", large_enterprise=True)
    assert big.plan is not None and str(planner.evaluate(big.plan).rate) == "1/2"
    assert "2/3 → 1/2" in big.note_ja

    gone = sc.whatif_remove_member(plan, "v1")
    assert gone.plan is not None
    assert {c.id for c in gone.plan.costs} == {"o", "ul", "s", "m"}
    assert "t1, o" in gone.note_ja and "t1, o" in gone.note_en  # still refer to v1: its tool, u1's payee

    moved = sc.whatif_move_line(plan, "s", member="u1", step=1)
    assert moved.plan is not None and next(c for c in moved.plan.costs if c.id == "s").member == "u1"

    api = sc.whatif_switch_method(plan, "i1", "messaging")
    assert api.plan is not None
    # on a messaging integration vendor labour that modifies an existing tool earns nothing
    assert planner.evaluate(api.plan).line("m").eligible_yen == 0  # type: ignore[union-attr]
    back = sc.whatif_switch_method(api.plan, "i1", "api")
    assert back.plan is not None and planner.evaluate(back.plan).line("m").eligible_yen == 50_000  # type: ignore[union-attr]
    assert not sc.whatif_switch_method(plan, "i1", "api").ok  # already api
    assert not sc.whatif_remove_member(plan, "nobody").ok
    assert not sc.whatif_move_line(plan, "nothing", member="u1").ok

    out = plan
    for variant in (v, big, gone, moved, api):
        out = sc.add_variant(out, variant)
    assert out.costs == plan.costs and out.members == plan.members
    assert [s.name for s in out.scenarios or []] == [v.name, big.name, gone.name, moved.name, api.name]
    names = [s.name for s in sc.add_variant(out, v).scenarios or []]
    assert len(set(names)) == len(names)  # a repeated variant gets a free name


def test_headroom_per_rule_and_per_member_cap() -> None:
    plan = _small()
    result = planner.evaluate(plan)
    rooms = {(h.rule, h.scope): h for h in sc.headroom(plan, result)}
    # v1: R = 1,000,000, C = 300,000 → C may grow to 999,999
    assert rooms[("cost.subcontract_half", "v1")].yen == 699_999
    # U = 400,000; B = 3,000,000 + 1,000,000 + 50,000 (m on an api integration) → floor(B/3) = 1,350,000
    assert rooms[("cost.user_labour_third", "consortium")].yen == 950_000
    # S = 1,000,000; O = everything else = 4,750,000
    assert rooms[("cost.software_cloud_half", "consortium")].yen == 3_750_000
    # cap: adding exactly `yen` to a member keeps the raw total within the cap, one more yen does not
    for mid in ("u1", "v1"):
        room = rooms[("subsidy.capped", mid)].yen
        for extra, fits in ((room, True), (room + 1, False)):
            data = plan.to_json_dict()
            data["costs"].append(
                amount_line("x", mid, 2 if mid == "u1" else 3, "outsourcing" if mid == "u1" else "travel", extra,
                            **({"payee": "v2"} if mid == "u1" else {"integration": "i1"}))
            )
            r = planner.evaluate(load_plan(data))
            assert r.eligible_total_yen == result.eligible_total_yen + extra  # no rule trims the new yen
            assert (r.raw_subsidy_total_yen <= r.cap_yen) == fits, (mid, extra)
