"""Small pure formulas of the IT導入補助金 rules, each named after the rule it serves.

Plain integers, fractions and parameter objects in, integers and fractions out; no I/O, no state.
Money is integer yen and 1円未満切り捨て (floor) everywhere.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

from planner.itdonyu.params import Band, FrameSpec, ItdonyuParams, Tier, WagePlanSpec
from planner.kyoso import formulas as kyoso_fx
from planner.kyoso.params import KyosoParams
from planner.money import floor_mul
from planner.result import SmeCheck
from schemas.itdonyu import GENERIC_PROCESS, Figures, Member, WagePlan

# -- §1 the applicant ------------------------------------------------------------------------------


def applicant_not_sme(params: ItdonyuParams, member: Member) -> SmeCheck:
    """中小企業等: capital ≤ limit OR employees ≤ limit, by industry — 共創型's ``member.not_sme`` formula, which
    reads only the pack's ``sme_limits`` table (the same table in both engines' packs) and the member."""
    return kyoso_fx.member_not_sme(cast(KyosoParams, params), member)


@dataclass(frozen=True, slots=True)
class SmallCheck:
    small: bool
    sector: str | None
    reason_ja: str
    reason_en: str


SECTOR_JA = {
    "commerce_service": "商業・サービス業(宿泊業・娯楽業を除く)",
    "lodging_entertainment": "宿泊業・娯楽業",
    "manufacturing_other": "製造業その他",
}


def applicant_small_business(params: ItdonyuParams, member: Member) -> SmallCheck:
    """小規模事業者: 常時使用する従業員 ≤ the sector's limit (⑨–⑮ never; a large enterprise never)."""
    if member.large_enterprise or member.deemed_large:
        return SmallCheck(False, None, "大企業・みなし大企業は小規模事業者に該当しません", "a large enterprise is not small")
    sector: str | None = member.small_business_sector
    if sector is None:
        if member.industry is None:
            return SmallCheck(False, None, "業種が未入力のため小規模事業者と判定しません", "no industry: not judged small")
        mapped = params.small_business_sector_of_industry.value[member.industry]
        if mapped == "not_small":
            return SmallCheck(
                False, None, "この組織形態(⑨～⑮)は小規模事業者に該当しません", "this kind of organisation (⑨–⑮) is never small"
            )
        sector = mapped
    limit = params.small_business_employees_max.value[sector]  # type: ignore[index]
    if member.employees is None:
        return SmallCheck(False, sector, "従業員数が未入力のため小規模事業者と判定しません", "no employees given: not judged small")
    label = SECTOR_JA[sector]
    if member.employees <= limit:
        return SmallCheck(
            True, sector, f"従業員{member.employees:,}人 ≤ {limit}人({label})", f"{member.employees:,} employees ≤ {limit} ({sector})"
        )
    return SmallCheck(
        False, sector, f"従業員{member.employees:,}人 > {limit}人({label})", f"{member.employees:,} employees > {limit} ({sector})"
    )


# -- §2 cost lines ---------------------------------------------------------------------------------


def cost_term_limit(amount: int, months: int | None, max_months: int | None) -> int:
    """The eligible part of an amount covering ``months``: floor(amount × max / months) beyond the max."""
    if months is None or max_months is None:
        return amount
    return kyoso_fx.cost_term_over_one_year(amount, months, max_months)


def cost_service_cap(amounts: list[int], cap_yen: int | None) -> list[int]:
    """役務 over the cap: keep the lines in order until the cap is reached (the rest removed)."""
    if cap_yen is None:
        return list(amounts)
    out: list[int] = []
    left = cap_yen
    for a in amounts:
        keep = min(a, left)
        out.append(keep)
        left -= keep
    return out


def cost_e_trade_share(amount: int, sme_accounts: int, total_accounts: int) -> int:
    """電子取引類型: floor(amount × SME counterparties' accounts ÷ all accounts)."""
    return amount * sme_accounts // total_accounts


# -- §2 tools --------------------------------------------------------------------------------------


def tool_process_count(processes: AbstractSet[str], generic_counts_once: bool) -> tuple[int, int]:
    """(counted processes, 業務プロセス): distinct P01–P06, plus 汎用 once when it counts and a 業務プロセス exists."""
    business = len({p for p in processes if p != GENERIC_PROCESS})
    total = business + (1 if generic_counts_once and GENERIC_PROCESS in processes and business > 0 else 0)
    return total, business


def band_meets(band: Band, counted: int, business: int) -> bool:
    return counted >= band.min_processes and business >= band.min_business_processes


def subsidy_band(frame: FrameSpec, raw_yen: int, counted: int, business: int) -> tuple[int, bool]:
    """Which band a flat frame's subsidy falls in: (band index, whether its process requirement is met).

    ``by_amount`` (通常枠 2024–): the highest band whose lower limit the raw subsidy reaches and whose
    processes are covered; failing that the lowest band (so a subsidy ≥ 1,500,000 with 1–3 processes
    is capped at 1,499,999).  ``fixed``: the one band.
    """
    bands = frame.bands
    if frame.band_selection == "fixed":
        return 0, band_meets(bands[0], counted, business)
    for index in range(len(bands) - 1, 0, -1):
        band = bands[index]
        if band_meets(band, counted, business) and raw_yen >= (band.lower_yen or 0):
            return index, True
    return 0, band_meets(bands[0], counted, business)


# -- §3 tiered software rate -----------------------------------------------------------------------


def tier1_cost_limit(cap_yen: int, rate: Fraction) -> int:
    """S1: the least cost whose subsidy at ``rate`` reaches ``cap_yen`` (中小 666,667; 小規模 625,000)."""
    return -(-cap_yen * rate.denominator // rate.numerator)


@dataclass(frozen=True, slots=True)
class TierResult:
    s1_cost: int  # S1
    tier1_cost: int  # min(S, S1)
    tier1_rate: Fraction
    tier1_raw: int  # floor(min(S, S1) × r1)
    tier1_yen: int  # min(cap1, raw)
    tier2_cost: int  # S − min(S, S1)
    tier2_raw: int  # floor((S − min(S, S1)) × r2)
    tier2_capped: int  # min(cap2, raw)
    tier2_yen: int  # 0 with fewer than the required functions
    one_function_removed: int  # tier2_capped − tier2_yen

    @property
    def yen(self) -> int:
        return self.tier1_yen + self.tier2_yen


def software_tiered(cost_yen: int, tier: Tier, small: bool, functions: int) -> TierResult:
    """§3: sub1 = min(cap1, floor(min(S, S1) × r1)); sub2 = min(cap2, floor((S − min(S, S1)) × r2));
    sub2 = 0 when the software has fewer than ``tier2_min_functions`` functions."""
    r1 = tier.tier1_rate_small if small and tier.tier1_rate_small is not None else tier.tier1_rate
    s1 = tier1_cost_limit(tier.tier1_cap_yen, r1)
    c1 = min(cost_yen, s1)
    raw1 = floor_mul(c1, r1)
    c2 = cost_yen - c1
    raw2 = floor_mul(c2, tier.tier2_rate)
    capped2 = min(tier.tier2_cap_yen, raw2)
    sub2 = capped2 if functions >= tier.tier2_min_functions else 0
    return TierResult(s1, c1, r1, raw1, min(tier.tier1_cap_yen, raw1), c2, raw2, capped2, sub2, capped2 - sub2)


def hardware_capped(cost_yen: int, rate: Fraction, cap_yen: int) -> tuple[int, int]:
    """(raw, subsidy): PC等 min(100,000, floor(cost/2)); レジ・券売機等 min(200,000, floor(cost/2))."""
    raw = floor_mul(cost_yen, rate)
    return raw, min(cap_yen, raw)


# -- §4 group --------------------------------------------------------------------------------------


def group_analysis_cap(per_member_yen: int, members: int) -> int:
    """(b) cap: 500,000 × the members counted for (b)."""
    return per_member_yen * members


def group_admin_cap(cap_yen: int, ab_subsidy_yen: int, share: Fraction | None, share_rate: Fraction | None) -> int:
    """(c) cap: 2,000,000, and from 2025 min(2,000,000, floor(((a)+(b)) × 10% × 2/3))."""
    if share is None:
        return cap_yen
    factor = share * (share_rate if share_rate is not None else Fraction(1))
    return min(cap_yen, floor_mul(ab_subsidy_yen, factor))


# -- 賃上げ ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WageCheck:
    growth_required: Fraction
    payroll_ok: bool
    min_wage_required_yen: int
    min_wage_ok: bool
    announced: bool
    extra_bonus: bool  # 事業場内最低賃金 ≥ 地域別 + the extra margin (2025: +50円)

    @property
    def ok(self) -> bool:
        return self.payroll_ok and self.min_wage_ok and self.announced


def wage_payroll_growth_ok(base_yen: int, target_yen: int, growth: Fraction, years: int) -> bool:
    """給与支給総額 CAGR ≥ growth over ``years``: target ≥ base × (1 + growth)^years (exact)."""
    return Fraction(target_yen) >= base_yen * (1 + growth) ** years


def wage_check(spec: WagePlanSpec, plan: WagePlan) -> WageCheck:
    growth = spec.payroll_growth
    if plan.voluntary_insurance and spec.payroll_growth_voluntary_insurance is not None:
        growth = spec.payroll_growth_voluntary_insurance
    required_min = plan.regional_min_wage_yen + spec.min_wage_margin_yen
    extra = spec.min_wage_extra_bonus_margin_yen
    return WageCheck(
        growth,
        wage_payroll_growth_ok(plan.payroll_base_yen, plan.payroll_target_yen, growth, spec.years),
        required_min,
        plan.min_wage_yen >= required_min,
        plan.announced,
        extra is not None and plan.min_wage_yen >= plan.regional_min_wage_yen + extra,
    )


def rate_minimum_wage_staff(share: Fraction, months_required: int, near: int, total: int, months: int) -> bool:
    """2025 通常枠: staff within 地域別最低賃金+50円 are ≥ 30% of all staff, for ≥ 3 months."""
    return months >= months_required and Fraction(near, total) >= share


# -- 労働生産性 ------------------------------------------------------------------------------------


def productivity_value_added(definition: str, f: Figures) -> int | None:
    """付加価値額 by the pack's definition (None when a needed figure is missing)."""
    if definition == "gross_profit":
        if f.sales_yen is None or f.cost_of_sales_yen is None:
            return None
        return f.sales_yen - f.cost_of_sales_yen
    parts = (f.operating_profit_yen, f.personnel_yen, f.depreciation_yen)
    if any(p is None for p in parts):
        return None
    return sum(p for p in parts if p is not None)


def productivity_value(value_added: int, f: Figures) -> Fraction:
    """労働生産性 = 付加価値額 ÷ (従業員数 × 年間平均労働時間), exact."""
    return Fraction(value_added) / (Fraction(f.employees) * Fraction(f.annual_hours))


def _iroot_floor(x: int, n: int) -> int:
    """floor(x^(1/n)) for x ≥ 0 (integer Newton)."""
    if x < 2:
        return x
    r = 1 << ((x.bit_length() + n - 1) // n)
    while True:
        s = ((n - 1) * r + x // r ** (n - 1)) // n
        if s >= r:
            break
        r = s
    while r**n > x:
        r -= 1
    while (r + 1) ** n <= x:
        r += 1
    return r


def productivity_growth(p0: Fraction, pn: Fraction, years: int, kind: str, step: Fraction) -> Fraction:
    """Growth figure truncated toward zero to ``step``: ``total`` pn/p0 − 1, ``cagr`` (pn/p0)^(1/years) − 1.

    For ``cagr`` the n-th root is taken exactly on integers (the workbook's
    ``ROUNDDOWN((H12/H10)^(1/2)-1, 3)`` without its floating point).
    """
    ratio = pn / p0
    if kind == "total" or years == 1:
        g = ratio - 1
        q = g / step
        whole = q.numerator // q.denominator if q >= 0 else -((-q.numerator) // q.denominator)
        return whole * step
    # (1 + g)^n = ratio; with g = k × step and 1/step = m: (m + k)^n = ratio × m^n
    m = step.denominator // step.numerator if step.numerator == 1 else None
    if m is None:
        raise ValueError("the truncation step must be 1/m")
    x = ratio * m**years
    if ratio >= 1:
        root = _iroot_floor(x.numerator // x.denominator, years)
    else:
        fl = _iroot_floor(x.numerator // x.denominator, years)
        root = fl if Fraction(fl) ** years == x else fl + 1  # ceil: truncation toward zero below 1
    return Fraction(root - m, m)


def productivity_growth_ok(p0: Fraction, pn: Fraction, years: int, kind: str, minimum: Fraction) -> bool:
    """Exact: ``total`` pn/p0 − 1 ≥ min; ``cagr`` pn/p0 ≥ (1 + min)^years."""
    ratio = pn / p0
    if kind == "total":
        return ratio - 1 >= minimum
    return ratio >= (1 + minimum) ** years
