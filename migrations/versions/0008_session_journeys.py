"""Session journeys: each session's page views and custom events in order (`sessions.journey`),
so funnels match one string per session instead of reading every event; the (site_id, start_ts,
visitor_id) index gains the journey, so an unfiltered funnel reads the index alone.

Existing sessions get their journeys from `events`, one site-day at a time.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DAY_MS = 86_400_000


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("journey", sa.Text(), nullable=True))
    _backfill(op.get_bind())
    op.drop_index("ix_sessions_site_start", table_name="sessions")
    op.create_index(
        "ix_sessions_site_start_journey",
        "sessions",
        ["site_id", "start_ts", "visitor_id", "journey"],
        unique=False,
    )


def _backfill(conn: sa.Connection) -> None:
    from app.storage.backfill import site_days

    for site, day in site_days(conn):
        _backfill_day(conn, site, day)


def _backfill_day(conn: sa.Connection, site: int, day: int) -> None:
    from app.events import ENGAGEMENT, PAGEVIEW
    from app.storage import journey
    from app.storage.tables import events, sessions

    s, e = sessions.c, events.c
    window = (s.site_id == site, s.start_ts >= day * DAY_MS, s.start_ts < (day + 1) * DAY_MS)
    found: dict[int, str | None] = {
        sid: None for (sid,) in conn.execute(sa.select(s.session_id).where(*window))
    }
    if not found:
        return
    # Events by the (site_id, ts) index, as 0006 reads page views: from the day's start to a day on.
    steps = conn.execute(
        sa.select(e.session_id, e.name, e.pathname)
        .where(
            e.site_id == site, e.ts >= day * DAY_MS, e.ts < (day + 2) * DAY_MS, e.name != ENGAGEMENT
        )
        .order_by(e.ts, e.id)
    )
    for sid, name, path in steps:
        if sid in found:
            item = journey.page(path) if name == PAGEVIEW else journey.event(name)
            found[sid] = journey.add(found[sid], item)
    rows = [{"sid": sid, "journey": j} for sid, j in found.items() if j]
    if rows:
        stmt = sa.update(sessions).where(s.session_id == sa.bindparam("sid"))
        conn.execute(stmt.values(journey=sa.bindparam("journey")), rows)


def downgrade() -> None:
    op.drop_index("ix_sessions_site_start_journey", table_name="sessions")
    op.create_index(
        "ix_sessions_site_start", "sessions", ["site_id", "start_ts", "visitor_id"], unique=False
    )
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("journey")
