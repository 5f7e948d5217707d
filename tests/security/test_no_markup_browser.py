"""Real browser: user text is shown as text, never as markup, on every page (docs/security.md).

The app is started the way ``make run`` starts it, on a plan whose every text field carries Markdown,
HTML, LaTeX and Streamlit directives (``tests/security/hostile.py``), with the same plan in a fresh plan
store (so the plans page lists it, its history and a share link with a hostile label).  On every page of
the navigation: no ``<img>``/``<a>`` made from the planted text, no bold/italic/colour/formula of it, the
planted text visible literally, and no request leaves 127.0.0.1 — any other host fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, Request, Route, sync_playwright

from store import Store
from tests.browser import CHROMIUM, CHROMIUM_ARGS, settle, streamlit_server
from tests.conftest import ROOT
from tests.security.hostile import EVIL_HOST, MARK, hostile, hostile_plan_dict
from ui.frame import PAGES

pytestmark = pytest.mark.timeout(420)

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SLUGS = [url for file, _label, url, _icon, optional in PAGES if not optional or (ROOT / "app_pages" / file).is_file()]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The server's URL and the id of the hostile plan in its store."""
    tmp = tmp_path_factory.mktemp("no-markup")
    data_dir = tmp / "data"
    data_dir.mkdir()
    plan_file = tmp / "hostile.json"
    d = hostile_plan_dict()
    plan_file.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    store = Store(f"sqlite:///{data_dir / 'kyoso.db'}")
    try:
        access = store.local_access()
        info = store.create_plan(access, d, name=hostile("PN"), note=hostile("VN"))
        d2 = json.loads(json.dumps(d))
        d2["consortium"]["name"] = hostile("CN2")
        store.save(access, info.id, d2, base_version=1, note=hostile("VN2"))
        store.create_share(access, info.id, "lead", label=hostile("SL"))
    finally:
        store.close()
    env = {"KYOSO_DATA_DIR": str(data_dir), "KYOSO_DATABASE_URL": ""}
    with streamlit_server(["streamlit", "run", "app.py"], tmp / "server.log", env=env,
                          script_args=["--plan", str(plan_file)]) as url:
        yield url, info.id


@pytest.fixture(scope="module")
def browser_page(app: tuple[str, str]) -> Iterator[tuple[Page, list[str]]]:
    outside: list[str] = []

    def guard(route: Route, request: Request) -> None:
        host = urlparse(request.url).hostname or ""
        if request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:  # never let it out; the test fails on it below
            outside.append(request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="ja-JP")
        context.route("**/*", guard)
        pg = context.new_page()
        pg.on("request", lambda r: None if (urlparse(r.url).hostname or "") in LOCAL_HOSTS
              or r.url.startswith(("data:", "blob:")) else outside.append(r.url))
        try:
            yield pg, outside
        finally:
            context.close()
            browser.close()


MARKUP_PROBE = """(mark) => {
    const out = [];
    const has = (el) => (el.textContent || '').includes(mark);
    for (const img of document.querySelectorAll('img')) {
        const src = img.getAttribute('src') || '';
        if (src.includes('127.0.0.2') || src === 'x' || src.includes(mark)) out.push('img ' + src);
    }
    for (const a of document.querySelectorAll('a[href]')) {
        const href = a.getAttribute('href') || '';
        if (href.includes('127.0.0.2') || href.includes(mark) || has(a)) out.push('a ' + href);
    }
    for (const el of document.querySelectorAll('strong, b, em, i, del, s, h1, h2, h3, h4, h5, h6, code, li')) {
        const text = el.textContent || '';
        if (text.includes(mark) && !text.includes('**')) out.push(el.tagName + ' ' + text.slice(0, 80));
    }
    for (const el of document.querySelectorAll('.katex, .katex-display, [data-testid=stMarkdownColoredText]')) {
        if (has(el)) out.push('styled ' + el.className + ' ' + (el.textContent || '').slice(0, 80));
    }
    for (const el of document.querySelectorAll('span[style*=color], span[class*=Colored]')) {
        if ((el.textContent || '').startsWith('red' + mark)) out.push('colour ' + el.textContent);
    }
    return out;
}"""


def _visit(page: Page, url: str) -> None:
    page.goto(url)
    settle(page)


@pytest.mark.parametrize("slug", SLUGS)
def test_page_shows_user_text_as_text(app: tuple[str, str], browser_page: tuple[Page, list[str]], slug: str) -> None:
    base, plan_id = app
    page, outside = browser_page
    # the stored hostile plan, opened by its link (the plans page then shows its history and share link)
    _visit(page, f"{base}/{'' if slug == 'consortium' else slug}?plan={plan_id}")
    page.wait_for_timeout(800)  # charts and the graph draw after the script run settles
    found: list[str] = page.evaluate(MARKUP_PROBE, MARK)
    assert not found, f"{slug}: user text rendered as markup: {found}"
    text = page.locator("body").inner_text().replace("\u2060", "")  # md_escape's invisible word joiners
    assert f"**bold{MARK}CN2**" in text, f"{slug}: the consortium name is not shown as typed"
    assert f"![x](http://{EVIL_HOST}:9/{MARK}CN2.png)" in text
    assert ":red[" in text and "$x^2$" in text and ":smile:" in text
    assert not outside, f"{slug}: requests left 127.0.0.1: {outside}"


def test_no_request_left_localhost(browser_page: tuple[Page, list[str]]) -> None:
    _page, outside = browser_page
    assert not outside, outside
