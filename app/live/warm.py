"""Warm start: rebuild a site's window from the stored events, so a restart does not blank the
wall. Runs once per site in Runtime.start(), before the server accepts anything, through the
`ix_events_site_ts` index:

- the window's 30 minutes are replayed event by event through `SiteWindow.add` (the same code
  as live ingest, so a restarted window equals the one that stopped), streamed in partitions of
  5,000 rows so a busy site's half hour (~900,000 rows at 500 events/s) is never all in memory;
- today's totals before the window come from one aggregate query and the distinct visitor ids
  (up to the cap) from another.

Country, device, browser and OS are the session's (`events` does not repeat them, tables.py
SESSION_FIELDS): the replay reads them from each event's `sessions` row, by its primary key.

The writer drains its queue at shutdown, so the table holds every event the old process took.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.events import PAGEVIEW, Event
from app.live.windows import MINUTE_MS, WINDOW_MINUTES, SiteWindow
from app.storage import event_rows
from app.storage.tables import events

PARTITION_ROWS = 5_000
_c = events.c
_F = event_rows.field
_COLUMNS = (
    _c.ts,
    _c.name,
    _c.pathname,
    _F("visitor_id"),
    _c.session_id,
    _F("new_visitor"),
    _c.session_start,
    _F("source"),
    _F("channel"),
    _F("country"),
    _F("device"),
    # What a locked view's filter may ask of a replayed event (app/live/lock.py).
    _F("referrer_domain"),
    _F("utm_source"),
    _F("utm_medium"),
    _F("utm_campaign"),
    _F("utm_term"),
    _F("utm_content"),
    _F("browser"),
    _F("os"),
)


async def fill(engine: AsyncEngine, site_id: int, window: SiteWindow, now_ms: int) -> int:
    """Load today's earlier totals, then replay the window; return the events replayed."""
    since = (window.cur - WINDOW_MINUTES + 1) * MINUTE_MS
    async with engine.connect() as conn:
        if window.today.start < since:
            await _preload_today(conn, site_id, window, window.today.start, since)
        return await _replay(conn, site_id, window, since, now_ms)


async def _preload_today(
    conn: AsyncConnection, site_id: int, window: SiteWindow, start: int, until: int
) -> None:
    where = (_c.site_id == site_id, _c.ts >= start, _c.ts < until)
    totals = (
        await conn.execute(
            select(
                func.coalesce(func.sum(case((_c.name == PAGEVIEW, 1), else_=0)), 0),
                func.coalesce(func.sum(case((_c.session_start, 1), else_=0)), 0),
                func.count(func.distinct(_F("visitor_id"))),
            )
            .select_from(event_rows.joined())
            .where(*where)
        )
    ).one()
    visitor = _F("visitor_id")
    query = select(visitor).select_from(event_rows.joined()).where(*where).distinct()
    ids = await conn.scalars(query.limit(window.today.cap))
    window.today.preload(int(totals[0]), int(totals[1]), int(totals[2]), cast(list[int], list(ids)))


async def _replay(
    conn: AsyncConnection, site_id: int, window: SiteWindow, since: int, now_ms: int
) -> int:
    query = (
        select(*_COLUMNS)
        .select_from(event_rows.joined())
        .where(_c.site_id == site_id, _c.ts >= since, _c.ts <= now_ms)
        .order_by(_c.ts, _c.id)
    )
    replayed = 0
    result = await conn.stream(query.execution_options(yield_per=PARTITION_ROWS))
    async for rows in result.partitions():
        for r in rows:
            window.add(_event(site_id, r))
        replayed += len(rows)
    return replayed


def _event(site_id: int, r: Any) -> Event:
    return Event(
        site_id,
        r.ts,
        r.name,
        "",
        r.pathname,
        r.visitor_id,
        r.session_id,
        bool(r.new_visitor),
        bool(r.session_start),
        referrer_domain=r.referrer_domain,
        source=r.source,
        channel=r.channel,
        utm_source=r.utm_source,
        utm_medium=r.utm_medium,
        utm_campaign=r.utm_campaign,
        utm_term=r.utm_term,
        utm_content=r.utm_content,
        country=r.country,
        browser=r.browser,
        os=r.os,
        device=r.device,
    )


EventKey = tuple[int, int, str, str]


def key_of(e: Event) -> EventKey:
    """Enough to tell one event from another that arrived in the same millisecond."""
    return (e.ts, e.session_id, e.name, e.pathname)


async def fill_locked(
    engine: AsyncEngine,
    site_id: int,
    window: SiteWindow,
    admits: Callable[[Event], bool],
    now_ms: int,
) -> set[EventKey]:
    """A locked view's window (app/live/lock.py): today's events replayed through its filter
    (those before the window count in today's totals only, there is no filtered aggregate to
    preload); the keys of the last minute's replayed events, so the hub can drop the events
    that arrived meanwhile and were replayed too."""
    since = (window.cur - WINDOW_MINUTES + 1) * MINUTE_MS
    start = min(since, window.today.start)
    query = (
        select(*_COLUMNS)
        .select_from(event_rows.joined())
        .where(_c.site_id == site_id, _c.ts >= start, _c.ts <= now_ms)
        .order_by(_c.ts, _c.id)
    )
    recent: set[EventKey] = set()
    async with engine.connect() as conn:
        result = await conn.stream(query.execution_options(yield_per=PARTITION_ROWS))
        async for rows in result.partitions():
            for r in rows:
                e = _event(site_id, r)
                if not admits(e):
                    continue
                if e.ts < since:
                    window.today.add(e)
                else:
                    window.add(e)
                if e.ts >= now_ms - MINUTE_MS:
                    recent.add(key_of(e))
    return recent
