"""The ``itdonyu-application/1`` file: one IT導入補助金 application as strict pydantic v2 models.

One applicant (通常枠, インボイス枠, セキュリティ対策推進枠, …) or one 複数社連携 group (a 代表事業者 and
参画事業者) with the IT tools (processes and functions covered) and the cost lines (software, cloud,
option, 役務, hardware; for 複数社連携 each member line is (a) 基盤導入経費 or (b) 消費動向等分析経費 and
the group's (c) 事務費・専門家費 are ``group_costs``).  docs/itdonyu.md describes the format.

Same strictness as ``kyoso-plan/1``: unknown keys are errors except under ``extra``; no coercion; ids
unique; every problem is a :class:`~schemas.loader.PlanLoadError` naming the JSON path.  The JSON
parsing, the error messages and the error type are the kyoso loader's (imported, not rewritten).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from schemas.loader import (
    MAX_PLAN_BYTES,
    MAX_PROBLEMS,
    InputRefused,
    PlanLoadError,
    Problem,
    _parse_json,
    _problem_from_error,
    load_plan,
    read_bounded,
    read_file_bytes,
)
from schemas.plan import MAX_LINE_YEN, Extra, Id, Name, Text, Yen, _field_error, _Model, _unique
from schemas.plan import Member as KyosoMember

FORMAT = "itdonyu-application/1"

FrameId = Literal[
    "single",
    "type_a",
    "type_b",
    "normal_a",
    "normal_b",
    "digital_base",
    "normal",
    "invoice",
    "e_trade",
    "group",
    "security",
]
FRAME_IDS: tuple[str, ...] = get_args(FrameId)

#: cost kinds of a member line
Kind = Literal[
    "software", "cloud", "option", "service", "hardware_pc", "hardware_register", "hardware_other", "security_service"
]
KINDS: tuple[str, ...] = get_args(Kind)
#: kinds whose amount may cover a term (``months``)
TERM_KINDS: tuple[str, ...] = ("software", "cloud", "option", "service", "security_service")
GroupCostKind = Literal["admin", "expert"]

#: 会計・受発注・決済 (インボイス対応類型), and EC (デジタル化基盤導入類型 2022–2023)
Function = Literal["accounting", "ordering", "payment", "ec"]
FUNCTIONS: tuple[str, ...] = get_args(Function)

#: 共P-01..05, 各業種P-06 (業務プロセス), 汎P-07 (汎用プロセス)
Process = Literal["P01", "P02", "P03", "P04", "P05", "P06", "P07"]
PROCESSES: tuple[str, ...] = get_args(Process)
GENERIC_PROCESS = "P07"

#: 小規模事業者 sectors (常時使用する従業員の上限が異なる)
Sector = Literal["commerce_service", "lodging_entertainment", "manufacturing_other"]
SECTORS: tuple[str, ...] = get_args(Sector)

#: 賃上げ requirement exemptions: 小規模事業者 (derived) and businesses whose prices are publicly set
WageExempt = Literal["insurance_medical", "care", "social_welfare", "school"]
WageExemptKind = Literal["small_business", "insurance_medical", "care", "social_welfare", "school"]
WAGE_EXEMPT_KINDS: tuple[str, ...] = get_args(WageExemptKind)

Role = Literal["applicant", "representative", "participant"]
RepresentativeType = Literal["sme", "shotengai", "shokokai", "chamber"]
Expense = Literal["a", "b"]

MAX_QUANTITY = Decimal(10_000_000)
_QTY_RE = re.compile(r"\d{1,8}(\.\d{1,2})?")


def _parse_quantity(value: Any) -> Decimal:
    """A positive number with at most two decimals (従業員数, 年間平均労働時間)."""
    if isinstance(value, bool):
        dec = None
    elif isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, Decimal):
        dec = value
    elif isinstance(value, float):
        dec = Decimal(repr(value))
    elif isinstance(value, str) and _QTY_RE.fullmatch(value.strip()):
        dec = Decimal(value.strip())
    else:
        dec = None
    try:
        if dec is None or not dec.is_finite() or dec != dec.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        raise PydanticCustomError(
            "quantity",
            "{en}",
            {
                "ja": "数値(小数第2位まで)で指定してください",
                "en": "give a number with at most 2 decimals",
            },
        ) from None
    if dec <= 0 or dec > MAX_QUANTITY:
        raise PydanticCustomError(
            "quantity",
            "{en}",
            {"ja": "0 より大きく 10,000,000 以下で指定してください", "en": "must be > 0 and at most 10,000,000"},
        )
    return dec


def _quantity_out(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


Quantity = Annotated[
    Decimal,
    PlainValidator(_parse_quantity),
    PlainSerializer(_quantity_out),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 10_000_000, "multipleOf": 0.01},
                {"type": "string", "pattern": r"^\d{1,8}(\.\d{1,2})?$"},
            ]
        }
    ),
]
SignedYen = Annotated[int, Field(ge=-MAX_LINE_YEN, le=MAX_LINE_YEN)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


def _no_duplicates(items: list[str], name: str) -> list[str]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            raise _field_error(f"[{index}]", f"{name} {item!r} が重複しています", f"duplicate {name} {item!r}")
        seen.add(item)
    return items


# ---------------------------------------------------------------------------------------------
# Tools and cost lines


class Tool(_Model):
    id: Id
    name: Name
    processes: list[Process] = Field(default_factory=list, max_length=len(PROCESSES))
    functions: list[Function] = Field(default_factory=list, max_length=len(FUNCTIONS))
    security_listed: bool = False
    free_counterparty_accounts: bool = False
    counterparty_accounts_total: Annotated[int, Field(gt=0, le=10_000_000)] | None = None
    counterparty_accounts_sme: Count | None = None
    description: Text | None = None
    extra: Extra = None

    @field_validator("processes")
    @classmethod
    def _processes_unique(cls, value: list[str]) -> list[str]:
        return _no_duplicates(value, "process")

    @field_validator("functions")
    @classmethod
    def _functions_unique(cls, value: list[str]) -> list[str]:
        return _no_duplicates(value, "function")

    @model_validator(mode="after")
    def _accounts(self) -> Tool:
        total, sme = self.counterparty_accounts_total, self.counterparty_accounts_sme
        if (total is None) != (sme is None):
            raise _field_error(
                "counterparty_accounts_sme",
                "counterparty_accounts_total と counterparty_accounts_sme は両方指定してください",
                "give both counterparty_accounts_total and counterparty_accounts_sme",
            )
        if total is not None and sme is not None and sme > total:
            raise _field_error(
                "counterparty_accounts_sme",
                "中小企業等に供与するアカウント数は総数以下にしてください",
                "the SME accounts cannot exceed the total accounts",
            )
        return self


class _Priced(_Model):
    """A line priced as unit price × quantity (at most 10^12 yen)."""

    id: Id
    description: Text | None = None
    unit_price_yen: Yen
    quantity: Annotated[int, Field(gt=0, le=10**9)]
    extra: Extra = None

    @model_validator(mode="after")
    def _amount_fits(self) -> _Priced:
        if self.unit_price_yen * self.quantity > MAX_LINE_YEN:
            raise _field_error(
                "quantity",
                "1行の金額(単価×数量)は 1兆円 以下にしてください",
                "a line's amount (unit price × quantity) must be at most 10^12 yen",
            )
        return self

    @property
    def amount_yen(self) -> int:
        return self.unit_price_yen * self.quantity


class CostLine(_Priced):
    member: Id | None = None
    tool: Id | None = None
    kind: Kind
    expense: Expense | None = None
    months: Annotated[int, Field(ge=1, le=600)] | None = None

    @model_validator(mode="after")
    def _term_kinds(self) -> CostLine:
        if self.months is not None and self.kind not in TERM_KINDS:
            raise _field_error(
                "months",
                f"months は {', '.join(TERM_KINDS)} の行だけに指定できます",
                f"months is only for {', '.join(TERM_KINDS)} lines",
            )
        return self


class GroupCost(_Priced):
    """(c) その他経費 of a 複数社連携 group: 事務費 (admin) or 外部専門家謝金・旅費 (expert)."""

    kind: GroupCostKind
    item: Annotated[str, Field(min_length=1, max_length=100)] | None = None


# ---------------------------------------------------------------------------------------------
# Productivity and wage plans


class Figures(_Model):
    """One year's figures for 労働生産性 (which ones are needed depends on the pack's definition)."""

    sales_yen: SignedYen | None = None
    cost_of_sales_yen: SignedYen | None = None
    operating_profit_yen: SignedYen | None = None
    personnel_yen: SignedYen | None = None
    depreciation_yen: SignedYen | None = None
    employees: Quantity
    annual_hours: Quantity
    extra: Extra = None


class TargetFigures(Figures):
    year: Annotated[int, Field(ge=1, le=10)]


class Productivity(_Model):
    base: Figures
    targets: list[TargetFigures] = Field(default_factory=list, max_length=10)
    extra: Extra = None

    @model_validator(mode="after")
    def _years_unique(self) -> Productivity:
        _unique(self.targets, "year", "targets")
        return self


class WagePlan(_Model):
    """賃上げ計画: 給与支給総額 now and at the end of the plan, 事業場内最低賃金 planned vs 地域別最低賃金."""

    payroll_base_yen: Annotated[int, Field(gt=0, le=MAX_LINE_YEN)]
    payroll_target_yen: Annotated[int, Field(ge=0, le=MAX_LINE_YEN)]
    min_wage_yen: Annotated[int, Field(gt=0, le=100_000)]
    regional_min_wage_yen: Annotated[int, Field(gt=0, le=100_000)]
    announced: bool
    voluntary_insurance: bool = False
    extra: Extra = None


class MinWageStaff(_Model):
    """2025 通常枠 2/3: staff paid within 地域別最低賃金+50円 for the months given, and all staff."""

    employees_total: Annotated[int, Field(gt=0, le=10_000_000)]
    near_minimum: Count
    months: Annotated[int, Field(ge=0, le=600)]
    extra: Extra = None

    @model_validator(mode="after")
    def _le_total(self) -> MinWageStaff:
        if self.near_minimum > self.employees_total:
            raise _field_error(
                "near_minimum", "全従業員数以下にしてください", "cannot exceed employees_total"
            )
        return self


# ---------------------------------------------------------------------------------------------
# Members and the application


class Member(KyosoMember):
    """A company: the fields of a kyoso-plan/1 member (industry, capital, employees, 法人番号 …) with this
    format's roles and the IT導入補助金 inputs."""

    role: Role  # type: ignore[assignment]  # this format's roles
    small_business_sector: Sector | None = None
    wage_exempt: WageExempt | None = None
    prior_grant: bool = False
    representative_type: RepresentativeType | None = None
    uses_tools: bool | None = None
    min_wage_staff: MinWageStaff | None = None
    wage_plan: WagePlan | None = None
    productivity: Productivity | None = None

    @model_validator(mode="after")
    def _representative_only(self) -> Member:
        if self.representative_type is not None and self.role != "representative":
            raise _field_error(
                "representative_type",
                "representative_type は代表事業者(role: representative)だけに指定できます",
                "representative_type is only for the representative",
            )
        return self


class Application(_Model):
    format: Literal["itdonyu-application/1"]
    program: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9\-]*$")]
    frame: FrameId
    title: Name | None = None
    members: list[Member] = Field(min_length=1, max_length=1000)
    tools: list[Tool] = Field(default_factory=list, max_length=5000)
    costs: list[CostLine] = Field(default_factory=list, max_length=100_000)
    group_costs: list[GroupCost] = Field(default_factory=list, max_length=10_000)
    extra: Extra = None

    @model_validator(mode="after")
    def _structure(self) -> Application:
        _unique(self.members, "id", "members")
        _unique(self.tools, "id", "tools")
        _unique(self.costs, "id", "costs")
        _unique(self.group_costs, "id", "group_costs")
        group = self.frame == "group"
        if group:
            reps = [i for i, m in enumerate(self.members) if m.role == "representative"]
            for i, m in enumerate(self.members):
                if m.role == "applicant":
                    raise _field_error(
                        f"members[{i}].role",
                        "複数社連携の構成員は representative(代表事業者)か participant(参画事業者)です",
                        "a 複数社連携 member is a representative or a participant",
                    )
            if len(reps) != 1:
                where = f"members[{reps[1]}].role" if len(reps) > 1 else "members"
                raise _field_error(
                    where,
                    f"代表事業者(role: representative)はちょうど1者です({len(reps)}者)",
                    f"exactly one representative is needed ({len(reps)} given)",
                )
        else:
            if len(self.members) != 1 or self.members[0].role != "applicant":
                where = "members[1]" if len(self.members) > 1 else "members[0].role"
                raise _field_error(
                    where,
                    "この枠の申請者は1者(role: applicant)です",
                    "this frame has exactly one member, with role applicant",
                )
            if self.group_costs:
                raise _field_error(
                    "group_costs[0]",
                    "group_costs(その他経費)は複数社連携(frame: group)だけに指定できます",
                    "group_costs are only for the 複数社連携 frame (frame: group)",
                )
        member_ids = {m.id for m in self.members}
        tool_ids = {t.id for t in self.tools}
        for i, ln in enumerate(self.costs):
            if group and ln.member is None:
                raise _field_error(
                    f"costs[{i}].member", "複数社連携では経費行に member が必要です", "a group line needs member"
                )
            if ln.member is not None and ln.member not in member_ids:
                raise _field_error(
                    f"costs[{i}].member", f"member {ln.member!r} は members にいません", f"no member {ln.member!r}"
                )
            if ln.tool is not None and ln.tool not in tool_ids:
                raise _field_error(
                    f"costs[{i}].tool", f"tool {ln.tool!r} は tools にありません", f"no tool {ln.tool!r}"
                )
            if group and ln.expense is None:
                raise _field_error(
                    f"costs[{i}].expense",
                    "複数社連携では経費行に expense('a' 基盤導入経費 か 'b' 消費動向等分析経費)が必要です",
                    "a group line needs expense: 'a' (基盤導入経費) or 'b' (消費動向等分析経費)",
                )
            if not group and ln.expense is not None:
                raise _field_error(
                    f"costs[{i}].expense",
                    "expense は複数社連携(frame: group)だけに指定できます",
                    "expense is only for the 複数社連携 frame (frame: group)",
                )
        return self

    def member(self, member_id: str | None) -> Member:
        """The member a line belongs to (an individual application's lines belong to its applicant)."""
        if member_id is None:
            return self.members[0]
        return next(m for m in self.members if m.id == member_id)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


# ---------------------------------------------------------------------------------------------
# Loading



def _validate(data: Any, source: str, frames: Mapping[str, Sequence[str]] | None = None) -> Application:
    if not isinstance(data, dict):
        raise PlanLoadError(
            [Problem("$", "申請ファイルはJSONオブジェクトでなければなりません", "an application must be a JSON object")],
            source,
        )
    fmt = data.get("format")
    if isinstance(fmt, str) and fmt != FORMAT:
        raise PlanLoadError(
            [
                Problem(
                    "$.format",
                    f"形式 {fmt!r} には対応していません({FORMAT} のみ)",
                    f"format {fmt!r} is not supported (only {FORMAT})",
                )
            ],
            source,
        )
    try:
        app = Application.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = [_problem_from_error(e, data) for e in errors[:MAX_PROBLEMS]]
        raise PlanLoadError(problems, source, hidden=max(0, len(errors) - MAX_PROBLEMS)) from None
    except RecursionError:
        raise PlanLoadError([Problem("$", "JSON の入れ子が深すぎます", "the JSON is nested too deeply")], source) from None
    if frames is not None:
        if app.program not in frames:
            raise PlanLoadError(
                [
                    Problem(
                        "$.program",
                        f"IT導入補助金のルールパック {app.program!r} はありません(候補: {', '.join(frames)})",
                        f"no IT導入補助金 rule pack {app.program!r} (known: {', '.join(frames)})",
                    )
                ],
                source,
            )
        if app.frame not in frames[app.program]:
            raise PlanLoadError(
                [
                    Problem(
                        "$.frame",
                        f"{app.program} に枠 {app.frame!r} はありません(候補: {', '.join(frames[app.program])})",
                        f"{app.program} has no frame {app.frame!r} (frames: {', '.join(frames[app.program])})",
                    )
                ],
                source,
            )
    return app


def load_application(
    source: str | Path | bytes | bytearray | dict[str, Any], *, name: str | None = None,
    frames: Mapping[str, Sequence[str]] | None = None,
) -> Application:
    """Read and validate an ``itdonyu-application/1`` file (path, bytes or parsed JSON object).

    ``frames``: rule pack id → the frames it offers; the data model knows no rule packs, so the caller passes
    them (``planner.load_application`` passes the engine's); ``None`` leaves ``program``/``frame`` unchecked.
    Raises :class:`PlanLoadError` (JSON path + ja/en message) and nothing else for bad input.
    """
    if isinstance(source, dict):
        return _validate(source, name or "<application>", frames)
    if isinstance(source, bytes | bytearray):
        label = name or "<application>"
        return _validate(_parse_json(bytes(source), label), label, frames)
    path = Path(source)
    label = name or str(path)
    return _validate(_parse_json(read_file_bytes(path, label), label), label, frames)


def sniff_format(source: str | Path | bytes | bytearray) -> str | None:
    """The top-level ``format`` of a JSON document when it names this format family, else ``None``.

    ``source`` is the file's bytes (read once by the caller), or a path read through the bounded
    reader (a device, FIFO, folder or too large file gives ``None``).  Cheap for other files (a byte
    search before any parsing); never raises.
    """
    if isinstance(source, bytes | bytearray):
        raw = bytes(source)
    else:
        try:
            raw = read_bounded(source, MAX_PLAN_BYTES)
        except InputRefused:
            return None
    if b"itdonyu-application/" not in raw or len(raw) > MAX_PLAN_BYTES:
        return None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None
    fmt = data.get("format") if isinstance(data, dict) else None
    return fmt if isinstance(fmt, str) and fmt.startswith("itdonyu-application/") else None


def load_plan_or_application(path: str | Path, *, programs: Collection[str] | None = None,
                              frames: Mapping[str, Sequence[str]] | None = None) -> Any:
    """A ``kyoso-plan/1`` plan or an ``itdonyu-application/1`` file, read once through the bounded reader.

    ``programs`` / ``frames``: the rule packs the caller knows (see :func:`load_plan`, :func:`load_application`).
    Raises :class:`PlanLoadError` (a device, FIFO, folder or too large file included) and nothing else.
    """
    label = str(Path(path))
    raw = read_file_bytes(Path(path), label)
    if sniff_format(raw) is not None:
        return load_application(raw, name=label, frames=frames)
    return load_plan(raw, name=label, programs=programs)


def application_json_schema() -> dict[str, Any]:
    schema = Application.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = FORMAT
    return schema
