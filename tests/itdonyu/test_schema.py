"""``itdonyu-application/1``: strict loading with JSON-path errors in Japanese and English, like kyoso-plan/1."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from planner import load_application  # the schemas' loader with the engine's packs and frames passed in
from schemas import PlanLoadError
from schemas.itdonyu import FORMAT, application_json_schema, sniff_format
from tests.conftest import EXAMPLES
from tests.itdonyu.apps import TOOLS, company, individual

EXAMPLE_DIR = EXAMPLES / "itdonyu"


def _group() -> dict[str, Any]:
    members = [company(f"m{i}", role="representative" if i == 1 else "participant") for i in range(1, 11)]
    costs = [{"id": f"c{i}", "member": f"m{i}", "expense": "a", "kind": "software", "unit_price_yen": 100_000,
              "quantity": 1, "tool": "t2"} for i in range(1, 11)]
    return {"format": FORMAT, "program": "itdonyu-2025", "frame": "group", "members": members, "tools": TOOLS,
            "costs": costs}


def _problem(data: Any) -> tuple[str, str, str]:
    with pytest.raises(PlanLoadError) as info:
        load_application(data)
    p = info.value.problems[0]
    return p.path, p.ja, p.en


def _mutated(base: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value", "where", "words"), [
    (["format"], "itdonyu-application/2", "$.format", "対応していません"),
    (["program"], "itdonyu-1999", "$.program", "ルールパック"),
    (["frame"], "e_trade", "$.frame", "枠"),  # 2022 has no 電子取引類型
    (["frame"], "nope", "$.frame", "許可された値ではありません"),
    (["members", 0, "employes"], 3, "$.members[0].employes", "未知のキー"),
    (["members", 0, "employees"], "30", "$.members[0].employees", "整数"),
    (["members", 0, "corporate_number"], "1234567890123", "$.members[0].corporate_number", "法人番号"),
    (["costs", 0, "unit_price_yen"], 1.5, "$.costs[0].unit_price_yen", "整数"),
    (["costs", 0, "kind"], "hardware", "$.costs[0].kind", "許可された値"),
    (["costs", 0, "months"], 0, "$.costs[0].months", "1 以上"),
    (["costs", 0, "tool"], "zz", "$.costs[0].tool", "tools にありません"),
    (["costs", 0, "expense"], "a", "$.costs[0].expense", "複数社連携"),
    (["tools", 0, "processes"], ["P01", "P01"], "$.tools[0].processes[1]", "重複"),
    (["tools", 0, "counterparty_accounts_total"], 5, "$.tools[0].counterparty_accounts_sme", "両方"),
])
def test_individual_application_errors_name_the_path(path: list[Any], value: Any, where: str, words: str) -> None:
    base = individual("itdonyu-2022", "digital_base", [{"kind": "software", "unit_price_yen": 1_000_000, "tool": "t2"}])
    got_path, ja, en = _problem(_mutated(base, path, value))
    assert got_path == where
    assert words in ja and en


@pytest.mark.parametrize(("path", "value", "where"), [
    (["members", 1, "role"], "representative", "$.members[1].role"),  # two representatives
    (["members", 0, "role"], "participant", "$.members"),  # none
    (["members", 2, "role"], "applicant", "$.members[2].role"),
    (["costs", 3, "expense"], KeyError, "$.costs[3].expense"),
    (["costs", 3, "member"], KeyError, "$.costs[3].member"),
    (["costs", 3, "member"], "m99", "$.costs[3].member"),
    (["members", 3, "representative_type"], "sme", "$.members[3].representative_type"),
    (["members", 0, "productivity"], {"base": {"employees": "1.234", "annual_hours": 2000}},
     "$.members[0].productivity.base.employees"),
    (["members", 0, "wage_plan"], {"payroll_base_yen": 0, "payroll_target_yen": 1, "min_wage_yen": 1,
                                   "regional_min_wage_yen": 1, "announced": True}, "$.members[0].wage_plan.payroll_base_yen"),
])
def test_group_structure_errors_name_the_path(path: list[Any], value: Any, where: str) -> None:
    got_path, ja, en = _problem(_mutated(_group(), path, value))
    assert got_path == where and ja and en


def test_group_costs_only_in_the_group_frame() -> None:
    data = individual("itdonyu-2025", "normal", [{"kind": "software", "unit_price_yen": 100_000}])
    data["group_costs"] = [{"id": "g1", "kind": "admin", "unit_price_yen": 1, "quantity": 1}]
    assert _problem(data)[0] == "$.group_costs[0]"


def test_files_bytes_and_dicts_load_alike(tmp_path: Path) -> None:
    for path in sorted(EXAMPLE_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            continue
        a = load_application(path)
        assert load_application(path.read_bytes()) == a == load_application(data)
        assert load_application(a.to_json_dict()) == a
    with pytest.raises(PlanLoadError) as info:
        load_application(tmp_path / "missing.json")
    assert info.value.problems[0].ja == "ファイルがありません"
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "itdonyu-application/1", "format": 1}', encoding="utf-8")
    with pytest.raises(PlanLoadError, match="2回"):
        load_application(bad)


def test_sniff_format_routes_only_this_family(tmp_path: Path, sample_plan_path: Path) -> None:
    assert sniff_format(sample_plan_path) is None
    assert sniff_format(EXAMPLE_DIR / "group-2025-shotengai.json") == FORMAT
    tricky = tmp_path / "t.json"
    tricky.write_text(json.dumps({"format": "kyoso-plan/1", "note": "itdonyu-application/1"}), encoding="utf-8")
    assert sniff_format(tricky) is None
    assert sniff_format(tmp_path / "none.json") is None
    broken = tmp_path / "b.json"
    broken.write_text('{"format": "itdonyu-application/1",', encoding="utf-8")
    assert sniff_format(broken) is None


def test_json_schema_describes_the_format() -> None:
    schema = application_json_schema()
    assert schema["title"] == FORMAT
    assert set(schema["required"]) == {"format", "program", "frame", "members"}
