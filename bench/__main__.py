"""``python -m bench`` (``make bench``): measure, print the table, write bench/results/latest.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.runner import RESULTS, SECTIONS, Config, run, write


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of the 共創型 planner: evaluate, load_plan, app rerun, exports, optimiser, LibreOffice.",
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and two runs each: exercises every section without timing anything "
        "(writes bench/results/quick.json unless --out is given)",
    )
    ap.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    ap.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})",
    )
    ap.add_argument("--out", type=Path, default=None, help="where to write the JSON (default bench/results/latest.json)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args(argv)
    sections = tuple(s.strip() for s in args.only.split(",") if s.strip())
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    out = args.out or (RESULTS / ("quick.json" if args.quick else "latest.json"))
    report = run(Config(quick=args.quick, seed=args.seed, sections=sections, out=out, verbose=not args.quiet))
    path = write(report)
    m = report.data["machine"]
    print(
        f"kyoso bench — {m['cpu']} ×{m['nproc']}, Python {m['python']}, commit {m['commit'] or '?'}, "
        f"load average {m.get('loadavg_at_start', '?')} → {m.get('loadavg_at_end', '?')}"
        + (" (quick: sizes tiny, timings meaningless)" if args.quick else "")
    )
    print(report.data["table_markdown"])
    print(f"\nwritten: {path}")
    errors = report.data.get("errors", [])
    if errors:
        print(f"{len(errors)} section(s) failed: " + "; ".join(f"{e['section']}/{e['what']}: {e['error']}" for e in errors),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
