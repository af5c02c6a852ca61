"""Part-hour edges: periods that do not start or end on a whole UTC hour.

A site in a zone whose offset is not a whole number of hours (India +5:30, Nepal +5:45, South
Australia +9:30, Newfoundland -3:30, ...) has local days that start at :30 or :45 past a UTC
hour. The rollups answer the whole UTC hours inside such a period; the sessions that start in
the part-hours at its edges are rolled up here on the fly, by the writer's own code
(`app/storage/hourly.py`), so both parts count alike: counters add, and the edge visitors join the
stored sketches' union as ids (app/storage/sketches.py).

Sessions are rolled up with `hourly.Deltas.new_session` (the dimensions asked only), their
events with `hourly.Deltas.events`. An edge is at most an hour of sessions (two per period, or
two per bucket of a daily series), read through the (site_id, start_ts) index; its page views
and custom events, when the dimension is one of theirs, by app/queries/session_events.py.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import HOUR_MS
from app.dimensions import SESSION_COLUMNS, is_event_grain
from app.events import EVENT_FIELDS
from app.queries import session_events
from app.storage import hourly
from app.storage.dialect import key_text, merged_spans
from app.storage.session_row import FIELDS, Row, at
from app.storage.tables import STORED_FIELDS, sessions

# What a session contributes to the rollups of the totals and of visitor_type, and to any
# session dimension asked for (the other columns stay None).
_BASE = (
    *("session_id", "site_id", "visitor_id", "start_ts", "end_ts"),
    *("new_visitor", "pageviews", "interactive", "engagement_ms"),
)


@dataclass
class EdgeCounts:
    """One edge's contribution per (dimension, stored value)."""

    counts: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    visitors: dict[tuple[str, str], set[int]] = field(default_factory=dict)

    def add(self, key: tuple[str, str], counts: Sequence[int], ids: Iterable[int] = ()) -> None:
        old = self.counts.get(key)
        self.counts[key] = (
            list(counts) if old is None else [a + b for a, b in zip(old, counts, strict=True)]
        )
        if ids:
            self.visitors.setdefault(key, set()).update(ids)

    def merge(self, other: EdgeCounts) -> None:
        for key, counts in other.counts.items():
            self.add(key, counts)
        for key, ids in other.visitors.items():
            self.visitors.setdefault(key, set()).update(ids)


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


async def roll_up(
    conn: AsyncConnection, site_id: int, windows: Sequence[tuple[int, int]], dims: Sequence[str]
) -> list[EdgeCounts]:
    """The rollup contribution of the sessions starting in each window (sorted, disjoint)."""
    out = [EdgeCounts() for _ in windows]
    if not windows:
        return out
    wanted = [SESSION_COLUMNS[d] for d in dims if d in SESSION_COLUMNS]
    names = [*_BASE, *(c for c in wanted if c not in _BASE)]
    if "hostname" not in names:  # an event's hostname stored NULL is its session's
        names.append("hostname")
    s = sessions.c
    starts = [lo for lo, _ in windows]
    per_window: list[list[list[Any]]] = [[] for _ in windows]
    places = [at(n) for n in names]
    i_start = Row.start_ts
    # One index range read per run of touching windows (an OR of ranges made SQLite scan).
    for lo, hi in merged_spans(windows):
        query = select(*(s[n] for n in names)).where(
            s.site_id == site_id, s.start_ts >= lo, s.start_ts < hi
        )
        for found in await conn.execute(query):
            row: list[Any] = [None] * len(FIELDS)
            for place, value in zip(places, found, strict=True):
                row[place] = value
            per_window[bisect.bisect_right(starts, row[i_start]) - 1].append(row)
    i_sid, i_end = Row.session_id, Row.end_ts
    event_rows: dict[int, list[tuple[Any, ...]]] = {}
    if any(map(is_event_grain, dims)):
        spans = {row[i_sid]: (row[i_start], row[i_end]) for rows in per_window for row in rows}
        stored = await session_events.by_session(conn, site_id, spans, STORED_FIELDS)
        by_id = {row[i_sid]: row for rows in per_window for row in rows}
        event_rows = {sid: [_full(ev, by_id[sid]) for ev in evs] for sid, evs in stored.items()}
    session_dims = [d for d in dims if d in SESSION_COLUMNS]
    asked = {"", "visitor_type", *dims}
    for edge, rows in zip(out, per_window, strict=True):
        deltas = hourly.Deltas()
        for row in rows:
            deltas.new_session(row, session_dims)
        if event_rows:
            mine = [ev for row in rows for ev in event_rows.get(row[i_sid], ())]
            deltas.events(mine, {row[i_sid]: row[i_start] for row in rows})
        # Keys as the rollups store them: (dimension, cut value), whatever the hour.
        for key, counts in deltas.rows.items():
            dim, value = key[2], key[3]
            if dim in asked:
                edge.add((dim, key_text(value)), counts, deltas.visitors.get(key, ()))
    return out


# Stored event values -> an EVENT_FIELDS row (device and geo None: Deltas.events reads only the
# event's own fields, and its visitor and hostname, which the session's row gives where the
# event does not store them: app/storage/event_values.py).
_PLACES = [STORED_FIELDS.index(n) if n in STORED_FIELDS else -1 for n in EVENT_FIELDS]
_VISITOR, _HOST = EVENT_FIELDS.index("visitor_id"), EVENT_FIELDS.index("hostname")


def _full(values: tuple[Any, ...], session: list[Any]) -> tuple[Any, ...]:
    row = [None if i < 0 else values[i] for i in _PLACES]
    row[_VISITOR] = session[Row.visitor_id]
    if row[_HOST] is None:
        row[_HOST] = session[Row.hostname]
    return tuple(row)
