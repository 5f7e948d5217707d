"""`kyoso summary --json` gives the recorded bytes for the examples and 500 generated plans.

The digests in tests/fixtures/summary-digests.json were recorded before the layering refactor (issue 13) with
``scripts/summary_identical.py record``; a change that means to change the figures re-records them in the
same commit, saying why.
"""

from __future__ import annotations

import json

from scripts.summary_identical import DEFAULT, digests


def test_summary_bytes_are_unchanged() -> None:
    want = json.loads(DEFAULT.read_text(encoding="utf-8"))
    assert len(want) >= 500
    got = digests()
    differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    assert not differ, f"{len(differ)} summaries differ, e.g. {differ[:5]}"
