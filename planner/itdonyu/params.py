"""The typed parameters of an IT導入補助金 rule pack (``engine = "itdonyu"``).

A pack holds the common definitions (中小企業等 and 小規模事業者 tables, the 賃上げ plan) as ordinary
parameters and one ``frame_<id>`` parameter per 枠・類型 of that year.  A frame's value is a
:class:`FrameSpec`; because one frame carries many numbers, a frame names the source of *each* of its
fields in ``sources`` and the fields that are our interpretation in ``interpretations`` (the frame
parameter's ``interpretation`` flag must then be true).  Adding a year is a new pack file.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.kyoso.params import SmeLimit
from planner.pack import Param, Ratio
from schemas.itdonyu import FRAME_IDS, SECTORS, Function, Kind, RepresentativeType, Sector, WageExemptKind
from schemas.plan import BASIC_INDUSTRIES, INDUSTRIES

WageRule = Literal["none", "bonus", "required"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Band(_Strict):
    """One 補助額 band of a frame: its process requirement, its subsidy range and its 賃上げ rule."""

    min_processes: int = Field(ge=0)
    min_business_processes: int = Field(default=0, ge=0)
    lower_yen: int | None = Field(default=None, gt=0)
    upper_yen: int = Field(gt=0)
    upper_exclusive: bool = False  # 「150万円未満」
    wage: WageRule = "none"

    @property
    def max_yen(self) -> int:
        """The largest subsidy the band allows (``upper_yen − 1`` when the upper limit is 未満)."""
        return self.upper_yen - 1 if self.upper_exclusive else self.upper_yen


class Tier(_Strict):
    """The tiered software rate (it-donyu-rules.md §3)."""

    tier1_cap_yen: int = Field(gt=0)
    tier1_rate: Ratio
    tier1_rate_small: Ratio | None = None
    tier2_cap_yen: int = Field(gt=0)
    tier2_rate: Ratio
    tier2_min_functions: int = Field(ge=1)
    lower_yen: int | None = Field(default=None, gt=0)


class HardwareCap(_Strict):
    rate: Ratio
    cap_yen: int = Field(gt=0)


class Target(_Strict):
    """A 労働生産性 growth target: ``total`` growth by ``year`` or the ``cagr`` over ``year`` years."""

    kind: Literal["total", "cagr"]
    year: int = Field(ge=1, le=10)
    min: Ratio
    min_prior_grant: Ratio | None = None


class ProductivitySpec(_Strict):
    scope: Literal["applicant", "group"]
    value_added: Literal["gross_profit", "operating_profit_personnel_depreciation"]
    targets: list[Target] = Field(min_length=1)
    truncate: Ratio | None = None  # the growth figure is truncated to this step (1/1000 = 0.1%)


class GroupSpec(_Strict):
    """複数社連携IT導入枠 (it-donyu-rules.md §4)."""

    min_members: int = Field(gt=0)
    analysis_kinds: list[Kind] = Field(min_length=1)
    analysis_rate: Ratio
    analysis_cap_per_member_yen: int = Field(gt=0)
    analysis_cap_basis: Literal["members_adopting", "all_members"]
    analysis_cloud_max_months: int | None = Field(default=None, gt=0)
    ab_cap_yen: int = Field(gt=0)
    ab_trim: Literal["pro_rata_largest_remainder"]
    admin_rate: Ratio
    admin_cap_yen: int = Field(gt=0)
    admin_share_of_ab: Ratio | None = None  # 2025: cap = min(cap, (a)+(b) subsidy × 10% × 2/3)
    admin_share_rate: Ratio | None = None
    representative_types: list[RepresentativeType] = Field(min_length=1)


_UNSOURCED = {"name_ja", "name_en", "calc", "sources", "interpretations"}


class FrameSpec(_Strict):
    name_ja: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    calc: Literal["flat", "tiered", "group"]
    eligible_kinds: list[Kind]
    rate: Ratio | None = None
    rate_small: Ratio | None = None
    rate_min_wage: Ratio | None = None
    min_wage_staff_share: Ratio | None = None
    min_wage_staff_months: int | None = Field(default=None, gt=0)
    rate_large: Ratio | None = None
    bands: list[Band] = Field(min_length=1)
    band_selection: Literal["fixed", "by_amount"] = "fixed"
    generic_process_counts_once: bool | None = None
    min_functions: int | None = Field(default=None, ge=1)
    function_set: list[Function] | None = None
    tier: Tier | None = None
    hardware: dict[Literal["hardware_pc", "hardware_register"], HardwareCap] | None = None
    hardware_requires_software: bool | None = None
    cloud_max_months: int | None = Field(default=None, gt=0)
    service_cap_yen: int | None = Field(default=None, gt=0)
    requires_security_listed: bool | None = None
    e_trade_share: bool | None = None
    wage: WageRule = "none"
    productivity: ProductivitySpec | None = None
    group: GroupSpec | None = None
    sources: dict[str, str]
    interpretations: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sourced(self) -> FrameSpec:
        fields = {name for name in type(self).model_fields if name not in _UNSOURCED}
        given = {name for name in fields if name in self.model_fields_set}
        missing = sorted(given - set(self.sources))
        if missing:
            raise ValueError(f"sources must name the source of {missing}")
        unknown = sorted((set(self.sources) | set(self.interpretations)) - fields)
        if unknown:
            raise ValueError(f"sources/interpretations name unknown fields {unknown}")
        if self.calc in ("flat", "tiered") and self.rate is None and self.tier is None:
            raise ValueError("a flat frame needs rate; a tiered frame needs tier")
        if self.calc == "tiered" and self.tier is None:
            raise ValueError("calc = tiered needs tier")
        if self.calc == "group" and (self.group is None or self.tier is None):
            raise ValueError("calc = group needs group and tier")
        if self.band_selection == "fixed" and len(self.bands) != 1:
            raise ValueError("band_selection = fixed needs exactly one band")
        if self.rate_min_wage is not None and (self.min_wage_staff_share is None or self.min_wage_staff_months is None):
            raise ValueError("rate_min_wage needs min_wage_staff_share and min_wage_staff_months")
        return self

    def rate_for(self, small: bool) -> Fraction | None:
        if small and self.rate_small is not None:
            return self.rate_small
        return self.rate


class WagePlanSpec(_Strict):
    """賃上げ計画 (it-donyu-rules.md §1): 給与支給総額 CAGR and 事業場内最低賃金 margin."""

    years: int = Field(ge=1, le=10)
    payroll_growth: Ratio
    payroll_growth_voluntary_insurance: Ratio | None = None
    min_wage_margin_yen: int = Field(ge=0)
    min_wage_extra_bonus_margin_yen: int | None = Field(default=None, ge=0)
    exempt: list[WageExemptKind]


FRAME_FIELDS = tuple(f"frame_{fid}" for fid in FRAME_IDS)


class ItdonyuParams(_Strict):
    sme_limits: Param[dict[str, SmeLimit]]
    small_business_employees_max: Param[dict[Sector, int]]
    small_business_sector_of_industry: Param[dict[str, Sector | Literal["not_small"]]]
    wage_plan: Param[WagePlanSpec] | None = None
    rounding: Param[Literal["floor_yen"]]
    frame_single: Param[FrameSpec] | None = None
    frame_type_a: Param[FrameSpec] | None = None
    frame_type_b: Param[FrameSpec] | None = None
    frame_normal_a: Param[FrameSpec] | None = None
    frame_normal_b: Param[FrameSpec] | None = None
    frame_digital_base: Param[FrameSpec] | None = None
    frame_normal: Param[FrameSpec] | None = None
    frame_invoice: Param[FrameSpec] | None = None
    frame_e_trade: Param[FrameSpec] | None = None
    frame_group: Param[FrameSpec] | None = None
    frame_security: Param[FrameSpec] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ItdonyuParams:
        limits = self.sme_limits.value
        if set(limits) != set(INDUSTRIES):
            raise ValueError(f"sme_limits.value needs exactly the industries {list(INDUSTRIES)}")
        for ind in BASIC_INDUSTRIES:
            if limits[ind].capital_max_yen is None or limits[ind].employees_max is None:
                raise ValueError(f"sme_limits.value.{ind} needs capital_max_yen and employees_max")
        if set(self.small_business_employees_max.value) != set(SECTORS):
            raise ValueError(f"small_business_employees_max.value needs exactly the sectors {list(SECTORS)}")
        if set(self.small_business_sector_of_industry.value) != set(INDUSTRIES):
            raise ValueError(f"small_business_sector_of_industry.value needs exactly the industries {list(INDUSTRIES)}")
        if not self.frames():
            raise ValueError("a pack needs at least one frame_<id> parameter")
        for fid, param in self.frames().items():
            spec = param.value
            if param.interpretation != bool(spec.interpretations):
                raise ValueError(
                    f"frame_{fid}.interpretation must be true exactly when value.interpretations is not empty"
                )
            if (fid == "group") != (spec.calc == "group"):
                raise ValueError(f"frame_{fid}: calc = group is for frame_group only")
        return self

    def frames(self) -> dict[str, Param[FrameSpec]]:
        """frame id → its parameter, in the fixed frame order."""
        out: dict[str, Param[FrameSpec]] = {}
        for fid in FRAME_IDS:
            param = getattr(self, f"frame_{fid}")
            if param is not None:
                out[fid] = param
        return out

    def frame(self, frame_id: str) -> FrameSpec | None:
        param = self.frames().get(frame_id)
        return param.value if param is not None else None
