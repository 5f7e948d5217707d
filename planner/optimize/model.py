"""The mixed-integer programme as data: integer linear expressions (``_Lin``), rows (``_Row``), the model
(``_Model``: variables with bounds, rows, exact re-check), the units the plan's lines are read into
(``_Unit``: fixed and zeroed lines, classes, labour lines, term lines and groups), and the rules as
rows (:func:`_build_rules`: the three ratio rules, optional trim variables, the members' floored
subsidy, the sum and the cap).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from planner.kyoso.params import KyosoParams
from planner.optimize.realise import ClassEnds, LatticeLine, TermGroup
from planner.result import Result
from schemas.plan import Plan


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)

@dataclass(slots=True)
class _Lin:
    """An integer linear expression: Σ coef·var + const."""

    terms: dict[int, int] = field(default_factory=dict)
    const: int = 0

    def add(self, other: _Lin, k: int = 1) -> _Lin:
        for v, c in other.terms.items():
            self.terms[v] = self.terms.get(v, 0) + k * c
        self.const += k * other.const
        return self

    def var(self, v: int, k: int = 1) -> _Lin:
        self.terms[v] = self.terms.get(v, 0) + k
        return self

    def scaled(self, k: int) -> _Lin:
        return _Lin({v: c * k for v, c in self.terms.items()}, self.const * k)

    def copy(self) -> _Lin:
        return _Lin(dict(self.terms), self.const)

    def value(self, x: list[int]) -> int:
        return self.const + sum(c * x[v] for v, c in self.terms.items())


@dataclass(slots=True)
class _Row:
    key: str
    coefs: dict[int, int]
    rhs: int  # Σ coefs·x ≤ rhs (or == rhs when eq)
    eq: bool = False
    unit: int = 1  # RHS change that means "one more yen" in the row's own terms (for duals)
    meta: dict[str, Any] = field(default_factory=dict)


class _Model:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.lb: list[int] = []
        self.ub: list[int] = []
        self.rows: list[_Row] = []
        # Upper bounds for the explanation's dual LP only.  The solver uses the tight bounds (a floored
        # amount is at most the floor of its largest argument); the explanation loosens them by one so
        # that a binding floor row, not the variable's bound, carries the dual value.
        self.dual_ub: dict[int, int] = {}

    def var(self, name: str, lb: int, ub: int, *, dual_ub: int | None = None) -> int:
        self.names.append(name)
        self.lb.append(lb)
        self.ub.append(ub)
        if dual_ub is not None:
            self.dual_ub[len(self.names) - 1] = dual_ub
        return len(self.names) - 1

    def le(self, key: str, lhs: _Lin, rhs: _Lin | int = 0, *, unit: int = 1, **meta: Any) -> _Row:
        """lhs ≤ rhs."""
        diff = lhs.copy()
        if isinstance(rhs, _Lin):
            diff.add(rhs, -1)
        else:
            diff.const -= rhs
        row = _Row(key, {v: c for v, c in diff.terms.items() if c}, -diff.const, False, unit, dict(meta))
        self.rows.append(row)
        return row

    def lo(self, lin: _Lin) -> int:
        return lin.const + sum(c * (self.lb[v] if c > 0 else self.ub[v]) for v, c in lin.terms.items())

    def hi(self, lin: _Lin) -> int:
        return lin.const + sum(c * (self.ub[v] if c > 0 else self.lb[v]) for v, c in lin.terms.items())

    def violations(self, x: list[int], extra: Iterable[_Row] = ()) -> list[str]:
        bad = [self.names[i] for i, v in enumerate(x) if not self.lb[i] <= v <= self.ub[i]]
        for row in (*self.rows, *extra):
            lhs = sum(c * x[v] for v, c in row.coefs.items())
            if (lhs != row.rhs) if row.eq else (lhs > row.rhs):
                bad.append(row.key)
        return bad

# ---------------------------------------------------------------------------------------------
# Reading the plan into units


@dataclass(slots=True)
class _Unit:
    kind: str  # fixed | zeroed | plain | labour | term
    lines: list[int]  # indexes into plan.costs
    member: str
    claimed: _Lin
    elig: _Lin
    sig: tuple[Any, ...] = ()
    lo: list[int] = field(default_factory=list)  # plain: per-line amount range
    hi: list[int] = field(default_factory=list)
    rate: int = 0  # labour: yen per hour
    hh_var: int = -1
    amount_var: int = -1
    lattice: dict[int, LatticeLine] = field(default_factory=dict)  # plain: labour lines on an hours lattice
    ends: ClassEnds | None = None  # plain with lattice lines: which totals its lines reach
    terms: TermGroup | None = None  # termgroup: lines under the term rule with a whole multiple of 12 months


class _Unrealisable(Exception):
    """Class totals that the search could not share out to their labour lines' hours."""

    def __init__(self, keys: set[tuple[Any, ...]]) -> None:
        super().__init__(keys)
        self.keys = keys

# ---------------------------------------------------------------------------------------------
# Rules as rows


@dataclass(slots=True)
class _Built:
    t_var: int
    raw: dict[str, _Lin]  # member → raw subsidy (a variable, or a constant)
    elig: dict[str, _Lin]  # member → eligible after the ratio rules
    cap: int
    rate: Fraction
    binaries: list[int] = field(default_factory=list)
    trims: dict[str, _Lin] = field(default_factory=dict)  # rule:scope → yen trimmed
    groups: dict[str, _Lin] = field(default_factory=dict)  # C:scope, R:scope, U, B, S, O (after trims)


def _build_rules(
    model: _Model,
    units: list[_Unit],
    plan: Plan,
    params: KyosoParams,
    baseline: Result,
    roles: Mapping[str, str],
    per_vendor: bool,
    *,
    allow_trim: bool = False,
) -> _Built:
    # per group, per member, the eligible amount after the line rules
    groups: dict[str, dict[str, _Lin]] = {}
    member_elig: dict[str, _Lin] = {}
    for u in units:
        r1, r2, r3 = u.sig
        parts = [f"{r1[0]}:{r1[1]}" if r1 else None, r2, r3]
        for g in parts:
            if g is not None:
                groups.setdefault(g, {}).setdefault(u.member, _Lin()).add(u.elig)
        member_elig.setdefault(u.member, _Lin()).add(u.elig)

    built = _Built(-1, {}, {}, baseline.cap_yen, baseline.rate)
    trimmed_total: dict[str, _Lin] = {}

    def limited(group: str, rule: str, scope: str) -> _Lin:
        """The group's total after the rule's trim (trim variables per member when allowed)."""
        total = _Lin()
        trim_total = _Lin()
        for mid, lin in groups.get(group, {}).items():
            if allow_trim and model.hi(lin) > 0:
                t = model.var(f"t:{rule}:{scope}:{mid}", 0, model.hi(lin))
                model.le(f"trim_le:{rule}:{scope}:{mid}", _Lin().var(t), lin)
                member_elig[mid].add(_Lin().var(t), -1)
                trim_total.var(t)
                total.add(lin).var(t, -1)
            else:
                total.add(lin)
        trimmed_total[f"{rule}:{scope}"] = trim_total
        return total

    def sum_group(group: str) -> _Lin:
        total = _Lin()
        for lin in groups.get(group, {}).values():
            total.add(lin)
        return total

    # 1. cost.subcontract_half
    ratio = params.subcontract_ratio.value
    p, q = ratio.numerator, ratio.denominator
    scopes = [m.id for m in plan.members if m.role == "it_vendor"] if per_vendor else ["consortium"]
    for scope in scopes:
        c_raw = sum_group(f"C:{scope}")
        if model.hi(c_raw) <= 0 or p >= q:
            continue
        c = limited(f"C:{scope}", "cost.subcontract_half", scope)
        r = sum_group(f"R:{scope}")
        built.groups[f"C:{scope}"], built.groups[f"R:{scope}"] = c, r
        lhs = c.scaled(q - p).add(r, -p)
        meta = {"rule": "cost.subcontract_half", "scope": scope}
        if model.lo(c) > 0 or p * model.lo(r) >= 1:
            model.le(f"rule:cost.subcontract_half:{scope}", lhs, -1, unit=q - p, **meta)
        elif model.hi(r) <= 0:
            model.le(f"rule:cost.subcontract_half:{scope}", c, 0, unit=1, **meta)
        else:  # C = 0, or C·(q−p) ≤ p·R − 1: a binary y says which
            y = model.var(f"y:{scope}", 0, 1)
            built.binaries.append(y)
            model.le(f"rule:cost.subcontract_half:{scope}", lhs.var(y, 1), 0, unit=q - p, **meta)
            model.le(f"rule_switch:cost.subcontract_half:{scope}", c, _Lin().var(y, model.hi(c)))

    # 2. cost.user_labour_third
    ratio = params.user_labour_ratio.value
    p, q = ratio.numerator, ratio.denominator
    u_raw = sum_group("U")
    b = sum_group("B")
    if model.hi(u_raw) > 0:
        u_lim = limited("U", "cost.user_labour_third", "consortium")
        built.groups["U"], built.groups["B"] = u_lim, b
        model.le(
            "rule:cost.user_labour_third:consortium",
            u_lim.scaled(q).add(b, -p),
            0,
            unit=q,
            rule="cost.user_labour_third",
            scope="consortium",
        )

    # 3. cost.software_cloud_half: O = everything else after rules 1 and 2
    ratio = params.software_cloud_ratio.value
    p, q = ratio.numerator, ratio.denominator
    s_raw = sum_group("S")
    o = sum_group("O")
    for key, lin in trimmed_total.items():
        if not key.startswith("cost.software_cloud_half"):
            o.add(lin, -1)
    if model.hi(s_raw) > 0 and p < q:
        s = limited("S", "cost.software_cloud_half", "consortium")
        built.groups["S"], built.groups["O"] = s, o
        model.le(
            "rule:cost.software_cloud_half:consortium",
            s.scaled(q - p).add(o, -p),
            0,
            unit=q - p,
            rule="cost.software_cloud_half",
            scope="consortium",
        )
    built.trims = trimmed_total

    # subsidy: raw_i = floor(E_i × rate), T = min(cap, Σ raw_i)
    rp, rq = built.rate.numerator, built.rate.denominator
    t_hi = 0
    raw_sum = _Lin()
    for m in plan.members:
        if m.role not in ("sme_user", "it_vendor"):
            continue
        e = member_elig.get(m.id, _Lin())
        built.elig[m.id] = e
        if not e.terms:
            raw = _Lin(const=max(0, e.const) * rp // rq)
        else:
            hi = max(0, model.hi(e)) * rp // rq
            rv = model.var(f"raw:{m.id}", 0, hi, dual_ub=hi + 1)
            model.le(f"raw:{m.id}", _Lin().var(rv, rq), e.scaled(rp))
            raw = _Lin().var(rv)
        built.raw[m.id] = raw
        raw_sum.add(raw)
        t_hi += model.hi(raw)
    t = model.var("T", 0, max(0, t_hi))  # the cap is a row, so that its dual is reported
    built.t_var = t
    model.le("subsidy_sum", _Lin().var(t), raw_sum)
    model.le("cap", _Lin().var(t), built.cap, kind="cap")
    return built
