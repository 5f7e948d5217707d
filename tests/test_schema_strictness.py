"""The plan schema is strict (plan-format.md, issue 2 §2): no coercion, ``extra`` anywhere and kept as
is, ``hours`` with at most two decimals, ids unique per list, the 法人番号 check digit, and errors named
by their JSON path.  Every case is checked on both routes in: a file's bytes and the app's dict."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import Plan, PlanLoadError, load_plan
from schemas.loader import MAX_PROBLEMS
from tests.strategies import corporate_number_check_digit, extras

BASE: dict[str, Any] = {
    "format": "kyoso-plan/1",
    "program": "kyoso-r4",
    "consortium": {"name": "テスト", "lead": "u1", "decision_date": "2022-10-14",
                   "contact": {"company": "A", "email": "a@example.jp"}},
    "members": [
        {"id": "u1", "name": "A製作所", "role": "sme_user", "industry": "manufacturing",
         "capital_yen": 50_000_000, "employees": 120, "deemed_large": False},
        {"id": "u2", "name": "B商店", "role": "sme_user", "industry": "retail", "employees": 6},
        {"id": "v1", "name": "Cソフト", "role": "it_vendor", "industry": "software", "employees": 40},
        {"id": "v2", "name": "D情報", "role": "it_vendor", "industry": "software", "employees": 12},
    ],
    "tools": [
        {"id": "t1", "name": "受発注", "vendor": "v1", "users": ["u1", "u2"], "has_sales_record": True},
        {"id": "t2", "name": "在庫", "external_vendor": "E社", "users": ["u1"], "has_sales_record": True},
    ],
    "integrations": [{"id": "i1", "from": "t1", "to": "t2", "method": "api", "new_development": True}],
    "meetings": [{"id": "mt1", "title": "要件定義", "participants": ["u1", "v1"], "date": "2022-11-01"}],
    "schedule": [{"step": 1, "start": "2022-10-17", "end": "2022-10-31"}],
    "costs": [
        {"id": "c1", "member": "u1", "step": 1, "category": "cloud", "unit_price_yen": 30_000, "quantity": 1,
         "months": 12},
        {"id": "c2", "member": "u1", "step": 3, "category": "outsourcing", "payee": "v1",
         "unit_price_yen": 2_000_000, "quantity": 1, "flex": {"min_yen": 1_000_000, "max_yen": 3_000_000}},
        {"id": "c3", "member": "v1", "step": 3, "category": "labour", "hours": 600, "hourly_rate_yen": 3500,
         "integration": "i1"},
        {"id": "c4", "member": "v2", "step": 3, "category": "labour", "hours": "10.5", "kenpo_grade": 22},
    ],
    "kenpo_rates": {"title": "健保等級単価一覧表", "rates": {"22": 1860, "23": 1950}},
}


def _path(*parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _with(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    change(doc)
    return doc


def _set(doc: dict[str, Any], parts: tuple[Any, ...], value: Any) -> None:
    node: Any = doc
    for p in parts[:-1]:
        node = node[p]
    node[parts[-1]] = value


def _sources(doc: dict[str, Any], raw: bytes | None = None) -> list[Any]:
    return [doc, raw if raw is not None else json.dumps(doc, ensure_ascii=False).encode("utf-8")]


def _errors(source: Any) -> list[str]:
    with pytest.raises(PlanLoadError) as info:
        load_plan(source)
    return [p.path for p in info.value.problems]


def test_the_base_plan_loads() -> None:
    for source in _sources(BASE):
        plan = load_plan(source)
        assert plan.to_json_dict() == json.loads(json.dumps(BASE)) | {
            "costs": [*BASE["costs"][:3], {**BASE["costs"][3], "hours": 10.5}]
        }


# -- no coercion ---------------------------------------------------------------------------------

INT_FIELDS = [
    ("members", 0, "capital_yen"),
    ("members", 0, "employees"),
    ("costs", 0, "unit_price_yen"),
    ("costs", 0, "quantity"),
    ("costs", 0, "months"),
    ("costs", 0, "step"),
    ("costs", 1, "flex", "min_yen"),
    ("costs", 2, "hourly_rate_yen"),
    ("costs", 3, "kenpo_grade"),
    ("schedule", 0, "step"),
    ("kenpo_rates", "rates", "22"),
]
NOT_INTEGERS = ["12", "12.0", " 12", 12.0, 1.0, True, False, [12], {"v": 12}]


@pytest.mark.parametrize("where", INT_FIELDS, ids=lambda w: ".".join(map(str, w)))
@pytest.mark.parametrize("bad", NOT_INTEGERS, ids=repr)
def test_no_coercion_into_integers(where: tuple[Any, ...], bad: Any) -> None:
    doc = _with(lambda d: _set(d, where, bad))
    for source in _sources(doc):
        assert _path(*where) in _errors(source)


def test_a_json_float_with_a_zero_fraction_is_not_an_integer() -> None:
    raw = json.dumps(BASE, ensure_ascii=False).replace('"employees": 120', '"employees": 120.0').encode("utf-8")
    with pytest.raises(PlanLoadError) as info:
        load_plan(raw)
    assert [p.path for p in info.value.problems] == ["$.members[0].employees"]
    assert "(got 120.0)" in info.value.message("en")  # shown as written, not as Decimal('120.0')


@pytest.mark.parametrize(
    ("where", "bad"),
    [
        (("members", 0, "deemed_large"), 0),
        (("members", 0, "deemed_large"), "false"),
        (("members", 0, "deemed_large"), None),
        (("tools", 0, "has_sales_record"), 1),
        (("tools", 0, "has_sales_record"), "true"),
        (("integrations", 0, "new_development"), "yes"),
        (("members", 0, "name"), 5),
        (("members", 0, "id"), 1),
        (("costs", 0, "member"), 1),
        (("tools", 0, "users"), "u1"),
        (("consortium", "name"), ["テスト"]),
        (("format",), 1),
        (("program",), None),
    ],
)
def test_no_coercion_of_booleans_strings_and_lists(where: tuple[Any, ...], bad: Any) -> None:
    doc = _with(lambda d: _set(d, where, bad))
    for source in _sources(doc):
        assert _path(*where) in _errors(source)


# -- extra ---------------------------------------------------------------------------------------

EXTRA_PLACES: list[tuple[Any, ...]] = [
    (),
    ("consortium",),
    ("consortium", "contact"),
    ("members", 1),
    ("tools", 0),
    ("integrations", 0),
    ("meetings", 0),
    ("schedule", 0),
    ("costs", 2),
    ("costs", 1, "flex"),
    ("kenpo_rates",),
]


def _node(doc: Any, where: tuple[Any, ...]) -> Any:
    for p in where:
        doc = doc[p]
    return doc


@given(st.sampled_from(EXTRA_PLACES), extras)
def test_extra_is_accepted_anywhere_and_kept_as_is(where: tuple[Any, ...], extra: dict[str, Any]) -> None:
    doc = _with(lambda d: _node(d, where).update({"extra": extra}))
    for source in _sources(doc):
        plan = load_plan(source)
        dumped = plan.to_json_dict()
        assert _node(dumped, where)["extra"] == extra
        # and it survives a save and a reload
        again = load_plan(json.dumps(dumped, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        assert _node(again.to_json_dict(), where)["extra"] == extra


@pytest.mark.parametrize("where", EXTRA_PLACES, ids=lambda w: ".".join(map(str, w)) or "plan")
def test_unknown_keys_are_refused_next_to_extra_but_not_inside_it(where: tuple[Any, ...]) -> None:
    inside = _with(lambda d: _node(d, where).update({"extra": {"anything": {"nested": [1, "x", None]}}}))
    for source in _sources(inside):
        load_plan(source)
    beside = _with(lambda d: _node(d, where).update({"extra": {}, "extras": {}}))
    for source in _sources(beside):
        assert _path(*where, "extras") in _errors(source)


@pytest.mark.parametrize("bad", [[1], "note", 1, True])
def test_extra_must_be_an_object(bad: Any) -> None:
    doc = _with(lambda d: d["members"][0].update({"extra": bad}))
    for source in _sources(doc):
        assert _errors(source) == ["$.members[0].extra"]


@pytest.mark.parametrize(
    ("raw_value", "path"),
    [("1e400", "$.extra.x"), ("-1e400", "$.extra.x"), ('{"deep": [1, 2e999]}', "$.extra.x.deep[1]")],
)
def test_numbers_that_cannot_be_kept_in_extra_are_refused(raw_value: str, path: str) -> None:
    """1e400 is no float: silently keeping it as ``null`` would change the user's file."""
    text = json.dumps(BASE, ensure_ascii=False)
    raw = (text[:-1] + ', "extra": {"x": ' + raw_value + "}}").encode("utf-8")
    assert _errors(raw) == [path]
    assert _errors(_with(lambda d: d.update({"extra": {"x": float("inf")}}))) == ["$.extra.x"]
    assert _errors(_with(lambda d: d.update({"extra": {"x": [float("nan")]}}))) == ["$.extra.x[0]"]


def test_to_json_dict_keeps_what_the_user_gave() -> None:
    plan = load_plan(BASE)
    dumped = plan.to_json_dict()
    assert dumped["integrations"][0]["from"] == "t1"  # the alias, not from_
    assert "deemed_large" not in dumped["members"][1]  # a default is not written out
    assert dumped["members"][0]["deemed_large"] is False  # what the user wrote is
    assert "extra" not in dumped


# -- hours ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (12, Decimal("12")),
        (12.5, Decimal("12.5")),
        (12.25, Decimal("12.25")),
        (0.01, Decimal("0.01")),
        ("12", Decimal("12")),
        ("12.5", Decimal("12.5")),
        ("12.25", Decimal("12.25")),
        ("12.50", Decimal("12.5")),
        ("0.01", Decimal("0.01")),
        ("1000000", Decimal("1000000")),
        ("1000000.00", Decimal("1000000")),
    ],
)
def test_hours_as_a_number_or_a_string_with_at_most_two_decimals(hours: Any, expected: Decimal) -> None:
    doc = _with(lambda d: d["costs"][2].update({"hours": hours}))
    for source in _sources(doc):
        got = load_plan(source).costs[2].hours
        assert got == expected


def test_hours_as_written_in_the_file() -> None:
    for written, expected in [("12.50", "12.5"), ("1.0e1", "10"), ("600.00", "600")]:
        raw = json.dumps(BASE, ensure_ascii=False).replace('"hours": 600', f'"hours": {written}').encode("utf-8")
        assert load_plan(raw).costs[2].hours == Decimal(expected)
    raw = json.dumps(BASE, ensure_ascii=False).replace('"hours": 600', '"hours": 1.25e-1').encode("utf-8")
    assert _errors(raw) == ["$.costs[2].hours"]


@pytest.mark.parametrize(
    "hours",
    [12.255, 0.001, "12.255", "12.", ".5", "1e1", "", " 12", "12 ", "+12", "-1", "1,000",
     "١٢", "１２", 0, "0", "0.00", -1, 1_000_000.01, "1000000.01", True, None, [12]],
    ids=repr,
)
def test_bad_hours_are_refused(hours: Any) -> None:
    doc = _with(lambda d: d["costs"][2].update({"hours": hours}))
    for source in _sources(doc):
        assert _errors(source) == ["$.costs[2].hours"]


def test_hours_times_rate_is_floored_to_the_yen() -> None:
    import planner

    doc = _with(lambda d: d["costs"][2].update({"hours": "1.5", "hourly_rate_yen": 333}))
    result = planner.evaluate(load_plan(doc))
    line = result.line("c3")
    assert line is not None and line.claimed_yen == 499  # 499.5 → 499


# -- ids -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listname", "key", "first", "second"),
    [("members", "id", 0, 3), ("tools", "id", 0, 1), ("costs", "id", 1, 3), ("schedule", "step", 0, 1),
     ("integrations", "id", 0, 1), ("meetings", "id", 0, 1)],
)
def test_ids_are_unique_per_list(listname: str, key: str, first: int, second: int) -> None:
    def dup(d: dict[str, Any]) -> None:
        items = d[listname]
        while len(items) <= second:
            items.append(copy.deepcopy(items[-1]) | ({"id": f"new{len(items)}"} if key == "id" else {"step": 4}))
        items[second][key] = items[first][key]

    doc = _with(dup)
    for source in _sources(doc):
        with pytest.raises(PlanLoadError) as info:
            load_plan(source)
        assert [p.path for p in info.value.problems] == [f"$.{listname}[{second}].{key}"]
        assert f"{listname}[{first}]" in info.value.message("en")  # names the first one too
        assert "重複" in info.value.message("ja")


def test_the_same_id_in_different_lists_is_fine() -> None:
    doc = _with(lambda d: (d["tools"][0].update({"id": "x"}), d["meetings"][0].update({"id": "x"}),
                           d["integrations"][0].update({"id": "x", "from": "x"}), d["costs"][0].update({"id": "x"})))
    for source in _sources(doc):
        load_plan(source)


# -- 法人番号 -------------------------------------------------------------------------------------

# Worked by hand with the 国税庁 formula: check = 9 − (Σ Pn·Qn mod 9), n counted from the right of the
# twelve base digits, Qn = 1 for odd n and 2 for even n.
#   7000012050002 (国税庁's own number): base 000012050002 → 2·1 + 5·1 + 2·1 + 1·2 = 11; 11 mod 9 = 2 → 7
#   7123456789012: base 123456789012 → 2+2+0+18+8+14+6+10+4+6+2+2 = 74; 74 mod 9 = 2 → 7
#   9111111111111: base 111111111111 → 6·1 + 6·2 = 18; 18 mod 9 = 0 → 9
#   9000000000000: base all zeros → 0 → 9 (a check digit is never 0)
VALID_NUMBERS = ["7000012050002", "7123456789012", "9111111111111", "9000000000000", "9234567890123"]
INVALID_NUMBERS = [
    "8000012050002",  # wrong check digit
    "6123456789012",
    "8123456789012",
    "0000000000000",  # 0 is never a check digit
    "1111111111111",
    "700001205000",  # 12 digits
    "70000120500021",  # 14 digits
    "7000-0120-50002",
    " 7000012050002",
    "７０００IO２０５０００２",
    "７００００１２０５０００２",  # full-width digits
    "",
]


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_valid_corporate_numbers(number: str) -> None:
    assert corporate_number_check_digit(number[1:]) == int(number[0])  # the hand computation above
    doc = _with(lambda d: d["members"][1].update({"corporate_number": number}))
    for source in _sources(doc):
        assert load_plan(source).members[1].corporate_number == number


@pytest.mark.parametrize("number", INVALID_NUMBERS)
def test_invalid_corporate_numbers(number: str) -> None:
    doc = _with(lambda d: d["members"][1].update({"corporate_number": number}))
    for source in _sources(doc):
        with pytest.raises(PlanLoadError) as info:
            load_plan(source)
        assert [p.path for p in info.value.problems] == ["$.members[1].corporate_number"]
        assert "法人番号" in info.value.message("ja") and "corporate number" in info.value.message("en")


def test_a_corporate_number_is_a_string() -> None:
    doc = _with(lambda d: d["members"][1].update({"corporate_number": 7000012050002}))
    assert _errors(doc) == ["$.members[1].corporate_number"]


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_exactly_one_check_digit_fits(base: str, first: int) -> None:
    number = f"{first}{base}"
    doc = _with(lambda d: d["members"][1].update({"corporate_number": number}))
    if first == corporate_number_check_digit(base):
        assert load_plan(doc).members[1].corporate_number == number
    else:
        assert _errors(doc) == ["$.members[1].corporate_number"]


# -- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2022-02-28", "2024-02-29", "2023-12-31"])
def test_valid_dates(value: str) -> None:
    for source in _sources(_with(lambda d: d["schedule"][0].update({"start": value}))):
        assert load_plan(source).schedule[0].start.isoformat() == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2023-02-29", "no such calendar date"),
        ("2022-13-01", "no such calendar date"),
        ("2022-2-28", "YYYY-MM-DD"),
        ("20220228", "YYYY-MM-DD"),
        ("2022-02-28T00:00", "YYYY-MM-DD"),
        ("２０２２-０２-２８", "YYYY-MM-DD"),
        ("令和4年2月28日", "YYYY-MM-DD"),
        (20220228, "YYYY-MM-DD"),
        (None, "YYYY-MM-DD"),
    ],
)
def test_invalid_dates(value: Any, message: str) -> None:
    for source in _sources(_with(lambda d: d["schedule"][0].update({"start": value}))):
        with pytest.raises(PlanLoadError) as info:
            load_plan(source)
        assert [p.path for p in info.value.problems] == ["$.schedule[0].start"]
        assert message in info.value.message("en")


# -- JSON paths of nested errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "bad", "path"),
    [
        (("consortium", "contact", "email"), "no-at-sign", "$.consortium.contact.email"),
        (("costs", 1, "flex", "max_yen"), 5, "$.costs[1].flex.max_yen"),
        (("tools", 0, "users", 1), 7, "$.tools[0].users[1]"),
        (("integrations", 0, "from"), 7, "$.integrations[0].from"),
        (("integrations", 0, "method"), "email", "$.integrations[0].method"),
        (("meetings", 0, "participants", 0), None, "$.meetings[0].participants[0]"),
        (("meetings", 0, "date"), "2022-11-31", "$.meetings[0].date"),
        (("kenpo_rates", "rates", "0"), 100, "$.kenpo_rates.rates.0"),
        (("kenpo_rates", "rates", "23"), "1950", "$.kenpo_rates.rates.23"),
        (("costs", 2, "unit_price_yen"), 1, "$.costs[2].unit_price_yen"),
        (("costs", 0, "hours"), 1, "$.costs[0].hours"),
        (("costs", 0, "months"), 0, "$.costs[0].months"),
        (("costs", 3, "hourly_rate_yen"), 1000, "$.costs[3].hourly_rate_yen"),
        (("tools", 1, "vendor"), "v1", "$.tools[1].vendor"),
        (("costs", 1, "payee_external"), "F社", "$.costs[1].payee_external"),
        (("members", 2, "main_industry"), "medical_welfare", "$.members[2].main_industry"),
        (("consortium", "lead"), "", "$.consortium.lead"),
    ],
)
def test_nested_errors_are_named_by_their_json_path(where: tuple[Any, ...], bad: Any, path: str) -> None:
    doc = _with(lambda d: _set(d, where, bad))
    for source in _sources(doc):
        with pytest.raises(PlanLoadError) as info:
            load_plan(source, name="plan.json")
        assert [p.path for p in info.value.problems] == [path]
        for lang in ("ja", "en"):
            text = info.value.message(lang)
            assert text.startswith("plan.json: ") and f"  {path}: " in text
            assert "[key]" not in text


def test_several_problems_are_all_named_and_long_lists_are_cut() -> None:
    doc = _with(lambda d: (d["members"][0].update({"employees": "1"}), d["costs"][0].update({"step": 9})))
    assert _errors(doc) == ["$.members[0].employees", "$.costs[0].step"]
    many = _with(lambda d: d.update({"costs": [{"id": f"c{i}", "member": "u1", "step": 0, "category": "cloud",
                                                "unit_price_yen": 1, "quantity": 1} for i in range(30)]}))
    with pytest.raises(PlanLoadError) as info:
        load_plan(many)
    assert len(info.value.problems) == MAX_PROBLEMS
    assert info.value.hidden == 30 - MAX_PROBLEMS
    assert f"and {30 - MAX_PROBLEMS} more" in info.value.message("en")
    assert f"ほか {30 - MAX_PROBLEMS} 件" in info.value.message("ja")


def test_a_plan_object_round_trips_through_json() -> None:
    plan = load_plan(BASE)
    again = load_plan(json.dumps(plan.to_json_dict(), ensure_ascii=False).encode("utf-8"))
    assert isinstance(again, Plan) and again == plan
