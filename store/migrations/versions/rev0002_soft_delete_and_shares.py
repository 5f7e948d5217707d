"""soft delete (plans.deleted_at) and share links

Revision ID: 0002_soft_delete_and_shares
Revises: 0001_base
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_soft_delete_and_shares"
down_revision = "0001_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(32), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(80), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_share_links_plan_id", "share_links", ["plan_id"])


def downgrade() -> None:
    op.drop_index("ix_share_links_plan_id", table_name="share_links")
    op.drop_table("share_links")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("deleted_at")
