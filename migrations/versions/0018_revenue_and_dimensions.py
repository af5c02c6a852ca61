"""Revenue on events (exact decimal text and currency), for the goal report's revenue metrics.

Revision ID: 0018
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("revenue_amount", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("revenue_currency", sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("revenue_currency")
        batch.drop_column("revenue_amount")
