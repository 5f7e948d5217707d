"""The IT導入補助金 packs hold it-donyu-rules.md §2 row by row, each value sourced; broken packs fail loudly."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest

import planner
from planner.itdonyu.params import FrameSpec, ItdonyuParams
from planner.pack import PACK_DIR, PackError, get_pack, load_pack_file

YEARS = (2017, 2020, 2022, 2023, 2024, 2025)

# it-donyu-rules.md §2: pack → frame → (lower, upper, upper exclusive, rate) of each band (yen of subsidy)
SPEC_BANDS: dict[str, dict[str, list[tuple[int | None, int, bool, str | None]]]] = {
    "itdonyu-2017": {"single": [(200_000, 1_000_000, False, "2/3")]},
    "itdonyu-2020": {"type_a": [(300_000, 1_500_000, True, "1/2")], "type_b": [(1_500_000, 4_500_000, False, "1/2")]},
    "itdonyu-2022": {
        "normal_a": [(300_000, 1_500_000, True, "1/2")],
        "normal_b": [(1_500_000, 4_500_000, False, "1/2")],
        "digital_base": [(None, 3_500_000, False, None)],
        "security": [(50_000, 1_000_000, False, "1/2")],
    },
    "itdonyu-2023": {
        "normal_a": [(50_000, 1_500_000, True, "1/2")],
        "normal_b": [(1_500_000, 4_500_000, False, "1/2")],
        "digital_base": [(None, 3_500_000, False, None)],
        "security": [(50_000, 1_000_000, False, "1/2")],
    },
    "itdonyu-2024": {
        "normal": [(50_000, 1_500_000, True, "1/2"), (1_500_000, 4_500_000, False, "1/2")],
        "invoice": [(None, 3_500_000, False, None)],
        "e_trade": [(None, 3_500_000, False, "2/3")],
        "group": [(None, 3_500_000, False, None)],
        "security": [(50_000, 1_000_000, False, "1/2")],
    },
    "itdonyu-2025": {
        "normal": [(50_000, 1_500_000, True, "1/2"), (1_500_000, 4_500_000, False, "1/2")],
        "invoice": [(None, 3_500_000, False, None)],
        "e_trade": [(None, 3_500_000, False, "2/3")],
        "group": [(None, 3_500_000, False, None)],
        "security": [(50_000, 1_500_000, False, "1/2")],
    },
}


def _frames(pack_id: str) -> dict[str, FrameSpec]:
    params: ItdonyuParams = get_pack(pack_id).params
    return {fid: p.value for fid, p in params.frames().items()}


@pytest.mark.parametrize("pack_id", list(SPEC_BANDS))
def test_every_spec_row_is_in_its_pack(pack_id: str) -> None:
    frames = _frames(pack_id)
    assert set(frames) == set(SPEC_BANDS[pack_id])
    for fid, bands in SPEC_BANDS[pack_id].items():
        spec = frames[fid]
        got = [(b.lower_yen, b.upper_yen, b.upper_exclusive) for b in spec.bands]
        assert got == [b[:3] for b in bands], fid
        rate = bands[0][3]
        if rate is not None:
            assert spec.rate == Fraction(rate), fid


def test_tiers_hardware_process_and_wage_rules_follow_the_spec() -> None:
    for pack_id in ("itdonyu-2022", "itdonyu-2023"):
        t = _frames(pack_id)["digital_base"].tier
        assert t is not None and (t.tier1_rate, t.tier1_rate_small, t.tier2_rate) == (Fraction(3, 4), None, Fraction(2, 3))
    assert _frames("itdonyu-2022")["digital_base"].tier.lower_yen == 50_000  # type: ignore[union-attr]
    assert _frames("itdonyu-2023")["digital_base"].tier.lower_yen is None  # type: ignore[union-attr]
    for pack_id in ("itdonyu-2024", "itdonyu-2025"):
        frames = _frames(pack_id)
        for fid in ("invoice", "group"):
            t = frames[fid].tier
            assert t is not None
            assert (t.tier1_cap_yen, t.tier1_rate, t.tier1_rate_small, t.tier2_cap_yen, t.tier2_rate, t.tier2_min_functions) == (
                500_000, Fraction(3, 4), Fraction(4, 5), 3_000_000, Fraction(2, 3), 2)
            hw = frames[fid].hardware
            assert hw is not None and (hw["hardware_pc"].cap_yen, hw["hardware_register"].cap_yen) == (100_000, 200_000)
            assert frames[fid].cloud_max_months == 24
        g = frames["group"].group
        assert g is not None and (g.min_members, g.analysis_cap_per_member_yen, g.ab_cap_yen, g.admin_cap_yen) == (
            10, 500_000, 30_000_000, 2_000_000)
        assert [b.wage for b in frames["normal"].bands] == ["bonus", "required"]
        assert [b.min_processes for b in frames["normal"].bands] == [1, 4]
    g25 = _frames("itdonyu-2025")["group"].group
    assert g25 is not None and (g25.admin_share_of_ab, g25.admin_share_rate) == (Fraction(1, 10), Fraction(2, 3))
    assert _frames("itdonyu-2024")["group"].group.admin_share_of_ab is None  # type: ignore[union-attr]
    n25 = _frames("itdonyu-2025")["normal"]
    assert (n25.rate_min_wage, n25.min_wage_staff_share, n25.min_wage_staff_months, n25.service_cap_yen) == (
        Fraction(2, 3), Fraction(3, 10), 3, 2_000_000)
    s25 = _frames("itdonyu-2025")["security"]
    assert (s25.rate, s25.rate_small) == (Fraction(1, 2), Fraction(2, 3))
    assert [b.min_processes for b in _frames("itdonyu-2020")["type_b"].bands] == [5]
    assert [b.min_business_processes for b in _frames("itdonyu-2020")["type_b"].bands] == [3]
    assert _frames("itdonyu-2022")["normal_a"].cloud_max_months == 12
    assert _frames("itdonyu-2022")["normal_b"].bands[0].wage == "required"


def test_small_business_and_wage_definitions() -> None:
    for year in YEARS:
        p: ItdonyuParams = get_pack(f"itdonyu-{year}").params
        assert p.small_business_employees_max.value == {
            "commerce_service": 5, "lodging_entertainment": 20, "manufacturing_other": 20}
        assert p.small_business_sector_of_industry.interpretation
        if year >= 2020:
            assert p.wage_plan is not None
            w = p.wage_plan.value
            assert (w.years, w.payroll_growth, w.min_wage_margin_yen) == (3, Fraction(3, 200), 30)
            assert w.payroll_growth_voluntary_insurance == (Fraction(1, 100) if 2022 <= year <= 2024 else None)
        else:
            assert p.wage_plan is None


def test_every_frame_value_names_its_source() -> None:
    for year in YEARS:
        pack = get_pack(f"itdonyu-{year}")
        for fid, param in pack.params.frames().items():
            spec = param.value
            set_fields = spec.model_fields_set - {"name_ja", "name_en", "calc", "sources", "interpretations"}
            assert set_fields <= set(spec.sources), (pack.id, fid)
            assert param.interpretation == bool(spec.interpretations)
            assert all(spec.sources[k] for k in set_fields)


def _broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    src = PACK_DIR / "itdonyu-2025.toml"
    dst = tmp_path / "itdonyu-2025.toml"
    shutil.copyfile(src, dst)
    text = dst.read_text(encoding="utf-8")
    assert old in text
    dst.write_text(text.replace(old, new, 1), encoding="utf-8")
    return dst


def test_an_unsourced_frame_value_is_refused(tmp_path: Path) -> None:
    bad = _broken_copy(tmp_path, 'service_cap_yen = "TSUJYO', 'no_such_field = "TSUJYO')
    with pytest.raises(PackError, match="frame_normal"):
        load_pack_file(bad)


def test_an_interpretation_must_be_flagged(tmp_path: Path) -> None:
    bad = _broken_copy(
        tmp_path,
        'WORKBOOK 様式5-8"\ninterpretation = true',
        'WORKBOOK 様式5-8"',
    )
    with pytest.raises(PackError, match=r"frame_group\.interpretation"):
        load_pack_file(bad)


def test_a_wrong_ratio_is_refused(tmp_path: Path) -> None:
    bad = _broken_copy(tmp_path, 'tier2_rate = "2/3"', 'tier2_rate = 0.6667')
    with pytest.raises(PackError, match="tier2_rate"):
        load_pack_file(bad)


def test_planner_loads_every_pack_and_offers_the_frames() -> None:
    from planner.itdonyu import pack_frames

    planner.load_all_packs()
    frames = pack_frames()
    assert sorted(frames) == [f"itdonyu-{y}" for y in YEARS]
    assert frames["itdonyu-2025"] == ["normal", "invoice", "e_trade", "group", "security"]
