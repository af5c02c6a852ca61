"""Accounts and security: users, site roles, login sessions, API tokens, share links, the
signing secret, and the sites' ingest rules (allowed hostnames, excluded IP ranges and paths).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

RULE_COLUMNS = ("allowed_hostnames", "excluded_ips", "excluded_paths")


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        for name in RULE_COLUMNS:
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "site_roles",
        sa.Column("user_id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), primary_key=True),
        sa.Column("role", sa.String(length=16), nullable=False),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id_hash", sa.String(length=64), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_user_sessions_user", "user_sessions", ["user_id"])
    _create_tokens_and_shares()
    secrets_table = op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.LargeBinary(length=64), nullable=False),
    )
    # Made here, once, so every instance sharing the database signs with the same key.
    op.bulk_insert(secrets_table, [{"name": "signing_key", "value": secrets.token_bytes(32)}])


def _create_tokens_and_shares() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_hash"),
    )
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("slug", name="uq_share_links_slug"),
    )


def downgrade() -> None:
    for table in ("app_secrets", "share_links", "api_tokens", "user_sessions", "site_roles"):
        op.drop_table(table)
    op.drop_table("users")
    with op.batch_alter_table("sites") as batch:
        for name in RULE_COLUMNS:
            batch.drop_column(name)
