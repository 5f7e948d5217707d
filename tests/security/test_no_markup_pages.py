"""Every page, driven by AppTest on a plan whose every text field carries markup (tests/security/hostile.py):
each Markdown body, label and help text the app produces that holds user text holds it escaped
(``ui.fmt.md_escape``), so it shows as typed (docs/security.md, "No markup from user text")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from schemas import load_plan
from tests.app.helpers import APP, assert_clean
from tests.conftest import ROOT
from tests.security.hostile import MARK, hostile, hostile_plan_dict, leaked_markup
from ui.fmt import md_escape
from ui.frame import PAGES

SLUGS = [url for file, _label, url, _icon, optional in PAGES if not optional or (ROOT / "app_pages" / file).is_file()]
MARKDOWN_FIELDS = {"body", "label", "help", "text", "placeholder"}  # what Streamlit reads as Markdown

#: field tags whose text each page must show (escaped): the headline's consortium name on every page
SHOWN = {
    "consortium": ["CN", "CC", "CT", "CP", "CE", "CA", "M0", "M1"],
    "tools": ["CN", "T0"],
    "costs": ["CN", "KT"],
    "checks": ["CN", "T0"],
    "subsidy": ["CN"],
    "scenarios": ["CN", "SC"],
    "export": ["CN"],
    "itdonyu": ["CN"],
    "plans": ["CN"],
}


def _strings(msg: Message, name: str = "") -> Iterator[str]:
    for field, value in msg.ListFields():
        if field.type == field.TYPE_MESSAGE:
            items = value if field.is_repeated else [value]
            for item in items:
                yield from _strings(item, field.name)
        elif field.type == field.TYPE_STRING and field.name in MARKDOWN_FIELDS:
            yield from (value if field.is_repeated else [value])


def markdown_texts(at: AppTest) -> list[str]:
    """Every Markdown-read string of the rendered tree (bodies, labels, help texts, progress texts)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            out.extend(_strings(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def _run(slug: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.session_state["plan"] = load_plan(hostile_plan_dict())
    at.session_state["lang"] = lang
    at.run()
    if slug != "consortium":
        at.switch_page(f"app_pages/{slug}.py").run()
    assert_clean(at)
    return at


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("slug", SLUGS)
def test_user_text_is_escaped_on_every_page(slug: str, lang: str) -> None:
    at = _run(slug, lang)
    texts = markdown_texts(at)
    leaks = {s[:160]: found for s in texts if MARK in s and (found := leaked_markup(s))}
    assert not leaks, f"{slug}: user text reaches Markdown unescaped: {leaks}"
    joined = "\n".join(texts)
    for tag in SHOWN[slug]:
        assert md_escape(hostile(tag)) in joined or re.search(re.escape(md_escape(MARK + tag)) + r"\b", joined), \
            f"{slug}: the {tag} text is not shown (escaped)"
