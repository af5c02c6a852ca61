"""Retention rollups: visitor sketches per (site, first-seen day, active day), so retention
reports union a few sketches instead of joining sessions to themselves.

Existing sessions are folded in one site-day at a time (first-seen days from `visitors`).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DAY_MS = 86_400_000


def upgrade() -> None:
    op.create_table(
        "retention_days",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Integer(), nullable=False),
        sa.Column("active_day", sa.Integer(), nullable=False),
        sa.Column("visitors", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "first_day", "active_day"),
    )
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    from app.storage.backfill import site_days

    for site, day in site_days(conn):
        _backfill_day(conn, site, day)


def _backfill_day(conn: sa.Connection, site: int, day: int) -> None:
    """The day's sessions, each visitor under (first-seen day, this day)."""
    from app.storage import sketches
    from app.storage.tables import retention_days, sessions, visitors

    s, v = sessions.c, visitors.c
    known = (v.site_id == s.site_id) & (v.visitor_id == s.visitor_id)
    query = (
        sa.select(s.visitor_id, s.new_visitor, v.first_seen)
        .select_from(sessions.outerjoin(visitors, known))
        .where(s.site_id == site, s.start_ts >= day * DAY_MS, s.start_ts < (day + 1) * DAY_MS)
    )
    cells: dict[int, set[int]] = {}
    for visitor, new, first_seen in conn.execute(query):
        first_day = day if new or first_seen is None else first_seen // DAY_MS
        cells.setdefault(first_day, set()).add(visitor)
    rows = [
        {"site_id": site, "first_day": f, "active_day": day, "visitors": sketches.add(None, ids)}
        for f, ids in cells.items()
    ]
    if rows:
        conn.execute(sa.insert(retention_days), rows)


def downgrade() -> None:
    op.drop_table("retention_days")
