"""Driving the app with Streamlit's AppTest: pages, metrics, and data_editor edits as a browser sends them."""

from __future__ import annotations

import re
from typing import Any

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.i18n import _T

APP = ROOT / "app.py"
PAGES = ("consortium", "tools", "costs", "checks", "subsidy")
OPTIONAL_PAGES = tuple(p for p in ("scenarios", "export") if (ROOT / "app_pages" / f"{p}.py").is_file())
UNEXPECTED = (_T["err.unexpected"][0].split("。")[0], _T["err.unexpected"][1].split(".")[0])


def label(key: str, lang: str = "ja") -> str:
    return _T[key][0 if lang == "ja" else 1]


def assert_clean(at: AppTest) -> None:
    """No exception element and no friendly 'unexpected problem' message."""
    assert not at.exception, [e.value for e in at.exception]
    bad = [e.value for e in at.error if str(e.value).startswith(UNEXPECTED)]
    assert not bad, bad


def start(**session: Any) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    assert_clean(at)
    return at


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    assert_clean(at)
    return at


def metric(at: AppTest, key: str, lang: str = "ja") -> str:
    wanted = label(key, lang)
    values = [m.value for m in at.metric if m.label == wanted]
    assert len(values) == 1, (wanted, [m.label for m in at.metric])
    return str(values[0])


def yen(text: str) -> int:
    assert text.startswith("¥"), text
    return int(text[1:].replace(",", ""))


def editor_key(at: AppTest, name: str) -> str:
    return str(at.session_state["_editors"][name]["key"])


def edit(
    at: AppTest,
    name: str,
    edited: dict[int, dict[str, Any]] | None = None,
    added: list[dict[str, Any]] | None = None,
    deleted: list[int] | None = None,
) -> AppTest:
    """Give the editor ``name`` the edit state a browser would send, then rerun."""
    key = editor_key(at, name)
    assert key in [d.key for d in at.data_editor], (key, [d.key for d in at.data_editor])
    at.session_state[key] = {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": deleted or []}
    at.run()
    assert_clean(at)
    return at


def shown(markdown: object) -> str:
    """A Markdown body as the user reads it: without the escapes ``ui.fmt.md_escape`` puts in user text."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(markdown)).replace("\u2060", "").replace("  \n", "\n")


def errors(at: AppTest) -> list[str]:
    """The error messages as shown (user text in them is escaped for Markdown: see :func:`shown`)."""
    return [shown(e.value) for e in at.error]


def by_label(widgets: Any, text: str) -> Any:
    found = [w for w in widgets if w.label == text]
    assert len(found) == 1, (text, [w.label for w in widgets])
    return found[0]
