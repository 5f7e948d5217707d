"""No lost update: concurrent writers on the same version → exactly one wins, the others get the conflict
carrying the winner's change; re-applying brings every edit in."""

from __future__ import annotations

import copy
import multiprocessing
import queue
import sys
import threading
import types
from typing import Any

import pytest

from store import Store
from tests.store._workers import edit_line, race

WRITERS = ("c1", "c3", "c9", "c10")


def _check_outcome(store: Store, pid: str, outcomes: list[tuple[str, str, int, Any]], plan: dict[str, Any]) -> None:
    winners = [o for o in outcomes if o[0] == "won"]
    losers = [o for o in outcomes if o[0] == "conflict"]
    assert len(outcomes) == len(WRITERS)
    assert len(winners) == 1 and len(losers) == len(WRITERS) - 1, outcomes
    winner_line = winners[0][1]
    assert winners[0][2] == 2
    for _kind, _line, current, their_paths in losers:
        assert current == 2
        field = "hours" if winner_line in ("c9", "c10") else "quantity"
        assert their_paths == [["costs", winner_line, field]]
    me = store.local_access()
    assert [v.version for v in store.history(me, pid)] == [2, 1]
    assert store.open_plan(me, pid).plan == edit_line(copy.deepcopy(plan), winner_line, 7)

    # every loser re-applies its edit: nothing is lost
    for _kind, line, _current, _paths in losers:
        mine = edit_line(store.get_version(me, pid, 1)[1], line, 7)
        store.reapply(me, pid, 1, mine)
    final = store.open_plan(me, pid).plan
    expected = store.get_version(me, pid, 1)[1]
    for line in WRITERS:
        edit_line(expected, line, 7)
    assert final == expected


def test_threads_exactly_one_wins(store: Store, plan: dict[str, Any], db_url: str) -> None:
    pid = store.create_plan(store.local_access(), plan).id
    barrier = threading.Barrier(len(WRITERS))
    out: queue.Queue[tuple[str, str, int, Any]] = queue.Queue()
    threads = [threading.Thread(target=race, args=(db_url, pid, line, barrier, out)) for line in WRITERS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    _check_outcome(store, pid, [out.get_nowait() for _ in range(out.qsize())], plan)


def test_processes_exactly_one_wins(store: Store, plan: dict[str, Any], db_url: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # spawned children re-run the parent's __main__ file; under pytest that may be a Streamlit script an
    # AppTest left behind, so give them an empty one
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    pid = store.create_plan(store.local_access(), plan).id
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(WRITERS))
    out = ctx.Queue()
    procs = [ctx.Process(target=race, args=(db_url, pid, line, barrier, out)) for line in WRITERS]
    for p in procs:
        p.start()
    outcomes = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    _check_outcome(store, pid, outcomes, plan)
