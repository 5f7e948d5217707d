"""Quotas for link holders (issue 12, row "no quota": a member link stored 20 × 12 MB versions, 265 MB, in
3.8 s) and compressed versions.  Each quota refuses with a message naming the figure and the limit, writes
nothing, and leaves the local user / operator unlimited."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bench.generate import generate_plan
from store import AccessDenied, QuotaExceeded, Quotas, Store
from store.models import plan_versions


def _member_store(db_url: str, plan: dict[str, Any], quotas: Quotas) -> tuple[Store, str, Any]:
    store = Store(db_url, shared_mode=False, quotas=quotas)
    op = store.operator_access()
    pid = store.create_plan(op, plan).id
    token, _ = store.create_share(op, pid, "member:u2", label="u2")
    return store, pid, store.token_access(token)


def _own_edit(plan: dict[str, Any], n: int, pad: int = 0) -> dict[str, Any]:
    edited = copy.deepcopy(plan)
    line = next(c for c in edited["costs"] if c["member"] == "u2")
    line["quantity"] = n + 1
    if pad:
        line["description"] = "x" * 200
        edited["costs"].extend(
            {"id": f"p{n}_{i}", "member": "u2", "step": 2, "category": "software", "description": f"{i:0200d}",
             "unit_price_yen": 1000 + i, "quantity": 1} for i in range(pad))
    return edited


def test_a_link_cannot_store_a_huge_plan(db_url: str, plan: dict[str, Any]) -> None:
    """The tester's attack: 12 MB versions through a member link.  Refused at the first, in well under 5 s."""
    store, pid, member = _member_store(db_url, plan, Quotas())
    try:
        huge = _own_edit(plan, 1, pad=40_000)  # ~12 MB of JSON, all in u2's own lines
        assert len(json.dumps(huge, ensure_ascii=False).encode()) > 10 * 1024 * 1024
        started = time.perf_counter()
        with pytest.raises(QuotaExceeded) as info:
            store.save(member, pid, huge, 1)
        assert time.perf_counter() - started < 20
        assert "limit 8,388,608" in info.value.en and "上限" in info.value.ja
        assert store.open_plan(member, pid).version == 1
        # the operator (the machine's owner) is not limited
        assert store.save(store.operator_access(), pid, huge, 1).version == 2
    finally:
        store.close()


def test_versions_per_hour(db_url: str, plan: dict[str, Any]) -> None:
    store, pid, member = _member_store(db_url, plan, Quotas(versions_per_hour=4))
    try:
        version = 1
        for n in range(3):  # versions 2, 3, 4: four in the last hour with the first
            version = store.save(member, pid, _own_edit(plan, n), version).version
        with pytest.raises(QuotaExceeded) as info:
            store.save(member, pid, _own_edit(plan, 9), version)
        assert "4 times in the last hour" in info.value.en
        assert store.open_plan(member, pid).version == version == 4
        assert store.save(store.operator_access(), pid, _own_edit(plan, 9), version).version == 5
    finally:
        store.close()


def test_stored_bytes_per_plan(db_url: str, plan: dict[str, Any]) -> None:
    store, pid, member = _member_store(db_url, plan, Quotas(plan_stored_bytes=6_000))
    try:
        version, refused = 1, None
        for n in range(40):
            try:
                version = store.save(member, pid, _own_edit(plan, n, pad=3), version).version
            except QuotaExceeded as exc:
                refused = exc
                break
        assert refused is not None and "storage limit" in refused.en
        with store.engine.connect() as conn:
            stored = conn.execute(select(func.sum(plan_versions.c.stored_bytes))
                                  .where(plan_versions.c.plan_id == pid)).scalar_one()
        assert stored <= 6_000
        assert store.open_plan(member, pid).version == version
    finally:
        store.close()


def test_access_is_judged_before_quotas(db_url: str, plan: dict[str, Any]) -> None:
    """A refused edit is refused for what it is, not for its size."""
    store, pid, member = _member_store(db_url, plan, Quotas(plan_bytes=10))
    try:
        edited = copy.deepcopy(plan)
        edited["consortium"]["name"] = "乗っ取り"
        with pytest.raises(AccessDenied):
            store.save(member, pid, edited, 1)
    finally:
        store.close()


def test_versions_are_stored_compressed(db_url: str) -> None:
    big = generate_plan(2000, seed=3)
    store = Store(db_url, shared_mode=False)
    try:
        me = store.operator_access()
        pid = store.create_plan(me, big).id
        opened = store.open_plan(me, pid)
        text = json.dumps(opened.plan, ensure_ascii=False, separators=(",", ":")).encode()
        with store.engine.connect() as conn:
            row = conn.execute(select(plan_versions.c.plan_json, plan_versions.c.plan_z,
                                      plan_versions.c.stored_bytes).where(plan_versions.c.plan_id == pid)).one()
        assert row.plan_json == "" and row.stored_bytes == len(row.plan_z)
        assert row.stored_bytes * 5 < len(text)  # measured: 0.31 MB → 30 KB
    finally:
        store.close()


def test_quotas_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYOSO_QUOTA_PLAN_BYTES", "1000")
    monkeypatch.setenv("KYOSO_QUOTA_VERSIONS_PER_HOUR", "0")
    monkeypatch.setenv("KYOSO_QUOTA_PLAN_STORED_BYTES", "nonsense")
    q = Quotas.from_env()
    assert (q.plan_bytes, q.versions_per_hour, q.plan_stored_bytes) == (1000, 0, Quotas().plan_stored_bytes)
