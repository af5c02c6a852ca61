"""Goals: per-site definitions over stored events (page pattern, custom event with an optional
property, scroll depth on a page). Nothing to backfill: a goal is a question over the events
already stored.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("page", sa.String(length=2000), nullable=True),
        sa.Column("event", sa.String(length=64), nullable=True),
        sa.Column("prop_key", sa.String(length=64), nullable=True),
        sa.Column("prop_value", sa.String(length=2000), nullable=True),
        sa.Column("scroll", sa.SmallInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "name", name="uq_goals_site_name"),
    )


def downgrade() -> None:
    op.drop_table("goals")
