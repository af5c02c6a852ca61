"""Rollup maintenance, called by `write_rows` in the batch's own transaction (so the spill-file
replay maintains rollups too).

A batch is folded in memory into one partial session per session id, merged in Python with the
stored row (one SELECT per batch), and written back with one upsert per session. The hourly
rollups then change by the difference between each session's old and new contribution
(app/storage/hourly.py), so a bounce that stops being one or an exit page that moves is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from app.clock import HOUR_MS
from app.dimensions import screen_class, version_label
from app.events import ENGAGEMENT, EVENT_FIELDS, PAGEVIEW
from app.storage import columns, event_values, flow_links, hourly, journey, retention_days
from app.storage.dialect import execute_rows, select_in, upsert
from app.storage.session_row import FIELDS, Row, at
from app.storage.tables import sessions

SESSION_COLS = FIELDS
E = {name: i for i, name in enumerate(EVENT_FIELDS)}

# Session columns copied from the session's first event (entry), in event-field terms.
_ACQUISITION = [
    (Row.new_visitor, E["new_visitor"]),
    (Row.entry_page, E["pathname"]),
    *((at(n), E[n]) for n in ("referrer_domain", "source", "channel")),
    *((at(n), E[n]) for n in ("utm_source", "utm_medium", "utm_campaign", "utm_term")),
    *((at(n), E[n]) for n in ("utm_content", "country", "browser", "os", "device")),
]
_BUILTIN = (PAGEVIEW, ENGAGEMENT)
# Session columns derived from the entry event (app/dimensions.py says how).
_DERIVED = [
    (Row.screen, lambda ev: screen_class(ev[E["screen_width"]])),
    (Row.browser_version, lambda ev: version_label(ev[E["browser"]], ev[E["browser_version"]])),
    (Row.os_version, lambda ev: version_label(ev[E["os"]], ev[E["os_version"]])),
    (Row.language, lambda ev: ev[E["language"]]),
    (Row.hostname, lambda ev: ev[E["hostname"]]),
    (Row.region, lambda ev: ev[E["region"]]),
    (Row.city, lambda ev: ev[E["city"]]),
]
_ENTRY = [*(s for s, _ in _ACQUISITION), *(s for s, _ in _DERIVED)]


_SID, _SITE, _VISITOR, _TS = E["session_id"], E["site_id"], E["visitor_id"], E["ts"]
_START, _NAME, _PATH = E["session_start"], E["name"], E["pathname"]
_ENGAGEMENT, _INTERACTIVE = E["engagement_ms"], E["interactive"]


def _entry(row: list[Any], event: Sequence[Any]) -> None:
    """The session's entry columns from its entry event."""
    for s, e in _ACQUISITION:
        row[s] = event[e]
    for s, derive in _DERIVED:
        row[s] = derive(event)


_COUNTERS = [at(name) for name in ("pageviews", "events", "interactive", "engagement_ms")]
_WIDTH = len(SESSION_COLS)


def _partial(event: Sequence[Any]) -> list[Any]:
    """A session's part in this batch, from its first event here; its entry columns are left
    empty (`fold` or `entry_of` fill them: most parts belong to a stored session and keep its)."""
    row: list[Any] = [None] * _WIDTH
    row[Row.session_id] = event[_SID]
    row[Row.site_id] = event[_SITE]
    row[Row.visitor_id] = event[_VISITOR]
    row[Row.start_ts] = row[Row.end_ts] = event[_TS]
    for i in _COUNTERS:
        row[i] = 0
    return row


class Fold:
    """Partial sessions of one batch: `parts` by session id, the ids whose entry
    (session_start) event is in it, and each part's first event (its entry when the batch
    holds none and nothing is stored)."""

    def __init__(self, events: Sequence[Sequence[Any]]) -> None:
        parts: dict[int, list[Any]] = {}
        first: dict[int, Sequence[Any]] = {}
        started: set[int] = set()
        for ev in events:
            sid = ev[_SID]
            row = parts.get(sid)
            if row is None:
                row = parts[sid] = _partial(ev)
                first[sid] = ev
            if ev[_START] and sid not in started:
                started.add(sid)
                _entry(row, ev)
            _count(row, ev)
        self.parts, self.started, self._first = parts, started, first

    def entry_of(self, sid: int) -> list[Any]:
        """The part of a session seen for the first time, entry columns filled."""
        part = self.parts[sid]
        if sid not in self.started:
            _entry(part, self._first[sid])
        return part


def _count(row: list[Any], ev: Sequence[Any]) -> None:
    ts, name = ev[_TS], ev[_NAME]
    row[Row.events] += 1
    if ts < row[Row.start_ts]:
        row[Row.start_ts] = ts
    if ts > row[Row.end_ts]:
        row[Row.end_ts] = ts
    if name == PAGEVIEW:
        path = ev[_PATH]
        row[Row.pages] = flow_links.add_page(row[Row.pages], path)
        row[Row.pageviews] += 1
        row[Row.journey] = journey.add(row[Row.journey], journey.page(path))
        if row[Row.exit_ts] is None or ts >= row[Row.exit_ts]:
            row[Row.exit_ts], row[Row.exit_page] = ts, path
    elif name == ENGAGEMENT:
        row[Row.engagement_ms] += ev[_ENGAGEMENT] or 0
    else:
        row[Row.journey] = journey.add(row[Row.journey], journey.event(name))
        if ev[_INTERACTIVE]:
            row[Row.interactive] += 1


def merge(old: Sequence[Any], part: list[Any], has_entry: bool) -> list[Any]:
    """The stored session plus this batch's part. The entry's columns come from the batch only
    when it holds the session_start event."""
    new = list(old)
    if has_entry:
        for s in _ENTRY:
            new[s] = part[s]
    if part[Row.start_ts] < old[Row.start_ts]:
        new[Row.start_ts] = part[Row.start_ts]
    if part[Row.end_ts] > old[Row.end_ts]:
        new[Row.end_ts] = part[Row.end_ts]
    for i in _COUNTERS:
        new[i] = old[i] + part[i]
    new[Row.pages] = flow_links.join_pages(old[Row.pages], part[Row.pages])
    new[Row.journey] = journey.join(old[Row.journey], part[Row.journey])
    if part[Row.exit_ts] is not None and (
        old[Row.exit_ts] is None or part[Row.exit_ts] >= old[Row.exit_ts]
    ):
        new[Row.exit_ts], new[Row.exit_page] = part[Row.exit_ts], part[Row.exit_page]
    return new


def _replace_all(excluded: Any) -> dict[str, Any]:
    return {name: getattr(excluded, name) for name in SESSION_COLS if name != "session_id"}


@cache
def _upsert_sessions(dialect: str) -> Insert:
    return upsert(dialect, sessions, ["session_id"], _replace_all)


async def maintain(conn: AsyncConnection, events: Sequence[Sequence[Any]]) -> dict[int, list[Any]]:
    """Fold the batch's events into `sessions` and `rollup_hours`; return the sessions' rows as
    they now are, by id (an event stores NULL for what equals its session's:
    event_values.stored_row)."""
    if not events:
        return {}
    folded = Fold(events)
    stored = await select_in(conn, sessions, SESSION_COLS, "session_id", list(folded.parts))
    old_rows = {row[0]: row for row in stored}
    merged: list[list[Any]] = []
    deltas = hourly.Deltas()
    links = flow_links.Deltas()
    started = folded.started
    moved: list[tuple[Sequence[Any], list[Any]]] = []
    for sid, part in folded.parts.items():
        old = old_rows.get(sid)
        row = folded.entry_of(sid) if old is None else merge(old, part, sid in started)
        if old is not None and sid in started:
            moved.append((old, row))
        merged.append(row)
        deltas.session(old, row)
        links.session(old, row)
    await event_values.keep_own(conn, moved)
    await execute_rows(conn, _upsert_sessions(conn.dialect.name), SESSION_COLS, merged)
    # A changed session of a sealed hour: that hour's columns are stale, the sealer redoes them.
    touched = {(row[Row.site_id], row[Row.start_ts] // HOUR_MS) for row in merged}
    await columns.unseal(conn, touched)
    starts = {row[0]: row[Row.start_ts] for row in merged}
    deltas.events(events, starts)
    await hourly.write(conn, deltas)
    await flow_links.write(conn, links)
    await retention_days.write(conn, [row for row in merged if row[0] not in old_rows])
    return {row[0]: row for row in merged}
