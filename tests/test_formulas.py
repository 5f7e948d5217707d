"""The pure formulas of planner/kyoso/formulas.py and the money helpers of planner/money.py.

Expected values are worked out by hand from kyoso-rules.md, or by brute force over small integers
straight from the rule's inequality (never from the function under test).
"""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import get_pack
from planner.kyoso import formulas as fx
from planner.kyoso.params import KyosoParams
from planner.money import floor_mul, share_largest_remainder, yen
from schemas.plan import Member

R4: KyosoParams = get_pack("kyoso-r4").params


def _params(**values: Any) -> KyosoParams:
    """The r4 parameters with some values changed (a hypothetical later 公募要領)."""
    raw = copy.deepcopy(get_pack("kyoso-r4").raw)
    for name, value in values.items():
        raw[name]["value"] = value
    return KyosoParams.model_validate(raw)


# -- §2 rate, cap, lower limit -------------------------------------------------------------------


def test_rate() -> None:
    assert fx.rate(R4, False) == Fraction(2, 3)
    assert fx.rate(R4, True) == Fraction(1, 2)


# n → cap (HP: 4者 4,400万円, +1,100万円 per member, at most 1億1,000万円)
CAP_LADDER = {
    0: 44_000_000,
    1: 44_000_000,
    2: 44_000_000,
    3: 44_000_000,
    4: 44_000_000,
    5: 55_000_000,
    6: 66_000_000,
    7: 77_000_000,
    8: 88_000_000,
    9: 99_000_000,
    10: 110_000_000,
    11: 110_000_000,
    12: 110_000_000,
    50: 110_000_000,
}


@pytest.mark.parametrize(("n", "cap"), CAP_LADDER.items())
def test_cap_ladder(n: int, cap: int) -> None:
    assert fx.cap_yen(R4, n) == cap


def test_cap_ladder_reads_the_pack() -> None:
    p = _params(cap_base_yen=30_000_000, cap_base_members=3, cap_step_yen=5_000_000, cap_max_yen=50_000_000)
    assert [fx.cap_yen(p, n) for n in (1, 3, 4, 5, 7, 8, 9)] == [
        30_000_000, 30_000_000, 35_000_000, 40_000_000, 50_000_000, 50_000_000, 50_000_000
    ]


@pytest.mark.parametrize(
    ("n", "raw_total", "more"),
    [
        (4, 44_000_001, 1),  # 5 members → 55M
        (4, 55_000_000, 1),
        (4, 55_000_001, 2),
        (4, 60_000_000, 2),
        (3, 44_000_001, 2),  # 3 members → 44M; 4 still 44M; 5 → 55M
        (9, 99_000_001, 1),
        (4, 110_000_000, 6),
        (4, 110_000_001, None),  # the cap can never reach it
        (10, 110_000_001, None),
    ],
)
def test_members_to_lift_cap(n: int, raw_total: int, more: int | None) -> None:
    assert fx.members_to_lift_cap(R4, n, raw_total) == more


def test_lower_limit() -> None:
    assert fx.subsidy_below_minimum(R4, 999_999)
    assert not fx.subsidy_below_minimum(R4, 1_000_000)
    assert fx.subsidy_below_minimum(R4, 0)


# -- §3 line rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "months", "eligible"),
    [
        (120_000, 12, 120_000),
        (130_000, 13, 120_000),
        (100_000, 13, 92_307),  # 1,200,000 / 13 = 92,307.69
        (240_000, 24, 120_000),
        (1, 24, 0),  # 0.5 → 0
        (0, 36, 0),
        (999_999, 1, 999_999),
        (10**12, 600, 20_000_000_000),
    ],
)
def test_term_over_one_year(amount: int, months: int, eligible: int) -> None:
    assert fx.cost_term_over_one_year(amount, months, 12) == eligible


@pytest.mark.parametrize(("grade", "rate"), [(1, 340), (20, 1550), (22, 1790), (50, 8310)])
def test_kenpo_estimate_examples(grade: int, rate: int) -> None:
    # grade 1: 58,000 × 12 / 2,005 = 347.13 → 340; 20: 260,000 → 1,556.1 → 1,550;
    # 22: 300,000 → 1,795.5 → 1,790; 50: 1,390,000 → 8,319.2 → 8,310
    assert fx.kenpo_estimate_rate(R4, grade) == rate


def test_kenpo_estimate_every_grade() -> None:
    monthly = R4.kenpo_standard_monthly_yen.value
    assert (monthly[0], monthly[-1]) == (58_000, 1_390_000)
    rates = [fx.kenpo_estimate_rate(R4, g) for g in range(1, 51)]
    for grade, rate in enumerate(rates, start=1):
        exact = Fraction(monthly[grade - 1] * 12, 2005)
        assert rate % 10 == 0
        assert rate <= exact < rate + 10, grade
    assert rates == sorted(rates)


def test_kenpo_estimate_reads_the_pack() -> None:
    p = _params(kenpo_annual_hours=2000, kenpo_round_yen=1)
    assert fx.kenpo_estimate_rate(p, 1) == 348  # 696,000 / 2,000 = 348
    assert fx.kenpo_estimate_rate(p, 20) == 1560


@pytest.mark.parametrize(
    ("hundredths", "rate", "amount"),
    [(100_000, 3000, 3_000_000), (1234, 1500, 18_510), (7, 3333, 233), (1, 99, 0), (1, 100, 1), (150, 1001, 1501)],
)
def test_labour_amount(hundredths: int, rate: int, amount: int) -> None:
    assert fx.labour_amount(hundredths, rate) == amount


# -- §4 ratio rules ------------------------------------------------------------------------------


def _largest_c_strictly_under(ratio: Fraction, r: int) -> int:
    """Brute force: the largest C ≥ 0 with C < ratio × (C + R), or 0 when there is none."""
    best = 0
    for c in range(0, 4 * r + 10):
        if c < ratio * (c + r):
            best = c
    return best


@pytest.mark.parametrize("ratio", [Fraction(1, 2), Fraction(1, 3), Fraction(2, 3), Fraction(3, 4), Fraction(1, 5)])
def test_subcontract_limit_matches_the_inequality(ratio: Fraction) -> None:
    for r in range(0, 40):
        assert fx.cost_subcontract_half_limit(r, ratio) == _largest_c_strictly_under(ratio, r), (ratio, r)


@pytest.mark.parametrize(
    ("r", "ratio", "limit"),
    [
        (3_000_000, Fraction(1, 2), 2_999_999),  # C < R
        (1, Fraction(1, 2), 0),
        (0, Fraction(1, 2), 0),
        (4, Fraction(1, 3), 1),  # 2C < R
        (5, Fraction(1, 3), 2),
        (6, Fraction(1, 3), 2),
        (5, Fraction(2, 3), 9),  # C < 2R
    ],
)
def test_subcontract_limit_examples(r: int, ratio: Fraction, limit: int) -> None:
    assert fx.cost_subcontract_half_limit(r, ratio) == limit


def test_subcontract_ratio_one_means_no_limit() -> None:
    assert fx.cost_subcontract_half_limit(5, Fraction(1)) >= 10**15


@pytest.mark.parametrize(
    ("b", "ratio", "limit"),
    [(5_000_000, Fraction(1, 3), 1_666_666), (3, Fraction(1, 3), 1), (2, Fraction(1, 3), 0), (0, Fraction(1, 3), 0),
     (10, Fraction(1, 4), 2), (9, Fraction(2, 3), 6)],
)
def test_user_labour_limit(b: int, ratio: Fraction, limit: int) -> None:
    assert fx.cost_user_labour_third_limit(b, ratio) == limit


@pytest.mark.parametrize("ratio", [Fraction(1, 2), Fraction(1, 3), Fraction(2, 5), Fraction(3, 4)])
def test_software_cloud_limit_matches_the_inequality(ratio: Fraction) -> None:
    for o in range(0, 40):
        brute = max(s for s in range(0, 4 * o + 10) if s <= ratio * (s + o))
        assert fx.cost_software_cloud_half_limit(o, ratio) == brute, (ratio, o)
    assert fx.cost_software_cloud_half_limit(5_000_000, Fraction(1, 2)) == 5_000_000


# -- §1 中小企業等 --------------------------------------------------------------------------------


def _member(**kw: Any) -> Member:
    return Member.model_validate({"id": "u", "name": "n", "role": "sme_user", **kw})


def test_member_not_sme_reasons() -> None:
    ok = fx.member_not_sme(R4, _member(industry="retail", capital_yen=50_000_001, employees=50))
    assert ok.ok and "50" in ok.reason_en
    ok = fx.member_not_sme(R4, _member(industry="retail", capital_yen=50_000_000, employees=51))
    assert ok.ok and "50,000,000" in ok.reason_en
    bad = fx.member_not_sme(R4, _member(industry="retail", capital_yen=50_000_001, employees=51))
    assert not bad.ok and "51" in bad.reason_en and "50,000,001" in bad.reason_en
    assert "従業員51人" in bad.reason_ja
    npo = fx.member_not_sme(R4, _member(industry="npo", employees=3))
    assert not npo.ok and "main_industry" in npo.reason_en and "main_industry" in npo.reason_ja
    school = fx.member_not_sme(R4, _member(industry="school", capital_yen=1, employees=301))
    assert not school.ok and "capital" not in school.reason_en
    assert not fx.member_not_sme(R4, _member(industry="retail", employees=1, deemed_large=True)).ok


# -- money ---------------------------------------------------------------------------------------


def test_floor_mul() -> None:
    assert floor_mul(3_000_001, Fraction(2, 3)) == 2_000_000
    assert floor_mul(1_499_999, Fraction(2, 3)) == 999_999
    assert floor_mul(1_999_999, Fraction(1, 2)) == 999_999
    assert floor_mul(0, Fraction(2, 3)) == 0


@pytest.mark.parametrize(
    ("total", "weights", "shares"),
    [
        (10, [1, 1, 1], [4, 3, 3]),  # 3 r1 each: tie → the first
        (2, [1, 1, 1], [1, 1, 0]),  # ties → earlier first
        (1, [1, 2], [0, 1]),  # remainders 1 vs 2: the larger wins over the earlier
        (1, [5, 0, 5], [1, 0, 0]),
        (999_999, [3_000_000, 3_000_000], [500_000, 499_999]),
        (2, [2_000_000, 1_000_001], [1, 1]),
        (44_000_000, [20_000_000, 0, 20_000_000, 20_000_000, 0], [14_666_667, 0, 14_666_667, 14_666_666, 0]),
        (44_000_000, [2_000_000, 0, 200_000_000, 0, 0], [435_644, 0, 43_564_356, 0, 0]),
        (0, [1, 2], [0, 0]),
        (5, [0, 0], [0, 0]),
        (5, [], []),
        (7, [3], [7]),
    ],
)
def test_share_largest_remainder_examples(total: int, weights: list[int], shares: list[int]) -> None:
    assert share_largest_remainder(total, weights) == shares


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=12),
)
def test_share_largest_remainder_properties(total: int, weights: list[int]) -> None:
    shares = share_largest_remainder(total, weights)
    whole = sum(weights)
    assert len(shares) == len(weights)
    if whole == 0:
        assert shares == [0] * len(weights)
        return
    assert sum(shares) == total  # exact
    for s, w in zip(shares, weights, strict=True):
        exact = Fraction(total * w, whole)
        assert exact - 1 < s < exact + 1  # floor or floor + 1
        if w == 0:
            assert s == 0
        if total <= whole:
            assert s <= w
    # the extra yen go to the largest remainders, ties to the earlier weight
    bumped = [i for i, (s, w) in enumerate(zip(shares, weights, strict=True)) if s > total * w // whole]
    rest = [i for i in range(len(weights)) if i not in bumped]
    rem = [total * w % whole for w in weights]
    for i in bumped:
        for j in rest:
            assert (rem[i], -i) > (rem[j], -j)


@given(total=st.integers(min_value=1, max_value=10**9), k=st.integers(min_value=2, max_value=9))
def test_equal_weights_give_the_extra_yen_to_the_first(total: int, k: int) -> None:
    shares = share_largest_remainder(total, [7] * k)
    q, r = divmod(total, k)
    assert shares == [q + 1] * r + [q] * (k - r)


def test_yen_format() -> None:
    assert yen(1_234_567) == "¥1,234,567"
    assert yen(0) == "¥0"
    assert yen(-5_000) == "-¥5,000"


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([Fraction(2, 3), Fraction(1, 2), Fraction(3, 4)]))
def test_largest_eligible_within_a_subsidy_room(room: int, rate: Fraction) -> None:
    """Cap headroom: the largest E whose floor(E × rate) still fits the room, and E + 1 no longer does."""
    e = fx.largest_eligible_within(room, rate)
    assert floor_mul(e, rate) <= room
    assert floor_mul(e + 1, rate) > room
