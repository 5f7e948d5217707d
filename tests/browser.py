"""Shared support for the real-browser tests: Debian's Chromium and a Streamlit server on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect, sync_playwright

from scripts.replicas import wait_health
from tests.conftest import ROOT

# a loaded CI machine renders slower than a desk: outcomes get 20 s, not Playwright's 5 s
expect.set_options(timeout=20_000)

CHROMIUM = "/usr/bin/chromium"  # Debian's package; never a browser downloaded by playwright
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def streamlit_server(
    module: Sequence[str], log: Path, env: dict[str, str] | None = None, script_args: Sequence[str] = (),
    *, cwd: Path | None = None, port: int | None = None,
) -> Iterator[str]:
    """Run ``python -m <module…>`` as a server on a free port of 127.0.0.1; yield its URL; always stop it.

    ``module`` is e.g. ``["streamlit", "run", "app.py"]``; ``script_args`` go to the app after ``--``.
    The server's log must hold no traceback.  ``cwd``: where it runs (default the project; Streamlit reads
    ``.streamlit/secrets.toml`` there); ``port``: a port chosen beforehand (default a free one).
    """
    port = port or free_port()
    full_env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(env or {})}
    cmd = [sys.executable, "-m", *module, "--server.address", "127.0.0.1", "--server.port", str(port),
           "--server.headless", "true", "--server.fileWatcherType", "none"]
    if script_args:
        cmd += ["--", *script_args]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd or ROOT, stdout=out, stderr=subprocess.STDOUT, env=full_env)
        try:
            url = f"http://127.0.0.1:{port}"
            try:
                wait_health(url, 60, proc)
            except RuntimeError:
                raise RuntimeError(f"streamlit did not start:\n{log.read_text()}") from None
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
    text = log.read_text()
    assert "Traceback" not in text, text


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright (the launch flags above); always closed."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


QUIET_MS = 700


def settle(page: Page, quiet_ms: int = QUIET_MS) -> None:
    """Wait until the page has content and the app has been idle for ``quiet_ms`` without a break.

    Idle means no status widget (a script run in progress) and no element marked stale (left over from the
    previous run).  Checking once is not enough: right after a click the next run may not have started yet,
    and on a loaded machine the widget can appear after the first check (CI saw that).  Outcomes still need
    their own ``expect``; this only keeps actions off a page that is re-rendering.
    """
    page.wait_for_selector("[data-testid=stMetric]", timeout=30_000)
    page.evaluate("() => { window.__kyosoQuietSince = null; }")
    page.wait_for_function(
        """(quiet) => {
            const busy = document.querySelector('[data-testid=stStatusWidget]')
                || document.querySelector('[data-stale=true]');
            const now = performance.now();
            if (busy) { window.__kyosoQuietSince = null; return false; }
            if (window.__kyosoQuietSince === null) { window.__kyosoQuietSince = now; }
            return now - window.__kyosoQuietSince >= quiet;
        }""",
        arg=quiet_ms,
        timeout=60_000,
    )
