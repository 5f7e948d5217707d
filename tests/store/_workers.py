"""Child processes of the store tests (run as ``python -m tests.store._workers …`` or by multiprocessing)."""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def edit_line(plan: dict[str, Any], line_id: str, hours_or_qty: int) -> dict[str, Any]:
    for line in plan["costs"]:
        if line["id"] == line_id:
            if line["category"] == "labour":
                line["hours"] = hours_or_qty
            else:
                line["quantity"] = hours_or_qty
    return plan


def race(url: str, plan_id: str, line_id: str, barrier: Any, out: Any) -> None:
    """One concurrent writer: open at the same version as the others, then all save at once."""
    from store import Conflict, Store

    store = Store(url, shared_mode=False)
    me = store.local_access(f"writer-{line_id}")
    opened = store.open_plan(me, plan_id)
    mine = edit_line(opened.plan, line_id, 7)
    barrier.wait(timeout=60)
    try:
        result = store.save(me, plan_id, mine, opened.version)
        out.put(("won", line_id, result.version, None))
    except Conflict as exc:
        out.put(("conflict", line_id, exc.current_version, [list(c.path) for c in exc.their_changes]))
    finally:
        store.close()


def save_then_hang(url: str, plan_id: str) -> None:
    """Save one edit, say so on stdout, then wait to be killed."""
    from store import Store

    store = Store(url, shared_mode=False)
    me = store.local_access("killed")
    opened = store.open_plan(me, plan_id)
    mine = edit_line(opened.plan, "c3", 13)
    result = store.save(me, plan_id, mine, opened.version)
    sys.stdout.write(json.dumps({"version": result.version}) + "\n")
    sys.stdout.flush()
    time.sleep(600)


if __name__ == "__main__":
    if sys.argv[1] == "save_then_hang":
        save_then_hang(sys.argv[2], sys.argv[3])
