"""Real browser: the same stored plan open in two tabs of the real app, both editing.

Tab A saves first; tab B (live updates off, so it stays on the version it opened, as when two saves race) edits:
its edit is not written but shows the conflict with A's change; B re-applies (a
different field: both edits kept) or reloads (the same field: A's value shown).  Then the URL reopens the plan
after a reload, and the plans page shows the history.  Chromium (Debian's) via Playwright; the server runs on
127.0.0.1 on a free port with its own data dir and is always stopped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from store import Store
from tests.browser import chromium, settle, streamlit_server

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "model-case-2.json"

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kyoso-data")


@pytest.fixture(scope="module")
def server(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    # live updates off (KYOSO_LIVE_SECONDS=0): with them, tab B would take A's version within a second and
    # never meet the conflict this test is about (tests/replicas/ and tests/store/test_live_app.py test them)
    env = {"KYOSO_DATA_DIR": str(data_dir), "KYOSO_AUTHOR": "browser", "KYOSO_DATABASE_URL": "", "KYOSO_SHARED_MODE": "",
           "KYOSO_LIVE_SECONDS": "0"}
    with streamlit_server(["tests.store.wired_app"], log, env) as url:
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


def _field(page: Page, label: str) -> Any:
    """The one text box with this label (after a plan reload the old widget lingers until the run ends)."""
    box = page.get_by_label(label, exact=True)
    expect(box).to_have_count(1, timeout=15_000)
    return box


def _conflict_box(page: Page) -> Any:
    return page.get_by_test_id("stAlertContentWarning").get_by_text("保存の競合")


def _type(page: Page, label: str, value: str) -> None:
    box = _field(page, label)
    box.fill(value)
    box.press("Enter")
    page.wait_for_timeout(300)
    settle(page)


def test_two_tabs_on_one_plan(browser: Any, server: str, app_db: Store, output_dir: Path) -> None:
    me = app_db.local_access()
    plan = json.loads(SAMPLE.read_text(encoding="utf-8"))
    pid = app_db.create_plan(me, plan, name="二つのタブ").id
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    errors: list[str] = []
    try:
        tab_a, tab_b = context.new_page(), context.new_page()
        for tab in (tab_a, tab_b):
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            tab.goto(f"{server}/?plan={pid}")
            settle(tab)
            expect(tab.get_by_text("自動保存済み: 版 1", exact=False)).to_be_visible()

        # A edits the consortium name: saved as version 2
        _type(tab_a, "コンソーシアム名", "タブAの名前")
        expect(tab_a.get_by_text("自動保存済み: 版 2", exact=False)).to_be_visible()
        assert app_db.open_plan(me, pid).plan["consortium"]["name"] == "タブAの名前"

        # B, still on version 1, edits the contact's company: conflict showing A's change, nothing written
        tab_b.get_by_text("編集", exact=True).first.click()  # the contact fields show while 「編集」 is on
        settle(tab_b)
        _type(tab_b, "会社名", "タブBの会社")
        expect(_conflict_box(tab_b)).to_be_visible()
        expect(tab_b.get_by_text("コンソーシアム の名称を変更", exact=False).first).to_be_visible()
        assert app_db.open_plan(me, pid).version == 2
        tab_b.screenshot(path=str(output_dir / "store-conflict.png"), full_page=True)

        # B re-applies: both edits are in version 3
        tab_b.get_by_role("button", name="自分の変更を最新に再適用").click()
        settle(tab_b)
        expect(tab_b.get_by_text("自動保存済み: 版 3", exact=False)).to_be_visible()
        saved = app_db.open_plan(me, pid).plan
        assert saved["consortium"]["name"] == "タブAの名前"
        assert saved["consortium"]["contact"]["company"] == "タブBの会社"
        expect(_field(tab_b, "コンソーシアム名")).to_have_value("タブAの名前")

        # both edit the same field: B cannot re-apply and reloads A's value
        _type(tab_a, "コンソーシアム名", "A2")  # tab A is on version 2: conflict with B's re-apply first
        expect(_conflict_box(tab_a)).to_be_visible()
        tab_a.get_by_role("button", name="自分の変更を最新に再適用").click()
        settle(tab_a)
        expect(tab_a.get_by_text("自動保存済み: 版 4", exact=False)).to_be_visible()
        _type(tab_b, "コンソーシアム名", "B2")
        expect(_conflict_box(tab_b)).to_be_visible()
        tab_b.get_by_role("button", name="自分の変更を最新に再適用").click()
        settle(tab_b)
        expect(tab_b.get_by_text("自動で再適用できません", exact=False)).to_be_visible()
        tab_b.get_by_role("button", name="最新を読み込む(自分の変更は破棄)").click()
        settle(tab_b)
        expect(_field(tab_b, "コンソーシアム名")).to_have_value("A2")
        assert app_db.open_plan(me, pid).plan["consortium"]["name"] == "A2"

        # a reload of the URL reopens the stored plan; the plans page shows the history
        tab_b.reload()
        settle(tab_b)
        assert f"plan={pid}" in tab_b.url
        expect(_field(tab_b, "コンソーシアム名")).to_have_value("A2")
        tab_b.locator("[data-testid=stSidebarNav]").get_by_text("計画の管理", exact=True).click()
        settle(tab_b)
        expect(tab_b.get_by_text("変更履歴")).to_be_visible()
        assert f"plan={pid}" in tab_b.url
        tab_b.screenshot(path=str(output_dir / "store-plans-page.png"), full_page=True)
        assert [v.version for v in app_db.history(me, pid)] == [4, 3, 2, 1]
    finally:
        context.close()
    assert not errors, errors
