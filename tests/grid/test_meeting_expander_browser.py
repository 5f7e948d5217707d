"""The 会議 expander on 経費 in a real browser (Debian's Chromium) at a laptop's 1280 × 900.

Adding a row to the meetings grid and typing its 会議名 used to collapse the expander (its label carried the
row count, so a new row made it a new, collapsed expander), hiding the half-filled row mid-entry.  The
expander must stay open and the typed title stay on screen; a screenshot is left in
``test-output/meeting-expander.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, settle, streamlit_server

pytestmark = pytest.mark.timeout(300)

WIDTH, HEIGHT = 1280, 900
ROW_H = 35
TITLE = "週次進捗レビュー"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with streamlit_server(["streamlit", "run", "app.py"], log, script_args=["--plan", "examples/model-case-2.json"]) as url:
        yield url


@pytest.fixture
def page(server: str) -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="ja-JP")
        pg = context.new_page()
        try:
            pg.goto(f"{server}/costs")
            pg.wait_for_url(lambda url: urlparse(url).path.rstrip("/") == "/costs", wait_until="commit")
            settle(pg)
            yield pg
        finally:
            context.close()
            browser.close()


def _expander(page: Page) -> Locator:
    """The 会議 expander, found by its summary's label (before the fix the label also carried a count)."""
    label = page.locator("summary [data-testid=stMarkdownContainer]", has_text=re.compile(r"^\s*会議"))
    expander = page.locator("[data-testid=stExpander]").filter(has=label)
    expect(expander).to_have_count(1)
    return expander


def _is_open(expander: Locator) -> bool:
    return bool(expander.evaluate(
        "e => { const d = e.querySelector('details'); const s = e.querySelector('summary');"
        " return !!(d && d.open) || (s && s.getAttribute('aria-expanded') === 'true'); }"
    ))


def _grid(page: Page) -> Locator:
    grid = page.locator("[class*='st-key-ed-meetings-'] [data-testid=stDataFrameResizable]")
    expect(grid).to_be_visible()
    grid.scroll_into_view_if_needed()
    return grid


EDITING = "document.activeElement && ['INPUT', 'TEXTAREA'].includes(document.activeElement.tagName)"


def _editing(page: Page) -> bool:
    return bool(page.evaluate(f"() => !!({EDITING})"))


def _columns(grid: Locator) -> dict[str, int]:
    """Each column header's text → its aria-colindex (glide draws on a canvas; its accessible table names them)."""
    out: dict[str, int] = {}
    for th in grid.locator("th[role=columnheader]").all():
        text = th.text_content() or ""
        if text.strip():
            out[text.strip()] = int(th.get_attribute("aria-colindex") or 0)
    return out


def test_a_new_meeting_row_keeps_the_expander_open(page: Page, output_dir: Path) -> None:
    expander = _expander(page)
    if not _is_open(expander):
        expander.locator("summary").click()
        settle(page)
    expect(expander.locator("details")).to_have_attribute("open", "")

    grid = _grid(page)
    rows_before = grid.locator("tr[role=row]").count() - 1  # the header row, then one per data row
    assert rows_before >= 1, "model-case-2 has a meeting"
    cols = _columns(grid)
    title_col, id_col = cols["会議名"], cols["ID"]

    # the grid's empty last line (below the data rows) adds a row and opens an editor on the clicked ID cell
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 55, box["y"] + ROW_H * (rows_before + 1) + ROW_H / 2)
    selected = grid.locator("td[aria-selected=true]")
    selected_row = grid.locator("tr[role=row]:has(td[aria-selected=true])")
    expect(selected).to_have_attribute("aria-colindex", str(id_col))
    expect(selected_row).to_have_attribute("aria-rowindex", str(rows_before + 2))  # 1-based, the header is 1
    expect(grid.locator("tr[role=row]")).to_have_count(rows_before + 2)
    if _editing(page):
        page.keyboard.press("Escape")  # leave the ID to the app; walk to 会議名 instead
        page.wait_for_function(f"() => !({EDITING})", timeout=10_000)
    settle(page)  # the added row's rerun, before walking the grid
    for _ in range(title_col - id_col):
        page.keyboard.press("ArrowRight")
    expect(selected).to_have_attribute("aria-colindex", str(title_col))
    expect(selected_row).to_have_attribute("aria-rowindex", str(rows_before + 2))

    page.keyboard.press("Enter")  # open the cell's editor (Japanese text arrives as input, not as key presses)
    page.wait_for_function(f"() => !!({EDITING})", timeout=10_000)
    page.keyboard.type(TITLE, delay=30)
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    settle(page)
    page.wait_for_timeout(500)
    settle(page)
    page.screenshot(path=str(output_dir / "meeting-expander.png"))

    expander = _expander(page)
    assert _is_open(expander), "the 会議 expander collapsed after a row was added and its 会議名 typed"
    expect(expander.locator("details")).to_have_attribute("open", "")
    grid = _grid(page)
    expect(grid.locator("td").filter(has_text=TITLE)).to_have_count(1)
