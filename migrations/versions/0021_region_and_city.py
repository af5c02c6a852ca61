"""Region and city (issue 17) on events and, from each session's entry event, on sessions.

Nothing stored can be placed after the fact (the IP address is never kept), so stored events and
sessions have none: their rollup rows for the two dimensions say "no value" with the sessions'
own counts and sketches, so every read path answers the past as the SQL scan does; sealed hours
are emptied for the sealer to store again with the new columns (as 0018 did).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

DAY_MS = 86_400_000
DIMS = ("region", "city")
_WIDTHS = {"region": 100, "city": 200}


def upgrade() -> None:
    for table in ("events", "sessions"):
        with op.batch_alter_table(table) as batch:
            for name in DIMS:
                batch.add_column(sa.Column(name, sa.String(length=_WIDTHS[name])))
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    from app.storage.backfill import dimension_rollups, dimension_weeks, site_days
    from app.storage.tables import (
        rollup_hours,
        session_columns,
        sessions,
        visitor_days,
        visitor_weeks,
    )

    for table in (rollup_hours, visitor_days, visitor_weeks):  # rows a 0002 backfill made
        conn.execute(sa.delete(table).where(table.c.dim.in_(DIMS)))
    s = sessions.c
    for site, day in site_days(conn):
        window = (s.site_id == site, s.start_ts >= day * DAY_MS, s.start_ts < (day + 1) * DAY_MS)
        dimension_rollups(conn, window, DIMS)
    dimension_weeks(conn, DIMS)
    conn.execute(sa.delete(session_columns))


def downgrade() -> None:
    from app.storage.tables import rollup_hours, session_columns, visitor_days, visitor_weeks

    conn = op.get_bind()
    for table in (rollup_hours, visitor_days, visitor_weeks):
        conn.execute(sa.delete(table).where(table.c.dim.in_(DIMS)))
    conn.execute(sa.delete(session_columns))  # sealed with columns this revision removes
    for name in ("sessions", "events"):
        with op.batch_alter_table(name) as batch:
            for column in reversed(DIMS):
                batch.drop_column(column)
