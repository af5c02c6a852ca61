"""Initial schema: sites, events, visitors, salts, drop counts, spill replays.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 01:32:10.561492
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drop_counts",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "day", "reason"),
    )
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("hostname", sa.String(length=253), nullable=False),
        sa.Column("pathname", sa.String(length=2000), nullable=False),
        sa.Column("visitor_id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("new_visitor", sa.Boolean(), nullable=False),
        sa.Column("session_start", sa.Boolean(), nullable=False),
        sa.Column("referrer", sa.String(length=2000), nullable=True),
        sa.Column("referrer_domain", sa.String(length=253), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("utm_source", sa.String(length=255), nullable=True),
        sa.Column("utm_medium", sa.String(length=255), nullable=True),
        sa.Column("utm_campaign", sa.String(length=255), nullable=True),
        sa.Column("utm_term", sa.String(length=255), nullable=True),
        sa.Column("utm_content", sa.String(length=255), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("browser", sa.String(length=64), nullable=True),
        sa.Column("browser_version", sa.String(length=32), nullable=True),
        sa.Column("os", sa.String(length=64), nullable=True),
        sa.Column("os_version", sa.String(length=32), nullable=True),
        sa.Column("device", sa.String(length=16), nullable=False),
        sa.Column("screen_width", sa.Integer(), nullable=True),
        sa.Column("screen_height", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("engagement_ms", sa.BigInteger(), nullable=True),
        sa.Column("scroll_depth", sa.SmallInteger(), nullable=True),
        sa.Column("interactive", sa.Boolean(), nullable=False),
        sa.Column("props", sa.Text(), nullable=True),
        sa.Column("client_ts", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_site_ts", ["site_id", "ts"], unique=False)

    op.create_table(
        "salts",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("secret", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("identity_mode", sa.String(length=16), server_default="local", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("domain", name="uq_sites_domain"),
    )
    op.create_table(
        "spill_replays",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("replayed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_table(
        "visitors",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("session_new_visitor", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "visitor_id"),
    )
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.create_index("ix_visitors_last_seen", ["last_seen"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.drop_index("ix_visitors_last_seen")

    op.drop_table("visitors")
    op.drop_table("spill_replays")
    op.drop_table("sites")
    op.drop_table("salts")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_site_ts")

    op.drop_table("events")
    op.drop_table("drop_counts")
