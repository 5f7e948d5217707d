"""The typed parameters of a 共創型 rule pack (``engine = "kyoso"``)."""

from __future__ import annotations

import itertools
import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.pack import Param, Ratio
from schemas.plan import BASIC_INDUSTRIES, CATEGORIES, INDUSTRIES, ROLES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgrammeDates(_Strict):
    application_start: date | None = None
    application_end: date | None = None
    decision_date: date | None = None
    project_end: date | None = None


class SmeLimit(_Strict):
    label_ja: str
    capital_max_yen: int | None = Field(default=None, gt=0)
    employees_max: int | None = Field(default=None, gt=0)
    by_main_industry: bool = False

    @model_validator(mode="after")
    def _some_limit(self) -> SmeLimit:
        if not self.by_main_industry and self.employees_max is None:
            raise ValueError("an industry needs employees_max or by_main_industry = true")
        return self


StepList = list[int]
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+")


class KyosoParams(_Strict):
    rate_standard: Param[Ratio]
    rate_large_vendor: Param[Ratio]
    cap_base_yen: Param[int]
    cap_base_members: Param[int]
    cap_step_yen: Param[int]
    cap_max_yen: Param[int]
    lower_limit_yen: Param[int]
    term_max_months: Param[int]
    min_sme_users: Param[int]
    min_vendors: Param[int]
    subcontract_ratio: Param[Ratio]
    subcontract_scope: Param[Literal["per_vendor", "consortium"]]
    user_labour_ratio: Param[Ratio]
    user_labour_basis: Param[list[Literal["sme_user_outsourcing_to_vendor", "it_vendor_labour"]]]
    software_cloud_ratio: Param[Ratio]
    software_cloud_categories: Param[list[Literal["software", "cloud"]]]
    cap_sharing: Param[Literal["pro_rata_largest_remainder"]]
    step_matrix: Param[dict[str, dict[str, StepList]]]
    dates: Param[ProgrammeDates]
    kenpo_standard_monthly_yen: Param[list[int]]
    kenpo_annual_hours: Param[int]
    kenpo_round_yen: Param[int]
    sme_limits: Param[dict[str, SmeLimit]]
    secretariat_email: Param[str]  # the To: of the submission e-mail; "" while the official address is unknown

    @model_validator(mode="after")
    def _consistent(self) -> KyosoParams:
        for name in ("cap_base_yen", "cap_step_yen", "cap_max_yen", "lower_limit_yen", "kenpo_annual_hours"):
            if getattr(self, name).value <= 0:
                raise ValueError(f"{name}.value must be positive")
        email = self.secretariat_email.value
        if email and not _EMAIL.fullmatch(email):
            raise ValueError("secretariat_email.value must be an e-mail address (local@domain) or empty")
        if self.cap_max_yen.value < self.cap_base_yen.value:
            raise ValueError("cap_max_yen.value must be at least cap_base_yen.value")
        matrix = self.step_matrix.value
        if set(matrix) != set(ROLES):
            raise ValueError(f"step_matrix.value needs exactly the roles {list(ROLES)}")
        for role, row in matrix.items():
            if set(row) != set(CATEGORIES):
                raise ValueError(f"step_matrix.value.{role} needs exactly the categories {list(CATEGORIES)}")
            for cat, steps in row.items():
                if any(s not in (1, 2, 3, 4) for s in steps):
                    raise ValueError(f"step_matrix.value.{role}.{cat}: STEPs are 1–4")
        grades = self.kenpo_standard_monthly_yen.value
        if len(grades) != 50 or any(b <= a for a, b in itertools.pairwise(grades)) or grades[0] <= 0:
            raise ValueError("kenpo_standard_monthly_yen.value needs 50 increasing positive amounts (grades 1–50)")
        limits = self.sme_limits.value
        if set(limits) != set(INDUSTRIES):
            raise ValueError(f"sme_limits.value needs exactly the industries {list(INDUSTRIES)}")
        for ind in BASIC_INDUSTRIES:
            if limits[ind].capital_max_yen is None or limits[ind].employees_max is None:
                raise ValueError(f"sme_limits.value.{ind} needs capital_max_yen and employees_max")
        return self
