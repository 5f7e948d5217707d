"""Small pure formulas, each named after the rule it serves (kyoso-rules.md).

They take plain integers, fractions and parameter objects and return integers; no I/O, no state.
"""

from __future__ import annotations

from collections.abc import Collection
from fractions import Fraction
from typing import Literal

from planner.kyoso.messages import sme_reason
from planner.kyoso.params import KyosoParams, SmeLimit
from planner.money import floor_mul
from planner.result import SmeCheck
from schemas.plan import Member

# -- §2 rate, cap, lower limit -------------------------------------------------------------------


def rate(params: KyosoParams, any_large_vendor: bool) -> Fraction:
    """rate.large_vendor: 2/3, or 1/2 when any it_vendor is a large enterprise."""
    return params.rate_large_vendor.value if any_large_vendor else params.rate_standard.value


def cap_yen(params: KyosoParams, counted_members: int) -> int:
    """subsidy.capped: min(max, base + step × max(0, n − base_members))."""
    extra = max(0, counted_members - params.cap_base_members.value)
    return min(params.cap_max_yen.value, params.cap_base_yen.value + params.cap_step_yen.value * extra)


def members_to_lift_cap(params: KyosoParams, counted_members: int, raw_total: int) -> int | None:
    """How many more counted members would lift the cap to ``raw_total`` (None: the cap cannot reach it)."""
    n = counted_members
    while cap_yen(params, n) < raw_total:
        if cap_yen(params, n) >= params.cap_max_yen.value:
            return None
        n += 1
    return n - counted_members


def largest_eligible_within(raw_subsidy_room: int, rate_: Fraction) -> int:
    """The largest eligible E with floor(E × rate) ≤ room (cap headroom): ceil((room + 1) / rate) − 1."""
    return -(-(raw_subsidy_room + 1) * rate_.denominator // rate_.numerator) - 1


def subsidy_below_minimum(params: KyosoParams, total_subsidy: int) -> bool:
    return total_subsidy < params.lower_limit_yen.value


# -- §3 line rules -------------------------------------------------------------------------------


def cost_term_over_one_year(amount: int, months: int, max_months: int) -> int:
    """Eligible part of a multi-month amount: floor(amount × max_months / months) beyond max_months."""
    if months <= max_months:
        return amount
    return amount * max_months // months


def kenpo_estimate_rate(params: KyosoParams, grade: int) -> int:
    """概算 hourly rate: floor to 10 yen of (標準報酬月額 × 12 ÷ annual hours)."""
    monthly = params.kenpo_standard_monthly_yen.value[grade - 1]
    step = params.kenpo_round_yen.value
    return monthly * 12 // (params.kenpo_annual_hours.value * step) * step


def labour_amount(hours_hundredths: int, hourly_rate_yen: int) -> int:
    """人件費 = hours × hourly rate, floored to the yen (hours carried in hundredths)."""
    return hours_hundredths * hourly_rate_yen // 100


# -- §4 ratio rules ------------------------------------------------------------------------------


def cost_subcontract_half_limit(other_step3_yen: int, ratio: Fraction) -> int:
    """Largest C with C < ratio × (C + R) (strict, 「1/2未満」); for 1/2 that is R − 1 (never below 0)."""
    p, q = ratio.numerator, ratio.denominator
    if p >= q:
        return 10**18  # ratio 1: no limit
    # C·(q−p) < p·R  ⇔  C ≤ ceil(p·R / (q−p)) − 1
    limit = -(-p * other_step3_yen // (q - p)) - 1
    return max(0, limit)


def cost_user_labour_third_group(
    role: str | None, category: str, payee_role: str | None, basis: Collection[str]
) -> Literal["U", "B"] | None:
    """Which side of cost.user_labour_third a line is on: U (sme_user labour), B (the basis) or neither.

    B per the pack's ``user_labour_basis``: sme_user 委託費 paid to an it_vendor and/or it_vendor 人件費.
    """
    if role == "sme_user" and category == "labour":
        return "U"
    if (
        "sme_user_outsourcing_to_vendor" in basis
        and role == "sme_user"
        and category == "outsourcing"
        and payee_role == "it_vendor"
    ) or ("it_vendor_labour" in basis and role == "it_vendor" and category == "labour"):
        return "B"
    return None


def cost_user_labour_third_limit(basis_yen: int, ratio: Fraction) -> int:
    """U ≤ floor(B × 1/3)."""
    return floor_mul(basis_yen, ratio)


def cost_software_cloud_half_limit(other_yen: int, ratio: Fraction) -> int:
    """Largest S with S ≤ ratio × (S + O); for 1/2 that is O."""
    p, q = ratio.numerator, ratio.denominator
    if p >= q:
        return 10**18
    return p * other_yen // (q - p)


# -- §1 中小企業等 --------------------------------------------------------------------------------


def member_not_sme(params: KyosoParams, member: Member) -> SmeCheck:
    """Does an sme_user meet the 中小企業等 definition?  Capital ≤ limit OR employees ≤ limit.

    The reasons' texts are :data:`planner.kyoso.messages.SME_REASONS`.
    """
    if member.deemed_large:
        return SmeCheck(False, *sme_reason("deemed_large"))
    if member.large_enterprise:
        return SmeCheck(False, *sme_reason("large_enterprise"))
    limits = params.sme_limits.value
    if member.industry is None:
        return SmeCheck(False, *sme_reason("no_industry"))
    industry = member.industry
    limit: SmeLimit = limits[industry]
    label = limit.label_ja
    capital_considered = True
    if limit.by_main_industry:
        if member.main_industry is None:
            return SmeCheck(False, *sme_reason("no_main_industry", label=label, industry=industry))
        limit = limits[member.main_industry]
        label, _ = sme_reason("main_industry_label", label=label, main_label=limit.label_ja, industry=industry)
        capital_considered = False
    elif limit.capital_max_yen is None:
        capital_considered = False
    emp_max = limit.employees_max
    cap_max = limit.capital_max_yen if capital_considered else None
    employees, capital = member.employees, member.capital_yen
    figures = {"label": label, "industry": industry, "employees": employees, "employees_max": emp_max,
               "capital": capital, "capital_max": cap_max}
    if employees is not None and emp_max is not None and employees <= emp_max:
        return SmeCheck(True, *sme_reason("employees_within", **figures))
    if cap_max is not None and capital is not None and capital <= cap_max:
        return SmeCheck(True, *sme_reason("capital_within", **figures))
    if employees is None and (cap_max is None or capital is None):
        key = "no_employees" if cap_max is None else "no_capital_or_employees"
        return SmeCheck(False, *sme_reason(key, **figures))
    employees_over = employees is not None and emp_max is not None
    capital_over = cap_max is not None and capital is not None
    if employees_over and capital_over:
        key = "employees_and_capital_over"
    elif employees_over:
        key = "employees_over"
    elif capital_over:
        key = "capital_over"
    else:
        key = "no_figure_compared"
    return SmeCheck(False, *sme_reason(key, **figures))
