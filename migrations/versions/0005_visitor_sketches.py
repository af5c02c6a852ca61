"""Visitor sketches: a HyperLogLog sketch on every rollup_hours row and a visitor_days table, so
reports count distinct visitors over a range from rollups instead of scanning sessions.

Existing history is folded in from `sessions` and `events` with the writer's own functions.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rollup_hours") as batch:
        batch.add_column(sa.Column("visitors", sa.LargeBinary(), nullable=True))
        batch.create_index("ix_rollup_hours_site_dim_hour", ["site_id", "dim", "hour"])
    op.create_table(
        "visitor_days",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=80), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.Column("visitors", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "day", "dim", "value"),
    )
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """One site-day of sessions at a time (their events read by the (site_id, ts) index)."""
    from app.storage.backfill import site_days

    for site, day in site_days(conn):
        _backfill_day(conn, site, day)


DAY_MS = 86_400_000


def _backfill_day(conn: sa.Connection, site: int, day: int) -> None:
    from app.events import EVENT_FIELDS
    from app.storage import hourly, sketches
    from app.storage.backfill import event_columns, session_rows
    from app.storage.tables import rollup_hours, sessions, visitor_days

    s = sessions.c
    window = (s.site_id == site, s.start_ts >= day * DAY_MS, s.start_ts < (day + 1) * DAY_MS)
    found = session_rows(conn, *window)
    if not found:
        return
    deltas = hourly.Deltas()
    for row in found:
        deltas.session(None, row)
    starts = {row[0]: row[3] for row in found}
    cols, full = event_columns(conn)
    events = cols[0].table  # as stored at this revision
    # Events by the (site_id, ts) index, as 0006 reads them: from the day's start to a day on.
    window_events = sa.select(*cols).where(
        events.c.site_id == site,
        events.c.ts >= day * DAY_MS,
        events.c.ts < (day + 2) * DAY_MS,
    )
    mine = [full(r) for r in conn.execute(window_events)]
    at = EVENT_FIELDS.index("session_id")
    deltas.events([r for r in mine if r[at] in starts], starts)
    whole_day: dict[tuple[str, str], set[int]] = {}
    key = rollup_hours.c
    for (_, hour, dim, value), visitors in deltas.visitors.items():
        conn.execute(
            sa.update(rollup_hours)
            .where(key.site_id == site, key.hour == hour, key.dim == dim, key.value == value)
            .values(visitors=sketches.add(None, visitors))
        )
        whole_day.setdefault((dim, value), set()).update(visitors)
    rows = [
        {"site_id": site, "day": day, "dim": dim, "value": v, "visitors": sketches.add(None, ids)}
        for (dim, v), ids in whole_day.items()
    ]
    conn.execute(sa.insert(visitor_days), rows)


def downgrade() -> None:
    op.drop_table("visitor_days")
    with op.batch_alter_table("rollup_hours") as batch:
        batch.drop_index("ix_rollup_hours_site_dim_hour")
        batch.drop_column("visitors")
