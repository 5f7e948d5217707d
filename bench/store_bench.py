"""Plan store timings (issue 6): autosave latency and the time to open a plan with 100 versions.

``run_store_bench(url=None, quick=False) -> dict`` — ``url`` None: a SQLite file in a temp dir (the
default store: WAL, synchronous=FULL); or any SQLAlchemy URL (e.g. a PostgreSQL test server from
``scripts/pg_test_server.sh``; its tables must not hold other plans you care about: the bench adds one
plan and deletes it again).  ``python -m bench.store_bench [--url URL] [--quick]`` prints the figures.

- ``autosave``: ``Store.save`` of a one-field edit of the sample plan (validate, diff, access check,
  compare-and-swap UPDATE, INSERT of the version, commit/fsync) — what the app does per accepted edit.
- ``open_100_versions``: ``Store.open_plan`` of a plan with 100 versions (the current JSON only).
- ``open_100_versions_with_history``: ``open_plan`` + ``history`` (the plans page: every version's metadata).
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from bench.timing import measure

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "model-case-2.json"


def run_store_bench(url: str | None = None, *, quick: bool = False) -> dict[str, Any]:
    from store import Store

    tmp = None
    if url is None:
        tmp = tempfile.TemporaryDirectory(prefix="kyoso-store-bench-")
        url = f"sqlite:///{Path(tmp.name) / 'kyoso.db'}"
    store = Store(url, shared_mode=False, retention_days=0)
    try:
        me = store.local_access("bench")
        plan = json.loads(SAMPLE.read_text(encoding="utf-8"))
        pid = store.create_plan(me, plan).id
        state = {"version": 1, "qty": 1}

        def autosave() -> None:
            edited = copy.deepcopy(plan)
            state["qty"] += 1
            edited["costs"][0]["quantity"] = state["qty"]
            state["version"] = store.save(me, pid, edited, state["version"]).version

        budget = 0.05 if quick else 2.0
        save_stats = measure(autosave, warmup=1, budget_s=budget, min_repeats=2 if quick else 20,
                             max_repeats=5 if quick else 200)
        versions = 100
        pid100 = store.create_plan(me, plan).id
        v = 1
        for i in range(versions - 1):
            edited = copy.deepcopy(plan)
            edited["costs"][i % len(edited["costs"])]["description"] = f"版 {i}"
            v = store.save(me, pid100, edited, v).version
        assert v == versions
        open_stats = measure(lambda: store.open_plan(me, pid100), warmup=1, budget_s=budget,
                             min_repeats=2 if quick else 20, max_repeats=5 if quick else 200)
        both_stats = measure(lambda: (store.open_plan(me, pid100), store.history(me, pid100)), warmup=1,
                             budget_s=budget, min_repeats=2 if quick else 20, max_repeats=5 if quick else 200)
        for p in (pid, pid100):
            store.delete(me, p)
        store.purge_expired()
        return {
            "backend": store.backend,
            "plan": SAMPLE.name,
            "plan_bytes": len(json.dumps(plan, ensure_ascii=False).encode("utf-8")),
            "autosave": save_stats.as_dict(),
            "open_100_versions": open_stats.as_dict(),
            "open_100_versions_with_history": both_stats.as_dict(),
        }
    finally:
        store.close()
        if tmp is not None:
            tmp.cleanup()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.store_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=None, help="database URL (default: a temp SQLite file)")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    out = run_store_bench(args.url, quick=args.quick)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
