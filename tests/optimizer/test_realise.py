"""Sharing class totals out to lines (planner/realise.py), checked against brute force.

The optimiser treats a member's labour lines as one whole-yen total and its long-term cloud lines as two
totals (eligible, claimed); these functions decide which totals real lines reach and find the hours and
amounts.  A total wrongly called unreachable would cut the optimum off; a wrong sharing would write a
plan that does not score what the optimiser said.  Every case here is compared with an enumeration of
every choice of hours.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner.optimize.realise as rz
from planner.optimize.realise import ClassEnds, LatticeLine, TermGroup, realise, realise_class

RATES = [150, 250, 1730, 2190, 2540, 3000, 5200]


@st.composite
def classes(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[LatticeLine]]:
    lattice = []
    for _ in range(draw(st.integers(1, 3))):
        lo = draw(st.integers(1, 30))
        lattice.append(LatticeLine(draw(st.sampled_from(RATES)), lo, lo + draw(st.integers(0, 12))))
    dense = []
    for _ in range(draw(st.integers(0, 2))):
        a = draw(st.integers(0, 50))
        dense.append((a, a + draw(st.integers(0, 5))))
    return dense, lattice


def reachable(dense: list[tuple[int, int]], lattice: list[LatticeLine]) -> set[int]:
    sets = [{ln.amount(h) for h in range(ln.hh_lo, ln.hh_hi + 1)} for ln in lattice]
    d_lo, d_hi = sum(a for a, _ in dense), sum(b for _, b in dense)
    return {sum(c) + d for c in itertools.product(*sets) for d in range(d_lo, d_hi + 1)}


def check_sharing(total: int, dense: list[tuple[int, int]], lattice: list[LatticeLine], got: tuple[list[int], list[int]]) -> None:
    amounts, hours = got
    assert len(amounts) == len(dense) and len(hours) == len(lattice)
    assert all(a <= x <= b for (a, b), x in zip(dense, amounts, strict=True))
    assert all(ln.hh_lo <= h <= ln.hh_hi for ln, h in zip(lattice, hours, strict=True))
    assert sum(amounts) + sum(ln.amount(h) for ln, h in zip(lattice, hours, strict=True)) == total


@pytest.mark.parametrize("window", [20, 60, 2000])
@settings(max_examples=150, deadline=None)
@given(case=classes())
def test_class_ends_describe_exactly_what_the_lines_reach(window: int, case: tuple) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rz, "WINDOW_YEN", window)
        _check_ends(window, case)


def _check_ends(window: int, case: tuple) -> None:
    dense, lattice = case
    ends = ClassEnds(dense, lattice)
    reach = reachable(dense, lattice)
    assert min(reach) == ends.lo and max(reach) == ends.hi
    w = min(window, ends.hi - ends.lo)
    for top in (True, False):
        spans, further = ends.intervals(top)
        assert further == (ends.hi - ends.lo > w)
        for t in reach:  # nothing reachable is ever excluded (merged intervals may include more)
            dist = ends.hi - t if top else t - ends.lo
            if dist <= w:
                assert any(a <= t <= b for a, b in spans), (t, spans)
    for t in range(ends.lo, ends.hi + 1):
        gap = ends.gap(t)
        if ends.near_top(t) is None:
            assert gap is None
            continue
        assert (gap is None) == (t in reach), t  # exact near either end
        if gap is not None:
            below, above = gap
            assert below < t < above
            assert not any(u in reach for u in range(below + 1, above))  # nearest reachable on each side
        if t in reach:
            got = realise(t, ends)
            assert got is not None, t  # near an end every reachable total is found
            check_sharing(t, dense, lattice, got)


@settings(max_examples=200, deadline=None)
@given(case=classes(), pick=st.integers(0, 10_000))
def test_realise_class_shares_exactly_or_says_so(case: tuple, pick: int) -> None:
    dense, lattice = case
    reach = sorted(reachable(dense, lattice))
    total = reach[pick % len(reach)]
    got = realise_class(total, dense, lattice)
    if got is not None:
        check_sharing(total, dense, lattice, got)
    unreachable = next((t for t in range(reach[0], reach[-1]) if t not in reach), None)
    if unreachable is not None:
        assert realise_class(unreachable, dense, lattice) is None


def test_a_wide_class_in_the_middle_is_found_by_the_correction_search() -> None:
    """Forty labour lines at mixed rates and no dense line: totals far from both ends."""
    lattice = [LatticeLine(RATES[2 + j % 5], 10 + j, 400 + 7 * j) for j in range(40)]
    ends = ClassEnds([], lattice)
    for total in range(ends.lo + 30_000, ends.lo + 30_000 + 300):
        got = realise(total, ends)
        assert got is not None, total
        check_sharing(total, [], lattice, got)


@settings(max_examples=200, deadline=None)
@given(
    k=st.sampled_from([2, 3, 5]),
    ranges=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 25)), min_size=1, max_size=3),
)
def test_term_group_least_claim_and_sharing_match_brute_force(k: int, ranges: list[tuple[int, int]]) -> None:
    lo = [a for a, _ in ranges]
    hi = [a + b for a, b in ranges]
    tg = TermGroup(k, lo, hi)
    best: dict[int, int] = {}
    most: dict[int, int] = {}  # the most claimed for each eligible total
    for xs in itertools.product(*[range(a, b + 1) for a, b in zip(lo, hi, strict=True)]):
        e = sum(x // k for x in xs)
        best[e] = min(best.get(e, 10**9), sum(xs))
        most[e] = max(most.get(e, -1), sum(xs))
    assert min(best) == tg.e_lo and max(best) == tg.e_hi
    for e, least in best.items():
        assert tg.least_claim(e) == least, (e, least, tg.pieces())
        got = tg.realise(e, least)  # the optimiser's last stage always claims the least
        assert got is not None, (e, least)
        assert sum(got) == least and sum(x // k for x in got) == e
        assert all(a <= x <= b for a, b, x in zip(lo, hi, got, strict=True))
        assert tg.realise(e, least - 1) is None
        more = tg.realise(e, most[e])  # more than the least: shared where the lines have room, or None
        if more is not None:
            assert sum(more) == most[e] and sum(x // k for x in more) == e
