"""Part-hour edges: periods that do not start or end on a whole UTC hour.

A site in a zone whose offset is not a whole number of hours (India +5:30, Nepal +5:45, South
Australia +9:30, Newfoundland -3:30, ...) has local days that start at :30 or :45 past a UTC
hour. The rollups answer the whole UTC hours inside such a period; the sessions that start in
the part-hours at its edges are rolled up here on the fly, by the writer's own code
(`app/storage/hourly.py`), so both parts count alike: counters add, and the edge visitors join the
stored sketches' union as ids (app/storage/sketches.py).

Sessions are rolled up with `hourly.contribution` (the dimensions asked only), their events
with `hourly.Deltas.events`. An edge is at most an hour of sessions (two per period, or two per
bucket of a daily series), read through the (site_id, start_ts) index; its page views and custom
events, when the dimension is one of theirs, through the events' (site_id, ts) index over the
edge sessions' time spans.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events import EVENT_FIELDS
from app.storage import hourly
from app.storage.dialect import key_text, merged_spans
from app.storage.tables import events, sessions

HOUR_MS = 3_600_000
SESSION_COLS = tuple(c.name for c in sessions.columns)
# What a session contributes to the rollups of the totals and of visitor_type, and to any
# session dimension asked for (the other columns stay None).
_BASE = (
    *("session_id", "site_id", "visitor_id", "start_ts", "end_ts"),
    *("new_visitor", "pageviews", "interactive", "engagement_ms"),
)
_EVENT_DIMS = ("page", "event")
_CHUNK = 500


@dataclass
class EdgeCounts:
    """One edge's contribution per (dimension, stored value)."""

    counts: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    visitors: dict[tuple[str, str], set[int]] = field(default_factory=dict)


def split(start: int, end: int) -> tuple[int, int, list[tuple[int, int]]]:
    """[start, end) as whole UTC hours [start_h, end_h) and the part-hour edges around them."""
    start_h, end_h = -(-start // HOUR_MS), end // HOUR_MS
    if start_h >= end_h:
        return start_h, start_h, [(start, end)] if start < end else []
    edges = []
    if start < start_h * HOUR_MS:
        edges.append((start, start_h * HOUR_MS))
    if end_h * HOUR_MS < end:
        edges.append((end_h * HOUR_MS, end))
    return start_h, end_h, edges


def is_event_dim(dim: str) -> bool:
    return dim in _EVENT_DIMS or dim.startswith("prop:")


async def roll_up(
    conn: AsyncConnection, site_id: int, windows: Sequence[tuple[int, int]], dims: Sequence[str]
) -> list[EdgeCounts]:
    """The rollup contribution of the sessions starting in each window (sorted, disjoint)."""
    out = [EdgeCounts() for _ in windows]
    if not windows:
        return out
    wanted = [hourly.SESSION_DIMS[d] for d in dims if d in hourly.SESSION_DIMS]
    names = [*_BASE, *(c for c in wanted if c not in _BASE)]
    s = sessions.c
    starts = [lo for lo, _ in windows]
    per_window: list[list[list[Any]]] = [[] for _ in windows]
    places = [SESSION_COLS.index(n) for n in names]
    i_start = SESSION_COLS.index("start_ts")
    # One index range read per run of touching windows (an OR of ranges made SQLite scan).
    for lo, hi in merged_spans(windows):
        query = select(*(s[n] for n in names)).where(
            s.site_id == site_id, s.start_ts >= lo, s.start_ts < hi
        )
        for found in await conn.execute(query):
            row: list[Any] = [None] * len(SESSION_COLS)
            for place, value in zip(places, found, strict=True):
                row[place] = value
            per_window[bisect.bisect_right(starts, row[i_start]) - 1].append(row)
    event_rows = await _events_of(conn, site_id, per_window) if any(map(is_event_dim, dims)) else {}
    session_dims = [d for d in dims if d in hourly.SESSION_DIMS]
    asked = {"", "visitor_type", *dims}
    i_sid = SESSION_COLS.index("session_id")
    i_visitor = SESSION_COLS.index("visitor_id")
    for edge, rows in zip(out, per_window, strict=True):
        _add_sessions(edge, rows, session_dims, i_visitor)
        if not event_rows:
            continue
        deltas = hourly.Deltas()
        mine = [ev for row in rows for ev in event_rows.get(row[i_sid], ())]
        deltas.events(mine, {row[i_sid]: row[i_start] for row in rows})
        for (_, _, dim, value), counts in deltas.rows.items():
            if dim in asked:
                _count(edge, (dim, key_text(value)), counts)
        for (_, _, dim, value), ids in deltas.visitors.items():
            if dim in asked:
                edge.visitors.setdefault((dim, key_text(value)), set()).update(ids)
    return out


def _add_sessions(
    edge: EdgeCounts, rows: list[list[Any]], session_dims: list[str], i_visitor: int
) -> None:
    """Each session's counts and visitor under its keys (a hot loop: ~90k sessions for a
    30-day daily series in a :30 zone)."""
    cut = set(session_dims)  # the totals' and visitor_type's values are short already
    counted, visitors = edge.counts, edge.visitors
    for row in rows:
        keys, (c0, c1, c2, c3, c4) = hourly.contribution(row, session_dims)
        visitor = row[i_visitor]
        for _, _, dim, value in keys:
            key = (dim, key_text(value)) if dim in cut else (dim, value)
            acc = counted.get(key)
            if acc is None:
                counted[key] = [c0, c1, c2, c3, c4, 0]
            else:
                acc[0] += c0
                acc[1] += c1
                acc[2] += c2
                acc[3] += c3
                acc[4] += c4
            if dim not in hourly.UNSKETCHED:
                ids = visitors.get(key)
                if ids is None:
                    ids = visitors[key] = set()
                ids.add(visitor)


def _count(edge: EdgeCounts, key: tuple[str, str], counts: list[int]) -> None:
    old = edge.counts.get(key)
    edge.counts[key] = counts if old is None else [a + b for a, b in zip(old, counts, strict=True)]


async def _events_of(
    conn: AsyncConnection, site_id: int, per_window: list[list[list[Any]]]
) -> dict[int, list[tuple[Any, ...]]]:
    """The events of the edge sessions, by session, in stored order."""
    i_sid = SESSION_COLS.index("session_id")
    i_start, i_end = SESSION_COLS.index("start_ts"), SESSION_COLS.index("end_ts")
    found: dict[int, list[tuple[Any, ...]]] = {}
    # Chunks never mix windows: a chunk's events are read over its sessions' time span, and
    # the two ends of a month-long period are a month apart.
    chunks = [rows[i : i + _CHUNK] for rows in per_window for i in range(0, len(rows), _CHUNK)]
    for chunk in chunks:
        ids = [row[i_sid] for row in chunk]
        lo, hi = min(row[i_start] for row in chunk), max(row[i_end] for row in chunk)
        query = (
            select(*(events.c[f] for f in EVENT_FIELDS))
            .where(
                events.c.site_id == site_id,
                events.c.ts >= lo,
                events.c.ts <= hi,
                events.c.session_id.in_(ids),
            )
            .order_by(events.c.ts, events.c.id)
        )
        for ev in await conn.execute(query):
            found.setdefault(ev.session_id, []).append(tuple(ev))
    return found
