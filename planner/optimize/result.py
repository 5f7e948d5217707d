"""What the optimiser returns: :class:`OptimizeResult`, its :class:`Note` and :class:`LineChange` records,
:class:`OptimizeInputError` for bad arguments, and the small text helpers they use
(:func:`fmt_fraction`, :func:`parse_objective`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from planner.money import yen
from planner.result import Finding, Result
from planner.scenarios import add_scenario
from schemas.plan import Plan

Status = Literal["optimal", "optimal_forced_trim", "no_flex", "infeasible", "invalid", "solver_failed"]



# ---------------------------------------------------------------------------------------------
# Public result types


@dataclass(frozen=True, slots=True)
class Note:
    """One sentence of the explanation, in Japanese and English, with what it is about."""

    kind: str  # binding | line_bound | forced_trim | infeasible | invalid | discrepancy | unproven | info
    key: str
    ja: str
    en: str
    value: Fraction | None = None  # a dual value (yen of subsidy per yen), where there is one
    yen: int | None = None

    def text(self, lang: str = "ja") -> str:
        return self.ja if lang == "ja" else self.en

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "key": self.key, "message": self.text(lang)}
        if self.value is not None:
            out["value"] = fmt_fraction(self.value, 4)
        if self.yen is not None:
            out["yen"] = self.yen
        return out


@dataclass(frozen=True, slots=True)
class LineChange:
    id: str
    member: str
    before_yen: int
    after_yen: int
    hours: Decimal | None = None


@dataclass(slots=True)
class OptimizeResult:
    status: Status
    objective: str
    plan: Plan | None  # the optimised plan (no scenarios), None when there is none
    result: Result | None  # planner.evaluate of ``plan``
    baseline: Result  # planner.evaluate of the input plan
    model_subsidy_yen: int | None = None
    notes: list[Note] = field(default_factory=list)
    changes: list[LineChange] = field(default_factory=list)
    new_findings: list[Finding] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    budgets: dict[str, int] = field(default_factory=dict)  # "*" → consortium budget
    # classes whose total no hours were found for, solved again line by line (-1: every labour line)
    classes_split: int = 0

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "optimal_forced_trim", "no_flex") and self.plan is not None

    def notes_of(self, *kinds: str) -> list[Note]:
        return [n for n in self.notes if n.kind in kinds]

    def scenario_name(self, lang: str = "ja") -> str:
        if self.objective.startswith("own-funds:"):
            who = self.objective.split(":", 1)[1]
            base = f"最適化({who} の自己負担最小)" if lang == "ja" else f"optimised (least own funds for {who})"
        else:
            base = "最適化(補助金最大)" if lang == "ja" else "optimised (most subsidy)"
        if self.budgets:
            parts = [
                (("予算" if lang == "ja" else "budget") + f" {yen(v)}") if k == "*" else f"{k} ≤ {yen(v)}"
                for k, v in self.budgets.items()
            ]
            base += " [" + ", ".join(parts) + "]"
        return base

    def summary_text(self, lang: str = "ja") -> str:
        ja = lang == "ja"
        if not self.ok or self.result is None:
            head = "最適化できませんでした" if ja else "no optimised plan"
            return head + ": " + "; ".join(n.text(lang) for n in self.notes_of("infeasible", "invalid", "solver_failed"))
        b, r = self.baseline, self.result
        if ja:
            return (
                f"補助金 {yen(b.subsidy_yen)} → {yen(r.subsidy_yen)}(差 {yen(r.subsidy_yen - b.subsidy_yen)})、"
                f"申請経費 {yen(b.claimed_total_yen)} → {yen(r.claimed_total_yen)}、"
                f"自己負担 {yen(b.own_funds_yen)} → {yen(r.own_funds_yen)}、変更した行 {len(self.changes)}"
            )
        return (
            f"subsidy {yen(b.subsidy_yen)} → {yen(r.subsidy_yen)} (change {yen(r.subsidy_yen - b.subsidy_yen)}), "
            f"claimed {yen(b.claimed_total_yen)} → {yen(r.claimed_total_yen)}, "
            f"own funds {yen(b.own_funds_yen)} → {yen(r.own_funds_yen)}, {len(self.changes)} line(s) changed"
        )

    def note_text(self, lang: str = "ja") -> str:
        """What the scenario's note records: the summary and the binding constraints."""
        parts = [self.summary_text(lang)]
        parts += [n.text(lang) for n in self.notes if n.kind in ("binding", "forced_trim", "discrepancy")]
        return "\n".join(parts)[:2000]

    def add_to(self, plan: Plan, lang: str = "ja", name: str | None = None) -> Plan:
        """``plan`` with the optimised plan appended as a new scenario (its own lines untouched)."""
        if self.plan is None:
            return plan
        return add_scenario(plan, name or self.scenario_name(lang), self.plan, self.note_text(lang))

    def explain(self, lang: str = "ja") -> list[str]:
        return [n.text(lang) for n in self.notes]

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": self.objective,
            "budgets": dict(self.budgets),
            "summary": self.summary_text(lang),
            "baseline_subsidy_yen": self.baseline.subsidy_yen,
            "subsidy_yen": self.result.subsidy_yen if self.result is not None else None,
            "model_subsidy_yen": self.model_subsidy_yen,
            "claimed_total_yen": self.result.claimed_total_yen if self.result is not None else None,
            "own_funds_yen": self.result.own_funds_yen if self.result is not None else None,
            "changes": [
                {
                    "id": c.id,
                    "member": c.member,
                    "before_yen": c.before_yen,
                    "after_yen": c.after_yen,
                    **({"hours": str(c.hours)} if c.hours is not None else {}),
                }
                for c in self.changes
            ],
            "new_findings": [{"rule": f.rule, "severity": f.severity, "message": f.message(lang)} for f in self.new_findings],
            "notes": [n.to_dict(lang) for n in self.notes],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


class OptimizeInputError(ValueError):
    """The optimiser's arguments are wrong (unknown member, bad objective) — message in ja and en."""

    def __init__(self, ja: str, en: str) -> None:
        self.ja, self.en = ja, en
        super().__init__(en)

    def message(self, lang: str = "ja") -> str:
        return self.ja if lang == "ja" else self.en


def fmt_fraction(value: Fraction, places: int = 2) -> str:
    """A fraction as a decimal string rounded half up to ``places`` (no floats)."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    scale = 10**places
    n = (v.numerator * scale * 2 + v.denominator) // (2 * v.denominator)
    whole, frac = divmod(n, scale)
    if places == 0:
        return f"{sign}{whole:,}"
    text = f"{whole:,}.{frac:0{places}d}".rstrip("0").rstrip(".")
    return sign + text if text != "0" else "0"


def parse_objective(text: str) -> tuple[str, str | None]:
    if text in ("subsidy", ""):
        return "subsidy", None
    if text.startswith("own-funds:") and len(text) > len("own-funds:"):
        return "own_funds", text.split(":", 1)[1]
    raise OptimizeInputError(
        f"目的 {text!r} は使えません(subsidy または own-funds:メンバーID)",
        f"unknown objective {text!r} (subsidy or own-funds:MEMBER_ID)",
    )
