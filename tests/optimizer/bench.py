"""Optimiser benchmark: ``python -m tests.optimizer.bench [--lines 2000] [--runs 15] [--seeds 1 2 3]
[--scale-down 40]``.

Times :func:`planner.optimize.optimize` on generated plans whose every line carries a flex range
(``tests/optimizer/plans.py``), median of repeated runs per plan, with and without the explanation
(the dual-value LP).  At ``--scale-down 1`` (the default) the 2,000-line plans reach the cap; with
``--scale-down 40`` (the same plans, line sizes divided by 40) the cap does not bind and the members'
floors and the hours lattice decide the last yen.  Speed is measured here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from planner.optimize import optimize
from schemas import load_plan
from tests.optimizer.plans import generated_plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--scale-down", type=int, default=1, help="divide the line sizes (40: the cap does not bind)")
    args = parser.parse_args()
    print(f"optimiser benchmark: {args.lines} lines, every line flexible, sizes ÷{args.scale_down}, "
          f"{args.runs} runs per plan (load average {os.getloadavg()[0]:.2f})")
    all_plain: list[float] = []
    all_explained: list[float] = []
    for seed in args.seeds:
        plan = load_plan(generated_plan(args.lines, seed, scale_down=args.scale_down))
        optimize(plan, explain=False)  # warm-up (imports, caches)
        plain: list[float] = []
        explained: list[float] = []
        for _ in range(args.runs):
            t = time.perf_counter()
            res = optimize(plan, explain=False)
            plain.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            optimize(plan, explain=True)
            explained.append((time.perf_counter() - t) * 1000)
        all_plain += plain
        all_explained += explained
        stages = {k: round(v, 1) for k, v in res.timings_ms.items()}
        subsidy = res.result.subsidy_yen if res.result is not None else None
        cap = res.result.cap_yen if res.result is not None else None
        unproven = [n.en for n in res.notes_of("unproven", "discrepancy")]
        print(
            f"seed {seed}: status {res.status}, subsidy ¥{subsidy:,} (cap ¥{cap:,}), median {statistics.median(plain):.1f} ms "
            f"(with explanation {statistics.median(explained):.1f} ms); last run {stages}"
            + (f"; {unproven}" if unproven else "")
        )
    print(f"all plans: median {statistics.median(all_plain):.1f} ms, "
          f"with explanation {statistics.median(all_explained):.1f} ms")


if __name__ == "__main__":
    main()
