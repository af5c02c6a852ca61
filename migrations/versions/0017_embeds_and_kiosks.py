"""Embeds and kiosk links (issue 21): a share link's allowed framing origins and locked filter,
and kiosk links (a wall display's signed link, its token stored as a SHA-256 hash).

Revision ID: 0017
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("share_links") as batch:
        # A JSON list of https origins ('[]': framing refused, as before).
        batch.add_column(sa.Column("embed_origins", sa.Text(), nullable=False, server_default="[]"))
        # Pulse's filter syntax, ANDed into every report and snapshot ('': none).
        batch.add_column(sa.Column("filter", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "kiosk_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("filter", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_kiosk_links_token"),
    )


def downgrade() -> None:
    op.drop_table("kiosk_links")
    with op.batch_alter_table("share_links") as batch:
        batch.drop_column("filter")
        batch.drop_column("embed_origins")
