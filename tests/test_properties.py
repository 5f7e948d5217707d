"""Engine invariants over random valid plans (hypothesis; issue 2 §6, issue 5 reliability harness).

The figures are recomputed here from the result's lines and the plan, independently of the engine's
own bookkeeping (``RatioCheck``, ``raw_subsidy_yen``): rate and cap from kyoso-rules.md §2, the three
ratio rules from §4, the per-member sums from §5.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import planner
from cli import main as cli_main
from planner.kyoso.rules import RULES
from planner.result import Result
from schemas import Plan, load_plan
from tests.strategies import plan_dicts

RULE_SEVERITY = {r.id: r.severity for r in RULES}
ZERO_RULES = {  # rules that zero a whole line (kyoso-rules.md §1, §3)
    "cost.unknown_reference",
    "cost.category_not_allowed",
    "cost.payee_invalid",
    "cost.existing_tool_mod_requires_api",
    "cost.meeting_internal",
    "cost.travel_purpose",
    "member.not_sme",
    "member.user_is_provider",
}
RATIO_RULES = ("cost.subcontract_half", "cost.user_labour_third", "cost.software_cloud_half")
TRIM_RULES = {*RATIO_RULES, "cost.term_over_one_year"}


# -- independent recomputation (kyoso-rules.md) ---------------------------------------------------


def spec_rate(plan: Plan) -> Fraction:
    """§2: 2/3, or 1/2 when any it_vendor is a large enterprise."""
    large = any(m.role == "it_vendor" and m.large_enterprise for m in plan.members)
    return Fraction(1, 2) if large else Fraction(2, 3)


def spec_cap(plan: Plan) -> int:
    """§2: min(¥110M, ¥44M + ¥11M × max(0, n − 4)), n = sme_user + it_vendor members."""
    n = sum(1 for m in plan.members if m.role in ("sme_user", "it_vendor"))
    return min(110_000_000, 44_000_000 + 11_000_000 * max(0, n - 4))


def ratio_figures(plan: Plan, result: Result) -> dict[str, Any]:
    """C and R per vendor, U and B, S and O — from the result's line figures and the plan's lines."""
    roles = {m.id: m.role for m in plan.members}
    elig = {ln.id: ln.eligible_yen for ln in result.lines}
    per_vendor: dict[str, list[int]] = {}
    u = b = s = o = 0
    for c in plan.costs:
        e = elig[c.id]
        role = roles.get(c.member)
        if role == "it_vendor" and c.step == 3:
            cr = per_vendor.setdefault(c.member, [0, 0])
            cr[0 if c.category == "outsourcing" else 1] += e
        if role == "sme_user" and c.category == "labour":
            u += e
        if role == "sme_user" and c.category == "outsourcing" and c.payee is not None and roles.get(c.payee) == "it_vendor":
            b += e
        if role == "it_vendor" and c.category == "labour":
            b += e
        if c.category in ("software", "cloud"):
            s += e
        else:
            o += e
    return {"per_vendor": per_vendor, "U": u, "B": b, "S": s, "O": o}


def check_invariants(plan: Plan, result: Result) -> None:
    roles = {m.id: m.role for m in plan.members}
    rate = spec_rate(plan)
    cap = spec_cap(plan)
    assert result.rate == rate
    assert result.cap_yen == cap
    assert result.member_count == sum(1 for m in plan.members if m.role in ("sme_user", "it_vendor"))

    # lines: in plan order, 0 ≤ eligible ≤ claimed, claimed − eligible = Σ reductions (each > 0)
    assert [ln.id for ln in result.lines] == [c.id for c in plan.costs]
    for ln, c in zip(result.lines, plan.costs, strict=True):
        assert ln.member == c.member and ln.step == c.step and ln.category == c.category
        assert 0 <= ln.eligible_yen <= ln.claimed_yen, ln
        assert ln.claimed_yen - ln.eligible_yen == sum(r.yen for r in ln.reductions), ln
        assert all(r.yen > 0 for r in ln.reductions), ln
        assert all(r.rule in RULE_SEVERITY for r in ln.reductions), ln
        zero = [r for r in ln.reductions if r.rule in ZERO_RULES]
        if zero:  # a zeroing rule takes the whole line, alone
            assert ln.eligible_yen == 0 and len(ln.reductions) == 1, ln
        if c.category != "labour":
            assert ln.claimed_yen == (c.unit_price_yen or 0) * (c.quantity or 0)
        elif c.hourly_rate_yen is not None:
            assert c.hours is not None
            assert ln.claimed_yen == int(c.hours * c.hourly_rate_yen)  # floor (non-negative)
            assert ln.rate_source == "explicit"
        else:
            assert ln.rate_source in ("plan_table", "estimate")
            if ln.rate_source == "plan_table":
                assert plan.kenpo_rates is not None and c.kenpo_grade is not None
                assert ln.hourly_rate_yen == plan.kenpo_rates.rates[str(c.kenpo_grade)]
        if roles.get(c.member) in (None, "collaborator"):
            assert ln.eligible_yen == 0, ln
        if c.months is not None and c.months > 12 and not zero and ln.claimed_yen > 0:
            # term rule first, then at most the ratio rules
            assert ln.reductions and ln.reductions[0].rule == "cost.term_over_one_year"
            assert ln.reductions[0].yen == ln.claimed_yen - ln.claimed_yen * 12 // c.months

    # every removed yen traceable to a finding of its rule naming the line or its member
    for ln in result.lines:
        for red in ln.reductions:
            assert any(
                f.rule == red.rule and (ln.id in f.refs or ln.member in f.refs) for f in result.findings
            ), (ln, red)
    for rule in (*RATIO_RULES, "cost.term_over_one_year"):
        removed = sum(r.yen for ln in result.lines for r in ln.reductions if r.rule == rule)
        assert removed == sum(f.yen or 0 for f in result.findings if f.rule == rule), rule
        if rule in RATIO_RULES:
            assert removed == sum(rc.removed_yen for rc in result.ratios if rc.rule == rule), rule

    # findings: registered id, its severity, both languages, a fix
    for f in result.findings:
        assert f.rule in RULE_SEVERITY, f.rule
        assert f.severity == RULE_SEVERITY[f.rule], f
        assert f.message_ja and f.message_en and f.message_ja != f.message_en, f
        assert f.fix_ja and f.fix_en, f

    # ratio rules hold after trimming (§4), recomputed from the lines
    fig = ratio_figures(plan, result)
    for vendor, (c_yen, r_yen) in fig["per_vendor"].items():
        if c_yen > 0:
            assert c_yen < r_yen, ("subcontract", vendor, c_yen, r_yen)
    assert fig["U"] <= fig["B"] // 3, ("user labour", fig["U"], fig["B"])
    assert fig["S"] <= fig["O"], ("software+cloud", fig["S"], fig["O"])

    # the RatioCheck records the UI shows: one per vendor (member order), then the two consortium rules
    vendors = [m.id for m in plan.members if m.role == "it_vendor"]
    assert [(rc.rule, rc.scope) for rc in result.ratios] == [
        *(("cost.subcontract_half", v) for v in vendors),
        ("cost.user_labour_third", "consortium"),
        ("cost.software_cloud_half", "consortium"),
    ]
    for rc in result.ratios:
        if rc.rule == "cost.subcontract_half":
            after_c, after_r = fig["per_vendor"].get(rc.scope, [0, 0])
            assert rc.basis_yen == after_r and rc.limit_yen == max(0, rc.basis_yen - 1)
            assert rc.limited_yen - rc.removed_yen == after_c
        elif rc.rule == "cost.user_labour_third":
            assert rc.basis_yen == fig["B"] and rc.limit_yen == fig["B"] // 3
            assert rc.limited_yen - rc.removed_yen == fig["U"]
        else:
            assert rc.basis_yen == fig["O"] and rc.limit_yen == fig["O"]
            assert rc.limited_yen - rc.removed_yen == fig["S"]
        assert rc.removed_yen == max(0, rc.limited_yen - rc.limit_yen), rc
        assert rc.headroom_yen == max(0, rc.limit_yen - rc.limited_yen), rc

    # members: sums of their lines; subsidy per §5
    by_member: dict[str, list[int]] = {}
    for ln in result.lines:
        acc = by_member.setdefault(ln.member, [0, 0])
        acc[0] += ln.claimed_yen
        acc[1] += ln.eligible_yen
    assert [m.id for m in result.members] == [m.id for m in plan.members]
    raws = []
    for mr in result.members:
        claimed, eligible = by_member.get(mr.id, [0, 0])
        assert mr.claimed_yen == claimed
        assert mr.eligible_yen == (0 if mr.role == "collaborator" else eligible)
        raw = mr.eligible_yen * rate.numerator // rate.denominator
        raws.append(raw)
        assert 0 <= mr.subsidy_yen <= raw, mr
        assert mr.own_funds_yen == mr.claimed_yen - mr.subsidy_yen, mr
        if mr.role == "collaborator":
            assert mr.subsidy_yen == 0
    raw_total = sum(raws)
    assert result.raw_subsidy_total_yen == raw_total
    assert result.subsidy_yen == sum(m.subsidy_yen for m in result.members)
    assert result.subsidy_yen <= cap
    assert result.claimed_total_yen == sum(ln.claimed_yen for ln in result.lines)
    assert result.eligible_total_yen == sum(ln.eligible_yen for ln in result.lines)
    assert result.own_funds_yen == result.claimed_total_yen - result.subsidy_yen
    capped = [f for f in result.findings if f.rule == "subsidy.capped"]
    if raw_total > cap:  # the cap binds, exactly
        assert result.subsidy_yen == cap
        assert len(capped) == 1 and capped[0].yen == raw_total - cap
    else:  # the cap binds only when Σ raw > cap
        assert [m.subsidy_yen for m in result.members] == raws
        assert not capped
    assert any(f.rule == "subsidy.below_minimum" for f in result.findings) == (result.subsidy_yen < 1_000_000)
    assert sum(result.eligible_by_step.values()) == result.eligible_total_yen
    assert sum(result.claimed_by_step.values()) == result.claimed_total_yen


# -- the properties -------------------------------------------------------------------------------


@given(plan_dicts())
def test_evaluate_never_raises_and_the_invariants_hold(data: dict[str, Any]) -> None:
    plan = load_plan(data)
    result = planner.evaluate(plan)
    check_invariants(plan, result)
    json.dumps(result.summary_dict("ja"), ensure_ascii=False)
    json.dumps(result.summary_dict("en"))


@given(plan_dicts(big=True, max_costs=40))
def test_invariants_when_the_cap_binds(data: dict[str, Any]) -> None:
    """Big plans: most examples hit the cap and the ratio rules (coverage is checked below)."""
    plan = load_plan(data)
    check_invariants(plan, planner.evaluate(plan))


@given(plan_dicts(), st.data())
def test_interleaving_lines_of_different_categories_changes_nothing(data: dict[str, Any], draw: st.DataObject) -> None:
    """Lines of different categories (software and cloud counted as one) are unrelated: each trimming
    group (a vendor's STEP3 outsourcing, sme_user labour, software+cloud) lies within one category, so
    interleaving the categories differently while keeping the order inside each category must leave
    every figure unchanged — per line, per member and in total (largest-remainder ties go by order
    only within a group)."""
    costs = data["costs"]
    order = draw.draw(st.permutations(range(len(costs))))

    def klass(c: dict[str, Any]) -> str:
        return "sc" if c["category"] in ("software", "cloud") else c["category"]

    queues: dict[str, list[dict[str, Any]]] = {}
    for c in costs:
        queues.setdefault(klass(c), []).append(c)
    mixed = [queues[klass(costs[i])].pop(0) for i in order]
    assert [klass(c) for c in mixed] == [klass(costs[i]) for i in order]
    other = dict(data, costs=mixed)

    a = planner.evaluate(load_plan(data)).summary_dict("en")
    b = planner.evaluate(load_plan(other)).summary_dict("en")
    lines_a = {ln["id"]: ln for ln in a.pop("lines")}
    lines_b = {ln["id"]: ln for ln in b.pop("lines")}
    assert lines_a == lines_b

    def key(f: dict[str, Any]) -> str:
        return json.dumps(f, sort_keys=True, ensure_ascii=False)

    assert sorted(map(key, a.pop("findings"))) == sorted(map(key, b.pop("findings")))
    assert a == b  # headline and every member


@given(plan_dicts(max_costs=30), st.data())
def test_any_permutation_of_lines_keeps_the_totals(data: dict[str, Any], draw: st.DataObject) -> None:
    """Any order of the lines: claimed and eligible totals, each line's claimed amount and line rules,
    and the yen each ratio rule removes do not change (only ties inside a trimming group may move a
    yen between lines, and so between members)."""
    costs = data["costs"]
    order = draw.draw(st.permutations(range(len(costs))))
    other = dict(data, costs=[costs[i] for i in order])
    a = planner.evaluate(load_plan(data))
    b = planner.evaluate(load_plan(other))
    assert a.claimed_total_yen == b.claimed_total_yen
    assert a.eligible_total_yen == b.eligible_total_yen
    assert [(m.id, m.claimed_yen) for m in a.members] == [(m.id, m.claimed_yen) for m in b.members]
    lines_b = {ln.id: ln for ln in b.lines}
    for ln in a.lines:
        other_ln = lines_b[ln.id]
        assert ln.claimed_yen == other_ln.claimed_yen
        assert [r for r in ln.reductions if r.rule not in TRIM_RULES] == [
            r for r in other_ln.reductions if r.rule not in TRIM_RULES
        ]
    for rule in RATIO_RULES:
        assert sum(rc.removed_yen for rc in a.ratios if rc.rule == rule) == sum(
            rc.removed_yen for rc in b.ratios if rc.rule == rule
        )
    # rule ids other than the subsidy-total ones (a yen moved between members can change Σ floor)
    money = {"subsidy.capped", "subsidy.below_minimum"}
    assert set(a.rule_ids()) - money == set(b.rule_ids()) - money


@given(plan_dicts(max_costs=30))
def test_evaluate_is_pure(data: dict[str, Any]) -> None:
    snapshot = copy.deepcopy(data)
    plan = load_plan(data)
    assert data == snapshot  # loading does not touch the caller's dict
    before = plan.model_dump(mode="python")
    first = planner.evaluate(plan)
    second = planner.evaluate(plan)
    assert plan.model_dump(mode="python") == before
    assert first.summary_dict("ja") == second.summary_dict("ja")
    assert first.summary_dict("en") == second.summary_dict("en")
    assert first.ratios == second.ratios
    assert first.graph.components == second.graph.components
    assert first.graph.problem_nodes == second.graph.problem_nodes


@given(plan_dicts(max_costs=30))
def test_a_dumped_plan_reloads_and_evaluates_identically(data: dict[str, Any]) -> None:
    plan = load_plan(data)
    dumped = plan.to_json_dict()
    text = json.dumps(dumped, ensure_ascii=False, allow_nan=False)
    again = load_plan(text.encode("utf-8"))
    assert again == plan
    assert again.to_json_dict() == dumped
    assert planner.evaluate(again).summary_dict("ja") == planner.evaluate(plan).summary_dict("ja")


@given(plan_dicts(max_costs=30))
def test_the_command_line_reports_every_random_plan(data: dict[str, Any]) -> None:
    """``kyoso check`` and ``kyoso summary --json`` (in process) on random plans: exit 1 exactly when
    there is an error finding, every rule id printed, the JSON equal to the result's summary."""
    plan = load_plan(data)
    result = planner.evaluate(plan)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        for lang in ("ja", "en"):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli_main(["check", str(path), "--lang", lang])
            assert err.getvalue() == ""
            assert code == (1 if result.has_errors else 0)
            for rule in result.rule_ids():
                assert rule in out.getvalue()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = cli_main(["summary", str(path), "--json", "--lang", "en"])
        assert code == (1 if result.has_errors else 0)
        assert json.loads(out.getvalue()) == result.summary_dict("en")


def test_the_generator_reaches_the_interesting_cases() -> None:
    """Guard against a strategy that silently stops exercising the rules: over a fixed-seed run, the
    cap binds in a good fraction of plans and every line-trimming rule fires somewhere."""
    seen: Counter[str] = Counter()
    wanted = (*ZERO_RULES, *TRIM_RULES, "finding:rate.large_vendor", "finding:cost.kenpo_rate_estimate")

    # Derandomized draws still differ with what the process imported before (hypothesis' global
    # state), so sample generously and stop evaluating once every rare case has been seen.
    @settings(max_examples=500, derandomize=True, database=None)
    @given(plan_dicts())
    def sample(data: dict[str, Any]) -> None:
        if seen["plans"] >= 100 and all(seen[w] for w in wanted):
            return
        result = planner.evaluate(load_plan(data))
        seen["plans"] += 1
        seen["capped"] += result.raw_subsidy_total_yen > result.cap_yen
        for ln in result.lines:
            for red in ln.reductions:
                seen[red.rule] += 1
        for f in result.findings:
            seen["finding:" + f.rule] += 1

    sample()
    assert seen["capped"] >= seen["plans"] // 5, seen
    for rule in (*ZERO_RULES, *TRIM_RULES):
        assert seen[rule] > 0, (rule, seen)
    assert seen["finding:rate.large_vendor"] > 0 and seen["finding:cost.kenpo_rate_estimate"] > 0, seen
