"""versions stored compressed (plan_versions.plan_z) with their stored size (plan_versions.stored_bytes)

A version written from this revision on keeps its plan JSON zlib-compressed in ``plan_z`` (``plan_json`` is
then the empty string); older versions keep their text.  ``stored_bytes`` is what the version costs on disk,
summed for the per-plan storage quota; the upgrade fills it for the versions already there.

Revision ID: 0003_compressed_versions
Revises: 0002_soft_delete_and_shares
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_compressed_versions"
down_revision = "0002_soft_delete_and_shares"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plan_versions", sa.Column("plan_z", sa.LargeBinary, nullable=True))
    op.add_column("plan_versions", sa.Column("stored_bytes", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE plan_versions SET stored_bytes = length(plan_json)")


def downgrade() -> None:
    with op.batch_alter_table("plan_versions") as batch:
        batch.drop_column("stored_bytes")
        batch.drop_column("plan_z")
