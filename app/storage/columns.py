"""Sealed hours: a site's sessions of one past UTC hour stored as columns.

A filtered report (countries of mobile sessions over 30 days) cannot come from the one-dimension
rollups, and scanning ~2M session rows took ~1 s in SQLite at 10M events. So each past hour's
sessions are also kept as arrays, one `session_columns` row per column: numbers packed
little-endian, dimensions as a dictionary of labels plus one code per session, the journey and
the events' properties as a dictionary of items plus a run of codes per session (read from
`events` for the properties, so a seal costs ~190 ms an hour of ~3,000 sessions cold).
app/queries/columnar.py and journey_arrays.py filter and count them with numpy.

An hour is *open* while its sessions may still change. The sealer (Runtime, a writer job per
hour, so it takes turns with the batches) seals an hour SEAL_AFTER_MS after it ended; any batch
that changes a session of a sealed hour (a long session, a late /api/batch) deletes the hour's
columns in its own transaction, and the next pass seals it again. A reader lists the period's
hours with their tokens first and takes only columns carrying those tokens (an hour sealed
again or unsealed meanwhile sends the report to the SQL scan), so it never mixes an hour's two
versions; each session belongs to exactly one hour, sealed or read as a row. On
PostgreSQL both sides take the hour's advisory lock: a sealer in one process cannot store an hour
that a writer in another is changing.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgpack
import numpy as np
from sqlalchemy import ColumnElement, Select, and_, delete, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import HOUR_MS
from app.dimensions import SESSION_COLUMNS as SESSION_DIMS
from app.dimensions import is_bounce, prop_value
from app.events import ENGAGEMENT
from app.storage import blob, journey, page_tallies, revenue_rows
from app.storage.dialect import inline_sqlite, lock_id, lock_keys
from app.storage.tables import events, rollup_hours, session_columns, sessions

_IN_CHUNK = 500
# A release that adds a column empties session_columns in its migration: the sealer stores every
# hour again (~0.1 s an hour of 3,000 sessions), and until then reports read sessions.
# Sessions end after 30 idle minutes: an hour is sealed once every session that started in it has
# most likely ended (the rare longer one unseals it again).
SEAL_AFTER_MS = 90 * 60_000
# Stored dtypes of the numeric columns ("start" is ms after the hour's start).
NUMERIC: dict[str, str] = {
    "start": "<i4",
    "visitor": "<i8",
    "new": "u1",
    "pageviews": "<i4",
    "bounce": "u1",
    "engagement": "<i8",
    "duration": "<i8",  # last event minus first (the original stats' session duration)
    "session": "<i8",  # the session id (funnels and flows walk a truncated journey's events)
    "truncated": "u1",  # the journey reached its cap (app/storage/journey.py)
}
# Per session a run of items: its journey's page views and custom events, marks included; and
# its events' properties, one item per (event, key): JSON [key, value as text].
RAGGED = ("journey", "props", "scrolls")
# The ragged columns read from `events` rather than `sessions` (per session, in stored order):
# property items, and scroll items (an engagement event's [path, depth]: scroll goals).
FROM_EVENTS = ("props", "scrolls")
NAMES: tuple[str, ...] = (*NUMERIC, *SESSION_DIMS, *RAGGED)
# The row written last of an hour's columns, whose presence (and token) marks the hour sealed.
MARK = "start"
_s = sessions.c
_SOURCES: dict[str, ColumnElement[Any]] = {
    "start": _s.start_ts,
    "visitor": _s.visitor_id,
    "new": _s.new_visitor,
    "pageviews": _s.pageviews,
    "interactive": _s.interactive,
    "engagement": _s.engagement_ms,
    "duration": _s.end_ts - _s.start_ts,
    "session": _s.session_id,
    "journey": _s.journey,
    **{dim: _s[column] for dim, column in SESSION_DIMS.items()},
}


@dataclass(frozen=True)
class Labels:
    """A dictionary-coded column: `labels[codes[i]]` is session i's value (None: no value)."""

    labels: list[str | None]
    codes: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes) + 64 * len(self.labels)


@dataclass(eq=False)
class Ragged:
    """Per session a run of coded items: session i's are `labels[c]` for the codes
    `codes[offsets[i]:offsets[i + 1]]`. `memo` keeps what readers derived from the labels
    (a filter's matching items), for as long as the column is cached."""

    labels: list[str]
    offsets: np.ndarray  # int64, one more than the sessions
    codes: np.ndarray
    memo: dict[Any, Any] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return int(self.offsets.nbytes + self.codes.nbytes) + 64 * len(self.labels)


Column = np.ndarray | Labels | Ragged


def session_query(names: Iterable[str], condition: ColumnElement[bool]) -> Select[Any]:
    """The sessions columns behind `names` (bounce needs pageviews and interactive)."""
    wanted = set(names)
    if "bounce" in wanted:
        wanted |= {"pageviews", "interactive"}
    if "truncated" in wanted:
        wanted.add("journey")
    chosen = [name for name in _SOURCES if name in wanted]
    return select(*(_SOURCES[name].label(name) for name in chosen)).where(condition)


Items = dict[str, dict[int, list[str]]]  # ragged column read from events -> session id -> items


async def fetch(
    conn: AsyncConnection, site_id: int, condition: ColumnElement[bool], names: Sequence[str]
) -> tuple[list[Any], Items]:
    """The session rows behind `names` and, if "props" / "scrolls" are asked, their events'
    items by session id (for from_rows)."""
    from_events = [name for name in FROM_EVENTS if name in names]
    asked = [*names, *(("session", "start", "duration") if from_events else ())]
    rows = list((await conn.execute(session_query(asked, condition))).all())
    items: Items = {}
    if "props" in names:
        items["props"] = await _props(conn, site_id, rows)
    if "scrolls" in names:
        items["scrolls"] = await _scrolls(conn, site_id, rows)
    return rows, items


async def _scrolls(
    conn: AsyncConnection, site_id: int, rows: Sequence[Any]
) -> dict[int, list[str]]:
    """session id -> one item per engagement event reporting a scroll depth: JSON [path,
    depth] (a scroll goal's items). One read of the sessions' time range, kept by session id in
    Python: an IN list per 500 sessions would range over the same events again each time."""
    found: dict[int, list[str]] = {}
    if not rows:
        return found
    e = events.c
    low, high = _span(rows)
    mine = {row.session for row in rows}
    query = (
        select(e.session_id, e.pathname, e.scroll_depth)
        .where(e.site_id == site_id, e.ts >= low, e.ts <= high, e.name == ENGAGEMENT)
        .where(e.scroll_depth.is_not(None))
        .order_by(e.ts, e.id)
    )
    for sid, path, depth in await conn.execute(query):
        if sid in mine:
            found.setdefault(sid, []).append(scroll_item(path, depth))
    return found


def _span(rows: Sequence[Any]) -> tuple[int, int]:
    """The time range holding every event of the sessions `rows` (start to last event)."""
    return min(row.start for row in rows), max(row.start + row.duration for row in rows)


def scroll_item(path: str, depth: int) -> str:
    return json.dumps([path, int(depth)], ensure_ascii=False, separators=(",", ":"))


async def _props(conn: AsyncConnection, site_id: int, rows: Sequence[Any]) -> dict[int, list[str]]:
    """session id -> one item per (event, property key) of its events, in stored order."""
    found: dict[int, list[str]] = {}
    if not rows:
        return found
    e = events.c
    low, high = _span(rows)
    sids = sorted(row.session for row in rows)
    for i in range(0, len(sids), _IN_CHUNK):
        query = (
            select(e.session_id, e.props)
            .where(e.site_id == site_id, e.ts >= low, e.ts <= high, e.props.is_not(None))
            .where(e.session_id.in_(sids[i : i + _IN_CHUNK]))
            .order_by(e.ts, e.id)
        )
        for sid, props in await conn.execute(query):
            items = found.setdefault(sid, [])
            items.extend(prop_item(key, value) for key, value in json.loads(props).items())
    return found


def prop_item(key: str, value: Any) -> str:
    """A property as an item: unambiguous whatever the key and value hold."""
    return json.dumps([key, prop_value(value)], ensure_ascii=False, separators=(",", ":"))


def from_rows(
    rows: Sequence[Any], names: Iterable[str], items: Items | None = None
) -> dict[str, Column]:
    """Columns of session rows from session_query ("start" as absolute ms); "props" from the
    items `fetch` read."""
    fields: Sequence[str] = rows[0]._fields if rows else ()
    values: dict[str, Sequence[Any]] = dict(zip(fields, zip(*rows, strict=True), strict=True))
    out: dict[str, Column] = {}
    for name in names:
        if name in SESSION_DIMS:
            out[name] = _labels(values.get(name, ()))
        elif name in FROM_EVENTS:
            found = (items or {}).get(name, {})
            out[name] = _ragged([found.get(sid, []) for sid in values.get("session", ())])
        elif name == "journey":
            out[name] = _ragged([journey.items(j) if j else [] for j in values.get(name, ())])
        elif name == "truncated":
            flags = [journey.is_truncated(j) for j in values.get("journey", ())]
            out[name] = np.array(flags, dtype=np.uint8)
        elif name == "bounce":
            pairs = zip(values.get("pageviews", ()), values.get("interactive", ()), strict=True)
            out[name] = np.array([is_bounce(p, i) for p, i in pairs], dtype=np.uint8)
        else:
            dtype = np.int64 if name == "start" else NUMERIC[name].lstrip("<")
            out[name] = np.array(values.get(name, ()), dtype=dtype)
    return out


def _labels(values: Sequence[str | None]) -> Labels:
    index: dict[str | None, int] = {}
    codes = [index.setdefault(value, len(index)) for value in values]
    return Labels(list(index), np.array(codes, dtype=np.uint16 if len(index) < 65536 else np.int32))


def _ragged(runs: Sequence[Sequence[str]]) -> Ragged:
    index: dict[str, int] = {}
    codes = [index.setdefault(item, len(index)) for run in runs for item in run]
    offsets = np.zeros(len(runs) + 1, dtype=np.int64)
    np.cumsum([len(run) for run in runs], out=offsets[1:])
    width = np.uint16 if len(index) < 65536 else np.int32
    return Ragged(list(index), offsets, np.array(codes, dtype=width))


def encode(name: str, column: Column, hour: int) -> bytes:
    """A column's stored bytes (compressed: app/storage/blob.py)."""
    return blob.pack(_serialize(name, column, hour))


def _serialize(name: str, column: Column, hour: int) -> bytes:
    if isinstance(column, Ragged):
        width = "<u2" if column.codes.dtype == np.uint16 else "<i4"
        packed = column.codes.astype(width).tobytes()
        sizes = np.diff(column.offsets).astype("<u4").tobytes()
        return msgpack.packb([column.labels, width, packed, sizes], use_bin_type=True)
    if isinstance(column, Labels):
        width = "<u2" if column.codes.dtype == np.uint16 else "<i4"
        packed = column.codes.astype(width).tobytes()
        return msgpack.packb([column.labels, width, packed], use_bin_type=True)
    if name == "start":
        column = column - hour * HOUR_MS
    return np.asarray(column).astype(NUMERIC[name]).tobytes()


def decode(name: str, stored: bytes, hour: int) -> Column:
    """The column `encode` stored."""
    data = blob.unpack(stored)
    if name in RAGGED:
        labels, width, packed, sizes = msgpack.unpackb(data, raw=False)
        offsets = np.zeros(len(sizes) // 4 + 1, dtype=np.int64)
        np.cumsum(np.frombuffer(sizes, dtype="<u4"), out=offsets[1:])
        return Ragged(labels, offsets, np.frombuffer(packed, dtype=width).astype(width[1:]))
    if name in SESSION_DIMS:
        labels, width, packed = msgpack.unpackb(data, raw=False)
        return Labels(labels, np.frombuffer(packed, dtype=width).astype(width[1:]))
    values = np.frombuffer(data, dtype=NUMERIC[name])
    if name == "start":
        return values.astype(np.int64) + hour * HOUR_MS
    return values.astype(np.dtype(NUMERIC[name]).newbyteorder("="))


def hour_lock(site_id: int, hour: int) -> int:
    return lock_id("session_columns", site_id, hour)


async def seal(conn: AsyncConnection, site_id: int, hour: int) -> int:
    """Store (or store again) one hour's sessions as columns; the number of sessions."""
    await lock_keys(conn, [hour_lock(site_id, hour)])
    start = hour * HOUR_MS
    condition = and_(_s.site_id == site_id, _s.start_ts >= start, _s.start_ts < start + HOUR_MS)
    rows, items = await fetch(conn, site_id, condition, NAMES)
    columns = from_rows(rows, NAMES, items)
    tallies = page_tallies.encode(await page_tallies.of_span(conn, site_id, start, start + HOUR_MS))
    paid = revenue_rows.encode(await revenue_rows.of_span(conn, site_id, start, start + HOUR_MS))
    built = secrets.randbits(62)
    c = session_columns.c
    await conn.execute(delete(session_columns).where(c.site_id == site_id, c.hour == hour))
    values = [
        {"site_id": site_id, "hour": hour, "name": name, "built": built}
        | {"data": encode(name, columns[name], hour)}
        for name in NAMES
    ]
    # Not a column of sessions: the hour's per-page engagement sums (app/storage/page_tallies.py).
    values.append(
        {"site_id": site_id, "hour": hour, "name": page_tallies.NAME, "built": built}
        | {"data": tallies}
    )
    # Nor this: its sessions' revenue events by session id (app/storage/revenue_rows.py).
    values.append(
        {"site_id": site_id, "hour": hour, "name": revenue_rows.NAME, "built": built}
        | {"data": paid}
    )
    await conn.execute(insert(session_columns), values)
    return len(rows)


async def unseal(conn: AsyncConnection, touched: Iterable[tuple[int, int]]) -> None:
    """Delete the columns of the (site, hour)s whose sessions this transaction changes (the
    open hours of live traffic have none: one indexed DELETE that finds nothing)."""
    pairs = sorted(set(touched))
    if not pairs:
        return
    await lock_keys(conn, [hour_lock(site, hour) for site, hour in pairs])
    by_site: dict[int, list[int]] = {}
    for site, hour in pairs:
        by_site.setdefault(site, []).append(hour)
    c = session_columns.c
    raw = inline_sqlite(conn)  # the writer's own connection: no statement to build each batch
    for site, hours in by_site.items():
        if raw is not None:
            marks = ", ".join("?" * len(hours))
            sql = f"DELETE FROM session_columns WHERE site_id = ? AND hour IN ({marks})"
            raw.execute(sql, (site, *hours))
            continue
        await conn.execute(delete(session_columns).where(c.site_id == site, c.hour.in_(hours)))


async def pending(conn: AsyncConnection, now_ms: int, limit: int = 1000) -> list[tuple[int, int]]:
    """(site, hour)s with sessions, ended SEAL_AFTER_MS ago and not sealed: newest first, so
    the last day's reports gain first after a start."""
    r, c = rollup_hours.c, session_columns.c
    cutoff = (now_ms - SEAL_AFTER_MS) // HOUR_MS  # hours ending at or before now - SEAL_AFTER
    sealed = exists().where(c.site_id == r.site_id, c.hour == r.hour, c.name == MARK)
    query = (
        select(r.site_id, r.hour)
        .where(r.dim == "", r.value == "", r.sessions > 0, r.hour < cutoff, ~sealed)
        .order_by(r.hour.desc(), r.site_id)
        .limit(limit)
    )
    return [(int(site), int(hour)) for site, hour in await conn.execute(query)]
