"""The ツールと連携 graph is readable in a real browser (Chromium, ``streamlit run``).

At 1280 and 1400 px wide, every text of the rendered graph (an SVG drawn by Streamlit's graphviz chart) is
drawn at a font size of at least ``MIN_PX`` on screen (the SVG font size times its scale; the
text boxes' heights are recorded too), for the sample (examples/model-case-2.json) and for a 6-member/5-tool
plan with all four integration methods, and in the legend; the legend shows the four methods, each
written and drawn in its own (not grey) colour.
Screenshots at 1400×900 go to ``test-output/graph/``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, settle, streamlit_server
from tests.conftest import ROOT, SAMPLE_PLAN

pytestmark = pytest.mark.timeout(300)

MIN_PX = 12.0
WIDTHS = (1280, 1400)

# the height of every <text> of the graph chart's SVG as drawn (CSS px), and the SVG's own width
MEASURE = """() => [...document.querySelectorAll('[data-testid=stGraphVizChart] svg')]
    .filter(svg => svg.querySelector('g.node'))
    .map(svg => {
        const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim());
        return {
            heights: texts.map(t => t.getBoundingClientRect().height),
            // the font size as drawn: the SVG font-size times the element's scale on screen
            sizes: texts.map(t => parseFloat(getComputedStyle(t).fontSize)
                                  * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b)),
            texts: texts.map(t => t.textContent),
            fills: [...svg.querySelectorAll('g.node text')].map(t => [t.textContent, t.getAttribute('fill')]),
            swatches: [...svg.querySelectorAll('polygon, path')].map(p => p.getAttribute('fill')),
            width: svg.getBoundingClientRect().width,
        };
    })"""


def six_by_five() -> dict[str, Any]:
    """The sample without its collaborator, with two more tools and every integration method."""
    d = copy.deepcopy(json.loads(SAMPLE_PLAN.read_text(encoding="utf-8")))
    d["members"] = [m for m in d["members"] if m["id"] != "x1"]
    d["tools"] += [
        {"id": "t4", "name": "在庫・発注管理ツール", "vendor": "v1", "users": ["u2", "u3"], "has_sales_record": True},
        {"id": "t5", "name": "共有データ基盤", "vendor": "v3", "users": ["u1"], "has_sales_record": True},
    ]
    d["integrations"] += [
        {"id": "i3", "from": "t4", "to": "t1", "method": "file_transfer", "new_development": True},
        {"id": "i4", "from": "t5", "to": "t3", "method": "resource_sharing", "new_development": True},
        {"id": "i5", "from": "t5", "to": "t2", "method": "file_transfer", "new_development": False},
    ]
    return d


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("graph-plans")
    big = folder / "six-by-five.json"
    big.write_text(json.dumps(six_by_five(), ensure_ascii=False), encoding="utf-8")
    return {"sample": SAMPLE_PLAN, "six-by-five": big}


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ja-JP")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def _measure(page: Page, width: int) -> list[dict[str, Any]]:
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(800)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stGraphVizChart] svg g.node').length > 0",
                           timeout=30_000)
    page.wait_for_timeout(500)
    data: list[dict[str, Any]] = page.evaluate(MEASURE)
    return data


@pytest.mark.parametrize("name", ["sample", "six-by-five"])
def test_graph_text_is_at_least_12px(name: str, plans: dict[str, Path], browser_page: Page,
                                     tmp_path: Path) -> None:
    page = browser_page
    out = ROOT / "test-output" / "graph"
    out.mkdir(parents=True, exist_ok=True)
    env = {"KYOSO_DATA_DIR": str(tmp_path / "data")}
    with streamlit_server(["streamlit", "run", "app.py"], tmp_path / "server.log", env=env,
                          script_args=["--plan", str(plans[name])]) as url:
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{url}/tools")
        settle(page)
        results = {w: _measure(page, w) for w in WIDTHS}
        page.set_viewport_size({"width": 1400, "height": 900})
        page.wait_for_timeout(800)
        for n, what in enumerate(("graph", "legend")):  # each chart at the top of the window
            page.locator("[data-testid=stGraphVizChart]").nth(n).evaluate(
                "el => el.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / f"{name}-{what}-1400.png"))
    # per width: the graph (first chart), then the legend (second chart)
    report = {w: [{"font_px": round(min(c["sizes"]), 1), "box_px": round(min(c["heights"]), 1),
                   "svg_width": round(c["width"])} for c in charts] for w, charts in results.items()}
    (out / f"{name}-sizes.json").write_text(json.dumps({str(k): v for k, v in report.items()}), encoding="utf-8")
    for w, charts in results.items():
        assert len(charts) == 2, (w, report)  # the graph and its legend
        for c in charts:
            small = [(t, round(h, 1)) for t, h in zip(c["texts"], c["sizes"], strict=True) if h < MIN_PX]
            assert not small, (w, report, small[:10])
    # the legend: the four methods, each written and drawn in its own colour, none grey or black
    legend = results[1400][1]
    fills = dict(legend["fills"])
    methods = ["ファイル転送", "リソース共有", "メッセージング", "API連携"]
    colours = [fills[m] for m in methods]
    assert len(set(colours)) == 4, fills
    for colour in colours:
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert max(r, g, b) - min(r, g, b) > 80, colour  # saturated: not a grey that reads as plain text
        assert colour in legend["swatches"], (colour, legend["swatches"])  # its line sample
