"""Timing helpers: repeated runs in one process, perf_counter_ns, warm-up, order statistics."""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Stats:
    """Wall-clock times of ``n`` runs, in nanoseconds."""

    n: int
    min_ns: int
    median_ns: int
    p90_ns: int
    max_ns: int
    mean_ns: int

    @property
    def median_ms(self) -> float:
        return self.median_ns / 1e6

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update({k.replace("_ns", "_ms"): round(v / 1e6, 4) for k, v in asdict(self).items() if k.endswith("_ns")})
        return d


def percentile(sorted_values: list[int], q: float) -> int:
    """Nearest-rank percentile of already sorted values (q in 0..1)."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def stats_of(samples: list[int]) -> Stats:
    s = sorted(samples)
    return Stats(
        n=len(s),
        min_ns=s[0],
        median_ns=int(statistics.median(s)),
        p90_ns=percentile(s, 0.9),
        max_ns=s[-1],
        mean_ns=int(statistics.fmean(s)),
    )


def measure(
    fn: Callable[[], object],
    *,
    repeats: int | None = None,
    warmup: int = 2,
    budget_s: float = 2.0,
    min_repeats: int = 5,
    max_repeats: int = 200,
    collect: bool = True,
) -> Stats:
    """Time ``fn()`` ``repeats`` times after ``warmup`` untimed calls.

    Without ``repeats`` the count is chosen from the warm-up time so that the timed runs take about
    ``budget_s`` (within ``min_repeats``..``max_repeats``).  The garbage collector runs before each
    sample (``collect``) so one run's garbage is not charged to the next.
    """
    first = 0
    for i in range(max(warmup, 0)):
        t0 = time.perf_counter_ns()
        fn()
        if i == warmup - 1:
            first = time.perf_counter_ns() - t0
    if repeats is None:
        per = max(first, 1)
        repeats = int(min(max_repeats, max(min_repeats, budget_s * 1e9 // per)))
    samples: list[int] = []
    for _ in range(repeats):
        if collect:
            gc.collect()
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return stats_of(samples)


def measure_interleaved(
    fns: dict[str, Callable[[], object]],
    *,
    repeats: int | None = None,
    warmup: int = 2,
    budget_s: float = 2.0,
    min_repeats: int = 5,
    max_repeats: int = 200,
) -> dict[str, Stats]:
    """Time several functions round-robin (a, b, c, a, b, c, …) so that they share the machine's load.

    On a shared machine a ratio of two medians taken minutes apart measures the neighbours as much as
    the code; interleaving makes both sides of a ratio see the same conditions.  ``repeats`` defaults
    to what fits ``budget_s`` given the warm-up time of one round.
    """
    per_round = 0
    for fn in fns.values():
        for i in range(max(warmup, 0)):
            t0 = time.perf_counter_ns()
            fn()
            if i == warmup - 1:
                per_round += time.perf_counter_ns() - t0
    if repeats is None:
        repeats = int(min(max_repeats, max(min_repeats, budget_s * 1e9 // max(per_round, 1))))
    samples: dict[str, list[int]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter_ns()
            fn()
            samples[name].append(time.perf_counter_ns() - t0)
    return {name: stats_of(values) for name, values in samples.items()}


def fit_exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(time) on log(size): time ∝ size^k, returns k."""
    pts = [(math.log(n), math.log(t)) for n, t in points if n > 0 and t > 0]
    if len(pts) < 2:
        return None
    mx = statistics.fmean(x for x, _ in pts)
    my = statistics.fmean(y for _, y in pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in pts) / sxx
