"""Sealed hours of sessions as columns (`session_columns`): filtered reports read arrays.

Nothing to backfill: the running server seals past hours in the background
(app/storage/columns.py), newest first.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_columns",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("built", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "hour", "name"),
    )


def downgrade() -> None:
    op.drop_table("session_columns")
