"""What the data migrations that fold history into rollups share: the site-days to walk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from app.clock import DAY_MS


def site_days(conn: sa.Connection) -> list[tuple[int, int]]:
    """(site, UTC day) from each site's first session to its last: a migration folds one
    site-day of sessions at a time, so its memory stays one day's worth."""
    from app.storage.tables import sessions

    s = sessions.c
    spans = conn.execute(
        sa.select(s.site_id, sa.func.min(s.start_ts), sa.func.max(s.start_ts)).group_by(s.site_id)
    )
    return [
        (site, day)
        for site, first, last in spans
        for day in range(first // DAY_MS, last // DAY_MS + 1)
    ]


def session_rows(conn: sa.Connection, *where: sa.ColumnElement[bool]) -> list[list[object]]:
    """Sessions as rows in today's column order, read with the columns the database has now: a
    migration runs before later ones add theirs, which read as None."""
    from app.storage.tables import sessions

    have = {c["name"] for c in sa.inspect(conn).get_columns("sessions")}
    names = [c.name for c in sessions.columns]
    present = [sessions.c[n] for n in names if n in have]
    rows = []
    for r in conn.execute(sa.select(*present).where(*where)):
        values = iter(r)
        rows.append([next(values) if n in have else None for n in names])
    return rows


def event_columns(
    conn: sa.Connection,
) -> tuple[list[sa.Column[Any]], Callable[[Any], tuple[Any, ...]]]:
    """The `events` columns the database has now (in EVENT_FIELDS order) and a function making
    a read row a full EVENT_FIELDS row: a migration runs before later ones add columns (the
    revenue, 0018), which read as None."""
    from app.events import EVENT_FIELDS
    from app.storage.tables import events

    have = {c["name"] for c in sa.inspect(conn).get_columns("events")}
    present = [events.c[n] for n in EVENT_FIELDS if n in have]
    if len(present) == len(EVENT_FIELDS):
        return present, tuple

    def full(row: Any) -> tuple[Any, ...]:
        values = iter(row)
        return tuple(next(values) if n in have else None for n in EVENT_FIELDS)

    return present, full
