"""Retention (issue 18): a site's raw events and session rows older than its `keep_raw_days` are
purged, while rollups, visitor sketches, retention tables and sealed columns stay — so the
unfiltered summary, series, breakdowns, flows and retention of old periods keep their numbers,
and filtered reports too where the sealed columns answer them. A report the planner sends to a
scan of the raw rows says `"partial": "raw events purged before <date>"` (app/api/reports.py).

The cut is a UTC midnight N days back. Every hour before it is sealed first (the columns are
built from the session rows about to go). Rows go in chunks of CHUNK, each chunk one job on the
writer's thread (the one writer of analytics data), so ingest batches run between chunks: a
chunk of 5,000 events is a few tens of milliseconds, the most a batch waits. Then SQLite's
incremental vacuum gives pages back, VACUUM_PAGES a writer job, where the file was made with
auto_vacuum=INCREMENTAL (every file Pulse creates; an older one reuses its free pages for new
rows, and `VACUUM` gives them back offline).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import DAY_MS
from app.sites.model import Site
from app.storage.tables import events, sessions, sites

log = logging.getLogger(__name__)
CHUNK = 5_000
# Free pages given back per writer job, so ingest batches run between: measured through
# aiosqlite on the loaded 2-core machine, 41 MiB (10,553 pages) in 53 jobs, the longest 78 ms
# (2,000 a job: 500 ms); the writer's own connection skips aiosqlite's thread hop per statement.
VACUUM_PAGES = 200
INCREMENTAL = 2  # PRAGMA auto_vacuum's value for INCREMENTAL

RunJob = Callable[[Callable[[AsyncConnection], Awaitable[Any]]], Awaitable[Any]]


@dataclass
class Purged:
    events: int = 0
    sessions: int = 0
    seconds: float = 0.0
    chunks: int = 0


def cutoff_ms(keep_raw_days: int, now_ms: int) -> int:
    """The UTC midnight `keep_raw_days` days before now's day: rows before it go."""
    return (now_ms // DAY_MS - keep_raw_days) * DAY_MS


def purged_note(before_ms: int) -> str:
    day = datetime.fromtimestamp(before_ms / 1000, UTC).date().isoformat()
    return f"raw events purged before {day}"


async def _events_chunk(conn: AsyncConnection, site_id: int, before: int) -> int:
    e = events.c
    ids = select(e.id).where(e.site_id == site_id, e.ts < before).limit(CHUNK)
    return int((await conn.execute(delete(events).where(e.id.in_(ids.scalar_subquery())))).rowcount)


async def _sessions_chunk(conn: AsyncConnection, site_id: int, before: int) -> int:
    s = sessions.c
    ids = (
        select(s.session_id)
        .where(s.site_id == site_id, s.start_ts < before, s.end_ts < before)
        .limit(CHUNK)
    )
    query = delete(sessions).where(s.session_id.in_(ids.scalar_subquery()))
    return int((await conn.execute(query)).rowcount)


async def _mark(conn: AsyncConnection, site_id: int, before: int) -> None:
    await conn.execute(update(sites).where(sites.c.id == site_id).values(raw_purged_before=before))


async def purge_site(run_job: RunJob, site: Site, before: int) -> Purged:
    """Delete the site's raw rows before `before` in writer jobs of CHUNK rows each."""
    done, started = Purged(), time.perf_counter()
    for chunk, counter in ((_events_chunk, "events"), (_sessions_chunk, "sessions")):
        while True:
            n = await run_job(functools.partial(chunk, site_id=site.id, before=before))
            setattr(done, counter, getattr(done, counter) + n)
            done.chunks += 1
            if n < CHUNK:
                break
    await run_job(functools.partial(_mark, site_id=site.id, before=before))
    done.seconds = time.perf_counter() - started
    return done


async def _vacuum(conn: AsyncConnection) -> int:
    """Give up to VACUUM_PAGES free pages back to the file system; the pages still free after
    (0 when there is nothing more this file can give back: not SQLite, or a file made without
    auto_vacuum=INCREMENTAL, whose free pages new rows reuse).

    One page a statement: Python's sqlite3 steps a statement without result columns once, and
    each step of `incremental_vacuum` frees one page (the pragma alone would free one page)."""
    if conn.dialect.name != "sqlite":
        return 0
    if (await conn.execute(text("PRAGMA auto_vacuum"))).scalar_one() != INCREMENTAL:
        return 0
    free = int((await conn.execute(text("PRAGMA freelist_count"))).scalar_one())
    for _ in range(min(free, VACUUM_PAGES)):
        await conn.execute(text("PRAGMA incremental_vacuum(1)"))
    left = int((await conn.execute(text("PRAGMA freelist_count"))).scalar_one())
    return left if left < free else 0  # no progress: stop rather than loop


async def purge_all(
    run_job: RunJob, all_sites: list[Site], now_ms: int, seal: Callable[[], Awaitable[int]]
) -> Purged:
    """One retention pass over every site with `keep_raw_days`: seal, purge, vacuum."""
    total = Purged()
    due = [s for s in all_sites if s.keep_raw_days]
    if not due:
        return total
    await seal()  # the columns of every hour before the cut exist before its rows go
    for site in due:
        assert site.keep_raw_days is not None
        before = cutoff_ms(site.keep_raw_days, now_ms)
        found = await purge_site(run_job, site, before)
        total.events += found.events
        total.sessions += found.sessions
        total.chunks += found.chunks
        if found.events or found.sessions:
            log.info(
                "purged %d events and %d sessions of %s (%s)",
                found.events,
                found.sessions,
                site.domain,
                purged_note(before),
            )
    if total.events or total.sessions:
        while await run_job(_vacuum):
            pass
    return total
