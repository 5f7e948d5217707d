"""The cost grid in a real browser (Debian's Chromium) at a laptop's 1280 × 900.

- The amount inputs (単価, 数量, 時間, 月数, 支払先) and the computed 金額 are on screen without scrolling the
  grid sideways; a screenshot is left in ``test-output/cost-grid-1280.png``.
- A bad number typed into a cell is refused visibly (row, column label, what was typed) and the plan keeps
  its value.
- A new row nobody has typed into shows a hint, not an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, settle, streamlit_server

pytestmark = pytest.mark.timeout(300)

WIDTH, HEIGHT = 1280, 900
ROW_H = 35


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


def _grid(page: Page) -> Locator:
    grid = page.locator("[class*='st-key-ed-costs-'] [data-testid=stDataFrameResizable]")
    expect(grid).to_be_visible()
    grid.scroll_into_view_if_needed()
    return grid


def _columns(grid: Locator) -> dict[str, int]:
    """Each column header's text → its aria-colindex (glide draws on a canvas; its accessible table names them)."""
    out: dict[str, int] = {}
    for th in grid.locator("th[role=columnheader]").all():
        text = th.text_content() or ""
        if text.strip():
            out[text.strip()] = int(th.get_attribute("aria-colindex") or 0)
    return out


def _scroll_left(page: Page) -> int:
    return int(page.evaluate(
        "() => { const s = document.querySelector(\"[class*='st-key-ed-costs-'] .dvn-scroller\");"
        " return s ? s.scrollLeft : -1; }"
    ))


def _select(page: Page, grid: Locator, row: int, column: str) -> Locator:
    """Select data row ``row`` (1-based) in ``column`` with the keyboard, as a user walks the grid."""
    box = grid.bounding_box()
    assert box is not None
    selected = grid.locator("td[aria-selected=true]")
    cols = _columns(grid)
    page.mouse.click(box["x"] + 55, box["y"] + ROW_H * row + ROW_H / 2)  # the ID cell
    expect(selected).to_have_attribute("aria-colindex", str(cols["ID"]))
    for _ in range(cols[column] - cols["ID"]):
        page.keyboard.press("ArrowRight")
    expect(selected).to_have_attribute("aria-colindex", str(cols[column]))
    return selected


def test_amount_columns_are_on_screen_at_1280(page: Page, output_dir: Path) -> None:
    grid = _grid(page)
    page.screenshot(path=str(output_dir / "cost-grid-1280.png"))
    gbox = grid.bounding_box()
    assert gbox is not None and gbox["x"] + gbox["width"] <= WIDTH
    cols = _columns(grid)
    order = [cols[name] for name in ("ID", "金額", "単価", "数量", "月数", "時間", "支払先")]
    assert order == sorted(order), cols
    # walking right to 支払先 (the last amount input) never scrolls the grid sideways: all are in view
    assert _scroll_left(page) == 0
    _select(page, grid, 1, "支払先")
    page.wait_for_timeout(300)
    assert _scroll_left(page) == 0, "the amount inputs are not all within the viewport at 1280 px"


def test_letters_in_a_number_cell_are_refused_visibly(page: Page) -> None:
    grid = _grid(page)
    subsidy = page.locator("[data-testid=stMetric]").filter(has_text="補助金額").locator("[data-testid=stMetricValue]")
    before = subsidy.inner_text()
    _select(page, grid, 4, "単価")  # c4: ¥600,000
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement && ['INPUT', 'TEXTAREA'].includes(document.activeElement.tagName)",
        timeout=10_000,
    )
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("abc", delay=30)
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    settle(page)
    alert = page.locator("[data-testid=stAlertContentError]")
    expect(alert).to_contain_text("c4 · 単価")
    expect(alert).to_contain_text("abc")
    expect(alert).to_contain_text("600,000")
    assert subsidy.inner_text() == before


def test_a_new_row_shows_a_hint_not_an_error(page: Page) -> None:
    grid = _grid(page)
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 55, box["y"] + ROW_H * 16 + ROW_H / 2)  # the grid's empty last row adds a row
    settle(page)
    expect(page.locator("[data-testid=stAlertContentInfo]").filter(has_text="c16")).to_be_visible()
    assert page.locator("[data-testid=stAlertContentError]").count() == 0
