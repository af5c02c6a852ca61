"""Turning a batch of accepted and dropped events into rows, and writing them in one transaction.

A batch is pre-aggregated in memory first: one visitors upsert per distinct visitor and one
drop_counts upsert per (site, day, reason), however many events the batch holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any

import msgspec
from sqlalchemy import String, case
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from app.events import EVENT_FIELDS, Drop, Event
from app.storage import event_values, rollups
from app.storage.dialect import bulk_insert, execute_many, lock_keys, upsert
from app.storage.tables import (
    STORED_FIELDS,
    drop_counts,
    events,
    sessions,
    visitors,
)

DAY_MS = 86_400_000
_encode_json = msgspec.json.Encoder().encode
_values = attrgetter(*EVENT_FIELDS)
_PROPS = EVENT_FIELDS.index("props")
_SESSION = EVENT_FIELDS.index("session_id")
_visitor_key = itemgetter("site_id", "visitor_id")
_drop_key = itemgetter("site_id", "day", "reason")
# (position, length) of every VARCHAR(n) column (device and geo: their `sessions` column).
# PostgreSQL refuses a longer value, failing the whole batch (SQLite stores it). Ingest keeps
# values within these except the page's hostname (a URL up to 2,000 characters may name a longer
# host than DNS allows): cut here, one len() a string, so no single event can send a batch to
# the spill file.
_LIMITS = [
    (i, column_type.length)
    for i, name in enumerate(EVENT_FIELDS)
    if isinstance(
        column_type := (events.c[name] if name in events.c else sessions.c[name]).type, String
    )
    and column_type.length
]


@dataclass
class BatchRows:
    """Plain rows, ready for the database or for a spill file (msgpack-serialisable).
    Event rows are positional, in EVENT_FIELDS order: whole, as the sessions and rollups are
    built from them (`event_values.stored_row` is what `events` keeps of one)."""

    events: list[list[Any]] = field(default_factory=list)
    visitors: list[dict[str, Any]] = field(default_factory=list)
    drops: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"events": self.events, "visitors": self.visitors, "drops": self.drops}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchRows:
        # A spill file written before the revenue fields has shorter rows: pad them with None.
        width = len(EVENT_FIELDS)
        rows = [
            r if len(r) >= width else [*r, *[None] * (width - len(r))]
            for r in data.get("events", [])
        ]
        return cls(rows, data.get("visitors", []), data.get("drops", []))


def _cut(rows: list[list[Any]]) -> None:
    """Values longer than their VARCHAR cut to it: a column at a time, so a batch whose values
    all fit (nearly every one) costs one C-level pass per limited column, not a loop per event."""
    if not rows:
        return
    for i, length in _LIMITS:
        if max(map(len, filter(None, map(itemgetter(i), rows))), default=0) <= length:
            continue
        for row in rows:
            value = row[i]
            if value is not None and len(value) > length:
                row[i] = value[:length]


def build_rows(items: list[Event | Drop]) -> BatchRows:
    rows = BatchRows()
    seen: dict[tuple[int, int], dict[str, Any]] = {}
    dropped: dict[tuple[int, int, str], int] = {}
    events = rows.events
    for item in items:
        if isinstance(item, Drop):
            key = (item.site_id or 0, item.ts // DAY_MS, item.reason)
            dropped[key] = dropped.get(key, 0) + 1
            continue
        row = list(_values(item))
        props = row[_PROPS]
        row[_PROPS] = _encode_json(props).decode() if props else None
        events.append(row)
        _merge_visitor(seen, item)
    _cut(events)
    rows.visitors = list(seen.values())
    rows.drops = [
        {"site_id": s, "day": d, "reason": r, "count": n} for (s, d, r), n in dropped.items()
    ]
    return rows


def _merge_visitor(seen: dict[tuple[int, int], dict[str, Any]], event: Event) -> None:
    key = (event.site_id, event.visitor_id)
    current = seen.get(key)
    if current is None:
        seen[key] = {
            "site_id": event.site_id,
            "visitor_id": event.visitor_id,
            "first_seen": event.ts,
            "last_seen": event.ts,
            "session_id": event.session_id,
            "session_new_visitor": event.new_visitor,
        }
        return
    current["first_seen"] = min(current["first_seen"], event.ts)
    if event.ts >= current["last_seen"]:
        current["last_seen"] = event.ts
        current["session_id"] = event.session_id
        current["session_new_visitor"] = event.new_visitor


def _visitor_updates(excluded: Any) -> dict[str, Any]:
    # CASE rather than min()/LEAST(): the one spelling both SQLite and PostgreSQL accept.
    newer = excluded.last_seen >= visitors.c.last_seen
    return {
        "first_seen": case(
            (excluded.first_seen < visitors.c.first_seen, excluded.first_seen),
            else_=visitors.c.first_seen,
        ),
        "last_seen": case((newer, excluded.last_seen), else_=visitors.c.last_seen),
        "session_id": case((newer, excluded.session_id), else_=visitors.c.session_id),
        "session_new_visitor": case(
            (newer, excluded.session_new_visitor), else_=visitors.c.session_new_visitor
        ),
    }


def _drop_updates(excluded: Any) -> dict[str, Any]:
    return {"count": drop_counts.c.count + excluded.count}


# Built once per dialect: execute_many compiles a statement object once (dialect._compiled).
@cache
def _upsert_visitors(dialect: str) -> Insert:
    return upsert(dialect, visitors, ["site_id", "visitor_id"], _visitor_updates)


@cache
def _upsert_drops(dialect: str) -> Insert:
    return upsert(dialect, drop_counts, ["site_id", "day", "reason"], _drop_updates)


async def write_rows(conn: AsyncConnection, rows: BatchRows) -> None:
    """Insert the rows; the caller owns the transaction."""
    dialect = conn.dialect.name
    if rows.events:
        # Scaled out, another process may be writing the same sessions (dialect.lock_keys).
        await lock_keys(conn, (row[_SESSION] for row in rows.events))
        if dialect == "sqlite":
            # Take the write lock before the sessions are read (the events' INSERT did, when it
            # came first): two engines on one file still take turns at the read-merge-write.
            await conn.exec_driver_sql("DELETE FROM events WHERE 0")
        # The sessions first: an event stores NULL for what equals its session's row.
        sessions_now = await rollups.maintain(conn, rows.events)
        stored = event_values.stored_rows(rows.events, sessions_now)
        await bulk_insert(conn, events, STORED_FIELDS, stored)
    # Upserts in key order, so two writers on PostgreSQL lock shared rows in the same order.
    if rows.visitors:
        await execute_many(conn, _upsert_visitors(dialect), sorted(rows.visitors, key=_visitor_key))
    if rows.drops:
        await execute_many(conn, _upsert_drops(dialect), sorted(rows.drops, key=_drop_key))
