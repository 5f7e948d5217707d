"""Sharing a class total out to its lines, where some lines are labour lines on an hours lattice.

The optimiser solves lines of one member that play the same part in every rule as one variable (a
*class*).  A labour line's amount is ``floor(rate × hundredths / 100)``, so it can only take the
amounts of its lattice (at ¥1,730/h: steps of ¥17–18).  A class total chosen by the optimiser is
feasible for the real lines only when some choice of hours (and yen amounts for the other lines)
adds up to it exactly; :func:`realise_class` finds one, or says it found none.

The search is exact when it answers: every amount it returns is in its line's range and the lattice
lines' amounts are the floors of their hours.  It is not a proof of impossibility when it gives up
(``None``): the optimiser then solves again with every labour line on its own lattice.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.money import share_largest_remainder

WINDOW_YEN = 400  # the correction search looks at sums within this many yen of the first guess
MAX_ADJUSTERS = 24  # lattice lines the correction search may move


@dataclass(frozen=True, slots=True)
class LatticeLine:
    rate: int  # yen per hour
    hh_lo: int  # hundredths of an hour: the fewest that give an amount in the line's range
    hh_hi: int  # the most

    def amount(self, hh: int) -> int:
        return self.rate * hh // 100

    def hh_at_most(self, yen: int) -> int:
        """The most hundredths (within the range, at least hh_lo) whose amount is ≤ ``yen``."""
        if yen < 0:
            return self.hh_lo
        return max(self.hh_lo, min(self.hh_hi, (100 * (yen + 1) - 1) // self.rate))


def realise_class(
    total: int, dense: list[tuple[int, int]], lattice: list[LatticeLine]
) -> tuple[list[int], list[int]] | None:
    """Amounts for ``dense`` lines (any yen in [lo, hi]) and hundredths for ``lattice`` lines so that
    everything adds up to ``total`` exactly; ``None`` when the search finds no such choice.

    First guess: every line pro rata to its range (the dense lines' way of sharing), each lattice line
    rounded down to its lattice.  The yen that rounding left over go to the dense lines' room; what is
    still missing is found by a bounded search over small changes of the lattice lines' hours (a
    subset-sum over offsets, as bit sets).
    """
    lo_all = [lo for lo, _ in dense] + [ln.amount(ln.hh_lo) for ln in lattice]
    hi_all = [hi for _, hi in dense] + [ln.amount(ln.hh_hi) for ln in lattice]
    if not sum(lo_all) <= total <= sum(hi_all):
        return None
    shares = share_largest_remainder(total - sum(lo_all), [h - lo for lo, h in zip(lo_all, hi_all, strict=True)])
    nd = len(dense)
    d_amt = [lo + s for (lo, _), s in zip(dense, shares[:nd], strict=True)]
    hh = [ln.hh_at_most(lo + s) for ln, lo, s in zip(lattice, lo_all[nd:], shares[nd:], strict=True)]
    missing = total - sum(d_amt) - sum(ln.amount(h) for ln, h in zip(lattice, hh, strict=True))
    # the lattice lines go as high as they can without passing the total (largest room first)
    for j in sorted(range(len(lattice)), key=lambda j: -(lattice[j].hh_hi - hh[j])):
        if missing <= 0:
            break
        ln = lattice[j]
        before = ln.amount(hh[j])
        hh[j] = ln.hh_at_most(before + missing)
        missing -= ln.amount(hh[j]) - before
    # the dense lines take what is left, within their room
    up = sum(hi - a for (_, hi), a in zip(dense, d_amt, strict=True))
    down = sum(a - lo for (lo, _), a in zip(dense, d_amt, strict=True))
    if not -down <= missing <= up:
        # the lattice lines must move by Δ with missing − up ≤ Δ ≤ missing + down
        delta = _lattice_correction(lattice, hh, missing - up, missing + down)
        if delta is None:
            return None
        for j, k in delta.items():
            missing -= lattice[j].amount(hh[j] + k) - lattice[j].amount(hh[j])
            hh[j] += k
    # share ``missing`` (now within [−down, up]) over the dense lines' room
    if missing > 0:
        extra = share_largest_remainder(missing, [hi - a for (_, hi), a in zip(dense, d_amt, strict=True)])
        d_amt = [a + e for a, e in zip(d_amt, extra, strict=True)]
    elif missing < 0:
        less = share_largest_remainder(-missing, [a - lo for (lo, _), a in zip(dense, d_amt, strict=True)])
        d_amt = [a - e for a, e in zip(d_amt, less, strict=True)]
    if sum(d_amt) + sum(ln.amount(h) for ln, h in zip(lattice, hh, strict=True)) != total:
        return None  # cannot happen; never return a wrong sharing
    return d_amt, hh


def _lattice_correction(lattice: list[LatticeLine], hh: list[int], lo: int, hi: int) -> dict[int, int] | None:
    """Changes k_j of hundredths (hh_j + k_j within range) with lo ≤ Σ Δamount_j ≤ hi, or None.

    A subset-sum over each line's offsets within ±WINDOW_YEN, on Python ints used as bit sets; the
    lines with the finest steps and the most room both ways are tried.
    """
    w = WINDOW_YEN
    if lo > w or hi < -w:
        return None
    order = sorted(
        (j for j, ln in enumerate(lattice) if ln.hh_hi > ln.hh_lo),
        key=lambda j: (lattice[j].rate, -min(hh[j] - lattice[j].hh_lo, lattice[j].hh_hi - hh[j])),
    )[:MAX_ADJUSTERS]
    options = []
    for j in order:
        ln = lattice[j]
        base = ln.amount(hh[j])
        reach = w * 100 // ln.rate + 2
        ks = range(max(ln.hh_lo - hh[j], -reach), min(ln.hh_hi - hh[j], reach) + 1)
        options.append([(ln.amount(hh[j] + k) - base, k) for k in ks if -w <= ln.amount(hh[j] + k) - base <= w])
    dp = _SubsetSum(options, -w, w)
    for target in range(max(lo, -w), min(hi, w) + 1):
        picks = dp.pick(target)
        if picks is not None:
            return {order[i]: k for i, k in picks.items() if k}
    return None


class _SubsetSum:
    """Which totals in [lo, hi] sums of one option per line reach (bit sets), and one way to each."""

    def __init__(self, options: list[list[tuple[int, int]]], lo: int, hi: int) -> None:
        self.options, self.lo, self.hi = options, lo, hi
        mask = (1 << (hi - lo + 1)) - 1
        self.stages = [1 << -lo] if lo <= 0 <= hi else [0]
        for opts in options:
            cur, nxt = self.stages[-1], 0
            for d, _ in opts:
                nxt |= (cur << d) if d >= 0 else (cur >> -d)
            self.stages.append(nxt & mask)

    def reachable(self, total: int) -> bool:
        return self.lo <= total <= self.hi and bool(self.stages[-1] >> (total - self.lo) & 1)

    def pick(self, total: int) -> dict[int, int] | None:
        """line index → the chosen option's second element (e.g. a change of hundredths)."""
        if not self.reachable(total):
            return None
        out: dict[int, int] = {}
        t = total
        for idx in range(len(self.options) - 1, -1, -1):
            prev = self.stages[idx]
            for d, k in self.options[idx]:
                s = t - d
                if self.lo <= s <= self.hi and prev >> (s - self.lo) & 1:
                    out[idx] = k
                    t = s
                    break
            else:  # pragma: no cover - the bit sets say a predecessor exists
                return None
        return out if t == 0 else None


@dataclass(slots=True)
class ClassEnds:
    """Exactly which totals near a class's two ends its lines reach.

    Near the maximum the total can only drop by what the lattice lines give up (each line's steps
    down, summed) plus anything up to the dense lines' span; within ``WINDOW_YEN`` of an end that set
    is computed exactly, so a total there is known to be reachable or not, and the nearest reachable
    totals on either side are known.  Further in, :func:`realise_class` decides (and may give up).
    """

    dense: list[tuple[int, int]]
    lattice: list[LatticeLine]
    lo: int = 0
    hi: int = 0
    _top: _SubsetSum | None = None
    _bottom: _SubsetSum | None = None

    def __post_init__(self) -> None:
        self.lo = sum(a for a, _ in self.dense) + sum(ln.amount(ln.hh_lo) for ln in self.lattice)
        self.hi = sum(b for _, b in self.dense) + sum(ln.amount(ln.hh_hi) for ln in self.lattice)

    @property
    def span(self) -> int:
        return sum(b - a for a, b in self.dense)

    def _dp(self, top: bool) -> _SubsetSum:
        cached = self._top if top else self._bottom
        if cached is not None:
            return cached
        w = WINDOW_YEN
        options = []
        for ln in self.lattice:
            start = ln.hh_hi if top else ln.hh_lo
            opts = []
            for k in range(0, ln.hh_hi - ln.hh_lo + 1):
                h = start - k if top else start + k
                d = abs(ln.amount(h) - ln.amount(start))
                if d > w:
                    break
                opts.append((d, h))
            options.append(opts)
        dp = _SubsetSum(options, 0, w)
        if top:
            self._top = dp
        else:
            self._bottom = dp
        return dp

    def _near(self, total: int) -> tuple[bool, int] | None:
        """(top?, distance from that end) when ``total`` is within the window of an end."""
        if self.hi - total <= WINDOW_YEN:
            return True, self.hi - total
        if total - self.lo <= WINDOW_YEN:
            return False, total - self.lo
        return None

    def _ok(self, top: bool, dist: int) -> int | None:
        """A lattice distance from the end that, with the dense lines' span, makes ``dist``."""
        if dist <= self.span:
            return 0  # the lattice lines stay at the end, the dense lines move
        dp = self._dp(top)
        for d in range(dist, max(0, dist - self.span) - 1, -1):
            if dp.reachable(d):
                return d
        return None

    def near_top(self, total: int) -> bool | None:
        """Which end's window ``total`` is in (True: the maximum's), None when in neither."""
        near = self._near(total)
        return None if near is None else near[0]

    def intervals(self, top: bool, most: int = 12) -> tuple[list[tuple[int, int]], bool]:
        """The reachable totals within the window of one end, as intervals of totals (the end's own
        first), and whether totals further from the end exist (they are not described here).  At most
        ``most`` intervals: the ones furthest from the end are merged (a wider description, still
        containing every reachable total)."""
        w = min(WINDOW_YEN, self.hi - self.lo)
        bits = self._dp(top).stages[-1] if self.span < w else 1
        if self.span >= w:
            bits = (1 << (w + 1)) - 1
        else:
            acc, width = bits, 1  # OR of bits << s for s = 0 … span, by doubling
            while width <= self.span:
                shift = min(width, self.span + 1 - width)
                acc |= acc << shift
                width += shift
            bits = acc & ((1 << (w + 1)) - 1)
        runs: list[tuple[int, int]] = []
        d = 0
        while d <= w:
            if bits >> d & 1:
                start = d
                while d + 1 <= w and bits >> (d + 1) & 1:
                    d += 1
                runs.append((start, d))
            d += 1
        if len(runs) > most:
            runs = [*runs[: most - 1], (runs[most - 1][0], runs[-1][1])]
        if top:
            out = [(self.hi - b, self.hi - a) for a, b in runs]
        else:
            out = [(self.lo + a, self.lo + b) for a, b in runs]
        return out, self.hi - self.lo > w

    def gap(self, total: int) -> tuple[int, int] | None:
        """For a total near an end that no lines reach: (largest reachable below, smallest above)
        — each end of the window stands for everything past it.  None when reachable or not near."""
        near = self._near(total)
        if near is None or not self.lo <= total <= self.hi:
            return None
        top, dist = near
        if self._ok(top, dist) is not None:
            return None
        inside = dist
        while inside > 0 and self._ok(top, inside - 1) is None:
            inside -= 1
        outside = dist
        while outside <= WINDOW_YEN and self._ok(top, outside) is None:
            outside += 1
        # inside − 1: the nearest reachable distance towards the end; outside: the nearest away from it
        if top:
            return self.hi - outside, self.hi - (inside - 1)
        return self.lo + (inside - 1), self.lo + outside

    def realise_near_end(self, total: int) -> tuple[list[int], list[int]] | None:
        near = self._near(total)
        if near is None or not self.lo <= total <= self.hi:
            return None
        top, dist = near
        d = self._ok(top, dist)
        if d is None:
            return None
        picks = self._dp(top).pick(d)
        if picks is None:
            return None
        hh = [picks[j] for j in range(len(self.lattice))]
        rest = dist - d  # the dense lines move this far from their end
        rooms = [b - a for a, b in self.dense]
        moved = share_largest_remainder(rest, rooms) if rest else [0] * len(self.dense)
        amounts = [b - m if top else a + m for (a, b), m in zip(self.dense, moved, strict=True)]
        if sum(amounts) + sum(ln.amount(h) for ln, h in zip(self.lattice, hh, strict=True)) != total:
            return None
        return amounts, hh


def realise(total: int, ends: ClassEnds) -> tuple[list[int], list[int]] | None:
    """:func:`realise_class`, or the exact construction when ``total`` is near one of the class's ends."""
    got = realise_class(total, ends.dense, ends.lattice)
    if got is None:
        got = ends.realise_near_end(total)
    return got


@dataclass(slots=True)
class TermGroup:
    """Lines of one member under the term rule with the same term, a whole multiple ``k`` of the
    counted months (24 or 36 of 12): a line claiming x yen earns ``floor(x / k)`` eligible yen.

    Solved as two totals: eligible E and claimed X.  The least claim that earns E is convex in E —
    from every line at its minimum, the first eligible yen of a line costs ``k − w`` (``w`` = its
    minimum's remainder ``min mod k``, yen it claims without earning), every further one ``k`` — so
    ``X ≥`` each piece of that function describes it exactly at whole yen (:meth:`pieces`), and
    :meth:`realise` shares the totals out to the lines.
    """

    k: int
    lo: list[int]  # per line, claimed yen
    hi: list[int]

    @property
    def e_lo(self) -> int:
        return sum(a // self.k for a in self.lo)

    @property
    def e_hi(self) -> int:
        return sum(b // self.k for b in self.hi)

    def _raisable(self) -> list[int]:
        """Lines that can earn one more yen than at their minimum, the largest remainder first."""
        k = self.k
        idx = [j for j in range(len(self.lo)) if self.hi[j] // k > self.lo[j] // k]
        return sorted(idx, key=lambda j: (-(self.lo[j] % k), j))

    def pieces(self) -> list[tuple[int, int]]:
        """(slope, intercept) pairs: the least claim for eligible E is max(slope·E + intercept)."""
        k = self.k
        order = self._raisable()
        e, x = self.e_lo, sum(self.lo)
        out: list[tuple[int, int]] = []
        for j in order:
            slope = k - self.lo[j] % k
            if not out or out[-1][0] != slope:
                out.append((slope, x - slope * e))
            e, x = e + 1, x + slope
        if not out or out[-1][0] != k:
            out.append((k, x - k * e))
        return out

    def least_claim(self, e_total: int) -> int:
        return max(s * e_total + c for s, c in self.pieces())

    def realise(self, e_total: int, x_total: int) -> list[int] | None:
        """Claimed amounts per line earning ``e_total`` in all and claiming ``x_total``, or None."""
        k = self.k
        if not self.e_lo <= e_total <= self.e_hi:
            return None
        e = [a // k for a in self.lo]
        left = e_total - self.e_lo
        for j in self._raisable():  # first yen of each line, cheapest first
            if left == 0:
                break
            e[j] += 1
            left -= 1
        if left:  # every further yen costs k, wherever it goes: pro rata to the room
            room = [b // k - ej for b, ej in zip(self.hi, e, strict=True)]
            e = [ej + s for ej, s in zip(e, share_largest_remainder(left, room), strict=True)]
        x = [max(a, k * ej) for a, ej in zip(self.lo, e, strict=True)]
        extra = x_total - sum(x)
        if extra < 0:
            return None
        if extra:  # claimed yen that earn nothing, where a line has room below its next eligible yen
            room = [min(b, k * ej + k - 1) - xj for b, ej, xj in zip(self.hi, e, x, strict=True)]
            if sum(room) < extra:
                return None
            x = [xj + s for xj, s in zip(x, share_largest_remainder(extra, room), strict=True)]
        if sum(x) != x_total or sum(xj // k for xj in x) != e_total:
            return None  # cannot happen; never return a wrong sharing
        return x
