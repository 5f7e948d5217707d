"""Small plans solved to optima computed by hand (the arithmetic is in each test's docstring).

Every result is also re-evaluated by ``planner.evaluate`` so the figures are the engine's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import planner
from planner.optimize import OptimizeResult, optimize
from schemas import load_plan
from tests.optimizer.plans import amount_line, base_plan, flex, labour_line


def _run(costs: list[dict[str, Any]], **kwargs: Any) -> tuple[OptimizeResult, planner.Result, dict[str, int]]:
    data = base_plan()
    data["costs"] = costs
    res = optimize(load_plan(data), **kwargs)
    assert res.ok and res.plan is not None, [n.en for n in res.notes]
    result = planner.evaluate(res.plan)
    assert result.subsidy_yen == res.model_subsidy_yen
    assert not res.notes_of("discrepancy")
    amounts = {lr.id: lr.claimed_yen for lr in result.lines}
    return res, result, amounts


def test_subcontract_strictness_decides_the_last_yen() -> None:
    """v1: STEP3 labour R = 100 h × ¥10,000 = ¥1,000,000 (fixed), STEP4 labour ¥1 (fixed), STEP3
    subcontract C flexible in [0, 2,000,000]; u1 outsources ¥3,000,000 to v2 (fixed).

    「1/2未満」: C < R, so C ≤ 999,999.  E_v1 = 1,000,000 + 1 + C.  At C = 999,999, E_v1 = 2,000,000 and
    floor(E × 2/3) = 1,333,333; at C = 999,998 it is floor(1,999,999 × 2/3) = 1,333,332 — the strict
    inequality's last yen earns a yen.  C = 1,000,000 would be trimmed back to 999,999 (no gain, a warning).
    Total = 1,333,333 + u1's 2,000,000 = 3,333,333.
    """
    res, result, amounts = _run(
        [
            labour_line("r", "v1", 3, "100", 10_000, integration="i1"),
            labour_line("s4", "v1", 4, "0.01", 100, integration="i1"),
            flex(amount_line("c", "v1", 3, "outsourcing", 0, payee_external="外注", subcontract=True), 0, 2_000_000),
            amount_line("o", "u1", 2, "outsourcing", 3_000_000, payee="v2"),
        ]
    )
    assert amounts["c"] == 999_999
    assert result.subsidy_yen == 3_333_333
    assert result.member("v1") is not None and result.member("v1").subsidy_yen == 1_333_333  # type: ignore[union-attr]
    assert not any(r.rule == "cost.subcontract_half" for ln in result.lines for r in ln.reductions)
    binding = [n for n in res.notes_of("binding") if "subcontract_half" in n.key]
    assert binding and binding[0].value is not None and binding[0].value > 0


def test_cap_binds_and_no_yen_above_it_is_claimed() -> None:
    """Two outsourcing lines in [0, 60,000,000]; 4 counted members → cap ¥44,000,000.

    Σ floor(2E_i/3) ≥ 44,000,000 needs ΣE ≥ 66,000,000 (floor(2E/3) ≤ 2E/3), and 60,000,000 + 6,000,000
    reaches it exactly; so the optimum is subsidy 44,000,000 with exactly 66,000,000 claimed and
    22,000,000 own funds: nothing above the cap.
    """
    res, result, _ = _run(
        [
            flex(amount_line("a", "u1", 2, "outsourcing", 0, payee="v1"), 0, 60_000_000),
            flex(amount_line("b", "u2", 2, "outsourcing", 0, payee="v2"), 0, 60_000_000),
        ]
    )
    assert result.cap_yen == 44_000_000
    assert result.subsidy_yen == 44_000_000
    assert result.claimed_total_yen == 66_000_000
    assert result.own_funds_yen == 22_000_000
    assert result.raw_subsidy_total_yen == 44_000_000
    assert any(n.key == "cap" for n in res.notes_of("binding"))


def test_user_labour_third_binds_on_the_hours_lattice() -> None:
    """u1 outsources ¥3,000,000 to v1 (fixed) → U ≤ floor(3,000,000 / 3) = 1,000,000.  u1's labour at
    ¥2,990/h is flexible in [0, 3,000,000]: floor(h × 2,990) for h in hundredths.  h = 334.44 gives
    999,975.6 → 999,975; h = 334.45 gives 1,000,005 (over).  No two-decimal h gives 999,976…1,000,000
    (29.9·hh ∈ [1,000,000, 1,000,001) has no integer hh).  So U = 999,975 at 334.44 h, and
    E_u1 = 3,999,975, subsidy floor(3,999,975 × 2/3) = 2,666,650.
    """
    res, result, amounts = _run(
        [
            amount_line("b", "u1", 2, "outsourcing", 3_000_000, payee="v1"),
            flex(labour_line("u", "u1", 2, "1", 2_990), 0, 3_000_000),
        ]
    )
    assert amounts["u"] == 999_975
    assert res.plan is not None
    assert next(c for c in res.plan.costs if c.id == "u").hours == Decimal("334.44")
    assert result.subsidy_yen == 2_666_650
    binding = [n for n in res.notes_of("binding") if "user_labour_third" in n.key]
    assert binding and "0.33" in binding[0].ja


def test_software_cloud_half_with_term_rule_and_floors() -> None:
    """O = u1's outsourcing ¥4,000,000 (fixed).  S = u1 software s ∈ [0, 3,000,000] + floor(12x/24) of
    u2's 24-month cloud x ∈ [0, 5,000,000]; S ≤ O.

    Σ floor(2E/3) ≤ floor(2 × 8,000,000 / 3) = 5,333,333, reached only when the two members' floors lose
    a third between them: E_u1 = 4,000,000 + s ≡ 0 and E_u2 = e ≡ 2 (mod 3) with s + e = 4,000,000, or
    E_u1 ≡ 2, E_u2 ≡ 0.  The cheapest claim: s = 2,999,999 (E_u1 = 6,999,999 ≡ 0), e = 1,000,001 at
    x = 2,000,002 (the least x with floor(x/2) = 1,000,001): claimed 9,000,001.  (s = 2,999,998 needs
    e = 1,000,002 at x = 2,000,004: claimed 9,000,002; s = 3,000,000 makes E_u1 ≡ 1 and loses a yen.)
    """
    res, result, amounts = _run(
        [
            amount_line("o", "u1", 2, "outsourcing", 4_000_000, payee="v1"),
            flex(amount_line("s", "u1", 1, "software", 0), 0, 3_000_000),
            flex(amount_line("k", "u2", 1, "cloud", 0, months=24), 0, 5_000_000),
        ]
    )
    assert amounts["s"] == 2_999_999
    assert amounts["k"] == 2_000_002
    assert result.subsidy_yen == 5_333_333
    assert result.claimed_total_yen == 9_000_001
    assert any("software_cloud_half" in n.key for n in res.notes_of("binding"))


def test_budgets_consortium_and_member() -> None:
    """u1 outsourcing in [0, 9,000,000], v1 STEP3 travel in [0, 5,000,000]; budget ¥10,000,000 in all and
    ¥2,000,000 for v1.  Σ floor(2E_i/3) ≤ floor(2 × 10,000,000/3) = 6,666,666, reached with E_u1 = 9,000,000
    and E_v1 = 999,999 (both ≡ 0 mod 3): 6,000,000 + 666,666.  The least claim for 6,666,666 is
    ΣE ≥ 3 × 6,666,666 / 2 = 9,999,999: one yen of the budget stays unspent (it would earn nothing).
    """
    res, result, _ = _run(
        [
            flex(amount_line("a", "u1", 2, "outsourcing", 0, payee="v1"), 0, 9_000_000),
            flex(amount_line("t", "v1", 3, "travel", 0, integration="i1"), 0, 5_000_000),
        ],
        budget=10_000_000,
        member_budgets={"v1": 2_000_000},
    )
    assert result.subsidy_yen == 6_666_666
    assert result.claimed_total_yen == 9_999_999
    v1 = result.member("v1")
    assert v1 is not None and v1.claimed_yen <= 2_000_000
    assert any(n.key == "budget:*" for n in res.notes_of("binding"))


def test_own_funds_objective_for_one_member() -> None:
    """As the cap case, but u1's line is in [3,000,000, 60,000,000].  The most subsidy is still the cap
    (u1 ≥ 6,000,000 with u2 at 60,000,000: 4,000,000 + 40,000,000).  u1's own funds
    E − floor(2E/3) are least at the smallest E that still reaches the cap: E_u1 = 6,000,000 → own funds
    2,000,000.  For u2 the same reasoning gives u2 = 6,000,000 (u1 at 60,000,000) → 2,000,000.
    """
    costs = [
        flex(amount_line("a", "u1", 2, "outsourcing", 0, payee="v1"), 3_000_000, 60_000_000),
        flex(amount_line("b", "u2", 2, "outsourcing", 0, payee="v2"), 0, 60_000_000),
    ]
    _, result, amounts = _run(costs, objective="own-funds:u1")
    assert result.subsidy_yen == 44_000_000
    assert amounts == {"a": 6_000_000, "b": 60_000_000}
    u1 = result.member("u1")
    assert u1 is not None and u1.own_funds_yen == 2_000_000
    _, result, amounts = _run(costs, objective="own-funds:u2")
    assert result.subsidy_yen == 44_000_000
    assert amounts == {"a": 60_000_000, "b": 6_000_000}


def test_lines_that_earn_nothing_go_to_their_minimum() -> None:
    """A vendor cannot claim software (STEP1 is not in its row of the matrix) and vendor labour that
    modifies an existing tool on a messaging integration is not eligible: both earn nothing, so the
    optimiser claims their minimum — the labour line at the fewest two-decimal hours reaching 1,000 yen
    at ¥3,000/h (0.34 h → ¥1,020).  u1's outsourcing in [0, 100,000]: floor(100,000 × 2/3) = 66,666 =
    floor(99,999 × 2/3), so the 100,000th yen earns nothing and 99,999 is claimed."""
    data_costs = [
        flex(amount_line("sw", "v1", 1, "software", 50_000), 1_000, 90_000),
        flex(labour_line("mod", "v2", 3, "10", 3_000, integration="i1", modifies_existing_tool=True), 1_000, 90_000),
        flex(amount_line("o", "u1", 2, "outsourcing", 10_000, payee="v1"), 0, 100_000),
    ]
    data = base_plan(2, 3)  # i2 (t2 → t3) is a messaging integration; i1 is api
    data["costs"] = data_costs
    data["costs"][1]["integration"] = "i2"
    res = optimize(load_plan(data))
    assert res.ok and res.plan is not None
    result = planner.evaluate(res.plan)
    amounts = {lr.id: lr.claimed_yen for lr in result.lines}
    assert amounts == {"sw": 1_000, "mod": 1_020, "o": 99_999}
    assert next(c for c in res.plan.costs if c.id == "mod").hours == Decimal("0.34")
