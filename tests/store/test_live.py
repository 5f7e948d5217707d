"""Live updates' store side (issue 16): who learns of a save and how fast, presence, invitations held across
sign-in, and the migration as its own step.  Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from store import Conflict, Store
from store.db import DatabaseUnavailable
from store.live import Watcher


def _renamed(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return {**plan, "consortium": {**plan["consortium"], "name": name}}


def _wait_for(watcher: Watcher, plan_id: str, version: int, seconds: float = 5.0) -> float:
    start = time.monotonic()
    while watcher.latest(plan_id) != version:
        assert time.monotonic() - start < seconds, f"still {watcher.latest(plan_id)}, not {version}"
        time.sleep(0.01)
    return time.monotonic() - start


def test_another_process_learns_of_a_save(db_url: str, plan: dict[str, Any]) -> None:
    """Two stores on one database stand for two replicas: a save through one is seen by the other's watcher
    (PostgreSQL: by NOTIFY, without reading the database; SQLite: by its poll)."""
    one, two = Store(db_url, shared_mode=False), Store(db_url, shared_mode=False)
    watcher = Watcher(two, poll_seconds=0.2)
    try:
        if two.backend == "postgresql":
            assert watcher.wait_listening(10)
        me = one.local_access()
        pid = one.create_plan(me, plan).id
        assert watcher.latest(pid) == 1
        one.save(me, pid, _renamed(plan, "次の名前"), 1)
        waited = _wait_for(watcher, pid, 2)
        assert waited < 1.0
        if two.backend == "postgresql":
            assert watcher.heard_at(pid) is not None  # it came as a notification
            watcher.store = None  # type: ignore[assignment]  # from now on a database read gives None
            one.save(me, pid, _renamed(plan, "三つ目"), 2)
            _wait_for(watcher, pid, 3)  # so the notification alone told it
    finally:
        watcher.close()
        one.close()
        two.close()


def test_a_refused_save_announces_nothing(db_url: str, plan: dict[str, Any]) -> None:
    s = Store(db_url, shared_mode=False)
    heard: list[tuple[str, int]] = []
    watcher = Watcher(s)
    watcher.listeners.append(lambda p, v: heard.append((p, v)))
    try:
        if s.backend == "postgresql":
            assert watcher.wait_listening(10)
        me = s.local_access()
        pid = s.create_plan(me, plan).id
        s.save(me, pid, _renamed(plan, "先に保存"), 1)
        with pytest.raises(Conflict):
            s.save(me, pid, _renamed(plan, "古い版から"), 1)
        time.sleep(0.5)
        if s.backend == "postgresql":
            assert heard == [(pid, 2)]
        assert watcher.latest(pid) == 2
    finally:
        watcher.close()
        s.close()


def test_changes_since_is_the_conflict_choice(store: Store, plan: dict[str, Any]) -> None:
    me = store.local_access()
    pid = store.create_plan(me, plan).id
    assert store.changes_since(me, pid, 1, plan) is None
    store.save(me, pid, _renamed(plan, "相手の名前"), 1)
    news = store.changes_since(me, pid, 1, plan)
    assert news is not None and news.current_version == 2
    assert news.current_plan["consortium"]["name"] == "相手の名前"
    assert [c.path for c in news.their_changes] == [("consortium", "name")]
    assert news.my_changes == []


def test_presence_lists_the_others_once_and_forgets_the_gone(store: Store, plan: dict[str, Any]) -> None:
    me = store.local_access("幹事")
    pid = store.create_plan(me, plan).id
    token, _ = store.create_share(me, pid, "member:u1", label="みどり")
    member = store.token_access(token)
    store.touch_presence(me, pid, "s-lead")
    store.touch_presence(member, pid, "s-m1")
    store.touch_presence(member, pid, "s-m2")  # the same person in two tabs: listed once
    assert store.present(pid, exclude="s-lead") == [("みどり (member:u1)", "member:u1")]
    assert store.present(pid, exclude="s-m1") == [("みどり (member:u1)", "member:u1"), ("幹事", "lead")]
    store.leave("s-m1")
    store.leave("s-m2")
    assert store.present(pid, exclude="s-lead") == []
    assert store.present(pid, within=0.0) == []  # nobody seen "in the last 0 s": old rows do not count


def test_an_invitation_held_across_sign_in_is_stored_as_hashes_once(store: Store, plan: dict[str, Any]) -> None:
    lead = store.operator_access()
    pid = store.create_plan(lead, plan).id
    token = store.invite(lead, pid, "a@example.com", "viewer")
    key = store.hold_invitation(token)
    with store.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM sign_in_holds")) for v in row)
    assert token not in dump and key not in dump
    held = store.take_invitation(key)
    assert held is not None and store.take_invitation(key) is None  # once
    access = store.accept_invitation("", "a@example.com", True, "A", token_hash=held)
    assert access.role == "viewer" and access.plan_id == pid
    assert store.take_invitation("no-such-key") is None


def test_replicas_never_migrate_they_refuse_an_old_database(new_db_url: Any, monkeypatch: pytest.MonkeyPatch,
                                                            plan: dict[str, Any], tmp_path: Path) -> None:
    url = new_db_url()
    monkeypatch.setenv("KYOSO_MIGRATE", "external")
    with pytest.raises(DatabaseUnavailable) as refused:
        Store(url, shared_mode=False)
    assert "python -m store.migrate" in refused.value.message("en")
    from store.migrate import current_revision, head_revision, main

    monkeypatch.setenv("KYOSO_DATABASE_URL", url)
    assert main([]) == 0  # the migration step
    s = Store(url, shared_mode=False)
    try:
        assert current_revision(s.engine) == head_revision()
        assert s.create_plan(s.local_access(), plan).version == 1
    finally:
        s.close()


def test_alembic_upgrade_head_is_the_same_step(new_db_url: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``alembic upgrade head`` with the repository's alembic.ini brings a new database to the head too."""
    import os
    import subprocess
    import sys

    from store.migrate import head_revision
    from tests.conftest import ROOT

    url = new_db_url()
    env = {**os.environ, "KYOSO_DATABASE_URL": url}
    alembic = Path(sys.executable).with_name("alembic")
    subprocess.run([str(alembic), "-c", str(ROOT / "alembic.ini"), "upgrade", "head"], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    out = subprocess.run([str(alembic), "-c", str(ROOT / "alembic.ini"), "current"], env=env, check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    assert head_revision() in out
    monkeypatch.setenv("KYOSO_MIGRATE", "external")
    Store(url, shared_mode=False).close()  # a replica starts on it
