"""Sign-in mode in a real browser, continued (tests/journey/test_sign_in_browser.py has the two roles):

- **After the provider's tokens expire** the person keeps working: Streamlit's ``st.login`` keeps its own
  signed identity cookie (``_streamlit_user``, HttpOnly, 30 days in Streamlit 1.67) and the app never uses the
  provider's id_token or access token after the sign-in, so a token that expired seconds after it was issued
  ends nothing — in the open session and after a reload.  Only sign-out (or the cookie's end) does; then the
  person signs in through the provider again, which issues new tokens, and everything works.
- **No token or e-mail where it should not be**: after an invitation is accepted and a member has edited and
  exported, neither the invitation token nor the plan's share tokens are in the page HTML, the URL, the
  browser's storage, the server's output (the streamlit process's stdout and stderr) or any exported file
  (the app's downloads and ``kyoso plans export`` + ``kyoso export``, zips and workbooks unpacked, e-mail
  drafts decoded), and the people's e-mail addresses are in neither the server's output nor an exported file.
  (They are on the plans page on purpose: the lead's people list, the history's author label.)
"""

from __future__ import annotations

import email
import email.message
import io
import json
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from store import Store
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port, settle, streamlit_server
from tests.conftest import ROOT
from tests.journey.test_sign_in_browser import _edit_cell, _line
from tests.oidc_provider import Provider, oidc_provider, secrets_toml

pytestmark = pytest.mark.timeout(500)

SAMPLE = ROOT / "examples" / "model-case-2.json"
LIFETIME = 4  # seconds: the provider's tokens expire this long after they are issued
DOMAIN = "@people.example.com"  # every person's e-mail here; nothing else in the sample uses this domain
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.")  # a signed token (id_token, access token)


@dataclass
class World:
    url: str
    provider: Provider
    db: Store
    data: Path
    log: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("sign-in-session")
    data = work / "data"
    data.mkdir()
    with oidc_provider(work) as provider:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        (work / ".streamlit").mkdir()
        (work / ".streamlit" / "secrets.toml").write_text(secrets_toml(url, provider.issuer), encoding="utf-8")
        env = {"KYOSO_AUTH": "oidc", "KYOSO_DATA_DIR": str(data), "KYOSO_DATABASE_URL": "",
               "KYOSO_SHARED_MODE": "", "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        db = Store(f"sqlite:///{data / 'kyoso.db'}", shared_mode=False)
        try:
            with streamlit_server(["streamlit", "run", str(ROOT / "app.py")], work / "server.log", env,
                                  ["--plan", str(SAMPLE)], cwd=work, port=port) as served:
                yield World(served, provider, db, data, work / "server.log")
        finally:
            db.close()


def _new_plan(world: World, name: str, lead: str, lead_name: str) -> str:
    op = world.db.operator_access("cli:test")
    pid = world.db.create_plan(op, json.loads(SAMPLE.read_text(encoding="utf-8")), name=name).id
    world.db.add_person(op, pid, lead, "lead", name=lead_name)
    return pid


def _sign_in(page: Page, provider: Provider, url: str, email_: str, name: str, *, lifetime: int | None = None) -> None:
    provider.next_user(email_, name, lifetime=lifetime)
    page.goto(url)
    page.get_by_role("button", name="サインイン").click()
    expect(page.get_by_role("button", name="サインアウト")).to_be_visible(timeout=30_000)
    settle(page)
    expect(page.get_by_text(f"サインイン中: {name}", exact=False)).to_be_visible()


def _rename(page: Page, name: str, version: int) -> None:
    box = page.get_by_label("コンソーシアム名", exact=True)
    box.fill(name)
    box.press("Enter")
    settle(page)
    expect(page.get_by_text(f"自動保存済み: 版 {version}", exact=False)).to_be_visible()


def _auth_cookies(ctx: BrowserContext) -> list[dict[str, object]]:
    return [dict(c) for c in ctx.cookies() if str(c["name"]).startswith("_streamlit_user")]


def _browser(pw: Playwright) -> Browser:
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# -- 1. after the provider's tokens expire ------------------------------------------------------------------


def test_the_session_outlives_the_providers_tokens_until_sign_out(world: World) -> None:
    who, name = f"expiry{DOMAIN}", "Expiry San"
    pid = _new_plan(world, "期限の計画", who, name)
    op = world.db.operator_access()
    with sync_playwright() as pw:
        browser = _browser(pw)
        try:
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
            page = ctx.new_page()
            before = len(world.provider.signed())
            _sign_in(page, world.provider, world.url, who, name, lifetime=LIFETIME)
            expect(page.get_by_text("自動保存済み: 版 1", exact=False)).to_be_visible()
            issued = world.provider.signed()[before:]
            assert len(issued) >= 2, issued  # the id_token and the access token of this sign-in
            assert all(t.exp - t.iat == LIFETIME for t in issued), issued

            # Streamlit's own identity cookie: signed, HttpOnly, its own lifetime (30 days), not the token's
            cookies = _auth_cookies(ctx)
            user = [c for c in cookies if c["name"] == "_streamlit_user"]
            assert user and user[0]["httpOnly"], cookies
            days = (float(str(user[0]["expires"])) - time.time()) / 86400
            assert 29 < days <= 30.01, days

            # wait until every token of this sign-in has expired
            expired_at = max(t.exp for t in issued)
            time.sleep(max(0.0, expired_at - time.time() + 1.5))
            assert time.time() > expired_at + 1

            # the open session keeps working: an edit is saved under the person's name
            _rename(page, "期限切れ後の編集", 2)
            assert world.db.history(op, pid)[0].author == f"{name} <{who}>"
            # a new session of the same browser (reload: a new websocket, the cookie read again) too
            page.reload()
            settle(page)
            expect(page.get_by_text(f"サインイン中: {name}", exact=False)).to_be_visible()
            expect(page.get_by_label("コンソーシアム名", exact=True)).to_have_value("期限切れ後の編集")
            _rename(page, "再読み込み後の編集", 3)
            # the app never went back to the provider: no token was signed since the sign-in
            assert len(world.provider.signed()) == before + len(issued)

            # sign-out ends it: the sign-in screen, no plan, no identity cookie; a reload stays signed out
            page.get_by_role("button", name="サインアウト").click()
            expect(page.get_by_role("button", name="サインイン")).to_be_visible(timeout=30_000)
            expect(page.locator("[data-testid=stMetric]")).to_have_count(0)
            assert not _auth_cookies(ctx), _auth_cookies(ctx)
            page.goto(f"{world.url}/?plan={pid}")
            expect(page.get_by_role("button", name="サインイン")).to_be_visible(timeout=30_000)
            assert "再読み込み後の編集" not in page.content()

            # signing in again goes through the provider (new tokens) and everything works
            _sign_in(page, world.provider, world.url, who, name, lifetime=LIFETIME)
            again = world.provider.signed()[before + len(issued):]
            assert len(again) >= 2 and min(t.iat for t in again) >= expired_at, again
            expect(page.get_by_label("コンソーシアム名", exact=True)).to_have_value("再読み込み後の編集")
            _rename(page, "もう一度サインインして編集", 4)
            assert world.db.history(op, pid)[0].author == f"{name} <{who}>"
        finally:
            browser.close()


# -- 2. no token or e-mail where it should not be ------------------------------------------------------------


def _contents(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """A file's bytes and, recursively, every member of a zip (xlsx, the packet) and every part of an e-mail
    draft, decoded."""
    yield name, data
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member in z.infolist():
                if not member.is_dir() and member.flag_bits & 0x1 == 0:  # an encrypted member stays as it is
                    yield from _contents(f"{name}!{member.filename}", z.read(member))
    elif name.endswith(".eml"):
        msg = email.message_from_bytes(data, policy=policy.default)
        for i, part in enumerate(msg.walk()):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                yield from _contents(f"{name}#{i}:{part.get_filename() or ''}", payload)
            yield f"{name}#{i}:headers", str(part.items()).encode()


def _leaks(files: dict[str, bytes], secrets_: dict[str, str]) -> list[str]:
    found = []
    for name, data in files.items():
        for inner, blob in _contents(name, data):
            low = blob.lower()
            found += [f"{what} in {inner}" for what, s in secrets_.items() if s.lower().encode() in low]
            if JWT.search(blob):
                found.append(f"a signed token (JWT) in {inner}")
    return found


def _download_all(page: Page, scope: str, out: dict[str, bytes]) -> None:
    buttons = page.locator(f"{scope} [data-testid=stDownloadButton] button")
    n = buttons.count()
    assert n, scope
    for i in range(n):
        with page.expect_download() as got:
            buttons.nth(i).click()
        download = got.value
        path = download.path()
        out[download.suggested_filename] = Path(path).read_bytes()


def test_no_token_or_email_where_it_should_not_be(world: World, tmp_path: Path) -> None:
    lead, lead_name = f"lead{DOMAIN}", "Lead San"
    member, member_name = f"a{DOMAIN}", "A San"
    pid = _new_plan(world, "漏えい確認の計画", lead, lead_name)
    op = world.db.operator_access("cli:test")
    share_lead, _ = world.db.create_share(op, pid, "lead", label="古いリンク")
    share_member, _ = world.db.create_share(op, pid, "member:u1", label="u1 のリンク")
    with sync_playwright() as pw:
        browser = _browser(pw)
        try:
            lead_ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
            member_ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP",
                                             accept_downloads=True)
            lead_page, member_page = lead_ctx.new_page(), member_ctx.new_page()

            # the lead invites the member from the plans page: the link is shown once
            _sign_in(lead_page, world.provider, world.url, lead, lead_name)
            lead_page.locator("[data-testid=stSidebarNav]").get_by_text("計画の管理", exact=True).click()
            settle(lead_page)
            lead_page.get_by_label("メールアドレス(空欄: 誰でも一度だけ)").fill(member)
            lead_page.locator("[data-testid=stForm] [data-testid=stSelectbox]").first.click()
            lead_page.keyboard.type("member:u2", delay=20)
            lead_page.keyboard.press("Enter")
            lead_page.get_by_role("button", name="招待する").click()
            settle(lead_page)
            link = lead_page.locator("[data-testid=stCode]").last.inner_text().strip()
            invitation = link.split("token=", 1)[1]
            assert len(invitation) >= 40, link
            secrets_ = {"the invitation token": invitation, "the lead share token": share_lead,
                        "the member share token": share_member}

            # the member accepts, edits its own line and downloads everything the app offers
            world.provider.next_user(member, member_name)
            member_page.goto(link)
            member_page.get_by_role("button", name="サインイン").click()
            expect(member_page.get_by_role("button", name="サインアウト")).to_be_visible(timeout=30_000)
            settle(member_page)
            expect(member_page.get_by_text(re.compile("招待を受けました。役割: member:\u2060?u2")).first).to_be_visible()
            member_page.locator("[data-testid=stSidebarNav]").get_by_text("経費", exact=False).first.click()
            settle(member_page)
            _edit_cell(member_page, 3, "単価", "123456")
            expect(member_page.get_by_text("自動保存済み: 版 2", exact=False)).to_be_visible()
            assert _line(world.db, pid, "c3")["unit_price_yen"] == 123456
            downloads: dict[str, bytes] = {}
            _download_all(member_page, "[data-testid=stSidebar]", downloads)  # the plan JSON
            member_page.locator("[data-testid=stSidebarNav]").get_by_text("書類出力", exact=True).click()
            settle(member_page)
            expect(member_page.locator("[data-testid=stMain] [data-testid=stDownloadButton]").first).to_be_visible()
            _download_all(member_page, "[data-testid=stMain]", downloads)  # the zip, the .eml, each workbook
            assert any(n.endswith(".zip") for n in downloads) and any(n.endswith(".eml") for n in downloads)
            assert sum(n.endswith(".xlsx") for n in downloads) >= 3, list(downloads)
            assert any(n.endswith(".json") for n in downloads), list(downloads)

            # the URL, the pages' HTML and the browser's storage hold no token after the acceptance
            for page, ctx in ((member_page, member_ctx), (lead_page, lead_ctx)):
                page.reload()
                settle(page)
                assert "token=" not in page.url, page.url
                html = page.content()
                cookies = ctx.cookies()
                scripts_see = json.dumps([[c for c in cookies if not c["httpOnly"]], page.evaluate(
                    "() => [Object.entries(localStorage), Object.entries(sessionStorage)]")])
                for what, s in secrets_.items():
                    assert s not in page.url and s not in html, f"{what} on the page"
                    assert s not in json.dumps(cookies) + scripts_see, f"{what} in the browser's storage"
                assert not JWT.search(scripts_see.encode()), "a provider token readable by the page's scripts"
            assert lead not in member_page.content()  # the member does not see the lead's e-mail
            lead_page.locator("[data-testid=stSidebarNav]").get_by_text("計画の管理", exact=True).click()
            settle(lead_page)
            expect(lead_page.get_by_role("button", name="招待する")).to_be_visible()
            assert member in [p.email for p in world.db.list_people(op, pid)]  # listed for the lead: on purpose
            assert invitation not in lead_page.content()
        finally:
            browser.close()

    # the command line's exports of the same plan: kyoso plans export, then kyoso export
    out = tmp_path / "out"
    plan_file = tmp_path / "plan.json"
    db_url = f"sqlite:///{world.data / 'kyoso.db'}"
    for cmd in (["plans", "--db", db_url, "export", pid, "-o", str(plan_file)],
                ["export", str(plan_file), "-o", str(out)]):
        run = subprocess.run([sys.executable, "-m", "cli", *cmd], cwd=ROOT, capture_output=True, text=True,
                             timeout=180)
        assert run.returncode in (0, 1), (cmd, run.stdout, run.stderr)  # 1: the plan has findings
    exported = {p.name: p.read_bytes() for p in [plan_file, *sorted(out.iterdir())]}
    assert any(n.endswith(".xlsx") for n in exported) and any(n.endswith(".zip") for n in exported)

    people = {"the lead's e-mail": lead, "the member's e-mail": member, "a person's e-mail domain": DOMAIN}
    leaks = _leaks(downloads, {**secrets_, **people}) + _leaks(exported, {**secrets_, **people})
    assert not leaks, leaks
    # the server's own output (the streamlit process's stdout and stderr) so far
    log = {"server.log": world.log.read_bytes()}
    leaks = _leaks(log, {**secrets_, **people})
    assert not leaks, (leaks, log["server.log"].decode(errors="replace")[-3000:])


def test_the_leak_check_finds_what_it_looks_for() -> None:
    """The check above can fail: a token planted in a workbook inside a zip attached to an e-mail draft, an
    e-mail address in a plan JSON and a signed token in a log are each found."""
    token = "planted-Token_0123456789abcdefghijklmnopqrstuvwxyz"
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", f"<sst><si><t>{token}</t></si></sst>")
    packet = io.BytesIO()
    with zipfile.ZipFile(packet, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("申請書.xlsx", book.getvalue())
    msg = email.message.EmailMessage()
    msg["Subject"] = "申請"
    msg.set_content("本文")
    msg.add_attachment(packet.getvalue(), maintype="application", subtype="zip", filename="packet.zip")
    files = {"draft.eml": msg.as_bytes(), "plan.json": json.dumps({"x": f"A{DOMAIN}".upper()}).encode(),
             "clean.json": b"{}"}
    found = _leaks(files, {"the token": token, "an e-mail": f"a{DOMAIN}"})
    assert any(f.startswith("the token in draft.eml#") and "申請書.xlsx!xl/sharedStrings.xml" in f for f in found), found
    assert "an e-mail in plan.json" in found, found
    assert not [f for f in found if "clean.json" in f]
    jwt = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhQGV4YW1wbGUuY29tIn0.c2ln"
    assert _leaks({"server.log": b"GET /?x=" + jwt}, {}) == ["a signed token (JWT) in server.log"]
