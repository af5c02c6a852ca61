"""Warm start: rebuild a site's window from the stored events, so a restart does not blank the
wall. Runs once per site in Runtime.start(), before the server accepts anything, through the
`ix_events_site_ts` index:

- the window's 30 minutes are replayed event by event through `SiteWindow.add` (the same code
  as live ingest, so a restarted window equals the one that stopped), streamed in partitions of
  5,000 rows so a busy site's half hour (~900,000 rows at 500 events/s) is never all in memory;
- today's totals before the window come from one aggregate query and the distinct visitor ids
  (up to the cap) from another.

The writer drains its queue at shutdown, so the table holds every event the old process took.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.events import PAGEVIEW, Event
from app.live.windows import MINUTE_MS, WINDOW_MINUTES, SiteWindow
from app.storage.tables import events

PARTITION_ROWS = 5_000
_c = events.c
_COLUMNS = (
    _c.ts,
    _c.name,
    _c.pathname,
    _c.visitor_id,
    _c.session_id,
    _c.new_visitor,
    _c.session_start,
    _c.source,
    _c.channel,
    _c.country,
    _c.device,
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
                func.count(func.distinct(_c.visitor_id)),
            ).where(*where)
        )
    ).one()
    ids = await conn.scalars(select(_c.visitor_id).where(*where).distinct().limit(window.today.cap))
    window.today.preload(int(totals[0]), int(totals[1]), int(totals[2]), list(ids))


async def _replay(
    conn: AsyncConnection, site_id: int, window: SiteWindow, since: int, now_ms: int
) -> int:
    query = (
        select(*_COLUMNS)
        .where(_c.site_id == site_id, _c.ts >= since, _c.ts <= now_ms)
        .order_by(_c.ts, _c.id)
    )
    replayed = 0
    result = await conn.stream(query.execution_options(yield_per=PARTITION_ROWS))
    async for rows in result.partitions():
        for r in rows:
            window.add(
                Event(
                    site_id,
                    r.ts,
                    r.name,
                    "",
                    r.pathname,
                    r.visitor_id,
                    r.session_id,
                    bool(r.new_visitor),
                    bool(r.session_start),
                    source=r.source,
                    channel=r.channel,
                    country=r.country,
                    device=r.device,
                )
            )
        replayed += len(rows)
    return replayed
