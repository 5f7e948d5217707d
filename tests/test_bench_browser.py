"""The browser section of the bench (``python -m bench --only browser``): its pieces, without a browser.

The section itself starts three servers and Chromium and takes minutes; it is run by ``make bench``, never
timed by a test (docs/performance.md).  Here: the section is registered, the bare page is there, and the
script-time lines that ``app.py`` writes with ``KYOSO_TIMINGS=1`` are the ones the bench reads.
"""

from __future__ import annotations

import ast

from bench import browser
from bench.runner import RUNNERS, SECTIONS
from tests.conftest import ROOT


def test_browser_section_is_registered() -> None:
    assert "browser" in SECTIONS and "browser" in RUNNERS
    assert browser.BARE_PAGE.is_file()
    ast.parse(browser.BARE_PAGE.read_text(encoding="utf-8"))


def test_timing_line_format_matches_app(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    assert "KYOSO_TIMINGS" in app and "kyoso-timing page=" in app and "head_ms=" in app
    log = tmp_path / "server.log"
    log.write_text("noise\nkyoso-timing page=costs ms=12.500 head_ms=3.250\nkyoso-timing page=bare ms=0.8 head_ms=0\n",
                   encoding="utf-8")
    server = browser.Server("x", "http://127.0.0.1:1", log)
    assert server.timings() == [("costs", 12.5, 3.25), ("bare", 0.8, 0.0)]
    assert server.timings(since=log.stat().st_size) == []
