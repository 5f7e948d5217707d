"""Real browser (Debian's Chromium via Playwright) against ``streamlit run app.py`` with its own data dir:
living in one stored plan.

- The edited 経費内訳 workbook imported on the 書類出力 page becomes the next version of the *open* plan:
  the URL keeps its plan id, the history grows by one (noted as the workbook import), the plan list still
  holds one plan.
- The status line shows the save time in Japan time with the zone named (``10:53:08 JST``), whatever the
  server's zone.
- Opening the root URL again in the same browser reopens the plan it worked on (a cookie with the plan id).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from exports.packet import export_documents
from store import Store
from tests.browser import chromium, settle, streamlit_server
from tests.conftest import SAMPLE_PLAN
from tests.exports.helpers import edit_sample_workbook, edited_expected_costs, sample_plan

pytestmark = pytest.mark.timeout(300)

JST = timezone(timedelta(hours=9))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kyoso-living")


@pytest.fixture(scope="module")
def server(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    # the server's own zone is UTC: the app must still show Japan time
    env = {"KYOSO_DATA_DIR": str(data_dir), "KYOSO_AUTHOR": "browser", "KYOSO_DATABASE_URL": "",
           "KYOSO_SHARED_MODE": "", "TZ": "UTC"}
    with streamlit_server(["streamlit", "run", "app.py"], log, env) as url:
        yield url


@pytest.fixture
def app_db(data_dir: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{data_dir / 'kyoso.db'}", shared_mode=False)
    yield s
    s.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _plan_param(page: Page) -> str | None:
    values = parse_qs(urlparse(page.url).query).get("plan")
    return values[0] if values else None


def _nav(page: Page, title: str) -> None:
    page.locator("[data-testid=stSidebarNav]").get_by_text(title, exact=True).click()
    settle(page)


def test_workbook_import_is_a_new_version_of_the_open_plan(browser: Any, server: str, app_db: Store,
                                                           output_dir: Path) -> None:
    me = app_db.local_access()
    pid = app_db.create_plan(me, json.loads(SAMPLE_PLAN.read_text(encoding="utf-8")), name="取り込みの計画").id
    before = {p.id for p in app_db.list_plans(me)}
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(f"{server}/?plan={pid}")
        settle(page)
        expect(page.get_by_text("自動保存済み: 版 1", exact=False)).to_be_visible()
        _nav(page, "書類出力")
        edited = edit_sample_workbook(export_documents(sample_plan())[0].data)
        page.locator("input[type=file]").last.set_input_files(
            files=[{"name": "edited.xlsx", "buffer": edited,
                    "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
        settle(page)
        page.get_by_role("button", name="この内容で計画に反映する").click()
        settle(page)
        expect(page.get_by_text("経費内訳を取り込みました", exact=False)).to_be_visible()
        page.screenshot(path=str(output_dir / "journey-import.png"), full_page=True)

        assert _plan_param(page) == pid  # the URL stays on the open plan
        assert {p.id for p in app_db.list_plans(me)} == before  # no second plan for one consortium
        history = app_db.history(me, pid)
        assert [v.version for v in history] == [2, 1]  # history + 1
        assert "取り込み" in (history[0].note or "")
        assert app_db.open_plan(me, pid).plan["costs"] == edited_expected_costs()
        expect(page.get_by_text("自動保存済み: 版 2", exact=False)).to_be_visible()
    finally:
        context.close()


def test_status_line_shows_japan_time(browser: Any, server: str, app_db: Store) -> None:
    me = app_db.local_access()
    pid = app_db.create_plan(me, json.loads(SAMPLE_PLAN.read_text(encoding="utf-8")), name="時計").id
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="ja-JP", timezone_id="UTC")
    try:
        page = context.new_page()
        page.goto(f"{server}/?plan={pid}")
        settle(page)
        box = page.get_by_label("コンソーシアム名", exact=True)
        box.fill("時計の確認")
        box.press("Enter")
        page.wait_for_timeout(300)
        settle(page)
        status = page.get_by_text("自動保存済み: 版 2", exact=False)
        expect(status).to_be_visible()
        text = status.inner_text()
        m = re.search(r"版 2\((\d\d):(\d\d):(\d\d) JST\)", text)  # 版 2(10:53:08 JST)
        assert m, text
        now = datetime.now(JST)
        shown = now.replace(hour=int(m[1]), minute=int(m[2]), second=int(m[3]))
        assert abs((now - shown).total_seconds()) < 300 or abs((now - shown).total_seconds()) > 86_000, text
    finally:
        context.close()


def test_the_root_url_reopens_the_last_plan_of_this_browser(browser: Any, server: str, app_db: Store) -> None:
    me = app_db.local_access()
    pid = app_db.create_plan(me, json.loads(SAMPLE_PLAN.read_text(encoding="utf-8")), name="また開く").id
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(f"{server}/?plan={pid}")
        settle(page)
        expect(page.get_by_text("自動保存済み: 版 1", exact=False)).to_be_visible()
        page.wait_for_function("() => document.cookie.includes('kyoso_last_plan=')", timeout=20_000)
        again = context.new_page()
        again.goto(f"{server}/")
        settle(again)
        expect(again.get_by_text("自動保存済み: 版 1", exact=False)).to_be_visible()
        assert _plan_param(again) == pid
        # a fresh browser (no cookie) still starts on the sample, storing nothing
        other = browser.new_context(locale="ja-JP")
        try:
            fresh = other.new_page()
            fresh.goto(f"{server}/")
            settle(fresh)
            expect(fresh.get_by_text("未保存", exact=False)).to_be_visible()
            assert _plan_param(fresh) is None
        finally:
            other.close()
    finally:
        context.close()
