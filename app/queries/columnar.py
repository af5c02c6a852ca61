"""The sealed-columns read path (app/storage/columns.py), with numpy: `load` gives a Frame of
the period's sessions that pass the filters.

A period's sealed hours come as one block per UTC day (from the Runtime's ColumnCache keyed by
the day's build tokens, else from `session_columns`), its open hours' sessions as rows. Only
columns carrying the tokens the hours were listed with are used: SQLite gives each SELECT its own
snapshot, so an hour sealed again or unsealed in between declines (RESEALED; the planner retries
once, then falls back). The parts: column_frame.py (blocks and gathered columns),
column_filters.py (filters), column_counts.py (metrics per group), column_retention.py
(retention cells); the names below are the path's interface. The numbers are the SQL path's
definitions exactly (the recounts and golden bodies in tests/queries compare them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import HOUR_MS, HOURS_PER_DAY
from app.goals.definition import SCROLL
from app.queries import sealed_days
from app.queries.column_cache import UNSHARED_BYTES, ColumnCache
from app.queries.column_counts import buckets, by_label, distinct_by_group, totals
from app.queries.column_filters import JOURNEY_FILTER, frame_of, journey_hits, past_journeys
from app.queries.column_frame import Block, Frame, concat, off_loop
from app.queries.column_retention import retention_cells
from app.queries.filters import GOAL
from app.queries.period import Period
from app.queries.scope import Scope
from app.storage import columns
from app.storage.columns import Column
from app.storage.tables import session_columns, sessions

__all__ = ["Frame", "buckets", "by_label", "distinct_by_group", "load", "off_loop"]
__all__ += ["retention_cells", "totals", "RESEALED"]

# Why a load declined: an hour's seal token moved between listing and reading (the planner
# retries once, then falls back).
RESEALED = "hours sealed again or unsealed while read"


_IN_CHUNK = 400


_METRICS = ("start", "visitor", "pageviews", "bounce", "engagement")


Admit = Callable[[int, int], "str | None"]  # (open sessions, sessions) -> why not, or None


async def load(
    conn: AsyncConnection,
    scope: Scope,
    period: Period,
    dims: Iterable[str] = (),
    fields: Sequence[str] | None = None,
    admit: Admit | None = None,
) -> Frame | str:
    """The period's sessions passing the scope's filters, with the columns `fields` (default:
    the session metrics) and those of `dims`; or why not: `admit` (the planner's bounds)
    refused the period, or RESEALED."""
    fields = (*_METRICS, "new") if fields is None else fields
    wanted = {f.dim for f in scope.filters if not f.event_grain} | set(dims) | {"new"}
    wanted.discard("visitor_type")  # it is "new"
    on_items = any(f.dim in ("page", "event", GOAL) for f in scope.filters)
    journeys = JOURNEY_FILTER if on_items else ()
    props = ("props",) if any(f.dim.startswith("prop:") for f in scope.filters) else ()
    scrolled = any(f.goal is not None and f.goal.kind == SCROLL for f in scope.filters)
    scrolls = ("scrolls",) if scrolled else ()
    names = ["start", *fields, *journeys, *props, *scrolls, *sorted(wanted)]
    names = list(dict.fromkeys(names))
    cache = scope.columns or ColumnCache(UNSHARED_BYTES)
    blocks = await _read(conn, scope.site_id, period, names, cache, admit or (lambda o, t: None))
    if isinstance(blocks, str):
        return blocks
    journey_filters = [f for f in scope.filters if f.event_grain]
    stored = await off_loop(journey_hits, blocks, journey_filters)
    beyond = await past_journeys(conn, scope.site_id, blocks, period, stored)
    return await off_loop(frame_of, blocks, period, scope.filters, stored, beyond)


async def _read(
    conn: AsyncConnection,
    site_id: int,
    period: Period,
    names: list[str],
    cache: ColumnCache,
    admit: Admit,
) -> list[Block] | str:
    sealed: dict[int, list[tuple[int, int]]] = {}
    open_hours: list[int] = []
    open_sessions = 0
    total = 0
    first_h, end_h = period.start // HOUR_MS, -(-period.end // HOUR_MS)
    for hour, count, built in await sealed_days.hours(conn, site_id, first_h, end_h):
        total += count
        if built is None:
            open_hours.append(hour)
            open_sessions += count
        else:
            sealed.setdefault(hour // HOURS_PER_DAY, []).append((hour, built))
    refused = admit(open_sessions, total)
    if refused is not None:
        return refused
    blocks = await _days(conn, site_id, sealed, names, cache)
    if blocks is None:
        sealed_days.forget(site_id)  # the retry lists the hours again
        return RESEALED
    if open_hours:
        # One index range per run of open hours, clipped to the period (SQLite uses one range
        # per OR term; the period's bounds beside them made it range over the whole period).
        spans = [
            _span(site_id, max(lo * HOUR_MS, period.start), min(hi * HOUR_MS, period.end))
            for lo, hi in _runs(open_hours)
        ]
        rows, items = await columns.fetch(conn, site_id, or_(*spans), names)
        blocks.append(await off_loop(columns.from_rows, rows, names, items))
    return blocks


async def _days(
    conn: AsyncConnection,
    site_id: int,
    sealed: dict[int, list[tuple[int, int]]],
    names: list[str],
    cache: ColumnCache,
) -> list[Block] | None:
    """One block per UTC day of sealed hours: from the cache (keyed by the hours' build
    tokens, so a day with an hour sealed again is a new key), else read and merged."""

    def key(day: int, name: str) -> tuple[Any, ...]:
        return (site_id, day, name, tuple(built for _, built in sealed[day]))

    blocks: dict[int, Block] = {}
    missing: list[int] = []
    for day in sealed:
        found = {name: cache.get(key(day, name)) for name in names}
        if any(column is None for column in found.values()):
            missing.append(day)
        else:
            blocks[day] = found  # type: ignore[assignment]
    hours = [hour for day in missing for hour, _ in sealed[day]]
    decoded: dict[tuple[int, str], Column] = {}
    token = {hour: built for day in missing for hour, built in sealed[day]}
    c = session_columns.c
    for i in range(0, len(hours), _IN_CHUNK):
        query = select(c.hour, c.name, c.built, c.data).where(
            c.site_id == site_id, c.hour.in_(hours[i : i + _IN_CHUNK]), c.name.in_(names)
        )
        found_rows = [row for row in await conn.execute(query) if row.built == token[row.hour]]
        decoded.update(await off_loop(_decoded, found_rows))
    for day in missing:
        if any((h, name) not in decoded for h, _ in sealed[day] for name in names):
            # Sealed again or unsealed since the hours were listed (each SELECT may see a
            # newer commit on SQLite), or sealed by an older release without this column.
            return None
    built = await off_loop(_blocks_of, decoded, {day: sealed[day] for day in missing}, names)
    for day, block in built.items():
        for name, column in block.items():
            cache.put(key(day, name), column)
        blocks[day] = block
    return [blocks[day] for day in sorted(blocks)]


def _decoded(found: list[Any]) -> dict[tuple[int, str], Column]:
    return {(row.hour, row.name): columns.decode(row.name, row.data, row.hour) for row in found}


def _blocks_of(
    decoded: dict[tuple[int, str], Column],
    days: dict[int, list[tuple[int, int]]],
    names: list[str],
) -> dict[int, Block]:
    return {
        day: {name: concat([decoded[(h, name)] for h, _ in hours]) for name in names}
        for day, hours in days.items()
    }


def _span(site_id: int, start: int, end: int) -> Any:
    s = sessions.c
    return and_(s.site_id == site_id, s.start_ts >= start, s.start_ts < end)


def _runs(hours: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive hours as [lo, hi) runs."""
    runs: list[tuple[int, int]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + 1)
        else:
            runs.append((hour, hour + 1))
    return runs
