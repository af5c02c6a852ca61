"""The cookieless salts leave the database: a copy of it must not hold the keys to its own
visitor hashes (app/ingest/salts.py keeps them in memory, in Redis, or derives them from
PULSE_SALT_SECRET). Upgrading forgets today's stored salt, as a restart without a secret does.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("salts")


def downgrade() -> None:
    op.create_table(
        "salts",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("secret", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
