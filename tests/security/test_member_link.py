"""The member-link hole (issue 12, row 1) and its variants: a ``member:<id>`` link may change only its own
member record (not its ``id`` or ``role``) and its own cost lines — on every save path.

Before the fix a save whose plan had no ``"members"`` key was accepted and deleted every member record (the
store guarded the whole-key case only for ``costs``); the same held for ``tools``, ``integrations``,
``meetings`` and ``schedule`` dropped or emptied.  Each attack here goes through the store API, a restore,
a re-apply, the command line with ``--token`` and the app's upload, and checks the stored plan afterwards.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from store import AccessDenied, Store
from tests.conftest import ROOT

Attack = Callable[[dict[str, Any]], None]
ME = "u2"


def _drop(key: str) -> Attack:
    def attack(p: dict[str, Any]) -> None:
        p.pop(key, None)
    return attack


def _empty(key: str) -> Attack:
    def attack(p: dict[str, Any]) -> None:
        p[key] = [] if isinstance(p.get(key), list) else {"name": "x"}
    return attack


def _reverse(key: str) -> Attack:
    def attack(p: dict[str, Any]) -> None:
        p[key] = list(reversed(p[key]))
    return attack


def _replace_first(key: str) -> Attack:
    """Swap the first item for a look-alike with the same id (another member's row, or a lead-only row)."""
    def attack(p: dict[str, Any]) -> None:
        items = [x for x in p[key] if x.get("member", x.get("id")) != ME] if key in ("costs", "members") else p[key]
        victim = items[0]
        twin = copy.deepcopy(victim)
        text = next((f for f in ("name", "title", "description") if isinstance(twin.get(f), str)), None)
        flag = next((f for f, v in twin.items() if isinstance(v, bool)), None)
        if text is not None:
            twin[text] = "すり替え"
        elif flag is not None:
            twin[flag] = not twin[flag]
        else:
            twin["end"] = "2023-03-31"
        p[key][p[key].index(victim)] = twin
    return attack


def _consortium_gone(p: dict[str, Any]) -> None:
    p["consortium"] = {"name": p["consortium"]["name"]}


def _own_role(p: dict[str, Any]) -> None:
    next(m for m in p["members"] if m["id"] == ME)["role"] = "it_vendor"


def _own_id(p: dict[str, Any]) -> None:
    next(m for m in p["members"] if m["id"] == ME)["id"] = "u2b"
    for line in p["costs"]:
        if line["member"] == ME:
            line["member"] = "u2b"


def _remove_me(p: dict[str, Any]) -> None:
    p["members"] = [m for m in p["members"] if m["id"] != ME]


_SAMPLE: dict[str, Any] = json.loads((ROOT / "examples" / "model-case-2.json").read_text(encoding="utf-8"))
LIST_KEYS = ("members", "tools", "integrations", "meetings", "schedule", "costs")

ATTACKS: dict[str, Attack] = {
    **{f"drop {k}": _drop(k) for k in LIST_KEYS},
    **{f"empty {k}": _empty(k) for k in LIST_KEYS},
    **{f"reverse {k}": _reverse(k) for k in LIST_KEYS if len(_SAMPLE.get(k, [])) > 1},
    **{f"replace an item of {k}": _replace_first(k) for k in LIST_KEYS},
    "consortium reduced to its name": _consortium_gone,
    "own role": _own_role,
    "own id": _own_id,
    "remove own record": _remove_me,
}


def _valid(plan: dict[str, Any]) -> bool:
    from schemas import PlanLoadError, load_plan

    try:
        load_plan(plan)
    except PlanLoadError:
        return False
    return True


def _setup(store: Store, plan: dict[str, Any]) -> tuple[str, str]:
    op = store.operator_access()
    pid = store.create_plan(op, plan).id
    token, _ = store.create_share(op, pid, f"member:{ME}", label="カフェ")
    return pid, token


def _stored(store: Store, pid: str) -> str:
    opened = store.open_plan(store.operator_access(), pid)
    return json.dumps(opened.plan, ensure_ascii=False, sort_keys=True) + f"@{opened.version}"


@pytest.mark.parametrize("name", list(ATTACKS))
def test_member_save_that_touches_others_is_refused(store: Store, plan: dict[str, Any], name: str) -> None:
    pid, token = _setup(store, plan)
    before = _stored(store, pid)
    edited = copy.deepcopy(plan)
    ATTACKS[name](edited)
    assert edited != plan
    member = store.token_access(token)
    if not _valid(edited):
        pytest.fail(f"attack {name!r} makes an invalid plan: it would test the loader, not the access check")
    with pytest.raises(AccessDenied) as info:
        store.save(member, pid, edited, 1)
    assert info.value.violations, info.value.en
    assert _stored(store, pid) == before


@pytest.mark.parametrize("key", LIST_KEYS)
def test_restore_of_a_version_without_the_key_is_refused(store: Store, plan: dict[str, Any], key: str) -> None:
    """The lead once saved a version without ``key``; the member may not bring it back."""
    pid, token = _setup(store, plan)
    op = store.operator_access()
    bare = copy.deepcopy(plan)
    bare.pop(key)
    if not _valid(bare):
        pytest.fail(f"a plan without {key} should load (a missing list is an empty one)")
    store.save(op, pid, bare, 1)
    store.restore(op, pid, 1)  # version 3 = the full plan again
    before = _stored(store, pid)
    with pytest.raises(AccessDenied):
        store.restore(store.token_access(token), pid, 2)
    assert _stored(store, pid) == before


@pytest.mark.parametrize("key", LIST_KEYS)
def test_reapply_without_the_key_is_refused(store: Store, plan: dict[str, Any], key: str) -> None:
    pid, token = _setup(store, plan)
    op = store.operator_access()
    lead_edit = copy.deepcopy(plan)
    lead_edit["consortium"]["name"] = "代表の変更"
    store.save(op, pid, lead_edit, 1)
    before = _stored(store, pid)
    mine = copy.deepcopy(plan)
    mine.pop(key)
    with pytest.raises(AccessDenied):
        store.reapply(store.token_access(token), pid, 1, mine)
    assert _stored(store, pid) == before


def test_member_own_rows_still_editable(store: Store, plan: dict[str, Any]) -> None:
    """The fix does not lock members out: own company facts, own lines, spelled-out defaults are fine."""
    pid, token = _setup(store, plan)
    member = store.token_access(token)
    edited = copy.deepcopy(plan)
    me = next(m for m in edited["members"] if m["id"] == ME)
    me.update(name="新しい社名", capital_yen=12_000_000, employees=33, deemed_large=False, address="東京都")
    own = [c for c in edited["costs"] if c["member"] == ME]
    own[0]["quantity"] = 2
    edited["costs"] = [c for c in edited["costs"] if c["member"] != ME] + list(reversed(own))  # own lines moved
    result = store.save(member, pid, edited, 1)
    assert result.changed and result.version == 2
    # the same meaning spelled with an explicit empty list the plan did not have: not a change to others
    spelled = copy.deepcopy(store.open_plan(member, pid).plan)
    for key in LIST_KEYS:
        spelled.setdefault(key, [])
    assert store.save(member, pid, spelled, 2).version in (2, 3)


def _cli(*args: str, env_db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", "plans", "--db", env_db, *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_cli_restore_with_a_member_token_is_refused(tmp_path: Path, plan: dict[str, Any]) -> None:
    url = f"sqlite:///{tmp_path / 'kyoso.db'}"
    store = Store(url, shared_mode=False)
    try:
        pid, token = _setup(store, plan)
        op = store.operator_access()
        bare = copy.deepcopy(plan)
        bare.pop("members")
        store.save(op, pid, bare, 1)
        store.restore(op, pid, 1)
        before = _stored(store, pid)
    finally:
        store.close()
    proc = _cli(f"--token={token}", "restore", pid, "2", env_db=url)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "member u2" in proc.stderr or "メンバー u2" in proc.stderr
    assert "Traceback" not in proc.stderr
    store = Store(url, shared_mode=False)
    try:
        assert _stored(store, pid) == before
    finally:
        store.close()


def test_app_upload_through_a_member_link_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     plan: dict[str, Any]) -> None:
    from streamlit.testing.v1 import AppTest

    from ui import store_bridge

    monkeypatch.setenv("KYOSO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KYOSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("KYOSO_SHARED_MODE", raising=False)
    store_bridge._open_store.clear()
    store = Store(f"sqlite:///{tmp_path / 'kyoso.db'}", shared_mode=False)
    try:
        pid, token = _setup(store, plan)
        before = _stored(store, pid)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["plan"] = pid
        at.query_params["token"] = token
        at.run()
        assert not at.exception
        hostile = copy.deepcopy(plan)
        hostile.pop("members")
        at.sidebar.file_uploader[0].set_value(
            ("no-members.json", json.dumps(hostile, ensure_ascii=False).encode(), "application/json")).run()
        assert not at.exception
        shown = " ".join(str(e.value) for e in (*at.error, *at.sidebar.error))
        assert "u2" in shown and ("代表" in shown or "lead" in shown or "メンバー" in shown), shown
        assert _stored(store, pid) == before
    finally:
        store.close()
        store_bridge._open_store.clear()
