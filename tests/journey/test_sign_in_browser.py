"""Sign-in mode in a real browser: a real OpenID Connect provider on 127.0.0.1 (tests/oidc_provider.py),
the app with ``KYOSO_AUTH=oidc`` and a generated ``.streamlit/secrets.toml`` in a temporary working dir,
two people in two browser contexts on one plan with their roles enforced, and sign-out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from store import Store
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port, settle, streamlit_server
from tests.conftest import ROOT
from tests.oidc_provider import Provider, oidc_provider, secrets_toml

pytestmark = pytest.mark.timeout(400)

SAMPLE = ROOT / "examples" / "model-case-2.json"
LEAD = "lead@example.com"
MEMBER = "a@example.com"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Provider, Store]]:
    work = tmp_path_factory.mktemp("sign-in")
    data = work / "data"
    data.mkdir()
    with oidc_provider(work) as provider:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        (work / ".streamlit").mkdir()
        (work / ".streamlit" / "secrets.toml").write_text(secrets_toml(url, provider.issuer), encoding="utf-8")
        env = {"KYOSO_AUTH": "oidc", "KYOSO_DATA_DIR": str(data), "KYOSO_DATABASE_URL": "",
               "KYOSO_SHARED_MODE": "", "PYTHONPATH": str(ROOT)}
        db = Store(f"sqlite:///{data / 'kyoso.db'}", shared_mode=False)
        try:
            with streamlit_server(["streamlit", "run", str(ROOT / "app.py")], work / "server.log", env,
                                  ["--plan", str(SAMPLE)], cwd=work, port=port) as served:
                yield served, provider, db
        finally:
            db.close()


def _sign_in(page: Page, provider: Provider, url: str, email: str, name: str) -> None:
    provider.next_user(email, name)
    page.goto(url)
    page.get_by_role("button", name="サインイン").click()
    expect(page.get_by_role("button", name="サインアウト")).to_be_visible(timeout=30_000)
    settle(page)
    expect(page.get_by_text(f"サインイン中: {name}", exact=False)).to_be_visible()


def _sign_in_bare(page: Page, provider: Provider, url: str, email: str, name: str) -> None:
    """Sign in where no plan opens (no headline figures to wait for)."""
    provider.next_user(email, name)
    page.goto(url)
    page.get_by_role("button", name="サインイン").click()
    expect(page.get_by_role("button", name="サインアウト")).to_be_visible(timeout=30_000)


def _costs_grid(page: Page) -> Any:
    grid = page.locator("[class*='st-key-ed-costs-'] [data-testid=stDataFrameResizable]")
    expect(grid).to_be_visible()
    grid.scroll_into_view_if_needed()
    return grid


def _edit_cell(page: Page, row: int, column: str, value: str) -> None:
    grid = _costs_grid(page)
    box = grid.bounding_box()
    assert box is not None
    cols = {(th.text_content() or "").strip(): int(th.get_attribute("aria-colindex") or 0)
            for th in grid.locator("th[role=columnheader]").all()}
    selected = grid.locator("td[aria-selected=true]")
    page.mouse.click(box["x"] + 55, box["y"] + 35 * row + 35 / 2)
    expect(selected).to_have_attribute("aria-colindex", str(cols["ID"]))
    for _ in range(cols[column] - cols["ID"]):
        page.keyboard.press("ArrowRight")
    expect(selected).to_have_attribute("aria-colindex", str(cols[column]))
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement && ['INPUT', 'TEXTAREA'].includes(document.activeElement.tagName)",
        timeout=10_000)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(value, delay=30)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    settle(page)


def _line(db: Store, pid: str, line_id: str) -> dict[str, Any]:
    plan = db.open_plan(db.operator_access(), pid).plan
    return next(c for c in plan["costs"] if c["id"] == line_id)


def test_two_people_sign_in_and_work_with_their_roles(world: tuple[str, Provider, Store]) -> None:
    url, provider, db = world
    op = db.operator_access("cli:test")
    pid = db.create_plan(op, json.loads(SAMPLE.read_text(encoding="utf-8")), name="サインインの計画").id
    db.add_person(op, pid, LEAD, "lead", name="Lead San")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            lead_ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
            member_ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
            lead, member = lead_ctx.new_page(), member_ctx.new_page()

            # nobody signed in: the sign-in screen, no plan data
            lead.goto(f"{url}/?plan={pid}")
            expect(lead.get_by_role("button", name="サインイン")).to_be_visible()
            expect(lead.locator("[data-testid=stMetric]")).to_have_count(0)
            assert "サインインの計画" not in lead.content()

            # the lead signs in and edits the consortium name: saved under its name
            _sign_in(lead, provider, url, LEAD, "Lead San")
            expect(lead.get_by_text("自動保存済み: 版 1", exact=False)).to_be_visible()
            box = lead.get_by_label("コンソーシアム名", exact=True)
            box.fill("代表が変えた名前")
            box.press("Enter")
            settle(lead)
            expect(lead.get_by_text("自動保存済み: 版 2", exact=False)).to_be_visible()
            assert db.history(op, pid)[0].author == f"Lead San <{LEAD}>"

            # the lead invites a@example.com as member:u2 from the plans page
            lead.locator("[data-testid=stSidebarNav]").get_by_text("計画の管理", exact=True).click()
            settle(lead)
            lead.get_by_label("メールアドレス(空欄: 誰でも一度だけ)").fill(MEMBER)
            role_box = lead.locator("[data-testid=stForm] [data-testid=stSelectbox]").first
            role_box.click()
            lead.keyboard.type("member:u2", delay=20)
            lead.keyboard.press("Enter")
            lead.get_by_role("button", name="招待する").click()
            settle(lead)
            link = lead.locator("[data-testid=stCode]").last.inner_text().strip()
            assert "token=" in link

            # the member opens the invitation, signs in, and the URL no longer carries the token
            provider.next_user(MEMBER, "A San")
            member.goto(link)
            member.get_by_role("button", name="サインイン").click()
            expect(member.get_by_role("button", name="サインアウト")).to_be_visible(timeout=30_000)
            settle(member)
            expect(member.get_by_text(re.compile("招待を受けました。役割: member:\u2060?u2")).first).to_be_visible()
            expect(member.get_by_text("代表が変えた名前", exact=False).first).to_be_visible()
            assert "token=" not in member.url
            html = member.content()
            assert link.split("token=", 1)[1] not in html
            assert LEAD not in html  # the lead's e-mail is not shown to the member

            # the member edits its own line c3 (row 3) and is refused on c1 (row 1, member u1's)
            member.locator("[data-testid=stSidebarNav]").get_by_text("経費", exact=False).first.click()
            settle(member)
            _edit_cell(member, 3, "単価", "123456")
            expect(member.get_by_text("自動保存済み: 版 3", exact=False)).to_be_visible()
            assert _line(db, pid, "c3")["unit_price_yen"] == 123456
            assert db.history(op, pid)[0].author == f"A San <{MEMBER}>"
            before = _line(db, pid, "c1")
            _edit_cell(member, 1, "単価", "999")
            expect(member.get_by_text("保存できません", exact=False).first).to_be_visible()
            assert _line(db, pid, "c1") == before

            # sign-out: back to the sign-in screen, no plan data
            member.get_by_role("button", name="サインアウト").click()
            expect(member.get_by_role("button", name="サインイン")).to_be_visible(timeout=30_000)
            expect(member.locator("[data-testid=stMetric]")).to_have_count(0)
            assert "代表が変えた名前" not in member.content()

            # a stranger signed in without an invitation sees no plan, even with the plan's id in the URL
            stranger = browser.new_context(locale="ja-JP").new_page()
            _sign_in_bare(stranger, provider, f"{url}/?plan={pid}", "stranger@example.com", "Stranger")
            expect(stranger.get_by_text("参加している計画はまだありません", exact=False)).to_be_visible()
            expect(stranger.locator("[data-testid=stMetric]")).to_have_count(0)
            assert "代表が変えた名前" not in stranger.content()
        finally:
            browser.close()
