"""page_url (issue 17): a page view's hostname + path, rolled up per page view as `page` is.

Stored events carry both parts, so the past is rolled up from them: each site-day of sessions'
page views by the writer's own code (app/storage/backfill.event_rollups), then the week
sketches merged from the day sketches. Sealed hours are untouched: the columns do not answer
page_url (the planner sends it to SQL), so nothing of theirs changes.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

DAY_MS = 86_400_000
DIMS = ("page_url",)


def upgrade() -> None:
    from app.storage.backfill import dimension_weeks, event_rollups, site_days
    from app.storage.tables import sessions

    conn = op.get_bind()
    _delete(conn)  # none yet; a re-run after a downgrade starts clean
    s = sessions.c
    for site, day in site_days(conn):
        window = (s.site_id == site, s.start_ts >= day * DAY_MS, s.start_ts < (day + 1) * DAY_MS)
        event_rollups(conn, window, DIMS)
    dimension_weeks(conn, DIMS)


def downgrade() -> None:
    _delete(op.get_bind())


def _delete(conn: sa.Connection) -> None:
    from app.storage.tables import rollup_hours, visitor_days, visitor_weeks

    for table in (rollup_hours, visitor_days, visitor_weeks):
        conn.execute(sa.delete(table).where(table.c.dim.in_(DIMS)))
