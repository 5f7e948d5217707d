"""The ``kyoso-plan/1`` plan file as strict pydantic v2 models.

Strictness (plan-format.md): unknown keys are rejected except under ``extra``; strings, booleans and
floats are never coerced into integers; ids are unique within their list; dates are ISO ``YYYY-MM-DD``;
``hours`` has at most two decimals.  Cross-field problems are raised as :class:`PydanticCustomError`
with a ``subpath`` in their context so that the loader can name the exact JSON path.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

ROLES: tuple[str, ...] = ("sme_user", "it_vendor", "collaborator")
Role = Literal["sme_user", "it_vendor", "collaborator"]

BASIC_INDUSTRIES: tuple[str, ...] = (
    "manufacturing",
    "wholesale",
    "services",
    "retail",
    "rubber",
    "software",
    "ryokan",
    "other",
)
INDUSTRIES: tuple[str, ...] = (
    *BASIC_INDUSTRIES,
    "medical_welfare",
    "school",
    "chamber",
    "sme_org",
    "special_union",
    "foundation",
    "npo",
)
Industry = Literal[
    "manufacturing",
    "wholesale",
    "services",
    "retail",
    "rubber",
    "software",
    "ryokan",
    "other",
    "medical_welfare",
    "school",
    "chamber",
    "sme_org",
    "special_union",
    "foundation",
    "npo",
]
BasicIndustry = Literal[
    "manufacturing", "wholesale", "services", "retail", "rubber", "software", "ryokan", "other"
]

CATEGORIES: tuple[str, ...] = ("software", "cloud", "meeting", "travel", "expert", "labour", "outsourcing")
Category = Literal["software", "cloud", "meeting", "travel", "expert", "labour", "outsourcing"]

METHODS: tuple[str, ...] = ("file_transfer", "resource_sharing", "messaging", "api")
Method = Literal["file_transfer", "resource_sharing", "messaging", "api"]

MAX_LINE_YEN = 10**12
MAX_HOURS = Decimal(1_000_000)
MAX_HOURLY_RATE_YEN = 1_000_000


def _field_error(subpath: str, ja: str, en: str) -> PydanticCustomError:
    """A cross-field error; ``subpath`` (e.g. ``"hours"`` or ``"costs[3].id"``) extends the JSON path."""
    return PydanticCustomError("plan_rule", "{en}", {"subpath": subpath, "ja": ja, "en": en})


# ---------------------------------------------------------------------------------------------
# Scalar types


def _parse_iso_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise PydanticCustomError(
            "iso_date",
            "{en}",
            {"ja": "日付は YYYY-MM-DD 形式の文字列で指定してください", "en": "a date must be a YYYY-MM-DD string"},
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "iso_date",
            "{en}",
            {"ja": f"存在しない日付です: {value}", "en": f"no such calendar date: {value}"},
        ) from None


ISODate = Annotated[
    date,
    PlainValidator(_parse_iso_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]

_HOURS_RE = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?")


def _parse_hours(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise PydanticCustomError(
            "hours", "{en}", {"ja": "時間は数値で指定してください", "en": "hours must be a number"}
        )
    if isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, Decimal):
        dec = value
    elif isinstance(value, float):
        dec = Decimal(repr(value))
    elif isinstance(value, str) and _HOURS_RE.fullmatch(value):
        dec = Decimal(value)
    else:
        raise PydanticCustomError(
            "hours",
            "{en}",
            {
                "ja": "時間は数値または小数第2位までの数字文字列で指定してください",
                "en": "hours must be a number or a decimal string with at most 2 decimals",
            },
        )
    try:
        if not dec.is_finite() or dec != dec.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        raise PydanticCustomError(
            "hours",
            "{en}",
            {"ja": "時間は小数第2位までで指定してください", "en": "hours may have at most 2 decimals"},
        ) from None
    if dec <= 0 or dec > MAX_HOURS:
        raise PydanticCustomError(
            "hours",
            "{en}",
            {
                "ja": "時間は 0 より大きく 1,000,000 以下で指定してください",
                "en": "hours must be greater than 0 and at most 1,000,000",
            },
        )
    return dec


def _hours_out(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(str(value))


Hours = Annotated[
    Decimal,
    PlainValidator(_parse_hours),
    PlainSerializer(_hours_out),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 1_000_000,
                    "description": "at most 2 decimals (checked by the loader; multipleOf 0.01 is unreliable in binary floating point)",
                },
                {"type": "string", "pattern": r"^\d{1,7}(\.\d{1,2})?$"},
            ]
        }
    ),
]


def _json_plain(value: Any, subpath: str = "") -> Any:
    """``extra`` is kept as is; the loader parses JSON floats as Decimal, give them back as floats.

    A number too large for a float (``1e400``) or a NaN/infinity (from the app) cannot be kept as
    is in JSON, so it is refused rather than silently turned into ``null``.
    """
    if isinstance(value, Decimal | float):
        number = float(value)
        if not math.isfinite(number):
            raise _field_error(
                subpath,
                f"extra の数値 {value} は JSON に保存できません(有限の数値にしてください)",
                f"the number {value} in extra cannot be kept in JSON (use a finite number)",
            )
        return number
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            shown = k.encode("utf-8", "backslashreplace").decode("utf-8")
            sub = f"{subpath}.{shown}" if subpath else shown
            _utf8_text(k, sub)
            out[k] = _json_plain(v, sub)
        return out
    if isinstance(value, list):
        return [_json_plain(v, f"{subpath}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        _utf8_text(value, subpath)
    return value


def _utf8_text(text: str, subpath: str) -> None:
    """A lone surrogate (``"\\ud800"`` in JSON) is not text: it could not be saved as UTF-8 again."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _field_error(
            subpath,
            "extra に不正な文字(対になっていないサロゲート)が含まれています",
            "extra holds an invalid character (a lone surrogate)",
        ) from None


Extra = Annotated[dict[str, Any] | None, BeforeValidator(_json_plain)]

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S(.{0,62}\S)?$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=2000)]
Yen = Annotated[int, Field(ge=0, le=MAX_LINE_YEN)]


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", validate_default=False)


# ---------------------------------------------------------------------------------------------
# Consortium and members


class Contact(_Model):
    company: Annotated[str, Field(max_length=200)] | None = None
    title: Annotated[str, Field(max_length=200)] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    phone: Annotated[str, Field(max_length=40, pattern=r"^[0-9+()\-\s]{1,40}$")] | None = None
    address: Annotated[str, Field(max_length=300)] | None = None
    extra: Extra = None


class Consortium(_Model):
    name: Name
    lead: Id | None = None
    decision_date: ISODate | None = None
    project_end: ISODate | None = None
    contact: Contact | None = None
    extra: Extra = None


def corporate_number_ok(number: str) -> bool:
    """法人番号: 13 digits whose first digit is the check digit of the other twelve (国税庁の算式)."""
    if not re.fullmatch(r"[0-9]{13}", number):
        return False
    base = number[1:]
    total = 0
    for n, ch in enumerate(reversed(base), start=1):
        total += int(ch) * (1 if n % 2 else 2)
    return int(number[0]) == 9 - total % 9


class Member(_Model):
    id: Id
    name: Name
    role: Role
    industry: Industry | None = None
    main_industry: BasicIndustry | None = None
    capital_yen: Annotated[int, Field(ge=0, le=10**14)] | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    deemed_large: bool = False
    large_enterprise: bool = False
    corporate_number: str | None = None
    representative: Annotated[str, Field(max_length=200)] | None = None
    address: Annotated[str, Field(max_length=300)] | None = None
    extra: Extra = None

    @field_validator("corporate_number")
    @classmethod
    def _check_corporate_number(cls, value: str | None) -> str | None:
        if value is not None and not corporate_number_ok(value):
            raise PydanticCustomError(
                "corporate_number",
                "{en}",
                {
                    "ja": f"法人番号 {value!r} が不正です(13桁で、先頭1桁が残り12桁のチェックデジット)",
                    "en": f"invalid corporate number {value!r} (13 digits, the first is the check digit "
                    "of the other twelve)",
                },
            )
        return value


# ---------------------------------------------------------------------------------------------
# Tools, integrations, meetings, schedule


class Tool(_Model):
    id: Id
    name: Name
    vendor: Id | None = None
    external_vendor: Name | None = None
    users: list[Id] = Field(default_factory=list, max_length=1000)
    has_sales_record: bool
    description: Text | None = None
    extra: Extra = None

    @model_validator(mode="after")
    def _one_vendor(self) -> Tool:
        if (self.vendor is None) == (self.external_vendor is None):
            raise _field_error(
                "vendor",
                "vendor(計画内のITベンダ)か external_vendor(計画外のベンダ名)のどちらか一方を指定してください",
                "give exactly one of vendor (an it_vendor of the plan) or external_vendor (a vendor outside it)",
            )
        return self


class Integration(_Model):
    id: Id
    from_: Id = Field(alias="from")
    to: Id
    method: Method
    new_development: bool
    description: Text | None = None
    extra: Extra = None


class Meeting(_Model):
    id: Id
    title: Name
    participants: list[Id] = Field(default_factory=list, max_length=1000)
    date: ISODate | None = None
    extra: Extra = None


class ScheduleStep(_Model):
    step: Annotated[int, Field(ge=1, le=4)]
    start: ISODate
    end: ISODate
    note: Text | None = None
    extra: Extra = None


# ---------------------------------------------------------------------------------------------
# Cost lines


class Flex(_Model):
    """A flexible amount range the allocation optimiser may choose from (issue 7)."""

    min_yen: Yen
    max_yen: Yen
    extra: Extra = None

    @model_validator(mode="after")
    def _ordered(self) -> Flex:
        if self.min_yen > self.max_yen:
            raise _field_error(
                "max_yen", "max_yen は min_yen 以上にしてください", "max_yen must be at least min_yen"
            )
        return self


_LABOUR_ONLY = ("hours", "hourly_rate_yen", "kenpo_grade", "modifies_existing_tool")
_NON_LABOUR_ONLY = ("unit_price_yen", "quantity")


class CostLine(_Model):
    id: Id
    member: Id
    step: Annotated[int, Field(ge=1, le=4)]
    category: Category
    description: Text | None = None
    unit_price_yen: Yen | None = None
    quantity: Annotated[int, Field(gt=0, le=10**9)] | None = None
    hours: Hours | None = None
    hourly_rate_yen: Annotated[int, Field(ge=0, le=MAX_HOURLY_RATE_YEN)] | None = None
    kenpo_grade: Annotated[int, Field(ge=1, le=50)] | None = None
    months: Annotated[int, Field(ge=1, le=600)] | None = None
    maintenance: bool | None = None
    payee: Id | None = None
    payee_external: Name | None = None
    subcontract: bool | None = None
    integration: Id | None = None
    meeting: Id | None = None
    modifies_existing_tool: bool | None = None
    flex: Flex | None = None
    extra: Extra = None

    @model_validator(mode="after")
    def _fields_fit_category(self) -> CostLine:
        cat = self.category
        if cat == "labour":
            for name in _NON_LABOUR_ONLY:
                if getattr(self, name) is not None:
                    raise _field_error(
                        name,
                        f"人件費の行に {name} は指定できません(hours と hourly_rate_yen または kenpo_grade)",
                        f"a labour line takes hours and hourly_rate_yen or kenpo_grade, not {name}",
                    )
            if self.hours is None:
                raise _field_error("hours", "人件費の行には hours が必要です", "a labour line needs hours")
            if (self.hourly_rate_yen is None) == (self.kenpo_grade is None):
                raise _field_error(
                    "hourly_rate_yen",
                    "人件費の行には hourly_rate_yen か kenpo_grade のどちらか一方を指定してください",
                    "a labour line needs exactly one of hourly_rate_yen or kenpo_grade",
                )
            if self.hourly_rate_yen is not None and self.hours * self.hourly_rate_yen > MAX_LINE_YEN:
                raise _field_error(
                    "hours",
                    "1行の金額は 1兆円 以下にしてください",
                    "a line's amount must be at most 10^12 yen",
                )
        else:
            for name in _LABOUR_ONLY:
                if getattr(self, name) is not None:
                    raise _field_error(
                        name,
                        f"{name} は人件費(labour)の行だけに指定できます",
                        f"{name} is only for labour lines",
                    )
            for name in _NON_LABOUR_ONLY:
                if getattr(self, name) is None:
                    raise _field_error(
                        name, f"この行には {name} が必要です", f"this line needs {name}"
                    )
            assert self.unit_price_yen is not None and self.quantity is not None
            if self.unit_price_yen * self.quantity > MAX_LINE_YEN:
                raise _field_error(
                    "quantity",
                    "1行の金額(単価×数量)は 1兆円 以下にしてください",
                    "a line's amount (unit price × quantity) must be at most 10^12 yen",
                )
        if self.maintenance is not None and cat != "software":
            raise _field_error(
                "maintenance",
                "maintenance はソフトウェア購入費(software)の行だけに指定できます",
                "maintenance is only for software lines",
            )
        if self.months is not None and not (cat == "cloud" or (cat == "software" and self.maintenance)):
            raise _field_error(
                "months",
                "months はクラウド利用費、または maintenance: true のソフトウェア行だけに指定できます",
                "months is only for cloud lines and software lines with maintenance: true",
            )
        if cat not in ("outsourcing", "expert"):
            for name in ("payee", "payee_external"):
                if getattr(self, name) is not None:
                    raise _field_error(
                        name,
                        f"{name} は委託費・専門家経費の行だけに指定できます",
                        f"{name} is only for outsourcing and expert lines",
                    )
        if self.payee is not None and self.payee_external is not None:
            raise _field_error(
                "payee_external",
                "payee と payee_external は同時に指定できません",
                "give payee or payee_external, not both",
            )
        if self.subcontract is not None and cat != "outsourcing":
            raise _field_error(
                "subcontract",
                "subcontract は委託費(outsourcing)の行だけに指定できます",
                "subcontract is only for outsourcing lines",
            )
        if self.meeting is not None and cat not in ("meeting", "travel"):
            raise _field_error(
                "meeting",
                "meeting は会議費・旅費の行だけに指定できます",
                "meeting is only for meeting and travel lines",
            )
        return self


class KenpoRates(_Model):
    """A 健保等級単価一覧表 supplied by the plan: grade (1–50) → yen per hour."""

    title: Name
    year: Annotated[str, Field(max_length=40)] | None = None
    rates: dict[Annotated[str, Field(pattern=r"^([1-9]|[1-4][0-9]|50)$")], Annotated[int, Field(gt=0, le=100_000)]]
    extra: Extra = None


# ---------------------------------------------------------------------------------------------
# The plan


def _unique(items: list[Any], attr: str, listname: str) -> None:
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        key = getattr(item, attr)
        if key in seen:
            raise _field_error(
                f"{listname}[{index}].{attr}",
                f"{attr} {key!r} が重複しています({listname}[{seen[key]}] と同じ)",
                f"duplicate {attr} {key!r} (same as {listname}[{seen[key]}])",
            )
        seen[key] = index


class Plan(_Model):
    format: Literal["kyoso-plan/1"]
    program: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9\-]*$")]
    consortium: Consortium
    members: list[Member] = Field(default_factory=list, max_length=500)
    tools: list[Tool] = Field(default_factory=list, max_length=5000)
    integrations: list[Integration] = Field(default_factory=list, max_length=20000)
    meetings: list[Meeting] = Field(default_factory=list, max_length=5000)
    schedule: list[ScheduleStep] = Field(default_factory=list, max_length=4)
    costs: list[CostLine] = Field(default_factory=list, max_length=200_000)
    kenpo_rates: KenpoRates | None = None
    scenarios: list[Scenario] | None = Field(default=None, max_length=100)
    extra: Extra = None

    @model_validator(mode="after")
    def _ids_unique(self) -> Plan:
        _unique(self.members, "id", "members")
        _unique(self.tools, "id", "tools")
        _unique(self.integrations, "id", "integrations")
        _unique(self.meetings, "id", "meetings")
        _unique(self.schedule, "step", "schedule")
        _unique(self.costs, "id", "costs")
        if self.scenarios is not None:
            _unique(self.scenarios, "name", "scenarios")
        return self

    def to_json_dict(self) -> dict[str, Any]:
        """The plan as a JSON-ready dict (the keys the user gave; defaults left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class Scenario(_Model):
    """A named variant of the plan (docs/scenarios.md): a whole plan of its own, without scenarios."""

    name: Name
    plan: Plan
    note: Text | None = None
    created: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$")] | None = None
    extra: Extra = None

    @model_validator(mode="after")
    def _flat(self) -> Scenario:
        if self.plan.scenarios is not None:
            raise _field_error(
                "plan.scenarios",
                "シナリオの計画は、それ自体にシナリオを持てません",
                "a scenario's plan cannot carry scenarios of its own",
            )
        return self


Plan.model_rebuild()
