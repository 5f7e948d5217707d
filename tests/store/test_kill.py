"""Kill the process right after an edit is accepted → restart → the edit is there."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from store import Store

ROOT = Path(__file__).resolve().parents[2]


def test_sigkill_after_save_keeps_the_edit(store: Store, plan: dict[str, Any], db_url: str) -> None:
    pid = store.create_plan(store.local_access(), plan).id
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store._workers", "save_then_hang", db_url, pid],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert line, child.stderr.read() if child.stderr else ""
    saved = json.loads(line)["version"]
    store.close()
    reopened = Store(db_url, shared_mode=False)
    try:
        me = reopened.local_access()
        opened = reopened.open_plan(me, pid)
        assert opened.version == saved == 2
        assert next(c for c in opened.plan["costs"] if c["id"] == "c3")["quantity"] == 13
        assert reopened.history(me, pid)[0].author == "killed"
    finally:
        reopened.close()
