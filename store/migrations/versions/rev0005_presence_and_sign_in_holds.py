"""who has a plan open (plan_presence) and invitations opened before signing in (sign_in_holds)

``plan_presence``: one row per open app session of a plan, refreshed by the session's live-update tick; rows
older than a minute are ignored and cleared.  ``sign_in_holds``: an invitation link opened before signing in
is held here across the identity provider's redirect (so any replica can finish it): the SHA-256 of a random
key kept in a short-lived browser cookie, and the SHA-256 of the invitation token (never the token), for 15
minutes.

Revision ID: 0005_presence_and_sign_in_holds
Revises: 0004_people_and_invitations
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_presence_and_sign_in_holds"
down_revision = "0004_people_and_invitations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_presence",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("plan_id", sa.String(32), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("who", sa.String(600), nullable=False),
        sa.Column("role", sa.String(80), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_plan_presence_plan_id", "plan_presence", ["plan_id"])
    op.create_table(
        "sign_in_holds",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sign_in_holds")
    op.drop_index("ix_plan_presence_plan_id", table_name="plan_presence")
    op.drop_table("plan_presence")
