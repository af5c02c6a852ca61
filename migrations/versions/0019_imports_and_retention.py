"""Imported history (Plausible's imported_* tables and the imports they came in) and the per-site
raw-event retention setting `keep_raw_days`.

Revision ID: 0019
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_SESSION = ("visitors", "visits", "visit_duration", "bounces", "pageviews")
# Frozen here: the tables as this revision creates them (app/storage/tables.py may move on).
SHAPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "imported_visitors": ((), ("visitors", "pageviews", "bounces", "visits", "visit_duration")),
    "imported_sources": (
        (
            "source",
            "referrer",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_content",
            "utm_term",
        ),
        ("pageviews", "visitors", "visits", "visit_duration", "bounces"),
    ),  # fmt: skip
    "imported_pages": (
        ("hostname", "page"),
        (
            "visits",
            "visitors",
            "pageviews",
            "total_scroll_depth",
            "total_scroll_depth_visits",
            "total_time_on_page",
            "total_time_on_page_visits",
        ),
    ),  # fmt: skip
    "imported_entry_pages": (
        ("entry_page",),
        ("visitors", "entrances", "visit_duration", "bounces", "pageviews"),
    ),
    "imported_exit_pages": (
        ("exit_page",),
        ("visitors", "visit_duration", "exits", "bounces", "pageviews"),
    ),
    "imported_custom_events": (("name", "link_url", "path"), ("visitors", "events")),
    "imported_locations": (("country", "region", "city"), _SESSION),
    "imported_devices": (("device",), _SESSION),
    "imported_browsers": (("browser", "browser_version"), _SESSION),
    "imported_operating_systems": (("operating_system", "operating_system_version"), _SESSION),
}
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("keep_raw_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("raw_purged_before", sa.BigInteger(), nullable=True))
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("skipped_days", sa.Text(), server_default="", nullable=False),
        sa.Column("files", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_imports_site", "imports", ["site_id"])
    for name, (keys, counters) in SHAPES.items():
        op.create_table(
            name,
            sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
            sa.Column("import_id", sa.Integer(), nullable=False),
            sa.Column("site_id", sa.Integer(), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            *(sa.Column(k, sa.Text(), server_default="", nullable=False) for k in keys),
            *(sa.Column(c, sa.BigInteger(), server_default="0", nullable=False) for c in counters),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(f"ix_{name}_site_day", name, ["site_id", "day"])
        op.create_index(f"ix_{name}_import", name, ["import_id"])


def downgrade() -> None:
    for name in reversed(SHAPES):
        op.drop_table(name)
    op.drop_index("ix_imports_site", table_name="imports")
    op.drop_table("imports")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("raw_purged_before")
        batch.drop_column("keep_raw_days")
