"""Rows that keep a class total to what its labour lines' hours can reach.

A class of lines that includes labour lines on an hours lattice is one variable in the model (the lattice
relaxed to whole yen).  Next to the class's ends not every total is reachable: :func:`_first_gaps` excludes
the first gap at each end up front, :func:`_encode_window` describes an end's reachable totals exactly
(a union of intervals, :func:`_distance_union`) when a solution lands in a deeper gap, and
:func:`_implied_bounds` keeps those rows' coefficients small.  See docs/scenarios.md ("Classes of labour
lines").
"""

from __future__ import annotations

from planner.optimize.model import _Lin, _Model, _Row
from planner.optimize.realise import WINDOW_YEN, ClassEnds


def _implied_bounds(model: _Model, passes: int = 3) -> tuple[list[int], list[int]]:
    """Bounds on every variable that the rows imply (in exact integers; a few passes of propagation):
    e.g. a class of sme_user labour is at most a third of what can be outsourced to vendors, however
    wide its own range.  Used only to keep the gap rows' coefficients small."""
    lo, hi = list(model.lb), list(model.ub)
    for _ in range(passes):
        changed = False
        for row in model.rows:
            sides = [(row.coefs, row.rhs)]
            if row.eq:
                sides.append(({v: -k for v, k in row.coefs.items()}, -row.rhs))
            for coefs, rhs in sides:
                least = sum(k * (lo[v] if k > 0 else hi[v]) for v, k in coefs.items())
                for v, k in coefs.items():
                    rest = least - k * (lo[v] if k > 0 else hi[v])
                    if k > 0:
                        bound = (rhs - rest) // k
                        if bound < hi[v]:
                            hi[v], changed = max(bound, lo[v]), True
                    else:
                        bound = -((rhs - rest) // -k)
                        if bound > lo[v]:
                            lo[v], changed = min(bound, hi[v]), True
        if not changed:
            break
    return lo, hi


def _first_gaps(model: _Model, ends: ClassEnds, v: int, implied: tuple[list[int], list[int]]) -> None:
    """Exclude the totals just inside a class's ends that its labour lines cannot reach.

    At its maximum a class's total can drop by up to what its dense lines can give up (``span``), and
    otherwise by at least the smallest step down of one labour line (``g``): when ``g > span + 1`` the
    totals strictly between ``max − g`` and ``max − span`` are out of reach (likewise above the
    minimum).  The tie-break would otherwise take a yen off a class of labour lines at its maximum.
    Deeper gaps are described when a solution lands in one (:func:`_encode_window`).

    One binary per end, with a coefficient as large as the furthest the total can be from that end —
    what the rows imply (``implied``), not the class's own range: HiGHS accepts a binary within 1e-6
    of 0 or 1, so a coefficient of millions lets its answers sit inside the gap.  Such answers fail
    the exact re-check and are never used, but they cost proofs (a semi-integer variable would need
    no coefficient, but HiGHS caps semi-variables' upper bounds at 100,000 and then calls feasible
    problems infeasible).
    """
    lo, hi, span = ends.lo, ends.hi, ends.span
    movable = [ln for ln in ends.lattice if ln.hh_hi > ln.hh_lo]
    if not movable:
        return
    v_lo, v_hi = max(lo, implied[0][v]), min(hi, implied[1][v])
    for top in (True, False):
        if top:
            g = min(ln.amount(ln.hh_hi) - ln.amount(ln.hh_hi - 1) for ln in movable)
        else:
            g = min(ln.amount(ln.hh_lo + 1) - ln.amount(ln.hh_lo) for ln in movable)
        r = (hi - v_lo) if top else (v_hi - lo)  # the furthest the total can be from this end
        if g <= span + 1 or r < g:
            continue
        # z = 1: within ``span`` of the end; z = 0: at least ``g`` from it
        z = model.var(f"gap_{'top' if top else 'bottom'}:{v}", 0, 1)
        if top:  # hi − v ≤ span + (r − span)(1 − z);  hi − v ≥ g(1 − z)
            model.le(f"gap_near:{v}:top", _Lin().var(v, -1).var(z, r - span), r - hi)
            model.le(f"gap_far:{v}:top", _Lin().var(v).var(z, -g), hi - g)
        else:  # v − lo ≤ span + (r − span)(1 − z);  v − lo ≥ g(1 − z)
            model.le(f"gap_near:{v}:bottom", _Lin().var(v).var(z, r - span), lo + r)
            model.le(f"gap_far:{v}:bottom", _Lin().var(v, -1).var(z, -g), -lo - g)


def _distance_union(
    model: _Model, v: int, ends: ClassEnds, top: bool, spans: list[tuple[int, int]], tag: str
) -> None:
    """The class total's distance from one end lies in one of ``spans`` (intervals of distance).

    The convex hull of the union: the distance d (``v + d = max`` or ``v − d = min``), one binary and
    one part of d per interval.  Written in distances, the coefficients are small next to the end
    (only the last, widest interval carries a large one), which keeps HiGHS's tolerances out of it."""
    side = "top" if top else "bottom"
    d = model.var(f"{tag}_dist_{side}:{v}", 0, ends.hi - ends.lo)
    if top:
        model.rows.append(_Row(f"{tag}_d:{v}:{side}", {v: 1, d: 1}, ends.hi, eq=True))
    else:
        model.rows.append(_Row(f"{tag}_d:{v}:{side}", {v: 1, d: -1}, ends.lo, eq=True))
    pick: dict[int, int] = {}
    parts: dict[int, int] = {d: 1}
    for j, (a, b) in enumerate(spans):
        z = model.var(f"{tag}_{side}:{v}:{j}", 0, 1)
        y = model.var(f"{tag}_part_{side}:{v}:{j}", 0, b)
        model.le(f"{tag}_hi:{v}:{side}:{j}", _Lin().var(y).var(z, -b), 0)
        if a:
            model.le(f"{tag}_lo:{v}:{side}:{j}", _Lin().var(z, a).var(y, -1), 0)
        pick[z] = 1
        parts[y] = -1
    model.rows.append(_Row(f"{tag}_one:{v}:{side}", pick, 1, eq=True))
    model.rows.append(_Row(f"{tag}_sum:{v}:{side}", parts, 0, eq=True))


def _encode_window(
    model: _Model, v: int, ends: ClassEnds, top: bool, implied: tuple[list[int], list[int]] | None = None
) -> bool:
    """Make a class total take only the totals its lines reach within the window of one end.

    The reachable totals there are a union of intervals (:meth:`ClassEnds.intervals`), plus the
    totals further in; the convex hull of that union is added (:func:`_distance_union`).  It only
    removes totals that no hours reach, so the model stays a relaxation of the real lines.  Added when
    a solution first lands in such a gap."""
    spans, further = ends.intervals(top)
    if len(spans) == 1 and not further:
        return False  # every total there is reachable
    dist = [(ends.hi - b, ends.hi - a) if top else (a - ends.lo, b - ends.lo) for a, b in spans]
    if further:
        far = ends.hi - ends.lo
        if implied is not None:  # the furthest the rows let the total go from this end
            far = (ends.hi - max(ends.lo, implied[0][v])) if top else (min(ends.hi, implied[1][v]) - ends.lo)
        if far > WINDOW_YEN:
            dist.append((WINDOW_YEN + 1, far))
    if len(dist) == 2 and dist[0][1] + 1 >= dist[1][0]:
        return False  # one run of totals: nothing to exclude
    _distance_union(model, v, ends, top, dist, "win")
    return True
