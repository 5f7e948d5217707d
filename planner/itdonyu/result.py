"""The IT導入補助金 engine's result: every figure, every finding, and the steps that explain each yen.

Findings and reductions are the 共創型 engine's own types (:class:`planner.result.Finding`,
:class:`planner.result.Reduction`), so ``kyoso check`` and the app render both engines alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from planner.result import Finding, FindingsMixin, Reduction, SmeCheck


def ratio_text(r: Fraction) -> str:
    return f"{r.numerator}/{r.denominator}"


def percent_text(r: Fraction, places: int = 1) -> str:
    """A growth as a percentage truncated toward zero: Fraction(49, 1000) → '4.9%'."""
    scaled = r * 100 * 10**places
    whole = scaled.numerator // scaled.denominator if scaled >= 0 else -((-scaled.numerator) // scaled.denominator)
    sign = "-" if whole < 0 else ""
    whole = abs(whole)
    if places == 0:
        return f"{sign}{whole}%"
    return f"{sign}{whole // 10**places}.{whole % 10**places:0{places}d}%"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the explanation of a subsidy figure: ``basis × rate`` (floored), then ``cap``."""

    key: str
    member: str | None
    label_ja: str
    label_en: str
    basis_yen: int
    rate: Fraction | None
    raw_yen: int  # floor(basis × rate) (or basis when there is no rate)
    cap_yen: int | None
    yen: int  # the step's result
    rule: str | None = None  # the rule that capped or removed yen here

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "key": self.key,
            "member": self.member,
            "label": self.label_ja if lang == "ja" else self.label_en,
            "basis_yen": self.basis_yen,
            "rate": ratio_text(self.rate) if self.rate is not None else None,
            "raw_yen": self.raw_yen,
            "cap_yen": self.cap_yen,
            "yen": self.yen,
            "rule": self.rule,
        }


@dataclass(slots=True)
class ItdLine:
    id: str
    member: str
    tool: str | None
    kind: str
    expense: str | None  # "a", "b", "c" (group) or None
    claimed_yen: int
    eligible_yen: int
    reductions: list[Reduction] = field(default_factory=list)

    def remove(self, rule: str, yen: int) -> None:
        if yen > 0:
            self.eligible_yen -= yen
            self.reductions.append(Reduction(rule, yen))


@dataclass(slots=True)
class ItdMember:
    id: str
    name: str
    role: str
    counted: bool = True
    sme: SmeCheck | None = None
    small_business: bool = False
    small_reason_ja: str = ""
    small_reason_en: str = ""
    claimed_yen: int = 0
    eligible_yen: int = 0
    subsidy_yen: int = 0
    own_funds_yen: int = 0
    parts: dict[str, int] = field(default_factory=dict)  # software, hardware_pc, …, a, b, c


@dataclass(frozen=True, slots=True)
class GrowthCheck:
    kind: str  # "total" or "cagr"
    year: int
    growth: Fraction  # truncated toward zero to the pack's step (or to 0.01% for display)
    required: Fraction
    ok: bool


@dataclass(slots=True)
class ProductivityResult:
    scope: str
    value_added: str
    members: list[str]
    base: Fraction
    by_year: dict[int, Fraction]
    checks: list[GrowthCheck]

    def to_dict(self) -> dict[str, Any]:
        def num(x: Fraction) -> str:
            return f"{x.numerator}/{x.denominator}"

        return {
            "scope": self.scope,
            "value_added": self.value_added,
            "members": self.members,
            "base": num(self.base),
            "by_year": {str(y): num(v) for y, v in sorted(self.by_year.items())},
            "checks": [
                {
                    "kind": c.kind,
                    "year": c.year,
                    "growth": percent_text(c.growth, 2 if c.growth.denominator > 1000 else 1),
                    "required": percent_text(c.required),
                    "ok": c.ok,
                }
                for c in self.checks
            ],
        }


@dataclass(slots=True)
class ItdonyuResult(FindingsMixin):
    program: str
    frame: str
    frame_name_ja: str
    frame_name_en: str
    calc: str
    member_count: int
    rate_label: str
    lower_yen: int | None
    cap_yen: int
    claimed_total_yen: int
    eligible_total_yen: int
    subsidy_yen: int
    own_funds_yen: int
    members: list[ItdMember]
    lines: list[ItdLine]
    findings: list[Finding]
    steps: list[Step]
    band: int | None = None
    group_parts: dict[str, int] = field(default_factory=dict)  # a, b, c for 複数社連携
    productivity: ProductivityResult | None = None

    def member(self, member_id: str) -> ItdMember | None:
        return next((m for m in self.members if m.id == member_id), None)

    def line(self, line_id: str) -> ItdLine | None:
        return next((ln for ln in self.lines if ln.id == line_id), None)

    def summary_dict(self, lang: str = "ja") -> dict[str, Any]:
        """The ``kyoso summary --json`` object for an ``itdonyu-application/1`` file (docs/itdonyu.md)."""
        return {
            "program": self.program,
            "frame": self.frame,
            "frame_name": self.frame_name_ja if lang == "ja" else self.frame_name_en,
            "member_count": self.member_count,
            "rate": self.rate_label,
            "lower_yen": self.lower_yen,
            "cap_yen": self.cap_yen,
            "claimed_total_yen": self.claimed_total_yen,
            "eligible_total_yen": self.eligible_total_yen,
            "subsidy_yen": self.subsidy_yen,
            "own_funds_yen": self.own_funds_yen,
            "error_count": self.count("error"),
            "warning_count": self.count("warning"),
            "info_count": self.count("info"),
            **({"band": self.band} if self.band is not None else {}),
            **({"group": dict(self.group_parts)} if self.group_parts else {}),
            "members": [
                {
                    "id": m.id,
                    "role": m.role,
                    "counted": m.counted,
                    "small_business": m.small_business,
                    "claimed_yen": m.claimed_yen,
                    "eligible_yen": m.eligible_yen,
                    "subsidy_yen": m.subsidy_yen,
                    "own_funds_yen": m.own_funds_yen,
                    "parts": dict(m.parts),
                }
                for m in self.members
            ],
            "lines": [
                {
                    "id": ln.id,
                    "member": ln.member,
                    "kind": ln.kind,
                    **({"expense": ln.expense} if ln.expense is not None else {}),
                    "claimed_yen": ln.claimed_yen,
                    "eligible_yen": ln.eligible_yen,
                    "reductions": [{"rule": r.rule, "yen": r.yen} for r in ln.reductions],
                }
                for ln in self.lines
            ],
            "steps": [s.to_dict(lang) for s in self.steps],
            **({"productivity": self.productivity.to_dict()} if self.productivity is not None else {}),
            "findings": [f.as_dict(lang) for f in self.findings],
        }
