"""The replicated topology in a real browser (issue 16): PostgreSQL, the migration step, two app replicas and
nginx on 127.0.0.1, started by scripts/replicas.py exactly as `make replicas` does; two Chromium contexts pinned
to different replicas through nginx's route cookie.

- A save in one context shows in the other (on the other replica) within 2 s of the save's commit, and each
  names who else has the plan open.
- An edit made before another's save has reached the screen (that session's live tick held back on its
  websocket): the save is told of the conflict and offered the choice; its re-apply keeps both edits, and both
  screens end on the same plan.
- A replica killed mid-session: its browser reconnects through nginx to the other replica and shows every
  accepted edit; it edits on, and the first context sees that too. The history lost nothing.
- A replica stopped gracefully (SIGTERM) ends cleanly, and nginx keeps serving through the other one.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from scripts.replicas import Topology, wait_health
from store import Store
from tests.browser import chromium, settle
from tests.conftest import SAMPLE_PLAN

pytestmark = pytest.mark.timeout(600)

NAME = "コンソーシアム名"


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    topo = Topology(tmp_path_factory.mktemp("replicas"), env={"KYOSO_SHARED_MODE": "1", "TZ": "UTC"})
    with topo:
        yield topo
    for r in topo.replicas:
        log = r.log.read_text(encoding="utf-8")
        assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def db(topology: Topology) -> Iterator[Store]:
    s = Store(topology.database_url, migrate=False)
    yield s
    s.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _plan(db: Store, name: str) -> tuple[str, str, str]:
    """A new plan with two lead links (two people at two companies who may both edit the consortium)."""
    op = db.operator_access("cli:test")
    pid = db.create_plan(op, json.loads(SAMPLE_PLAN.read_text(encoding="utf-8")), name=name).id
    one, _ = db.create_share(op, pid, "lead", label="幹事A")
    two, _ = db.create_share(op, pid, "lead", label="協力B")
    return pid, one, two


def _open(browser: Any, topology: Topology, replica: int, pid: str, token: str) -> Page:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    ctx.add_cookies([{"name": "kyoso_route", "value": topology.route_to(replica), "url": topology.url}])
    page = ctx.new_page()
    page.goto(f"{topology.url}/?plan={pid}&token={token}")
    settle(page)
    return page


def _route(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "kyoso_route")


def _commit_time(db: Store, pid: str, version: int) -> float:
    v = next(v for v in db.history(db.operator_access(), pid) if v.version == version)
    at = v.created_at if v.created_at.tzinfo else v.created_at.replace(tzinfo=UTC)
    return at.timestamp()


def _until_value(page: Page, value: str, timeout_ms: int = 10_000) -> float:
    """Poll every animation frame until the name box shows ``value``; the wall time it did."""
    page.wait_for_function(
        "([label, value]) => [...document.querySelectorAll('input')].some("
        "i => i.getAttribute('aria-label') === label && i.value === value)",
        arg=[NAME, value], polling="raf", timeout=timeout_ms)
    return datetime.now(UTC).timestamp()


def test_a_save_shows_on_the_other_replica_within_2_s(browser: Any, topology: Topology, db: Store) -> None:
    pid, one, two = _plan(db, "ライブ")
    a = _open(browser, topology, 0, pid, one)
    b = _open(browser, topology, 1, pid, two)
    assert topology.replica_of_route(_route(a)) == 0 and topology.replica_of_route(_route(b)) == 1
    expect(a.get_by_text("ほかにこの計画を開いている人: 協力B (lead)")).to_be_visible(timeout=15_000)
    expect(b.get_by_text("ほかにこの計画を開いている人: 幹事A (lead)")).to_be_visible(timeout=15_000)
    delays = []
    for n, (src, dst) in enumerate([(a, b), (b, a), (a, b)], start=2):
        value = f"ライブ更新 {n}"
        box = src.get_by_label(NAME, exact=True)
        box.fill(value)
        box.press("Enter")
        shown = _until_value(dst, value)
        delays.append(shown - _commit_time(db, pid, n))
        expect(dst.get_by_text(re.compile(rf"が保存した最新の計画\(版 {n}\)"))).to_be_visible()
        settle(src)
        settle(dst)
    print(f"save → other replica's screen: {', '.join(f'{d * 1000:.0f} ms' for d in delays)}")
    assert max(delays) <= 2.0, delays
    a.context.close()
    b.context.close()


def _hold_live_ticks(page: Page) -> dict[str, bool]:
    """Route the page's websocket through the test: while ``held["on"]``, the live-update fragment's automatic
    reruns (``rerun_script`` with ``is_auto_rerun``) do not reach the server, so the session stays on the
    version it has — as when its next tick has not come yet.  Everything else passes both ways."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    held = {"on": False}

    def handler(ws: Any) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if held["on"] and isinstance(message, bytes):
                msg = BackMsg()
                msg.ParseFromString(message)
                if msg.HasField("rerun_script") and msg.rerun_script.is_auto_rerun:
                    return
            server.send(message)

        ws.on_message(from_page)

    page.route_web_socket(re.compile(r".*/_stcore/stream$"), handler)
    return held


def test_an_edit_made_before_the_news_arrives_gets_the_choice(browser: Any, topology: Topology,
                                                             db: Store) -> None:
    """B edits while A's save has not reached B's screen yet (B's tick held back): B's save meets A's and B is
    offered the choice; its re-apply keeps both edits and both screens end on the same version."""
    pid, one, two = _plan(db, "競合")
    a = _open(browser, topology, 0, pid, one)
    b_ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    b_ctx.add_cookies([{"name": "kyoso_route", "value": topology.route_to(1), "url": topology.url}])
    b = b_ctx.new_page()
    held = _hold_live_ticks(b)
    b.goto(f"{topology.url}/?plan={pid}&token={two}")
    settle(b)
    b.get_by_text("編集", exact=True).click()  # the contact card's edit switch
    settle(b)
    held["on"] = True
    a_box = a.get_by_label(NAME, exact=True)
    a_box.fill("Aの新しい名前")
    a_box.press("Enter")
    expect(a.get_by_text(re.compile(r"自動保存済み: 版 2"))).to_be_visible()
    phone = b.get_by_label("電話番号", exact=True)
    phone.fill("03-9999-0000")
    phone.press("Enter")  # B still on version 1
    expect(b.get_by_test_id("stAlertContentWarning").get_by_text("保存の競合")).to_be_visible()
    expect(b.get_by_text("コンソーシアム の名称を変更", exact=False).first).to_be_visible()  # what A changed
    assert db.open_plan(db.operator_access(), pid).version == 2  # B's edit not written over A's
    held["on"] = False
    b.get_by_role("button", name="自分の変更を最新に再適用").click()
    settle(b)
    latest = db.open_plan(db.operator_access(), pid)
    history = [(v.version, v.author, v.summary, v.note) for v in db.history(db.operator_access(), pid)]
    assert latest.version == 3, history
    assert latest.plan["consortium"]["name"] == "Aの新しい名前"
    assert latest.plan["consortium"]["contact"]["phone"] == "03-9999-0000"
    assert not a.get_by_text("保存の競合").count()
    for page in (a, b):  # both screens end on version 3
        _until_value(page, "Aの新しい名前")
        expect(page.get_by_text(re.compile(r"自動保存済み: 版 3"))).to_be_visible(timeout=10_000)
    a.context.close()
    b_ctx.close()


def test_a_killed_replica_loses_no_accepted_edit(browser: Any, topology: Topology, db: Store) -> None:
    pid, one, two = _plan(db, "フェイルオーバー")
    a = _open(browser, topology, 0, pid, one)
    b = _open(browser, topology, 1, pid, two)
    box = b.get_by_label(NAME, exact=True)
    box.fill("落ちる前の名前")
    box.press("Enter")
    expect(b.get_by_text(re.compile(r"自動保存済み: 版 2"))).to_be_visible()
    topology.stop_replica(1, kill=True)  # SIGKILL: no goodbye
    try:
        # the browser reconnects through nginx, now to replica 0, and shows every accepted edit
        expect(b.get_by_text(re.compile(r"自動保存済み: 版 2"))).to_be_visible(timeout=30_000)
        settle(b)
        box = b.get_by_label(NAME, exact=True)
        expect(box).to_have_count(1, timeout=15_000)  # the old session's box may linger a moment
        expect(box).to_have_value("落ちる前の名前")
        assert topology.replica_of_route(_route(b)) == 0
        box.fill("落ちた後の名前")
        box.press("Enter")
        expect(b.get_by_text(re.compile(r"自動保存済み: 版 3"))).to_be_visible()
        _until_value(a, "落ちた後の名前")
        history = db.history(db.operator_access(), pid)
        assert [v.version for v in history] == [3, 2, 1]
        assert [v.author for v in history[:2]] == ["協力B (lead)", "協力B (lead)"]
    finally:
        topology.start_replica(1)
    a.context.close()
    b.context.close()


def test_a_graceful_stop_ends_cleanly_and_nginx_serves_on(topology: Topology, db: Store) -> None:
    replica = topology.replicas[1]
    assert replica.proc is not None
    proc = replica.proc
    started = time.monotonic()
    proc.send_signal(15)
    assert proc.wait(timeout=20) == 0
    stopped_in = time.monotonic() - started
    replica.proc = None
    try:
        for _ in range(5):  # every route still reaches a healthy replica
            wait_health(topology.url, timeout=10)
        assert topology.replica_of_route(topology.route_to(0)) == 0
        print(f"graceful stop: {stopped_in:.2f} s")
    finally:
        topology.start_replica(1)
    assert Path(replica.log).read_text(encoding="utf-8").count("Stopping...") >= 1
