"""Every boundary of every frame and year, ±1 yen: lower and upper limits (from the packs), the tier split
(666,666/666,667/666,668 and 624,999/625,000/625,001), the tier-2 cap, hardware caps, group size, (b), (c)
and (a)+(b) caps, and the 722,222 worked example."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

import planner
from planner.itdonyu.params import FrameSpec
from planner.itdonyu.result import ItdonyuResult
from planner.pack import get_pack
from schemas.itdonyu import load_application
from tests.itdonyu.apps import TOOLS, company, individual

YEARS = (2017, 2020, 2022, 2023, 2024, 2025)
FULL_TOOL = {
    "id": "tf",
    "name": "全機能ツール",
    "processes": ["P01", "P02", "P03", "P04", "P05", "P06", "P07"],
    "functions": ["accounting", "ordering", "payment", "ec"],
    "security_listed": True,
    "free_counterparty_accounts": True,
    "counterparty_accounts_total": 10,
    "counterparty_accounts_sme": 10,
}
ONE_PROCESS_TOOL = {**FULL_TOOL, "id": "t1p", "processes": ["P01"]}


def _frames() -> list[tuple[str, str, FrameSpec]]:
    out = []
    for year in YEARS:
        pack = get_pack(f"itdonyu-{year}")
        for fid, param in pack.params.frames().items():
            out.append((pack.id, fid, param.value))
    return out


FRAMES = _frames()
FLAT_FIXED = [(p, f, s) for p, f, s in FRAMES if s.calc == "flat" and s.band_selection == "fixed"]
FLAT_WITH_LOWER = [(p, f, s) for p, f, s in FLAT_FIXED if s.bands[0].lower_yen is not None]
TIERED = [(p, f, s) for p, f, s in FRAMES if s.calc in ("tiered", "group")]
TIERED_SMALL = [(p, f, s) for p, f, s in TIERED if s.tier is not None and s.tier.tier1_rate_small is not None]
INDIVIDUAL_TIERED = [(p, f, s) for p, f, s in TIERED if s.calc == "tiered"]


def _kind(spec: FrameSpec) -> str:
    return "security_service" if "security_service" in spec.eligible_kinds else (
        "cloud" if spec.eligible_kinds == ["cloud"] else "software")


def _cost_for(target: int, rate: Fraction) -> int:
    """The least cost whose floor(cost × rate) is ``target``."""
    return -(-target * rate.denominator // rate.numerator)


def _run(data: dict[str, Any]) -> ItdonyuResult:
    return planner.evaluate(load_application(data))


def _flat(pack_id: str, frame: str, spec: FrameSpec, cost: int, tool: dict[str, Any] = FULL_TOOL, **member: Any) -> ItdonyuResult:
    line = {"kind": _kind(spec), "unit_price_yen": cost, "tool": tool["id"]}
    extra = {"wage_plan": {"payroll_base_yen": 10_000_000, "payroll_target_yen": 10_500_000, "min_wage_yen": 1_100,
                           "regional_min_wage_yen": 1_050, "announced": True}}
    return _run(individual(pack_id, frame, [line], tools=[tool], **{**extra, **member}))


def _ids(cases: list[tuple[str, str, FrameSpec]]) -> list[str]:
    return [f"{p}/{f}" for p, f, _ in cases]


@pytest.mark.parametrize(("pack_id", "frame", "spec"), FLAT_WITH_LOWER, ids=_ids(FLAT_WITH_LOWER))
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_flat_lower_limit(pack_id: str, frame: str, spec: FrameSpec, delta: int) -> None:
    band = spec.bands[0]
    assert spec.rate is not None and band.lower_yen is not None
    target = band.lower_yen + delta
    res = _flat(pack_id, frame, spec, _cost_for(target, spec.rate))
    assert res.subsidy_yen == target
    assert ("subsidy.below_minimum" in res.rule_ids("error")) == (delta < 0)


@pytest.mark.parametrize(("pack_id", "frame", "spec"), FLAT_FIXED, ids=_ids(FLAT_FIXED))
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_flat_upper_limit(pack_id: str, frame: str, spec: FrameSpec, delta: int) -> None:
    band = spec.bands[0]
    assert spec.rate is not None
    target = band.max_yen + delta
    res = _flat(pack_id, frame, spec, _cost_for(target, spec.rate))
    assert res.subsidy_yen == min(target, band.max_yen)
    capped = [f for f in res.findings if f.rule == "subsidy.capped"]
    assert [f.yen for f in capped] == ([1] if delta > 0 else [])
    assert res.cap_yen == band.max_yen
    if band.upper_exclusive:
        assert band.max_yen == band.upper_yen - 1  # 「150万円未満」


@pytest.mark.parametrize("year", [2024, 2025])
@pytest.mark.parametrize(
    ("raw", "processes", "subsidy", "band", "capped"),
    [
        (49_999, 1, 49_999, 0, 0),
        (50_000, 1, 50_000, 0, 0),
        (1_499_999, 1, 1_499_999, 0, 0),
        (1_500_000, 1, 1_499_999, 0, 1),  # 1–3 processes: 150万円未満
        (1_500_001, 1, 1_499_999, 0, 2),
        (1_499_999, 4, 1_499_999, 0, 0),
        (1_500_000, 4, 1_500_000, 1, 0),  # ≥ 4 processes: 150万円〜450万円
        (1_500_001, 4, 1_500_001, 1, 0),
        (4_499_999, 4, 4_499_999, 1, 0),
        (4_500_000, 4, 4_500_000, 1, 0),
        (4_500_001, 4, 4_500_000, 1, 1),
    ],
)
def test_normal_frame_bands_by_processes_and_amount(
    year: int, raw: int, processes: int, subsidy: int, band: int, capped: int
) -> None:
    tool = {**FULL_TOOL, "processes": ["P01", "P02", "P03", "P04"][:processes]}
    res = _flat(f"itdonyu-{year}", "normal", get_pack(f"itdonyu-{year}").params.frame("normal"), 2 * raw, tool=tool,
                wage_plan=None)
    assert (res.subsidy_yen, res.band) == (subsidy, band)
    assert sum(f.yen or 0 for f in res.findings if f.rule == "subsidy.capped") == capped
    assert ("subsidy.below_minimum" in res.rule_ids()) == (raw < 50_000)
    assert ("wage.plan_missing" in res.rule_ids("error")) == (band == 1)  # 賃上げ required from 150万円


def test_too_few_processes_is_an_error_per_year() -> None:
    cases = {
        ("itdonyu-2017", "single"): ["P01"],  # ≥ 2 コア機能
        ("itdonyu-2020", "type_a"): ["P01"],  # ≥ 2 processes
        ("itdonyu-2020", "type_b"): ["P01", "P02", "P07", "P06"],  # ≥ 5, ≥ 3 業務
        ("itdonyu-2022", "normal_b"): ["P01", "P02", "P07"],  # ≥ 4 (汎用 counts once)
        ("itdonyu-2023", "normal_a"): ["P07"],  # 汎用 alone does not count
    }
    for (pack_id, frame), processes in cases.items():
        spec = get_pack(pack_id).params.frame(frame)
        assert spec is not None and spec.rate is not None
        res = _flat(pack_id, frame, spec, _cost_for(spec.bands[0].max_yen, spec.rate), tool={**FULL_TOOL, "processes": processes})
        assert "tool.process_count" in res.rule_ids("error"), (pack_id, frame)
        enough = {**FULL_TOOL, "processes": ["P01", "P02", "P03", "P04", "P07"]}
        res = _flat(pack_id, frame, spec, _cost_for(spec.bands[0].max_yen, spec.rate), tool=enough)
        assert "tool.process_count" not in res.rule_ids(), (pack_id, frame)


TIER_SME = [(666_666, 499_999), (666_667, 500_000), (666_668, 500_000), (666_669, 500_001), (1_000_000, 722_222),
            (5_166_666, 3_499_999), (5_166_667, 3_500_000), (5_166_668, 3_500_000), (5_166_669, 3_500_000)]
TIER_SMALL = [(624_999, 499_999), (625_000, 500_000), (625_001, 500_000), (625_002, 500_001), (625_003, 500_002),
              (5_124_999, 3_499_999), (5_125_000, 3_500_000), (5_125_002, 3_500_000)]


def _tiered(pack_id: str, frame: str, software: int, *, small: bool = False, functions: int = 2,
            pc: int = 0, register: int = 0) -> tuple[ItdonyuResult, str]:
    tool = {"id": "t", "name": "t", "functions": ["accounting", "ordering"][:functions], "processes": ["P04"]}
    costs = [{"kind": "software", "unit_price_yen": software, "tool": "t"}]
    costs += [{"kind": "hardware_pc", "unit_price_yen": pc}] if pc else []
    costs += [{"kind": "hardware_register", "unit_price_yen": register}] if register else []
    if frame != "group":
        return _run(individual(pack_id, frame, costs, tools=[tool], small=small)), "a1"
    members = [company(f"m{i}", role="representative" if i == 1 else "participant") for i in range(1, 11)]
    members[0] = company("m1", role="representative", small=small)
    lines = [{**c, "id": f"x{i}", "member": "m1", "expense": "a", "quantity": 1} for i, c in enumerate(costs)]
    lines += [{"id": f"o{i}", "member": f"m{i}", "expense": "a", "kind": "software", "unit_price_yen": 100_000,
               "quantity": 1, "tool": "t"} for i in range(2, 11)]
    data = {"format": "itdonyu-application/1", "program": pack_id, "frame": "group", "members": members,
            "tools": [tool], "costs": lines}
    return _run(data), "m1"


@pytest.mark.parametrize(("pack_id", "frame", "spec"), TIERED, ids=_ids(TIERED))
@pytest.mark.parametrize(("software", "expected"), TIER_SME)
def test_tier_split_and_cap_sme(pack_id: str, frame: str, spec: FrameSpec, software: int, expected: int) -> None:
    res, mid = _tiered(pack_id, frame, software)
    member = res.member(mid)
    assert member is not None and member.parts["software"] == expected
    assert ("software.tier_capped" in res.rule_ids()) == (software == 5_166_669)


@pytest.mark.parametrize(("pack_id", "frame", "spec"), TIERED_SMALL, ids=_ids(TIERED_SMALL))
@pytest.mark.parametrize(("software", "expected"), TIER_SMALL)
def test_tier_split_small_business(pack_id: str, frame: str, spec: FrameSpec, software: int, expected: int) -> None:
    res, mid = _tiered(pack_id, frame, software, small=True)
    member = res.member(mid)
    assert member is not None and member.small_business
    assert member.parts["software"] == expected


@pytest.mark.parametrize("pack_id", ["itdonyu-2022", "itdonyu-2023"])
def test_digital_base_small_business_keeps_three_quarters(pack_id: str) -> None:
    res, _ = _tiered(pack_id, "digital_base", 625_000, small=True)
    assert res.subsidy_yen == 468_750  # no 4/5 before 2024


@pytest.mark.parametrize(("pack_id", "frame", "spec"), TIERED, ids=_ids(TIERED))
def test_worked_example_722222(pack_id: str, frame: str, spec: FrameSpec) -> None:
    res, mid = _tiered(pack_id, frame, 1_000_000)
    member = res.member(mid)
    assert member is not None and member.parts["software"] == 722_222
    tier1, tier2 = [s for s in res.steps if s.member == mid and s.key.startswith("software.")]
    assert (tier1.basis_yen, tier1.yen, tier2.basis_yen, tier2.yen) == (666_667, 500_000, 333_333, 222_222)


@pytest.mark.parametrize(("pack_id", "frame", "spec"), TIERED, ids=_ids(TIERED))
@pytest.mark.parametrize(("software", "functions", "expected", "removed"),
                         [(666_667, 1, 500_000, 0), (666_669, 1, 500_000, 1), (1_000_000, 1, 500_000, 222_222),
                          (1_000_000, 2, 722_222, 0)])
def test_one_function_cap(pack_id: str, frame: str, spec: FrameSpec, software: int, functions: int,
                          expected: int, removed: int) -> None:
    res, mid = _tiered(pack_id, frame, software, functions=functions)
    assert res.member(mid).parts["software"] == expected  # type: ignore[union-attr]
    assert sum(f.yen or 0 for f in res.findings if f.rule == "software.one_function_cap") == removed


@pytest.mark.parametrize(("pack_id", "frame", "spec"), TIERED, ids=_ids(TIERED))
@pytest.mark.parametrize(("pc", "register", "pc_sub", "reg_sub", "capped"),
                         [(199_998, 399_998, 99_999, 199_999, 0), (200_000, 400_000, 100_000, 200_000, 0),
                          (200_001, 400_001, 100_000, 200_000, 0), (200_002, 400_002, 100_000, 200_000, 2)])
def test_hardware_caps(pack_id: str, frame: str, spec: FrameSpec, pc: int, register: int, pc_sub: int, reg_sub: int,
                       capped: int) -> None:
    res, mid = _tiered(pack_id, frame, 300_000, pc=pc, register=register)
    parts = res.member(mid).parts  # type: ignore[union-attr]
    assert (parts["hardware_pc"], parts["hardware_register"]) == (pc_sub, reg_sub)
    assert sum(f.yen or 0 for f in res.findings if f.rule == "hardware.capped") == capped


@pytest.mark.parametrize(("pack_id", "frame", "spec"), INDIVIDUAL_TIERED, ids=_ids(INDIVIDUAL_TIERED))
def test_hardware_needs_software(pack_id: str, frame: str, spec: FrameSpec) -> None:
    tool = {"id": "t", "name": "t", "functions": ["accounting"], "processes": ["P04"]}
    res = _run(individual(pack_id, frame, [{"kind": "hardware_pc", "unit_price_yen": 150_000}], tools=[tool]))
    assert res.subsidy_yen == 0
    assert [f.yen for f in res.findings if f.rule == "hardware.without_software"] == [150_000]


@pytest.mark.parametrize(("software", "below"), [(66_666, True), (66_667, False), (66_668, False)])
def test_digital_base_2022_lower_limit(software: int, below: bool) -> None:
    res, _ = _tiered("itdonyu-2022", "digital_base", software)
    assert res.subsidy_yen == software * 3 // 4
    assert ("subsidy.below_minimum" in res.rule_ids("error")) == below
    res23, _ = _tiered("itdonyu-2023", "digital_base", software)
    assert "subsidy.below_minimum" not in res23.rule_ids()  # 2023: no lower limit


# ------------------------------------------------------------------------------------- 複数社連携


def _group(pack_id: str, n: int, *, a_software: list[int] | None = None, b_costs: list[int] | None = None,
           admin: int = 0, **first: Any) -> ItdonyuResult:
    members = [company(f"m{i}", role="representative" if i == 1 else "participant") for i in range(1, n + 1)]
    members[0].update(first)
    a = a_software or [400_000] * n
    costs: list[dict[str, Any]] = [
        {"id": f"a{i}", "member": f"m{i + 1}", "expense": "a", "kind": "software", "unit_price_yen": s, "quantity": 1,
         "tool": "t2"} for i, s in enumerate(a)
    ]
    costs += [{"id": f"b{i}", "member": f"m{i + 1}", "expense": "b", "kind": "software", "unit_price_yen": c,
               "quantity": 1, "tool": "tb"} for i, c in enumerate(b_costs or []) if c]
    group_costs = [{"id": "g1", "kind": "admin", "item": "会議費", "unit_price_yen": admin, "quantity": 1}] if admin else []
    return _run({"format": "itdonyu-application/1", "program": pack_id, "frame": "group", "members": members,
                 "tools": TOOLS, "costs": costs, "group_costs": group_costs})


@pytest.mark.parametrize("year", [2024, 2025])
@pytest.mark.parametrize(("n", "error"), [(9, True), (10, False), (11, False)])
def test_group_needs_ten_members(year: int, n: int, error: bool) -> None:
    res = _group(f"itdonyu-{year}", n)
    assert res.member_count == n
    assert ("group.min_members" in res.rule_ids("error")) == error


def test_participant_without_tools_is_not_a_member() -> None:
    res = planner.evaluate(load_application({**_group_data_with_idle_member(), "program": "itdonyu-2025"}))
    assert res.member_count == 10
    assert "group.participant_without_tools" in res.rule_ids("warning")
    assert "group.min_members" not in res.rule_ids()
    idle = res.member("m11")
    assert idle is not None and not idle.counted


def _group_data_with_idle_member() -> dict[str, Any]:
    members = [company(f"m{i}", role="representative" if i == 1 else "participant") for i in range(1, 12)]
    members[10]["uses_tools"] = False
    costs = [{"id": f"a{i}", "member": f"m{i}", "expense": "a", "kind": "software", "unit_price_yen": 400_000,
              "quantity": 1, "tool": "t2"} for i in range(1, 11)]
    return {"format": "itdonyu-application/1", "frame": "group", "members": members, "tools": TOOLS, "costs": costs}


@pytest.mark.parametrize("year", [2024, 2025])
@pytest.mark.parametrize(("b_total", "b", "capped"), [(2_249_998, 1_499_998, 0), (2_250_000, 1_500_000, 0),
                                                      (2_250_002, 1_500_000, 1)])
def test_analysis_cap_is_500000_per_adopting_member(year: int, b_total: int, b: int, capped: int) -> None:
    third = b_total - 1_500_000
    res = _group(f"itdonyu-{year}", 10, b_costs=[750_000, 750_000, third])
    assert res.group_parts["b"] == b
    assert sum(f.yen or 0 for f in res.findings if f.rule == "group.analysis_cap") == capped


@pytest.mark.parametrize("year", [2024, 2025])
@pytest.mark.parametrize(("b", "trimmed"), [(1_399_999, 0), (1_400_000, 0), (1_400_001, 1)])
def test_a_plus_b_is_capped_at_30m(year: int, b: int, trimmed: int) -> None:
    a = [5_166_667] * 8 + [400_000, 400_000]  # (a) = 8 × 3,500,000 + 2 × 300,000 = 28,600,000
    b_cost = -(-b * 3 // 2)
    res = _group(f"itdonyu-{year}", 10, a_software=a, b_costs=[b_cost // 3, b_cost // 3, b_cost - 2 * (b_cost // 3)])
    assert res.group_parts["a"] + res.group_parts["b"] == min(30_000_000, 28_600_000 + b)
    assert sum(f.yen or 0 for f in res.findings if f.rule == "group.ab_cap") == trimmed
    assert sum(m.parts.get("a", 0) + m.parts.get("b", 0) for m in res.members) == res.group_parts["a"] + res.group_parts["b"]


@pytest.mark.parametrize(("admin", "c", "capped"), [(2_999_998, 1_999_998, 0), (3_000_000, 2_000_000, 0),
                                                    (3_000_002, 2_000_000, 1)])
def test_admin_cap_2024_is_2m(admin: int, c: int, capped: int) -> None:
    res = _group("itdonyu-2024", 10, admin=admin)
    assert res.group_parts["c"] == c
    assert sum(f.yen or 0 for f in res.findings if f.rule == "group.admin_cap") == capped


@pytest.mark.parametrize(("admin", "c", "capped"), [(722_220, 481_480, 0), (722_222, 481_481, 0), (722_223, 481_481, 1)])
def test_admin_cap_2025_follows_a_plus_b(admin: int, c: int, capped: int) -> None:
    res = _group("itdonyu-2025", 10, a_software=[1_000_000] * 10, admin=admin)
    assert res.group_parts["a"] == 7_222_220  # cap = floor(7,222,220 × 10% × 2/3) = 481,481
    assert res.group_parts["c"] == c
    assert sum(f.yen or 0 for f in res.findings if f.rule == "group.admin_cap") == capped


@pytest.mark.parametrize(("admin", "c"), [(2_999_998, 1_999_998), (3_000_000, 2_000_000), (3_000_002, 2_000_000)])
def test_admin_cap_2025_is_also_2m(admin: int, c: int) -> None:
    res = _group("itdonyu-2025", 10, a_software=[5_166_667] * 9 + [1_000_000], b_costs=[4_500_000], admin=admin)
    assert res.group_parts["a"] + res.group_parts["b"] == 30_000_000
    assert res.group_parts["c"] == c


def test_group_small_member_gets_four_fifths_and_totals_add_up() -> None:
    res = _group("itdonyu-2025", 10, a_software=[625_000] + [400_000] * 9, employees=4)
    m1 = res.member("m1")
    assert m1 is not None and m1.small_business and m1.parts["software"] == 500_000
    assert res.subsidy_yen == sum(m.subsidy_yen for m in res.members) == 500_000 + 9 * 300_000


# ------------------------------------------------------------------------------------ other frames


@pytest.mark.parametrize("year", [2024, 2025])
def test_e_trade_share_and_large_enterprise_rate(year: int) -> None:
    tool = {**FULL_TOOL, "counterparty_accounts_total": 40, "counterparty_accounts_sme": 30}
    res = _run(individual(f"itdonyu-{year}", "e_trade", [{"kind": "cloud", "unit_price_yen": 1_000_000, "tool": "tf"}],
                          tools=[tool]))
    assert res.eligible_total_yen == 750_000
    assert res.subsidy_yen == 500_000  # 750,000 × 2/3
    large = _run(individual(f"itdonyu-{year}", "e_trade", [{"kind": "cloud", "unit_price_yen": 1_000_000, "tool": "tf"}],
                            tools=[tool], employees=5_000, capital_yen=10_000_000_000))
    assert large.subsidy_yen == 375_000  # 1/2 for a large enterprise
    assert "applicant.large_enterprise_rate" in large.rule_ids()
    assert "applicant.not_sme" not in large.rule_ids()


def test_security_2025_small_business_rate_and_list() -> None:
    spec = get_pack("itdonyu-2025").params.frame("security")
    assert spec is not None
    res = _flat("itdonyu-2025", "security", spec, 300_000, small=True)
    assert res.subsidy_yen == 200_000  # 2/3 for 小規模事業者
    unlisted = _flat("itdonyu-2025", "security", spec, 300_000, tool={**FULL_TOOL, "security_listed": False})
    assert unlisted.subsidy_yen == 0
    assert "tool.security_not_listed" in unlisted.rule_ids("error")


def test_normal_2025_minimum_wage_staff_rate() -> None:
    spec = get_pack("itdonyu-2025").params.frame("normal")
    assert spec is not None
    near = {"employees_total": 10, "near_minimum": 3, "months": 3}
    assert _flat("itdonyu-2025", "normal", spec, 900_000, min_wage_staff=near).subsidy_yen == 600_000
    assert _flat("itdonyu-2025", "normal", spec, 900_000, min_wage_staff={**near, "near_minimum": 2}).subsidy_yen == 450_000
    assert _flat("itdonyu-2025", "normal", spec, 900_000, min_wage_staff={**near, "months": 2}).subsidy_yen == 450_000


@pytest.mark.parametrize(("year", "months", "eligible"), [(2022, 12, 240_000), (2022, 24, 240_000), (2024, 24, 480_000),
                                                           (2024, 36, 480_000), (2017, 18, 240_000)])
def test_cloud_term_limit(year: int, months: int, eligible: int) -> None:
    frame = {2017: "single", 2022: "normal_a", 2024: "normal"}[year]
    amount = 20_000 * months
    res = _run(individual(f"itdonyu-{year}", frame, [{"kind": "cloud", "unit_price_yen": amount, "months": months,
                                                       "tool": "tf"}], tools=[FULL_TOOL]))
    assert res.eligible_total_yen == min(amount, eligible)
    assert sum(f.yen or 0 for f in res.findings if f.rule == "cost.term_limit") == amount - min(amount, eligible)


def test_service_cap_2025() -> None:
    res = _run(individual("itdonyu-2025", "normal", [
        {"kind": "software", "unit_price_yen": 1_000_000, "tool": "tf"},
        {"kind": "service", "unit_price_yen": 1_500_000},
        {"kind": "service", "unit_price_yen": 700_000},
    ], tools=[FULL_TOOL]))
    assert res.eligible_total_yen == 3_000_000
    assert [f.yen for f in res.findings if f.rule == "cost.service_cap"] == [200_000]
    assert res.line("c3").reductions[0].yen == 200_000  # type: ignore[union-attr]


def test_hardware_not_eligible_in_normal_frame() -> None:
    res = _run(individual("itdonyu-2025", "normal", [
        {"kind": "software", "unit_price_yen": 1_000_000, "tool": "tf"},
        {"kind": "hardware_pc", "unit_price_yen": 200_000},
    ], tools=[FULL_TOOL]))
    assert res.subsidy_yen == 500_000
    assert [f.yen for f in res.findings if f.rule == "cost.kind_not_eligible"] == [200_000]
