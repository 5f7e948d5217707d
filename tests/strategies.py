"""hypothesis strategies for random VALID ``kyoso-plan/1`` plans (they pass ``schemas.load_plan``).

"Valid" means well-formed: the plans load.  They are deliberately full of rule violations, because
the engine must handle those: wrong STEPs, bad or unknown payees, unknown members / integrations /
meetings, tools of unknown vendors, integrations joining a tool to itself, more than 12 months,
``modifies_existing_tool``, ``kenpo_grade`` with and without a ``kenpo_rates`` table (and grades
missing from it), large-enterprise vendors, members that are not SMEs, schedules out of order, and
amounts from one yen up to the 10¹² per-line limit.  About a third of the plans are drawn in a
"big" mode (many members, lines that the matrix allows, ¥10⁷–¥10¹⁰ amounts) so that the cap
really binds.

Reuse from other tests::

    from tests.strategies import plan_dicts, plans

    @given(plans())             # schemas.Plan objects
    def test_something(plan): ...

    @given(plan_dicts(max_costs=200))   # JSON-ready dicts (what a plan file holds)
    def test_other(data): ...

The strategies know the STEP × role × category matrix of kyoso-rules.md §3 only to *bias* the draw
towards lines the rules allow (otherwise almost every line would be zeroed); nothing here computes
an expected figure.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from schemas import CATEGORIES, INDUSTRIES, METHODS, Plan, load_plan
from schemas.plan import BASIC_INDUSTRIES

ROLES = ("sme_user", "it_vendor", "collaborator")
PROGRAMS = ("kyoso-r4", "kyoso-r3")

#: kyoso-rules.md §3 (used only to bias the draw towards allowed lines).
SPEC_STEPS: dict[str, dict[str, tuple[int, ...]]] = {
    "sme_user": {
        "software": (1,),
        "cloud": (1,),
        "meeting": (2, 3, 4),
        "travel": (2, 3, 4),
        "expert": (2, 3, 4),
        "labour": (2, 4),
        "outsourcing": (2, 3, 4),
    },
    "it_vendor": {"travel": (2, 3, 4), "labour": (3, 4), "outsourcing": (3,)},
    "collaborator": {},
}
#: Categories each role may claim at all (for the biased draw).
SPEC_CATEGORIES = {role: tuple(cats) for role, cats in SPEC_STEPS.items()}

UNKNOWN_MEMBER = "zz-nobody"
UNKNOWN_TOOL = "t-nowhere"
UNKNOWN_INTEGRATION = "i-nowhere"
UNKNOWN_MEETING = "mt-nowhere"

MAX_LINE_YEN = 10**12

# -- small building blocks -----------------------------------------------------------------------

short_text = st.text(max_size=12)
names = st.text(min_size=1, max_size=16)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
#: Arbitrary JSON values (what ``extra`` may hold).
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
extras = st.dictionaries(st.text(max_size=8), json_values, max_size=3)


def corporate_number_check_digit(base12: str) -> int:
    """国税庁's formula: 9 − (Σ Pn × Qn mod 9), Pn the n-th digit from the right, Qn = 1 (odd n) or 2."""
    total = sum(int(ch) * (1 if n % 2 else 2) for n, ch in enumerate(reversed(base12), start=1))
    return 9 - total % 9


corporate_numbers = st.text(alphabet="0123456789", min_size=12, max_size=12).map(
    lambda base: f"{corporate_number_check_digit(base)}{base}"
)

dates = st.dates(min_value=date(2021, 1, 1), max_value=date(2024, 3, 31))


def _maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any], p_present: int = 50) -> Any:
    """Draw from ``strategy`` with probability ``p_present`` percent, else ``None`` (key left out)."""
    if draw(st.integers(0, 99)) < p_present:
        return draw(strategy)
    return None


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _chance(draw: st.DrawFn, percent: int) -> bool:
    return draw(st.integers(0, 99)) < percent


# amounts: a good fraction is large, so that the ratio rules and the cap really bind
def _yen(draw: st.DrawFn, big: bool) -> int:
    band = draw(st.integers(0, 9))
    if big:
        lo, hi = [(10**7, 10**8), (10**8, 10**9), (10**8, 10**10), (0, 10**6), (10**10, MAX_LINE_YEN)][band % 5]
    else:
        lo, hi = [(0, 10), (1, 10**5), (10**5, 10**6), (10**6, 10**7), (10**7, 10**8),
                  (999_990, 1_000_010), (10**8, 10**9), (1, 10**6), (10**9, 10**11), (10**11, MAX_LINE_YEN)][band]
    return draw(st.integers(lo, hi))


# -- members -------------------------------------------------------------------------------------

_ID_PREFIX = {"sme_user": "u", "it_vendor": "v", "collaborator": "x"}
_CAPITALS = st.sampled_from(
    [0, 1, 5_000_000, 50_000_000, 50_000_001, 100_000_000, 100_000_001, 300_000_000, 300_000_001, 10**14]
) | st.integers(0, 10**14)
_EMPLOYEES = st.sampled_from([0, 1, 50, 51, 100, 101, 200, 201, 300, 301, 900, 901]) | st.integers(0, 10_000_000)


def _member(draw: st.DrawFn, index: int, role: str, big: bool) -> dict[str, Any]:
    mid = f"{_ID_PREFIX[role]}{index + 1}" if not _chance(draw, 5) else f"会員{index + 1}"
    m: dict[str, Any] = {"id": mid, "name": draw(names), "role": role}
    qualifies = role != "collaborator" and _chance(draw, 90 if big else 65)
    if qualifies:  # a clear 中小企業: manufacturing with few employees
        m["industry"] = draw(st.sampled_from(("manufacturing", "software", "other")))
        m["employees"] = draw(st.integers(0, 300))
        _put(m, "capital_yen", _maybe(draw, st.integers(0, 300_000_000)))
        if role == "it_vendor" and _chance(draw, 4 if big else 12):
            m["large_enterprise"] = True
    else:
        _put(m, "industry", _maybe(draw, st.sampled_from(INDUSTRIES), 85))
        _put(m, "main_industry", _maybe(draw, st.sampled_from(BASIC_INDUSTRIES), 40))
        _put(m, "capital_yen", _maybe(draw, _CAPITALS, 70))
        _put(m, "employees", _maybe(draw, _EMPLOYEES, 70))
        _put(m, "deemed_large", _maybe(draw, st.booleans(), 30))
        _put(m, "large_enterprise", _maybe(draw, st.booleans(), 30))
    _put(m, "corporate_number", _maybe(draw, corporate_numbers, 30))
    _put(m, "representative", _maybe(draw, short_text, 10))
    _put(m, "extra", _maybe(draw, extras, 5))
    return m


# -- costs ---------------------------------------------------------------------------------------


def _hours(draw: st.DrawFn, hundredths: int) -> Any:
    """hours as an int, a float or a decimal string, with at most 2 decimals."""
    whole, frac = divmod(hundredths, 100)
    text = f"{whole}.{frac:02d}" if frac else str(whole)
    form = draw(st.integers(0, 3))
    if form == 0 and not frac:
        return whole
    if form == 1:
        return float(text)
    if form == 2 and frac % 10 == 0:
        return f"{whole}.{frac // 10}"
    return text


def _cost(
    draw: st.DrawFn,
    index: int,
    members: list[dict[str, Any]],
    integration_ids: list[str],
    meeting_ids: list[str],
    big: bool,
) -> dict[str, Any]:
    by_role: dict[str, list[str]] = {r: [m["id"] for m in members if m["role"] == r] for r in ROLES}
    all_ids = [m["id"] for m in members]
    allowed_draw = _chance(draw, 92 if big else 70)
    if members and _chance(draw, 96):
        member = draw(st.sampled_from(members))
        mid, role = member["id"], member["role"]
    else:
        mid, role = UNKNOWN_MEMBER, None
    if allowed_draw and role is not None and SPEC_CATEGORIES[role]:
        category = draw(st.sampled_from(SPEC_CATEGORIES[role]))
        step = draw(st.sampled_from(SPEC_STEPS[role][category]))
    else:
        category = draw(st.sampled_from(CATEGORIES))
        step = draw(st.integers(1, 4))
    c: dict[str, Any] = {"id": f"c{index + 1}", "member": mid, "step": step, "category": category}
    _put(c, "description", _maybe(draw, short_text, 30))

    if category == "labour":
        hundredths = draw(st.sampled_from([1, 50, 100, 12_345, 60_000]) | st.integers(1, 100_000_000))
        c["hours"] = _hours(draw, hundredths)
        if _chance(draw, 70):
            # hours × rate ≤ 10¹²: hundredths × rate ≤ 10¹⁴
            max_rate = min(1_000_000, 10**14 // hundredths)
            if big:
                rate = draw(st.integers(min(3000, max_rate), max_rate))
            else:
                rate = draw(st.sampled_from([0, 1, 999, 3500]) | st.integers(0, max_rate))
            c["hourly_rate_yen"] = min(rate, max_rate)
        else:
            c["kenpo_grade"] = draw(st.integers(1, 50))
        _put(c, "modifies_existing_tool", _maybe(draw, st.booleans(), 25))
    else:
        unit = _yen(draw, big)
        max_qty = min(10**9, MAX_LINE_YEN // unit) if unit else 10**9
        qty = draw(st.integers(1, min(12, max_qty)) | st.integers(1, max_qty))
        c["unit_price_yen"] = unit
        c["quantity"] = qty
        if category == "software":
            maintenance = _maybe(draw, st.booleans(), 40)
            _put(c, "maintenance", maintenance)
            if maintenance:
                _put(c, "months", _maybe(draw, st.sampled_from([1, 12, 13, 24, 36, 600]) | st.integers(1, 600), 80))
        elif category == "cloud":
            _put(c, "months", _maybe(draw, st.sampled_from([1, 11, 12, 13, 24, 36, 600]) | st.integers(1, 600), 75))

    if category in ("outsourcing", "expert"):
        kind = draw(st.integers(0, 9))
        if role == "it_vendor" and category == "outsourcing" and allowed_draw and kind < 8:
            c["payee_external"] = draw(names)
        elif role == "sme_user" and category == "outsourcing" and allowed_draw and kind < 8 and by_role["it_vendor"]:
            c["payee"] = draw(st.sampled_from(by_role["it_vendor"]))
        elif category == "expert" and allowed_draw and kind < 8 and by_role["collaborator"]:
            c["payee"] = draw(st.sampled_from(by_role["collaborator"]))
        elif kind < 5 and all_ids:
            c["payee"] = draw(st.sampled_from(all_ids))  # any member: often a bad payee
        elif kind < 7:
            c["payee_external"] = draw(names)
        elif kind < 8:
            c["payee"] = UNKNOWN_MEMBER
        # else: no payee at all
        if category == "outsourcing":
            _put(c, "subcontract", _maybe(draw, st.booleans(), 40))

    if category in ("meeting", "travel") and (meeting_ids or _chance(draw, 20)):
        if _chance(draw, 85 if category == "meeting" else 50):
            c["meeting"] = draw(st.sampled_from(meeting_ids)) if meeting_ids and _chance(draw, 90) else UNKNOWN_MEETING
    if (category in ("labour", "travel") and _chance(draw, 60)) or _chance(draw, 5):
        if integration_ids and _chance(draw, 90):
            c["integration"] = draw(st.sampled_from(integration_ids))
        else:
            c["integration"] = UNKNOWN_INTEGRATION
    if _chance(draw, 5):
        lo = draw(st.integers(0, MAX_LINE_YEN))
        c["flex"] = {"min_yen": lo, "max_yen": draw(st.integers(lo, MAX_LINE_YEN))}
    _put(c, "extra", _maybe(draw, extras, 4))
    return c


# -- the plan ------------------------------------------------------------------------------------


@st.composite
def plan_dicts(
    draw: st.DrawFn,
    *,
    max_members: int = 15,
    max_costs: int = 60,
    max_tools: int = 8,
    big: bool | None = None,
) -> dict[str, Any]:
    """A random plan as a JSON-ready dict that ``schemas.load_plan`` accepts.

    ``big`` forces (True) or forbids (False) the big-amount mode; by default about a third of the
    plans are big.
    """
    if big is None:
        big = _chance(draw, 35)
    n_members = draw(st.integers(4 if big else 0, max_members))
    if big:
        weights = ("sme_user", "sme_user", "it_vendor", "it_vendor", "collaborator")
    else:
        weights = ("sme_user", "it_vendor", "collaborator")
    roles = [draw(st.sampled_from(weights)) for _ in range(n_members)]
    members = [_member(draw, i, role, big) for i, role in enumerate(roles)]
    member_ids = [m["id"] for m in members]
    users = [m["id"] for m in members if m["role"] == "sme_user"]
    vendors = [m["id"] for m in members if m["role"] == "it_vendor"]

    # tools: a plan vendor (usually an it_vendor, sometimes any member or an unknown id) or an external one
    tools: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, max_tools))):
        t: dict[str, Any] = {"id": f"t{i + 1}", "name": draw(names)}
        how = draw(st.integers(0, 9))
        if how < 6 and vendors:
            t["vendor"] = draw(st.sampled_from(vendors))
        elif how < 7 and member_ids:
            t["vendor"] = draw(st.sampled_from(member_ids))
        elif how < 8:
            t["vendor"] = UNKNOWN_MEMBER
        else:
            t["external_vendor"] = draw(names)
        pool = users if users and _chance(draw, 80) else member_ids
        t["users"] = draw(st.lists(st.sampled_from(pool), unique=True, max_size=4)) if pool else []
        if _chance(draw, 5):
            t["users"].append(UNKNOWN_MEMBER)
        t["has_sales_record"] = _chance(draw, 85)
        _put(t, "description", _maybe(draw, short_text, 10))
        _put(t, "extra", _maybe(draw, extras, 4))
        tools.append(t)
    tool_ids = [t["id"] for t in tools]

    integrations: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 6))):
        ends = [*tool_ids, UNKNOWN_TOOL] if _chance(draw, 10) or not tool_ids else tool_ids
        integ: dict[str, Any] = {
            "id": f"i{i + 1}",
            "from": draw(st.sampled_from(ends)),
            "to": draw(st.sampled_from(ends)),
            "method": draw(st.sampled_from(METHODS)),
            "new_development": _chance(draw, 85),
        }
        _put(integ, "extra", _maybe(draw, extras, 4))
        integrations.append(integ)

    meetings: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 4))):
        participants = draw(st.lists(st.sampled_from(member_ids), unique=True, max_size=6)) if member_ids else []
        if _chance(draw, 5):
            participants.append(UNKNOWN_MEMBER)
        mt: dict[str, Any] = {"id": f"mt{i + 1}", "title": draw(names), "participants": participants}
        _put(mt, "date", _maybe(draw, dates.map(date.isoformat), 30))
        meetings.append(mt)

    schedule: list[dict[str, Any]] = []
    for step in draw(st.lists(st.integers(1, 4), unique=True, max_size=4)):
        start = draw(dates)
        end = start + timedelta(days=draw(st.integers(-20, 200)))
        schedule.append({"step": step, "start": start.isoformat(), "end": end.isoformat()})

    costs = [
        _cost(draw, i, members, [x["id"] for x in integrations], [x["id"] for x in meetings], big)
        for i in range(draw(st.integers(0, max_costs)))
    ]

    consortium: dict[str, Any] = {"name": draw(names)}
    lead_kind = draw(st.integers(0, 9))
    if lead_kind < 6 and users:
        consortium["lead"] = draw(st.sampled_from(users))
    elif lead_kind < 8 and member_ids:
        consortium["lead"] = draw(st.sampled_from(member_ids))
    elif lead_kind < 9:
        consortium["lead"] = UNKNOWN_MEMBER
    _put(consortium, "decision_date", _maybe(draw, dates.map(date.isoformat), 40))
    _put(consortium, "project_end", _maybe(draw, dates.map(date.isoformat), 40))
    if _chance(draw, 20):
        consortium["contact"] = {"company": draw(short_text), "email": "a@example.jp", "phone": "03-0000-0000"}

    plan: dict[str, Any] = {
        "format": "kyoso-plan/1",
        "program": draw(st.sampled_from(PROGRAMS)),
        "consortium": consortium,
        "members": members,
        "tools": tools,
        "integrations": integrations,
        "meetings": meetings,
        "schedule": schedule,
        "costs": costs,
    }
    if (any(c.get("kenpo_grade") for c in costs) and _chance(draw, 50)) or _chance(draw, 5):
        grades = draw(st.lists(st.integers(1, 50), unique=True, max_size=50))
        plan["kenpo_rates"] = {
            "title": "健保等級単価一覧表",
            "rates": {str(g): draw(st.integers(1, 100_000)) for g in grades},
        }
    _put(plan, "extra", _maybe(draw, extras, 5))
    return plan


def plans(**kwargs: Any) -> st.SearchStrategy[Plan]:
    """Random valid plans as loaded :class:`schemas.Plan` objects (same options as :func:`plan_dicts`)."""
    return plan_dicts(**kwargs).map(load_plan)


__all__ = [
    "SPEC_STEPS",
    "UNKNOWN_INTEGRATION",
    "UNKNOWN_MEETING",
    "UNKNOWN_MEMBER",
    "UNKNOWN_TOOL",
    "corporate_number_check_digit",
    "corporate_numbers",
    "extras",
    "json_values",
    "plan_dicts",
    "plans",
]
