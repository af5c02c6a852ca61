"""Sites carry an optional Umami website id, so Umami trackers switch to Pulse unchanged.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a UNIQUE constraint with ALTER TABLE, so the table is copied.
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("umami_id", sa.String(length=36), nullable=True))
        batch.create_unique_constraint("uq_sites_umami_id", ["umami_id"])


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_constraint("uq_sites_umami_id", type_="unique")
        batch.drop_column("umami_id")
