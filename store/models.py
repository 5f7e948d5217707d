"""The tables at the newest schema revision (the migrations in ``migrations/versions`` build them).

``plans``: one row per plan; ``current_version`` is the compare-and-swap guard of every save.
``plan_versions``: every saved version — validated plan JSON (zlib-compressed in ``plan_z`` from revision 0003;
older rows keep it as text in ``plan_json``), its stored size, time, author, one-line summary (ja, en).
``share_links``: share links; only the SHA-256 of a token is kept.
``plan_people``: the people of a plan (a verified e-mail and its role); ``invitations`` to become one (only
the SHA-256 of the token is kept); ``invitation_events``: the kept audit of invitations (revision 0004).
``plan_presence``: the app sessions that have a plan open now; ``sign_in_holds``: an invitation opened before
signing in, held across the provider's redirect (revision 0005).
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

plan_people = Table(
    "plan_people",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(32), ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(80), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=True),
)

Index("ix_plan_people_plan_email", plan_people.c.plan_id, plan_people.c.email)
Index("ix_plan_people_email", plan_people.c.email)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(32), ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(320), nullable=True),  # NULL: any signed-in user, once
    Column("role", String(80), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("accepted_at", DateTime(timezone=True), nullable=True),
    Column("accepted_by", String(320), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

Index("ix_invitations_plan_id", invitations.c.plan_id)

invitation_events = Table(
    "invitation_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("invitation_id", Integer, nullable=False),
    Column("plan_id", String(32), nullable=False),
    Column("event", String(20), nullable=False),  # sent | accepted | revoked
    Column("email", String(320), nullable=True),
    Column("role", String(80), nullable=False),
    Column("actor", String(600), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

Index("ix_invitation_events_plan_id", invitation_events.c.plan_id)

plan_presence = Table(
    "plan_presence",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("plan_id", String(32), ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("who", String(600), nullable=False),
    Column("role", String(80), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)

Index("ix_plan_presence_plan_id", plan_presence.c.plan_id)

sign_in_holds = Table(
    "sign_in_holds",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
