"""Data-driven rule cases (issue 2, item 6): ``tests/rules/*.cases.json``.

Each case file holds one rule or rule group::

    {
      "group": "cost.subcontract_half",
      "about": "what the file covers",
      "base": { ...optional fragment applied to the base plan for every case of this file... },
      "cases": [
        {
          "name": "unique_snake_case_name",
          "why": "the hand arithmetic from kyoso-rules.md that gives the expected figures",
          "plan": { ...fragment merged onto the base plan (see merge_plan) ... },
          "full_plan": { ...or a complete plan instead of "plan"; the base is then ignored... },
          "expect": { ...see check_expect... }
        }
      ]
    }

The base plan is ``tests/rules/base.plan.json``: two ``sme_user`` (u1, u2), two ``it_vendor`` (v1, v2),
one ``collaborator`` (x1), tools t1 (v1) and t2 (v2) joined by one api integration, a meeting, a
schedule inside the 令和4年度 dates and three lines (u1 software ¥1,000,000; u1 STEP3 委託 to v2
¥2,000,000; v1 STEP3 人件費 1,000 h × ¥3,000).  It has no finding at all, eligible ¥6,000,000 and a
subsidy of ¥4,000,000 (u1 and v1 ¥2,000,000 each).

Every expected figure is worked out by hand from the spec; the ``why`` field shows the arithmetic.
Besides each case's own expectations, every case is checked for traceability: each line's
claimed − eligible equals the sum of its reductions, the yen on a rule's findings equal the yen that
rule removed from lines, and each reduction's rule has a finding naming the line or its member.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import planner
from planner.catalogue import DEFAULT, Catalogue
from planner.kyoso import formulas as kyoso_formulas
from planner.kyoso import messages
from planner.kyoso.checks import CHECK_OF_RULE, PIPELINE
from planner.kyoso.context import Check
from planner.kyoso.engine import evaluate_kyoso
from planner.kyoso.messages import CATALOGUE
from planner.kyoso.rules import RULES, RULES_BY_ID
from planner.pack import get_pack
from planner.result import Result
from schemas import load_plan
from tests.conftest import FIXTURES

RULES_DIR = Path(__file__).parent / "rules"
BASE_PLAN_PATH = RULES_DIR / "base.plan.json"
CASE_FILES = sorted(RULES_DIR.glob("*.cases.json"))

# ---------------------------------------------------------------------------------------------
# The merge helper

#: Lists whose items are matched by a key, so that a fragment can replace or patch single items.
KEYED_LISTS: dict[str, str] = {
    "members": "id",
    "tools": "id",
    "integrations": "id",
    "meetings": "id",
    "costs": "id",
    "schedule": "step",
}


def merge_plan(base: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    """Return a new plan: ``fragment`` applied to ``base`` (neither is modified).

    Rules, in this order:

    1. ``"$remove": {"costs": ["c1"], "schedule": [4]}`` removes items of keyed lists by id (by
       ``step`` for ``schedule``); it is applied first.
    2. ``"$replace": ["integrations"]`` — the named lists are replaced wholesale by the fragment's list.
    3. Every other key of the fragment:

       - ``null`` deletes the key (e.g. ``"consortium": {"lead": null}``);
       - an object merged onto an object is merged recursively (same rules);
       - a list for a keyed list (members, tools, integrations, meetings, costs, schedule) is an
         *upsert*: an item whose id already exists replaces that item in place, keeping its position
         — or, when the item carries ``"$patch": true``, is merged onto it recursively (so
         ``{"id": "c3", "$patch": true, "hours": 10}`` changes one field); an item with a new id is
         appended at the end;
       - anything else (scalars, other lists) replaces the value.
    """
    out = copy.deepcopy(base)
    _merge_into(out, fragment)
    return out


def _merge_into(target: dict[str, Any], fragment: dict[str, Any]) -> None:
    for name, ids in fragment.get("$remove", {}).items():
        key = KEYED_LISTS[name]
        missing = [i for i in ids if i not in {item[key] for item in target.get(name, [])}]
        assert not missing, f"$remove: no {name} {missing} in the base plan"
        target[name] = [item for item in target.get(name, []) if item[key] not in ids]
    replace = set(fragment.get("$replace", []))
    for name, value in fragment.items():
        if name.startswith("$"):
            continue
        if value is None:
            target.pop(name, None)
        elif name in replace:
            target[name] = copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(target.get(name), dict):
            _merge_into(target[name], value)
        elif name in KEYED_LISTS and isinstance(value, list):
            _upsert(target.setdefault(name, []), value, KEYED_LISTS[name])
        else:
            target[name] = copy.deepcopy(value)


def _upsert(items: list[dict[str, Any]], updates: list[dict[str, Any]], key: str) -> None:
    for update in updates:
        update = copy.deepcopy(update)
        patch = update.pop("$patch", False)
        position = next((n for n, item in enumerate(items) if item[key] == update[key]), None)
        if position is None:
            assert not patch, f"$patch: no item {update[key]!r} to patch"
            items.append(update)
        elif patch:
            _merge_into(items[position], update)
        else:
            items[position] = update


def test_merge_helper_semantics() -> None:
    base = {
        "consortium": {"name": "n", "lead": "u1"},
        "costs": [{"id": "c1", "a": 1, "b": 2}, {"id": "c2", "a": 3}],
        "schedule": [{"step": 1, "start": "s"}, {"step": 2, "start": "t"}],
        "integrations": [{"id": "i1"}],
    }
    frozen = copy.deepcopy(base)
    got = merge_plan(
        base,
        {
            "$remove": {"schedule": [2]},
            "$replace": ["integrations"],
            "consortium": {"lead": None, "decision_date": "d"},
            "costs": [{"id": "c1", "$patch": True, "b": None, "c": 5}, {"id": "c2", "z": 0}, {"id": "c3"}],
            "integrations": [],
            "program": "p",
        },
    )
    assert base == frozen
    assert got == {
        "consortium": {"name": "n", "decision_date": "d"},
        "costs": [{"id": "c1", "a": 1, "c": 5}, {"id": "c2", "z": 0}, {"id": "c3"}],
        "schedule": [{"step": 1, "start": "s"}],
        "integrations": [],
        "program": "p",
    }
    with pytest.raises(AssertionError):
        merge_plan(base, {"$remove": {"costs": ["c9"]}})
    with pytest.raises(AssertionError):
        merge_plan(base, {"costs": [{"id": "c9", "$patch": True}]})


# ---------------------------------------------------------------------------------------------
# Loading the cases


def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _all_cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(file stem, case, plan dict) for every case."""
    base = _load_json(BASE_PLAN_PATH)
    out = []
    for path in CASE_FILES:
        data = _load_json(path)
        assert set(data) <= {"group", "about", "base", "cases"}, path
        file_base = merge_plan(base, data.get("base", {}))
        for case in data["cases"]:
            assert set(case) <= {"name", "why", "plan", "full_plan", "expect"}, (path, case.get("name"))
            if "full_plan" in case:
                plan = copy.deepcopy(case["full_plan"])
            else:
                plan = merge_plan(file_base, case.get("plan", {}))
            out.append((path.name.removesuffix(".cases.json"), case, plan))
    return out


CASES = _all_cases()


def test_there_are_enough_cases_with_unique_names_and_reasons() -> None:
    names = [case["name"] for _, case, _ in CASES]
    assert len(names) >= 60
    assert len(set(names)) == len(names), [n for n in names if names.count(n) > 1]
    for _, case, _ in CASES:
        assert re.fullmatch(r"[a-z0-9_]+", case["name"]), case["name"]
        assert len(case.get("why", "")) >= 20, f"{case['name']}: write the arithmetic in 'why'"
        assert case.get("expect"), case["name"]


def test_base_plan_is_clean() -> None:
    result = planner.evaluate(load_plan(_load_json(BASE_PLAN_PATH)))
    assert result.findings == []
    assert (result.eligible_total_yen, result.subsidy_yen) == (6_000_000, 4_000_000)


def test_every_registered_rule_is_expected_by_some_case() -> None:
    expected: set[str] = set()
    absent: set[str] = set()
    for _, case, _ in CASES:
        expected |= set(case["expect"].get("findings", {}))
        absent |= set(case["expect"].get("absent", []))
    assert sorted(set(RULES_BY_ID) - expected) == []
    assert sorted((expected | absent) - set(RULES_BY_ID)) == [], "cases name rules the registry does not know"


def test_registry_severities_follow_the_spec_tables() -> None:
    """Every rule id in a table of kyoso-rules.md has the severity the table gives it."""
    spec = (FIXTURES / "spec" / "kyoso-rules.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| (error|warning|info) \|", spec, flags=re.M)
    assert len(rows) >= 20
    for rule_id, severity in rows:
        assert rule_id in RULES_BY_ID, rule_id
        assert RULES_BY_ID[rule_id].severity == severity, rule_id
    # the ratio rules of §4 are warnings (「Each emits one finding with the yen removed (`warning`)」)
    for rule_id in ("cost.subcontract_half", "cost.user_labour_third", "cost.software_cloud_half"):
        assert RULES_BY_ID[rule_id].severity == "warning"
    assert {"rate.large_vendor": "info", "subsidy.below_minimum": "error", "subsidy.capped": "info"} == {
        r: RULES_BY_ID[r].severity for r in ("rate.large_vendor", "subsidy.below_minimum", "subsidy.capped")
    }


# ---------------------------------------------------------------------------------------------
# Checking one case

HEADLINE = (
    "program",
    "member_count",
    "cap_yen",
    "claimed_total_yen",
    "eligible_total_yen",
    "raw_subsidy_total_yen",
    "subsidy_yen",
    "own_funds_yen",
)
LINE_FIELDS = {"eligible": "eligible_yen", "claimed": "claimed_yen", "hourly_rate_yen": "hourly_rate_yen",
               "rate_source": "rate_source"}
MEMBER_FIELDS = {"subsidy": "subsidy_yen", "eligible": "eligible_yen", "claimed": "claimed_yen",
                 "raw_subsidy": "raw_subsidy_yen", "own_funds": "own_funds_yen"}
#: Rules whose findings carry the yen they removed from lines.
YEN_RULES = (
    "member.not_sme",
    "member.user_is_provider",
    "cost.term_over_one_year",
    "cost.subcontract_half",
    "cost.user_labour_third",
    "cost.software_cloud_half",
)


def check_expect(result: Result, expect: dict[str, Any]) -> None:
    """Compare a result with a case's ``expect``.

    - headline keys (``HEADLINE``) and ``rate`` ("2/3") are compared exactly;
    - ``lines``: ``{id: eligible}`` or ``{id: {eligible, claimed, hourly_rate_yen, rate_source,
      reductions: {rule: yen}}}`` (``reductions`` is the complete list of the line's reductions);
    - ``members``: ``{id: subsidy}`` or ``{id: {subsidy, eligible, claimed, raw_subsidy, own_funds}}``;
    - ``findings``: ``{rule: severity}`` or ``{rule: {severity, count, yen, refs, en_has, ja_has}}`` —
      the set of rule ids found must be exactly these (unless ``"findings_exact": false``); ``yen`` is
      the sum over the rule's findings, ``refs`` must all appear among the refs of the rule's
      findings, ``en_has`` / ``ja_has`` are texts the English / Japanese messages must contain;
    - ``absent``: rule ids that must not be found;
    - ``schedule``: fields of ``ScheduleInfo`` (dates as ISO strings);
    - ``graph``: ``components``, ``sme_users_reached``, ``tool_degree``;
    - ``ratios``: ``{"rule@scope": {limited, basis, limit, removed}}``.
    """
    for key in HEADLINE:
        if key in expect:
            assert getattr(result, key) == expect[key], key
    if "rate" in expect:
        assert f"{result.rate.numerator}/{result.rate.denominator}" == expect["rate"]

    for line_id, want in expect.get("lines", {}).items():
        line = result.line(line_id)
        assert line is not None, line_id
        want = want if isinstance(want, dict) else {"eligible": want}
        for key, attr in LINE_FIELDS.items():
            if key in want:
                assert getattr(line, attr) == want[key], f"line {line_id}.{key}"
        if "reductions" in want:
            got: dict[str, int] = {}
            for red in line.reductions:
                got[red.rule] = got.get(red.rule, 0) + red.yen
            assert got == want["reductions"], f"line {line_id} reductions"

    for member_id, want in expect.get("members", {}).items():
        member = result.member(member_id)
        assert member is not None, member_id
        want = want if isinstance(want, dict) else {"subsidy": want}
        for key, attr in MEMBER_FIELDS.items():
            if key in want:
                assert getattr(member, attr) == want[key], f"member {member_id}.{key}"

    found: dict[str, list[Any]] = {}
    for f in result.findings:
        found.setdefault(f.rule, []).append(f)
    wanted = expect.get("findings", {})
    if expect.get("findings_exact", True):
        assert sorted(found) == sorted(wanted), "finding rule ids"
    for rule_id, want in wanted.items():
        assert rule_id in found, f"{rule_id} not found"
        want = want if isinstance(want, dict) else {"severity": want}
        for f in found[rule_id]:
            assert f.severity == want["severity"], rule_id
            assert f.message_ja and f.message_en and f.fix_ja and f.fix_en, rule_id
        if "count" in want:
            assert len(found[rule_id]) == want["count"], f"{rule_id} count"
        if "yen" in want:
            assert sum(f.yen or 0 for f in found[rule_id]) == want["yen"], f"{rule_id} yen"
        if "refs" in want:
            refs = {r for f in found[rule_id] for r in f.refs}
            assert set(want["refs"]) <= refs, f"{rule_id} refs {sorted(refs)}"
        for lang in ("en", "ja"):
            texts = " / ".join(f.message(lang) for f in found[rule_id])
            for part in want.get(f"{lang}_has", []):
                assert part in texts, f"{rule_id}: {part!r} not in {texts!r}"
    for rule_id in expect.get("absent", []):
        assert rule_id not in found, f"{rule_id} should be absent"

    for key, value in expect.get("schedule", {}).items():
        got_value = getattr(result.schedule, key)
        assert (got_value.isoformat() if hasattr(got_value, "isoformat") else got_value) == value, key
    graph = expect.get("graph", {})
    if "components" in graph:
        assert result.graph.components == graph["components"]
    if "sme_users_reached" in graph:
        assert result.graph.sme_users_reached == graph["sme_users_reached"]
    for tool_id, degree in graph.get("tool_degree", {}).items():
        assert result.graph.tool_degree[tool_id] == degree, tool_id
    for key, want in expect.get("ratios", {}).items():
        rule_id, scope = key.split("@")
        check = next((r for r in result.ratios if r.rule == rule_id and r.scope == scope), None)
        assert check is not None, key
        for name in ("limited", "basis", "limit", "removed", "headroom"):
            if name in want:
                assert getattr(check, f"{name}_yen") == want[name], f"{key}.{name}"


def check_traceability(result: Result) -> None:
    """Every trimmed yen is traceable to the rule (and finding) that removed it."""
    removed_by_rule: dict[str, int] = {}
    for line in result.lines:
        assert 0 <= line.eligible_yen <= line.claimed_yen, line.id
        assert line.claimed_yen - line.eligible_yen == sum(r.yen for r in line.reductions), line.id
        for red in line.reductions:
            assert red.yen > 0, line.id
            assert red.rule in RULES_BY_ID, red.rule
            removed_by_rule[red.rule] = removed_by_rule.get(red.rule, 0) + red.yen
            assert any(
                f.rule == red.rule and (line.id in f.refs or line.member in f.refs) for f in result.findings
            ), f"line {line.id}: no {red.rule} finding names the line or its member"
    for rule_id in YEN_RULES:
        on_findings = sum(f.yen or 0 for f in result.findings if f.rule == rule_id)
        assert on_findings == removed_by_rule.get(rule_id, 0), rule_id
    for f in result.findings:
        if f.yen is not None and f.rule != "subsidy.capped":
            assert f.rule in YEN_RULES, f.rule
    # the cap's finding carries the subsidy it removed, not line yen
    capped = [f for f in result.findings if f.rule == "subsidy.capped"]
    assert sum(f.yen or 0 for f in capped) == result.raw_subsidy_total_yen - result.subsidy_yen
    # totals add up
    assert result.eligible_total_yen == sum(ln.eligible_yen for ln in result.lines)
    assert result.claimed_total_yen == sum(ln.claimed_yen for ln in result.lines)
    assert result.subsidy_yen == sum(m.subsidy_yen for m in result.members)
    assert result.subsidy_yen <= result.cap_yen
    for m in result.members:
        assert m.subsidy_yen <= m.raw_subsidy_yen
        assert m.own_funds_yen == m.claimed_yen - m.subsidy_yen


@pytest.mark.parametrize(
    ("group", "case", "plan"), CASES, ids=[f"{group}:{case['name']}" for group, case, _ in CASES]
)
def test_rule_case(group: str, case: dict[str, Any], plan: dict[str, Any]) -> None:
    result = planner.evaluate(load_plan(plan))
    check_expect(result, case["expect"])
    check_traceability(result)


def test_the_registry_lists_each_rule_once() -> None:
    assert len(RULES) == len(RULES_BY_ID)


# ---------------------------------------------------------------------------------------------
# One rule, one place: registry ↔ catalogue ↔ checks

KYOSO_DIR = Path(planner.__file__).parent / "kyoso"


def test_every_rule_has_texts_in_the_catalogue_and_nothing_else_does() -> None:
    assert sorted(set(CATALOGUE) - set(RULES_BY_ID)) == [], "catalogue entries for rules the registry does not know"
    assert sorted(set(RULES_BY_ID) - set(CATALOGUE)) == [], "rules without texts in planner/kyoso/messages.py"
    for rule_id, texts in CATALOGUE.items():
        assert texts.messages, rule_id
        assert all(texts.fix) and all(msg.ja and msg.en for msg in texts.messages.values()), rule_id


def test_every_rule_is_reported_by_exactly_one_check_of_the_pipeline() -> None:
    reported = [rule for item in PIPELINE if isinstance(item, Check) for rule in item.rules]
    assert len(reported) == len(set(reported)), "a rule id listed by two checks"
    assert sorted(reported) == sorted(RULES_BY_ID)
    assert set(CHECK_OF_RULE) == set(RULES_BY_ID)


def test_checks_build_no_message_inline() -> None:
    """Findings are made only by messages.emit, from the catalogue."""
    sources = [KYOSO_DIR / "engine.py", KYOSO_DIR / "graph.py", *sorted((KYOSO_DIR / "checks").glob("*.py"))]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "Finding(" not in text, path


def test_every_message_variant_and_sme_reason_is_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each catalogue variant is rendered by some rule case (one needs a pack with another scope)."""
    used: set[tuple[str, str]] = set()
    reasons: set[str] = set()
    render, sme_reason = Catalogue.render, messages.sme_reason

    def recording_render(self: Catalogue, rule_id: str, variant: str = DEFAULT,
                         **fields: Any) -> tuple[str, str, str, str]:
        if self is messages._CATALOGUE:
            used.add((rule_id, variant))
        return render(self, rule_id, variant, **fields)

    def recording_reason(key: str, **fields: Any) -> tuple[str, str]:
        reasons.add(key)
        return sme_reason(key, **fields)

    monkeypatch.setattr(Catalogue, "render", recording_render)
    monkeypatch.setattr(kyoso_formulas, "sme_reason", recording_reason)
    for _, _, plan in CASES:
        planner.evaluate(load_plan(plan))
    # cost.subcontract_half in the consortium scope: no bundled pack has it, so change the pack
    pack = get_pack("kyoso-r4")
    scope = pack.params.subcontract_scope.model_copy(update={"value": "consortium"})
    consortium_pack = replace(pack, params=pack.params.model_copy(update={"subcontract_scope": scope}))
    plan = load_plan(merge_plan(_load_json(BASE_PLAN_PATH), {"costs": [
        {"id": "c4", "member": "v1", "step": 3, "category": "outsourcing", "payee_external": "外注社",
         "subcontract": True, "unit_price_yen": 3000000, "quantity": 1}]}))
    result = evaluate_kyoso(plan, consortium_pack)
    assert [f.message_ja for f in result.findings if f.rule == "cost.subcontract_half"] == [
        "consortium(コンソーシアム)のSTEP3下請け委託費 ¥3,000,000 はSTEP3のその他経費 ¥3,000,000 未満(1/2未満)"
        "でなければなりません。¥1 を対象外にしました(対象 ¥2,999,999)"
    ]
    variants = {(rule_id, v) for rule_id, texts in CATALOGUE.items() for v in texts.messages}
    assert sorted(variants - used) == []
    # "no_figure_compared" only when a limit has no employee figure, which the packs' validation forbids
    assert sorted(set(messages.SME_REASONS) - reasons - {"no_figure_compared"}) == []


def test_itdonyu_rules_have_texts_in_their_catalogue_and_nothing_else_does() -> None:
    from planner.itdonyu import messages as itd_messages
    from planner.itdonyu.rules import RULES as ITD_RULES

    ids = {r.id for r in ITD_RULES}
    assert sorted(set(itd_messages.CATALOGUE) - ids) == []
    assert sorted(ids - set(itd_messages.CATALOGUE)) == []
    silent = {rule_id for rule_id, texts in itd_messages.CATALOGUE.items() if not texts.messages}
    assert silent == {"group.analysis_without_members"}, "registered rules the IT導入 engine never reports"
    for key in itd_messages.FRAGMENTS:
        family = key.split(":")[0]
        assert family in ids or any(i.startswith(family + ".") for i in ids), key
    engine_source = (Path(planner.__file__).parent / "itdonyu" / "engine.py").read_text(encoding="utf-8")
    assert "Finding(" not in engine_source
