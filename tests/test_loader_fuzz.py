"""Reliability harness for the plan loader (issue 5): whatever comes in, only ``PlanLoadError`` escapes.

- arbitrary JSON values, arbitrary bytes and JSON-looking noise;
- mutations of the valid sample plan (keys dropped, values of another type, unknown keys inserted,
  list items duplicated); a mutated plan that still loads must evaluate with the engine invariants,
  and the file route (bytes) and the app route (an already parsed dict) must agree;
- absurdly nested JSON and files over the size limit are refused with a clear message.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import planner
from schemas import MAX_PLAN_BYTES, Plan, PlanLoadError, load_plan
from schemas.loader import MAX_DEPTH
from tests.conftest import SAMPLE_PLAN
from tests.strategies import json_values
from tests.test_properties import check_invariants

SAMPLE: dict[str, Any] = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))


def _outcome(source: Any) -> Plan | PlanLoadError:
    """Load; a PlanLoadError is returned (checked for a clear message), anything else propagates."""
    try:
        return load_plan(source)
    except PlanLoadError as exc:
        assert exc.problems, "an error names at least one problem"
        for p in exc.problems:
            assert p.path.startswith("$"), p
            assert p.ja.strip() and p.en.strip(), p
            assert p.ja != p.en, p
        ja, en = exc.message("ja"), exc.message("en")
        assert ja != en
        ja.encode("utf-8")  # printable: no lone surrogate reaches the user
        en.encode("utf-8")
        return exc


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8", "surrogatepass")


# -- arbitrary input -----------------------------------------------------------------------------


@given(json_values)
def test_arbitrary_json_values(value: Any) -> None:
    got = _outcome(_json_bytes(value))
    assert isinstance(got, PlanLoadError)  # nothing random is a plan
    if isinstance(value, dict):
        assert isinstance(_outcome(value), PlanLoadError)


@given(st.binary(max_size=4000))
def test_arbitrary_bytes(raw: bytes) -> None:
    assert isinstance(_outcome(raw), PlanLoadError)
    assert isinstance(_outcome(bytearray(raw)), PlanLoadError)


JSONISH = st.lists(
    st.sampled_from([*'{}[]":,0123456789.eE-+ \n\\u', "true", "false", "null", "NaN", '"id"', '"format"']),
    max_size=120,
).map("".join)


@given(JSONISH)
def test_json_looking_noise(text: str) -> None:
    _outcome(text.encode("utf-8"))  # only PlanLoadError may escape (or, very rarely, a plan)


@given(st.dictionaries(st.sampled_from(["format", "program", "consortium", "members", "costs", "tools", "x"]),
                       json_values, max_size=7))
def test_plan_shaped_objects(value: dict[str, Any]) -> None:
    _outcome(value)
    _outcome(_json_bytes(value))


# -- mutations of the sample plan ------------------------------------------------------------------


def _locations(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_locations(v, (*path, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_locations(v, (*path, i)))
    return out


SAMPLE_LOCATIONS = _locations(SAMPLE)
NASTY = st.sampled_from(
    ["", " ", "1", "1.0", "true", "2022-02-30", "kyoso-r9", "\u3000", "u1", "c1", "t1", "i1",
     0, -1, 1, 13, 51, 10**12 + 1, 10**30, 0.5, 1.0, 1.005, True, False, None, [], {}, [1], {"a": 1}]
)


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@st.composite
def mutated_samples(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    doc = copy.deepcopy(SAMPLE)
    done: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        locations = _locations(doc)
        path = draw(st.sampled_from(locations))
        kind = draw(st.sampled_from(["drop", "replace", "nasty", "insert", "duplicate"]))
        if not path:
            kind = "insert"
        parent = _get(doc, path[:-1]) if path else None
        target = _get(doc, path)
        if kind == "drop" and parent is not None:
            del parent[path[-1]]
        elif kind == "replace" and parent is not None:
            parent[path[-1]] = draw(json_values)
        elif kind == "nasty" and parent is not None:
            parent[path[-1]] = draw(NASTY)
        elif kind == "insert" and isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(target))
        else:
            continue
        done.append(f"{kind} {path}")
    return doc, done


@given(mutated_samples())
def test_mutated_sample_plans(mutation: tuple[dict[str, Any], list[str]]) -> None:
    doc, _ = mutation
    by_dict = _outcome(doc)
    by_bytes = _outcome(_json_bytes(doc))
    # the app (a parsed dict) and a file (bytes) are judged alike
    assert type(by_dict) is type(by_bytes)
    if isinstance(by_dict, PlanLoadError):
        assert isinstance(by_bytes, PlanLoadError)
        assert [p.path for p in by_dict.problems] == [p.path for p in by_bytes.problems]
    else:
        assert by_dict == by_bytes
        check_invariants(by_dict, planner.evaluate(by_dict))


@given(st.sampled_from([p for p in SAMPLE_LOCATIONS if isinstance(_get(SAMPLE, p), dict)]),
       st.text(min_size=1, max_size=12).filter(lambda k: k != "extra"))
def test_an_unknown_key_is_named_by_its_path(where: tuple[Any, ...], key: str) -> None:
    doc = copy.deepcopy(SAMPLE)
    target = _get(doc, where)
    if key in target:
        return
    target[key] = 1
    got = _outcome(doc)
    if "extra" in where:  # anything goes under extra
        assert isinstance(got, Plan)
        return
    assert isinstance(got, PlanLoadError)
    expected = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in (*where, key))
    assert expected in [p.path for p in got.problems]


INT_FIELDS = [p for p in SAMPLE_LOCATIONS if p and isinstance(_get(SAMPLE, p), int)
              and not isinstance(_get(SAMPLE, p), bool) and p[-1] != "hours"]


@given(st.sampled_from(INT_FIELDS), st.sampled_from(["12", 12.0, True, "0x10", [12], {"v": 12}]))
def test_a_wrongly_typed_integer_is_named_by_its_path(where: tuple[Any, ...], bad: Any) -> None:
    doc = copy.deepcopy(SAMPLE)
    _get(doc, where[:-1])[where[-1]] = bad
    expected = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where)
    for source in (doc, _json_bytes(doc)):
        got = _outcome(source)
        assert isinstance(got, PlanLoadError)
        assert expected in [p.path for p in got.problems], (expected, got.problems)


# -- nesting and size ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b"{" * 100_000, b'{"a":' * 100_000, b"[{" * 50_000 + b"}]" * 50_000,
     b'{"format": "kyoso-plan/1", "extra": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"],
    ids=["open-arrays", "open-objects", "nested-objects", "balanced-mixed", "under-extra"],
)
def test_deeply_nested_json_is_refused_with_a_clear_message(raw: bytes) -> None:
    with pytest.raises(PlanLoadError) as info:
        load_plan(raw, name="deep.json")
    assert [p.path for p in info.value.problems] == ["$"]
    assert f"limit {MAX_DEPTH} levels" in info.value.message("en")
    assert "入れ子が深すぎます" in info.value.message("ja")
    assert info.value.message("en").startswith("deep.json: ")


def _nested_extra(depth: int) -> bytes:
    """The sample plan with ``extra`` so deep that the deepest bracket is at ``depth``."""
    inner = depth - 2  # the plan object and extra's own object
    text = json.dumps(SAMPLE, ensure_ascii=False)
    return (text[:-1] + ', "extra": {"x": ' + "[" * inner + "]" * inner + "}}").encode("utf-8")


def test_the_nesting_limit_is_exact() -> None:
    assert isinstance(_outcome(_nested_extra(MAX_DEPTH)), Plan)
    got = _outcome(_nested_extra(MAX_DEPTH + 1))
    assert isinstance(got, PlanLoadError) and "nested too deeply" in got.message("en")


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    doc = copy.deepcopy(SAMPLE)
    doc["costs"][0]["description"] = "[" * 1000 + '{"\\' + "{" * 900
    got = _outcome(_json_bytes(doc))
    assert isinstance(got, Plan)
    assert got.costs[0].description == doc["costs"][0]["description"]


def test_deeply_nested_python_objects_from_the_app_are_refused() -> None:
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    doc = copy.deepcopy(SAMPLE)
    doc["extra"] = {"x": deep}
    got = _outcome(doc)
    assert isinstance(got, PlanLoadError) and "nested too deeply" in got.message("en")


def test_a_file_over_the_size_limit_is_refused_before_parsing() -> None:
    raw = b"{" + b" " * MAX_PLAN_BYTES + b"}"  # valid-looking, 64 MiB + 2 bytes, built in memory
    with pytest.raises(PlanLoadError) as info:
        load_plan(raw, name="huge.json")
    en = info.value.message("en")
    assert "huge.json: the plan file cannot be read" in en
    assert f"the file is too large ({len(raw):,} bytes, limit {MAX_PLAN_BYTES:,})" in en
    assert "大きすぎます" in info.value.message("ja")
    with pytest.raises(PlanLoadError, match="too large"):
        load_plan(bytearray(raw))


def test_exactly_the_size_limit_is_read(tmp_path: Path) -> None:
    """The limit itself is allowed: 64 MiB of blanks is read (and is an empty plan, not a huge one)."""
    got = _outcome(b" " * MAX_PLAN_BYTES)
    assert isinstance(got, PlanLoadError)
    assert "the file is empty" in got.message("en") and "too large" not in got.message("en")


def test_a_huge_file_on_disk_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:  # sparse: no 64 MiB written to the shared disk
        fh.write(b"{")
        fh.truncate(MAX_PLAN_BYTES + 1)
    before = path.stat()
    with pytest.raises(PlanLoadError) as info:
        load_plan(path)
    assert str(path) in info.value.message("en") and "too large" in info.value.message("en")
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_paths_that_are_not_plan_files(tmp_path: Path) -> None:
    missing = _outcome(tmp_path / "nope.json")
    assert isinstance(missing, PlanLoadError) and "no such file" in missing.message("en")
    folder = _outcome(tmp_path)
    assert isinstance(folder, PlanLoadError) and "folder" in folder.message("en")
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.json"
        locked.write_bytes(SAMPLE_PLAN.read_bytes())
        locked.chmod(0)
        denied = _outcome(locked)
        assert isinstance(denied, PlanLoadError) and "permission denied" in denied.message("en")


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (b'{"format": "kyoso-plan/1", "extra": {"k": 1, "k": 2}}', "$.extra.k"),
        (b'{"members": [{"id": "u1"}, {"id": "u2", "name": "a", "name": "b"}]}', "$.members[1].name"),
        (b'{"costs": [{"unit_price_yen": NaN}]}', "$.costs[0].unit_price_yen"),
        (b'{"costs": [{"quantity": -Infinity}]}', "$.costs[0].quantity"),
        (b'{"members": [{}, {"employees": ' + b"1" * 4500 + b"}]}", "$.members[1].employees"),
    ],
    ids=["duplicate-in-extra", "duplicate-nested", "nan", "minus-infinity", "long-integer"],
)
def test_json_level_problems_name_their_path(raw: bytes, path: str) -> None:
    got = _outcome(raw)
    assert isinstance(got, PlanLoadError)
    assert [p.path for p in got.problems] == [path]


@pytest.mark.parametrize(
    "doc_change",
    [
        lambda d: d["members"][0].update({"name": "A\ud800"}),
        lambda d: d.update({"extra": {"k\udc00": 1}}),
        lambda d: d["costs"][0].update({"extra": {"v": ["ok", "\udfff"]}}),
        lambda d: d.update({"\ud800": 1}),
    ],
    ids=["name", "extra-key", "extra-value", "unknown-key"],
)
def test_lone_surrogates_are_refused_printably(doc_change: Any) -> None:
    """A ``\\ud800`` JSON escape is not text: it could not be saved or printed; refuse it clearly."""
    doc = copy.deepcopy(SAMPLE)
    doc_change(doc)
    raw = json.dumps(doc).encode("ascii")  # the escapes as they appear in a file
    for source in (doc, raw):
        got = _outcome(source)
        assert isinstance(got, PlanLoadError)
