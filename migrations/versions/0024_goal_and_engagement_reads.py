"""Fast goal and per-page engagement reads (issue 17): two partial indexes on `events` and the
sealed hours stored again.

- `ix_events_props` and `ix_events_revenue` (site_id, name, ts) hold only the events carrying
  properties / a revenue amount, so a property-narrowed goal and a revenue sum read those few
  events by name instead of scanning the period's events (page views and engagements cost
  them nothing).
- `session_columns` is emptied: the sealer now stores each hour's per-page engagement sums
  with its columns (app/storage/page_tallies.py); it seals every hour again in the background,
  newest first, and reports read sessions until then (as after 0010).

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

INDEXES = (("ix_events_props", "props"), ("ix_events_revenue", "revenue_amount"))


def upgrade() -> None:
    for name, column in INDEXES:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name,
            "events",
            ["site_id", "name", "ts"],
            sqlite_where=where,
            postgresql_where=where,
        )
    op.execute("DELETE FROM session_columns")


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, table_name="events")
    op.execute("DELETE FROM session_columns")
