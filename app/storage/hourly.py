"""Hourly rollups kept exact by deltas: a session's old contribution out, its new one in.

Each session adds (sessions, pageviews, bounces, engagement_ms, new_sessions) to one row per
session dimension at the UTC hour of its start; page views add to ("page", path) and custom events
to ("event", name) and ("prop:key", value), at the same hour, so a page breakdown sums to the
summary's page views. Deltas are pre-aggregated per key: one upsert per key per batch, whatever
the batch's size (a batch of 2,000 events touches ~1,000 sessions and a few thousand keys).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from app.events import ENGAGEMENT, EVENT_FIELDS, PAGEVIEW
from app.storage.dialect import execute_rows, key_text, upsert
from app.storage.tables import rollup_hours, sessions

HOUR_MS = 3_600_000
_COLS = tuple(c.name for c in sessions.columns)
_S = {name: i for i, name in enumerate(_COLS)}
_E = {name: i for i, name in enumerate(EVENT_FIELDS)}
COUNTERS = ("sessions", "pageviews", "bounces", "engagement_ms", "new_sessions", "events")
# Breakdown dimension -> sessions column. "visitor_type" is derived from new_visitor.
SESSION_DIMS: dict[str, str] = {
    "entry_page": "entry_page",
    "exit_page": "exit_page",
    "source": "source",
    "channel": "channel",
    "referrer": "referrer_domain",
    **{f"utm_{p}": f"utm_{p}" for p in ("source", "medium", "campaign", "term", "content")},
    "country": "country",
    "browser": "browser",
    "os": "os",
    "device": "device",
}
_DIM_INDEX = [(dim, _S[col]) for dim, col in SESSION_DIMS.items()]

Key = tuple[int, int, str, str]


def visitor_type(new_visitor: Any) -> str:
    return "new" if new_visitor else "returning"


def prop_value(value: Any) -> str:
    """Property values as text: strings as sent, other scalars as JSON (true, 3, null)."""
    return value if isinstance(value, str) else json.dumps(value)


def is_bounce(pageviews: int, interactive: int) -> bool:
    return pageviews == 1 and interactive == 0


def _contribution(row: Sequence[Any]) -> tuple[list[Key], list[int]]:
    """A session's rollup keys (one per dimension) and counts at the hour it started."""
    pv, new_visitor = row[_S["pageviews"]], row[_S["new_visitor"]]
    counts = [
        1,
        pv,
        int(is_bounce(pv, row[_S["interactive"]])),
        row[_S["engagement_ms"]],
        int(bool(new_visitor)),
    ]
    site, hour = row[_S["site_id"]], row[_S["start_ts"]] // HOUR_MS
    keys = [(site, hour, "", ""), (site, hour, "visitor_type", visitor_type(new_visitor))]
    keys.extend([(site, hour, dim, row[i] or "") for dim, i in _DIM_INDEX])
    return keys, counts


class Deltas:
    def __init__(self) -> None:
        self.rows: dict[Key, list[int]] = {}

    def add(self, key: Key, counts: Sequence[int], sign: int) -> None:
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = [0] * len(COUNTERS)
        for i, n in enumerate(counts):
            row[i] += sign * n

    def session(self, old: Sequence[Any] | None, new: Sequence[Any]) -> None:
        """Old contribution out, new one in; keys whose value did not move get the difference
        once (profiled: 429k generic adds cost 1.1 s per 20k events, ~50 µs an event)."""
        new_keys, new_counts = _contribution(new)
        if old is None:
            self._add_many(new_keys, new_counts)
            return
        old_keys, old_counts = _contribution(old)
        diff = [a - b for a, b in zip(new_counts, old_counts, strict=True)]
        same = [k for k, o in zip(new_keys, old_keys, strict=True) if k == o]
        if any(diff):
            self._add_many(same, diff)
        if len(same) < len(new_keys):
            moved = set(new_keys).symmetric_difference(old_keys)
            self._add_many([k for k in old_keys if k in moved], [-n for n in old_counts])
            self._add_many([k for k in new_keys if k in moved], new_counts)

    def _add_many(self, keys: Sequence[Key], counts: Sequence[int]) -> None:
        c0, c1, c2, c3, c4 = counts
        rows = self.rows
        for key in keys:
            row = rows.get(key)
            if row is None:
                rows[key] = [c0, c1, c2, c3, c4, 0]
            else:
                row[0] += c0
                row[1] += c1
                row[2] += c2
                row[3] += c3
                row[4] += c4

    def events(self, events: Sequence[Sequence[Any]], starts: dict[int, int]) -> None:
        page, event = (0, 1, 0, 0, 0, 0), (0, 0, 0, 0, 0, 1)
        for ev in events:
            site, name = ev[_E["site_id"]], ev[_E["name"]]
            hour = starts[ev[_E["session_id"]]] // HOUR_MS
            if name == PAGEVIEW:
                self.add((site, hour, "page", ev[_E["pathname"]]), page, 1)
            elif name != ENGAGEMENT:
                self.add((site, hour, "event", name), event, 1)
            if ev[_E["props"]]:
                for key, value in json.loads(ev[_E["props"]]).items():
                    self.add((site, hour, f"prop:{key}", prop_value(value)), event, 1)


def _add_counts(excluded: Any) -> dict[str, Any]:
    return {c: getattr(rollup_hours.c, c) + getattr(excluded, c) for c in COUNTERS}


_KEY_COLS = ("site_id", "hour", "dim", "value")


@cache
def _upsert_counts(dialect: str) -> Insert:
    return upsert(dialect, rollup_hours, _KEY_COLS, _add_counts)


async def write(conn: AsyncConnection, deltas: Deltas) -> None:
    # Sorted by key: concurrent writers (several processes on PostgreSQL) lock rows in one order.
    rows = sorted((s, h, d, key_text(v), *c) for (s, h, d, v), c in deltas.rows.items() if any(c))
    if rows:
        await execute_rows(conn, _upsert_counts(conn.dialect.name), _KEY_COLS + COUNTERS, rows)
