"""What an `events` row keeps of an event, given its session's row (issue 18, migration 0031).

A session's visitor and whether they were new are the same on every one of its events: `events`
does not store them (readers join `sessions`). An event's hostname and acquisition (referrer
domain, source, channel, UTM tags) are its own, but nearly always its session's too, which
took ~35 bytes of each of the session's ~4.5 events: they are stored NULL when they equal the
session row's (the acquisition as a group: `source` NULL says every one of them is the
session's; an event's own source is never NULL). `event_rows.field` reads them back.

The session row compared with is the one the batch leaves, in the same transaction. It changes
its entry's values only when a batch brings the session's entry event after some of its other
events were stored (a replayed spill file, a second process): `keep_own` first writes the old
values into the stored events that held NULL for them, so no stored event changes its meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events import EVENT_FIELDS
from app.storage.session_row import Row, at
from app.storage.tables import ACQUISITION, ENTRY_ONLY, STORED_FIELDS, events

_stored = itemgetter(*(EVENT_FIELDS.index(name) for name in STORED_FIELDS))
_START = EVENT_FIELDS.index("session_start")
_SID = EVENT_FIELDS.index("session_id")
_HOST = EVENT_FIELDS.index("hostname")
_ENTRY_ONLY = [STORED_FIELDS.index(name) for name in ENTRY_ONLY]
_STORED_HOST = STORED_FIELDS.index("hostname")
_STORED_GROUP = [STORED_FIELDS.index(name) for name in ACQUISITION]
_event_group = itemgetter(*(EVENT_FIELDS.index(name) for name in ACQUISITION))
_session_group = itemgetter(*(at(name) for name in ACQUISITION))


def stored_row(row: Sequence[Any], session: Sequence[Any] | None) -> tuple[Any, ...]:
    """What `events` keeps of a full row (EVENT_FIELDS order): no device, geo or visitor; the
    raw versions and screen on the entry event only; NULL hostname and acquisition where they
    are `session`'s (the event's `sessions` row after this batch)."""
    kept = _stored(row)
    same_group = session is not None and _event_group(row) == _session_group(session)
    same_host = session is not None and row[_HOST] == session[Row.hostname]
    start = row[_START]
    if start and not same_group and not same_host:
        return kept  # type: ignore[no-any-return]
    out = list(kept)
    if not start:
        for i in _ENTRY_ONLY:
            out[i] = None
    if same_group:
        for i in _STORED_GROUP:
            out[i] = None
    if same_host:
        out[_STORED_HOST] = None
    return tuple(out)


def stored_rows(
    rows: Sequence[Sequence[Any]], sessions: dict[int, list[Any]]
) -> list[tuple[Any, ...]]:
    get = sessions.get
    return [stored_row(row, get(row[_SID])) for row in rows]


async def keep_own(conn: AsyncConnection, moved: Sequence[tuple[Sequence[Any], list[Any]]]) -> None:
    """Stored sessions whose entry this batch brings (old row, new row): where their entry
    values change, the events stored so far get the old ones in place of NULL (rare: the entry
    event is nearly always in the session's first batch)."""
    e = events.c
    for old, new in moved:
        span = and_(
            e.site_id == old[Row.site_id],
            e.ts >= old[Row.start_ts],
            e.ts <= old[Row.end_ts],
            e.session_id == old[Row.session_id],
        )
        if _session_group(old) != _session_group(new):
            values = dict(zip(ACQUISITION, _session_group(old), strict=True))
            await conn.execute(update(events).where(span, e.source.is_(None)).values(values))
        if old[Row.hostname] != new[Row.hostname]:
            query = update(events).where(span, e.hostname.is_(None))
            await conn.execute(query.values(hostname=old[Row.hostname]))
