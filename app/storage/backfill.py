"""What the data migrations that fold history into rollups share: the site-days to walk, the
sessions as rows, and the rollups of session dimensions (0018, 0021) or event dimensions (0023)
a migration adds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def stored_events(conn: sa.Connection) -> sa.Table:
    """`events` as this database has it at the migration's revision (reflected): the rows of a
    revision before 0025 still carry device and geo, which `tables.events` no longer names."""
    return sa.Table("events", sa.MetaData(), autoload_with=conn)


def event_columns(
    conn: sa.Connection,
) -> tuple[list[sa.Column[Any]], Callable[[Any], tuple[Any, ...]]]:
    """The `events` columns the database has now (in EVENT_FIELDS order, of `stored_events`:
    select from `cols[0].table`) and a function making a read row a full EVENT_FIELDS row: a
    migration runs before later ones add columns (the revenue, 0018), which read as None."""
    from app.events import EVENT_FIELDS

    table = stored_events(conn)
    have = set(table.c.keys())
    present = [table.c[n] for n in EVENT_FIELDS if n in have]
    if len(present) == len(EVENT_FIELDS):
        return present, tuple

    def full(row: Any) -> tuple[Any, ...]:
        values = iter(row)
        return tuple(next(values) if n in have else None for n in EVENT_FIELDS)

    return present, full


def dimension_rollups(
    conn: sa.Connection, window: tuple[sa.ColumnElement[bool], ...], names: Sequence[str]
) -> None:
    """Dimensions `names` (new session columns a migration fills): their hourly counters and
    hour / day sketches of the window's sessions."""
    from app.storage import hourly, sketches
    from app.storage.dialect import key_text
    from app.storage.session_row import at
    from app.storage.tables import rollup_hours

    dims = [(d, at(d)) for d in names]
    counts: dict[tuple[Any, ...], list[int]] = {}
    visitors: dict[tuple[Any, ...], set[Any]] = {}
    for row in session_rows(conn, *window):
        keys, row_counts = hourly._contribution(row, dims)
        for site, hour, dim, value in keys[2:]:  # past the totals and visitor_type
            key = (site, hour, dim, key_text(value))
            summed = counts.setdefault(key, [0] * 5)
            for i, n in enumerate(row_counts):
                summed[i] += n
            visitors.setdefault(key, set()).add(row[at("visitor_id")])
    if not counts:
        return
    counters = ("sessions", "pageviews", "bounces", "engagement_ms", "new_sessions")
    conn.execute(
        sa.insert(rollup_hours),
        [
            {"site_id": k[0], "hour": k[1], "dim": k[2], "value": k[3], "events": 0,
             **dict(zip(counters, c, strict=True)), "visitors": sketches.add(None, visitors[k])}
            for k, c in counts.items()
        ],
    )  # fmt: skip
    _day_sketches(conn, visitors)


def dimension_weeks(conn: sa.Connection, names: Sequence[str]) -> None:
    """Week sketches of dimensions `names`, merged from their day sketches (as 0009 did)."""
    from app.clock import DAYS_PER_WEEK
    from app.storage import sketches
    from app.storage.tables import visitor_days, visitor_weeks

    d = visitor_days.c
    order = (d.site_id, d.dim, d.value, d.day)
    query = sa.select(*order, d.visitors).where(d.dim.in_(names)).order_by(*order)
    unions: dict[tuple[Any, ...], Any] = {}
    rows: list[dict[str, Any]] = []
    current: tuple[Any, ...] | None = None
    for site, dim, value, day, blob in conn.execute(query):
        key = (site, dim, value, day // DAYS_PER_WEEK)
        if key != current and current is not None:
            rows.append(_week_row(current, unions.pop(current)))
        current = key
        unions.setdefault(key, sketches.Union()).add(blob)
        if len(rows) >= 1_000:
            conn.execute(sa.insert(visitor_weeks), rows)
            rows = []
    if current is not None:
        rows.append(_week_row(current, unions.pop(current)))
    if rows:
        conn.execute(sa.insert(visitor_weeks), rows)


def _week_row(key: tuple[Any, ...], union: Any) -> dict[str, Any]:
    site, dim, value, week = key
    return {"site_id": site, "week": week, "dim": dim, "value": value,
            "visitors": union.serialize()}  # fmt: skip


_SPAN_CHUNK = 500  # sessions per read of their events: one ts range and an IN list of ids


def event_rollups(
    conn: sa.Connection, window: tuple[sa.ColumnElement[bool], ...], names: Sequence[str]
) -> None:
    """Event dimensions `names` (keys a release adds to what page views or custom events roll up
    to, 0023): their hourly counters and hour / day sketches from the events of the window's
    sessions, rolled up by the writer's own `hourly.Deltas.events`, so the stored rows are the
    ones the writer would have made."""
    from app.storage import hourly, sketches
    from app.storage.tables import rollup_hours, sessions

    s = sessions.c
    spans = conn.execute(
        sa.select(s.session_id, s.site_id, s.start_ts, s.end_ts).where(*window).order_by(s.start_ts)
    ).all()
    present, full = event_columns(conn)
    e = present[0].table.c  # the reflected table the columns come from (one FROM)
    deltas = hourly.Deltas()
    for i in range(0, len(spans), _SPAN_CHUNK):
        chunk = spans[i : i + _SPAN_CHUNK]
        query = sa.select(*present).where(
            e.site_id == chunk[0].site_id,
            e.ts >= chunk[0].start_ts,
            e.ts <= max(row.end_ts for row in chunk),
            e.session_id.in_([row.session_id for row in chunk]),
        )
        found = [full(row) for row in conn.execute(query)]
        deltas.events(found, {row.session_id: row.start_ts for row in chunk})
    kept = hourly.Deltas()
    kept.rows = {k: c for k, c in deltas.rows.items() if k[2] in names}
    kept.visitors = {k: ids for k, ids in deltas.visitors.items() if k[2] in names}
    if not kept.rows:
        return
    stored, adds = hourly._cut_keys(kept)
    conn.execute(
        sa.insert(rollup_hours),
        [
            {"site_id": k[0], "hour": k[1], "dim": k[2], "value": k[3],
             **dict(zip(hourly.COUNTERS, c, strict=True)),
             "visitors": sketches.add(None, adds[k]) if k in adds else None}
            for k, c in stored.items()
        ],
    )  # fmt: skip
    _day_sketches(conn, adds)


def _day_sketches(conn: sa.Connection, by_hour: dict[tuple[Any, ...], set[int]]) -> None:
    """`visitor_days` rows from the visitors of (site, hour, dim, value) keys, per UTC day."""
    from app.clock import HOURS_PER_DAY
    from app.storage import sketches
    from app.storage.tables import visitor_days

    by_day: dict[tuple[Any, ...], set[int]] = {}
    for (site, hour, dim, value), ids in by_hour.items():
        by_day.setdefault((site, hour // HOURS_PER_DAY, dim, value), set()).update(ids)
    conn.execute(
        sa.insert(visitor_days),
        [
            {"site_id": k[0], "day": k[1], "dim": k[2], "value": k[3],
             "visitors": sketches.add(None, ids)}
            for k, ids in by_day.items()
        ],
    )  # fmt: skip
