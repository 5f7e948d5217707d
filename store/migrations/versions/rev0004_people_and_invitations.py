"""people bound to verified identities (plan_people), invitations by e-mail and their kept audit

``plan_people``: who (a verified e-mail) has which role in a plan; a removed person keeps its row with
``removed_at``.  ``invitations``: the lead invites an e-mail (or, with ``email`` NULL, any signed-in user
once) to a role; only the SHA-256 of the invitation token is kept; an invitation is spent when accepted.
``invitation_events``: sent / accepted / revoked, never deleted (no foreign key: it outlives a purged plan).

Revision ID: 0004_people_and_invitations
Revises: 0003_compressed_versions
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_people_and_invitations"
down_revision = "0003_compressed_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_people",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(32), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(80), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_plan_people_plan_email", "plan_people", ["plan_id", "email"])
    op.create_index("ix_plan_people_email", "plan_people", ["email"])
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(32), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("role", sa.String(80), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(320), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_invitations_plan_id", "invitations", ["plan_id"])
    op.create_table(
        "invitation_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("invitation_id", sa.Integer, nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("role", sa.String(80), nullable=False),
        sa.Column("actor", sa.String(600), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_invitation_events_plan_id", "invitation_events", ["plan_id"])


def downgrade() -> None:
    op.drop_index("ix_invitation_events_plan_id", table_name="invitation_events")
    op.drop_table("invitation_events")
    op.drop_index("ix_invitations_plan_id", table_name="invitations")
    op.drop_table("invitations")
    op.drop_index("ix_plan_people_email", table_name="plan_people")
    op.drop_index("ix_plan_people_plan_email", table_name="plan_people")
    op.drop_table("plan_people")
