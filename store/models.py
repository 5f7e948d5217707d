"""The tables at the newest schema revision (the migrations in ``migrations/versions`` build them).

``plans``: one row per plan; ``current_version`` is the compare-and-swap guard of every save.
``plan_versions``: every saved version — validated plan JSON (zlib-compressed in ``plan_z`` from revision 0003;
older rows keep it as text in ``plan_json``), its stored size, time, author, one-line summary (ja, en).
``share_links``: share links; only the SHA-256 of a token is kept.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

plans = Table(
    "plans",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("current_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

plan_versions = Table(
    "plan_versions",
    metadata,
    Column("plan_id", String(32), ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("author", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("summary_en", Text, nullable=False),
    Column("note", Text, nullable=True),
    Column("plan_json", Text, nullable=False),  # "" when plan_z holds the JSON (revision 0003 on)
    Column("plan_z", LargeBinary, nullable=True),  # zlib-compressed plan JSON
    Column("stored_bytes", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("plan_id", "version", name="pk_plan_versions"),
)

share_links = Table(
    "share_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(32), ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(80), nullable=False),
    Column("label", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

Index("ix_share_links_plan_id", share_links.c.plan_id)
