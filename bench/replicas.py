"""The bounded load run of issue 16: many sessions saving at once over two replicas on one PostgreSQL.

    python -m bench --only replicas          (part of `make bench`)
    python -m bench.replicas [--sessions 50] [--seconds 60] [--every 2]

**Saves and notifications.** A durable PostgreSQL (fsync on; scripts/pg_test_server.sh with
``KYOSO_PG_DURABLE=1``), migrated once; two worker processes stand for the two replicas, each with the app's own
``Store`` and ``store.live.Watcher`` (LISTEN/NOTIFY), and half of the sessions each.  The sessions work in
pairs on one plan, one on each replica (so every notification crosses replicas); each saves its own field
(the consortium name on replica 1, the contact's phone on replica 2) every ``every`` seconds (start times
spread), after taking any newer version its watcher announced (what the app's live tick does); a save that
meets the other's is re-applied (the user's "re-apply" choice).  Measured: each save's latency
(``Store.save`` / ``reapply``, the app's autosave), the delay from the start of a save to the *other* replica's
watcher hearing of it (so it includes the save itself), and at the end, for every plan, that the history is contiguous, holds exactly the saves
that were accepted, and that every accepted value is in its version and the last ones in the final plan (no
lost or silently overwritten version).

**What the browser sees.** The app's sessions are not simulated here: 50 Streamlit sessions re-running the
whole app every 2 s need more than this machine's 2 cores (tests/replicas/test_replicas_browser.py measures
save → other replica's screen in Chromium).  Memory per session: ``sessions_for_memory`` real Chromium
sessions open a 2,000-line plan on one replica; the replica's RSS growth per session is reported.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "model-case-2.json"
TARGETS = {"save_p95_ms": 100.0, "notify_max_s": 2.0, "mb_per_session": 50.0}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


# -- one replica's worth of sessions (a worker process) ---------------------------------------------------


def worker(url: str, side: int, plan_ids: list[str], seconds: float, every: float, out: Path) -> None:
    from store import Conflict, Store
    from store.live import Watcher

    store = Store(url, migrate=False, shared_mode=False)
    watcher = Watcher(store)
    assert watcher.wait_listening(10), "LISTEN did not start"
    heard: list[tuple[str, int, float]] = []
    watcher.listeners.append(lambda p, v: heard.append((p, v, time.time())))
    me = store.operator_access(f"session-{side}")
    saves: list[dict[str, Any]] = []
    lock = threading.Lock()
    start_at = time.time() + 1.0
    stop_at = start_at + seconds

    def session(i: int, plan_id: str) -> None:
        rng = random.Random(side * 1000 + i)
        opened = store.open_plan(me, plan_id)
        version, plan = opened.version, opened.plan
        n = 0
        time.sleep(max(0.0, start_at - time.time()) + rng.uniform(0, every))
        while time.time() < stop_at:
            tick = time.time()
            latest = watcher.latest(plan_id)
            if latest is not None and latest > version:  # the live tick: take the newer version
                opened = store.open_plan(me, plan_id)
                version, plan = opened.version, opened.plan
            n += 1
            value = f"s{side}-{i}-{n}" if side == 1 else f"0{side}-{i:04d}-{n:04d}"  # a phone number
            mine = json.loads(json.dumps(plan))
            if side == 1:
                mine["consortium"]["name"] = value
            else:
                mine["consortium"]["contact"]["phone"] = value
            began = time.time()
            t0 = time.perf_counter()
            conflicts = 0
            try:
                result = store.save(me, plan_id, mine, version)
            except Conflict:
                conflicts = 1
                result = store.reapply(me, plan_id, version, mine)
            ms = (time.perf_counter() - t0) * 1000
            committed = time.time()
            with lock:
                saves.append({"plan": plan_id, "version": result.version, "value": value, "ms": ms,
                              "conflict": conflicts, "began": began, "committed": committed, "side": side})
            opened = store.open_plan(me, plan_id) if conflicts else None
            if opened is not None:
                version, plan = opened.version, opened.plan
            else:
                version, plan = result.version, mine
            time.sleep(max(0.0, every - (time.time() - tick)))

    failures: list[BaseException] = []

    def guarded(i: int, plan_id: str) -> None:
        try:
            session(i, plan_id)
        except BaseException as exc:  # a session that fails fails the run
            failures.append(exc)
            raise

    threads = [threading.Thread(target=guarded, args=(i, p)) for i, p in enumerate(plan_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"{len(failures)} session(s) failed: {failures[0]!r}")
    time.sleep(1.0)  # the last notifications
    watcher.close()
    store.close()
    out.write_text(json.dumps({"saves": saves, "heard": heard}), encoding="utf-8")


# -- the run -------------------------------------------------------------------------------------------------


def run_saves(url: str, sessions: int, seconds: float, every: float, workdir: Path) -> dict[str, Any]:
    from store import Store

    store = Store(url, shared_mode=False)  # migrates: the migration step
    op = store.operator_access("bench")
    plan = json.loads(SAMPLE.read_text(encoding="utf-8"))
    pairs = max(1, sessions // 2)
    plan_ids = [store.create_plan(op, plan, name=f"load {k}").id for k in range(pairs)]
    procs, outs = [], []
    for side in (1, 2):
        out = workdir / f"worker{side}.json"
        outs.append(out)
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "bench.replicas", "worker", url, str(side), ",".join(plan_ids), str(seconds),
             str(every), str(out)], cwd=ROOT))
    for p in procs:
        if p.wait(timeout=seconds + 120) != 0:
            raise RuntimeError(f"a load worker failed (exit {p.returncode})")
    saves: list[dict[str, Any]] = []
    heard: dict[int, list[tuple[str, int, float]]] = {}
    for side, out in zip((1, 2), outs, strict=True):
        data = json.loads(out.read_text(encoding="utf-8"))
        saves += data["saves"]
        heard[side] = [tuple(h) for h in data["heard"]]
    # the delay from a save's commit to the other replica hearing of it
    delays = []
    for side, mine in ((1, 2), (2, 1)):
        first: dict[tuple[str, int], float] = {}
        for p, v, at in heard[mine]:
            first.setdefault((p, v), at)
        for s in saves:
            if s["side"] == side and (s["plan"], s["version"]) in first:
                delays.append(first[(s["plan"], s["version"])] - s["began"])
    missing_notes = sum(1 for s in saves if (s["plan"], s["version"]) not in
                        {(p, v) for p, v, _ in heard[2 if s["side"] == 1 else 1]})
    # nothing lost, nothing silently overwritten
    problems: list[str] = []
    for pid in plan_ids:
        mine = sorted((s for s in saves if s["plan"] == pid), key=lambda s: s["version"])
        history = store.history(op, pid)
        versions = sorted(v.version for v in history)
        if versions != list(range(1, len(mine) + 2)):
            problems.append(f"{pid}: versions {versions[:3]}… ≠ 1 + {len(mine)} accepted saves")
        if [s["version"] for s in mine] != list(range(2, len(mine) + 2)):
            problems.append(f"{pid}: two saves claim one version")
        for s in mine:
            _, data = store.get_version(op, pid, s["version"])
            got = data["consortium"]["name"] if s["side"] == 1 else data["consortium"]["contact"]["phone"]
            if got != s["value"]:
                problems.append(f"{pid} v{s['version']}: {s['value']} not in its version")
        final = store.open_plan(op, pid).plan
        for side, path in ((1, ("name",)), (2, ("contact", "phone"))):
            last = [s for s in mine if s["side"] == side]
            if last:
                node: Any = final["consortium"]
                for k in path:
                    node = node[k]
                if node != last[-1]["value"]:
                    problems.append(f"{pid}: side {side}'s last value {last[-1]['value']} overwritten by {node}")
    store.close()
    ms = [s["ms"] for s in saves]
    return {
        "sessions": pairs * 2, "replicas": 2, "seconds": seconds, "every_s": every, "plans": pairs,
        "saves": len(saves), "conflicts_reapplied": sum(s["conflict"] for s in saves),
        "save_ms": {"p50": _pct(ms, 0.5), "p95": _pct(ms, 0.95), "max": max(ms) if ms else None,
                    "mean": statistics.fmean(ms) if ms else None},
        "notify_s": {"p50": _pct(delays, 0.5), "p95": _pct(delays, 0.95), "max": max(delays) if delays else None,
                     "n": len(delays), "never_heard": missing_notes},
        "lost_or_overwritten": problems,
    }


def run_memory(url: str, workdir: Path, lines: int, sessions: int) -> dict[str, Any]:
    """Real Chromium sessions open a ``lines``-line plan on one replica: its RSS growth per session."""
    from playwright.sync_api import sync_playwright

    from bench.generate import generate_plan
    from scripts.replicas import Topology
    from store import Store

    store = Store(url, migrate=False, shared_mode=False)
    op = store.operator_access("bench")
    pid = store.create_plan(op, generate_plan(lines, seed=0), name="memory").id
    token, _ = store.create_share(op, pid, "lead", label="bench")
    store.close()

    def rss_mb(pid_: int) -> float:
        for line in Path(f"/proc/{pid_}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, settle

    topo = Topology(workdir / "memory", replicas=1, database_url=url, env={"KYOSO_SHARED_MODE": "1"})
    with topo, sync_playwright() as pw:
        proc = topo.replicas[0].proc
        assert proc is not None
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []

        def open_one() -> None:
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            page.goto(f"{topo.url}/?plan={pid}&token={token}", timeout=120_000)
            settle(page)
            pages.append(page)

        open_one()  # warm: imports, caches, the rule pack
        time.sleep(2)
        before = rss_mb(proc.pid)
        for _ in range(sessions):
            open_one()
        time.sleep(3)
        after = rss_mb(proc.pid)
        browser.close()
    return {"lines": lines, "sessions": sessions, "rss_before_mb": before, "rss_after_mb": after,
            "mb_per_session": (after - before) / sessions}


def run_replicas(quick: bool, log: Any = print, *, sessions: int | None = None, seconds: float | None = None,
                 every: float = 2.0, memory_lines: int = 2000) -> dict[str, Any]:
    import tempfile

    sessions = sessions or (4 if quick else 50)
    seconds = seconds or (4.0 if quick else 60.0)
    workdir = Path(tempfile.mkdtemp(prefix="kyoso-load."))
    from scripts.replicas import start_postgres, stop_postgres

    url, pg_dir = start_postgres(durable=True)
    try:
        log(f"replicas: {sessions} sessions × {seconds:.0f} s, a save every {every:g} s each …")
        saves = run_saves(url, sessions, seconds, every, workdir)
        log("replicas: memory per session …")
        memory = run_memory(url, workdir, 200 if quick else memory_lines, 2 if quick else 4)
    finally:
        stop_postgres(pg_dir)
    return {"saves": saves, "memory": memory, "targets": TARGETS}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "worker":
        url, side, plans, seconds, every, out = args[1:7]
        worker(url, int(side), plans.split(","), float(seconds), float(every), Path(out))
        return 0
    ap = argparse.ArgumentParser(prog="python -m bench.replicas")
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--every", type=float, default=2.0)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(args)
    out = run_replicas(a.quick, sessions=a.sessions, seconds=a.seconds, every=a.every)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
