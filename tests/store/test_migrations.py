"""Schema migrations: a database made at the previous revision upgrades and keeps its plans; the models
match what the migrations build."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from store import Store
from store.db import make_engine
from store.migrate import current_revision, head_revision, upgrade
from store.models import metadata


def test_upgrade_from_the_base_revision_keeps_plans(db_url: str, plan: dict[str, Any]) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0001_base")
    assert current_revision(engine) == "0001_base"
    assert "deleted_at" not in {c["name"] for c in inspect(engine).get_columns("plans")}
    assert "share_links" not in inspect(engine).get_table_names()
    edited = copy.deepcopy(plan)
    edited["consortium"]["name"] = "旧版で編集"
    now = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO plans (id, name, current_version, created_at, updated_at) "
                          "VALUES ('old1', '旧計画', 2, :t, :t)"), {"t": now})
        for version, data, summary in ((1, plan, "新規作成"), (2, edited, "コンソーシアム の名称を変更")):
            conn.execute(text(
                "INSERT INTO plan_versions (plan_id, version, created_at, author, summary, summary_en, note, plan_json)"
                " VALUES ('old1', :v, :t, 'old', :s, 'x', NULL, :j)"),
                {"v": version, "t": now, "s": summary, "j": json.dumps(data, ensure_ascii=False)})
    engine.dispose()

    store = Store(db_url, shared_mode=False)  # opening upgrades to the head
    try:
        assert current_revision(store.engine) == head_revision() != "0001_base"
        me = store.local_access()
        [info] = store.list_plans(me)
        assert (info.id, info.name, info.version, info.deleted_at) == ("old1", "旧計画", 2, None)
        assert info.updated_at == now
        assert store.open_plan(me, "old1").plan == edited
        assert [v.version for v in store.history(me, "old1")] == [2, 1]
        assert store.get_version(me, "old1", 1)[1] == plan
        # the new revision's features work on the old data
        token, _ = store.create_share(me, "old1", "member:u2")
        assert store.token_access(token).plan_id == "old1"
        store.delete(me, "old1")
        store.undelete(me, "old1")
        assert store.save(me, "old1", plan, 2).version == 3
    finally:
        store.close()


def test_models_match_the_migrations(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        assert diffs == []
    finally:
        engine.dispose()
