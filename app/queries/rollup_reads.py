"""Reports from rollups: the common questions answered without touching sessions or events.

`rollup_hours` holds exact additive counters per (site, UTC hour, dimension, value) and a visitor
sketch; `visitor_days` holds the sketches per UTC day. A period whose bounds fall on whole UTC
hours (every range of a site whose zone is a whole number of hours from UTC) is answered here:
counters summed over its hours, visitors the union of the day sketches of the whole UTC days inside
it and the hour sketches of the hours at its edges.

Filtered reports, the exit-page breakdown (no sketch: the exit moves as a session goes on) and
periods cut at half hours read sessions instead (app/queries/scope.py): exact, slower.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.period import HOUR_MS, Period
from app.queries.scope import Scope
from app.storage import sketches
from app.storage.flow_links import DAY, HOUR
from app.storage.hourly import COUNTERS, HOURS_PER_DAY, UNSKETCHED
from app.storage.tables import flow_links as links_table
from app.storage.tables import rollup_hours, visitor_days

r = rollup_hours.c
TOTAL = ""  # the dim (and value) of the site's totals rows
NEW, RETURNING = ("visitor_type", "new"), ("visitor_type", "returning")


def usable(scope: Scope, dimension: str = TOTAL, period: Period | None = None) -> bool:
    bounds = (period or scope.period).bounds
    return (
        not scope.filters
        and dimension not in UNSKETCHED
        and all(bound % HOUR_MS == 0 for bound in bounds)
    )


@dataclass
class Counts:
    sessions: int = 0
    pageviews: int = 0
    bounces: int = 0
    engagement_ms: int = 0
    new_sessions: int = 0
    events: int = 0
    visitors: int = 0
    new_visitors: int = 0
    returning_visitors: int = 0

    def add(self, row: Sequence[Any]) -> None:
        for name, n in zip(COUNTERS, row, strict=True):
            setattr(self, name, getattr(self, name) + int(n or 0))


@dataclass
class Sketches:
    """The stored sketches of one dimension over a span: whole days and hours, by value."""

    days: dict[int, dict[str, bytes]] = field(default_factory=dict)
    hours: dict[int, dict[str, bytes]] = field(default_factory=dict)

    def union(self, start_h: int, end_h: int, values: Iterable[str] | None = None) -> int:
        """Distinct visitors over [start_h, end_h) for the given values (all when None)."""
        union = sketches.Union()
        for blobs in self._parts(start_h, end_h):
            for value, blob in blobs.items():
                if values is None or value in values:
                    union.add(blob)
        return union.estimate()

    def by_value(self, start_h: int, end_h: int) -> tuple[dict[str, int], int]:
        """Distinct visitors per value, and under any value (the union of the values' unions:
        one merge a value, not one a stored sketch)."""
        unions: dict[str, sketches.Union] = {}
        for blobs in self._parts(start_h, end_h):
            for value, blob in blobs.items():
                unions.setdefault(value, sketches.Union()).add(blob)
        everyone = sketches.Union()
        for union in unions.values():
            everyone.add_union(union)
        return {value: union.estimate() for value, union in unions.items()}, everyone.estimate()

    def _parts(self, start_h: int, end_h: int) -> Iterable[dict[str, bytes]]:
        first_day, end_day = _whole_days(start_h, end_h)
        for day in range(first_day, end_day):
            yield self.days.get(day, {})
        for hour in _edge_hours(start_h, end_h):
            yield self.hours.get(hour, {})


def _whole_days(start_h: int, end_h: int) -> tuple[int, int]:
    first = -(-start_h // HOURS_PER_DAY)
    end = end_h // HOURS_PER_DAY
    return (first, end) if first < end else (first, first)


def _edge_hours(start_h: int, end_h: int) -> list[int]:
    first, end = _whole_days(start_h, end_h)
    if first == end:
        return list(range(start_h, end_h))
    return [*range(start_h, first * HOURS_PER_DAY), *range(end * HOURS_PER_DAY, end_h)]


async def load_sketches(
    conn: AsyncConnection,
    site_id: int,
    dim: str,
    spans: Sequence[tuple[int, int]],
    values: Sequence[str] | None = None,
) -> Sketches:
    """The day and hour sketches that `Sketches.union` needs for every span (start_h, end_h)."""
    days: set[int] = set()
    hours: set[int] = set()
    for start_h, end_h in spans:
        days.update(range(*_whole_days(start_h, end_h)))
        hours.update(_edge_hours(start_h, end_h))
    found = Sketches()
    d = visitor_days.c
    if days:
        query = select(d.day, d.value, d.visitors).where(
            d.site_id == site_id, d.dim == dim, d.day >= min(days), d.day <= max(days)
        )
        if values is not None:
            query = query.where(d.value.in_(values))
        for day, value, blob in await conn.execute(query):
            if day in days:
                found.days.setdefault(day, {})[value] = blob
    if hours:
        query = select(r.hour, r.value, r.visitors).where(
            r.site_id == site_id, r.dim == dim, r.hour >= min(hours), r.hour <= max(hours)
        )
        if values is not None:
            query = query.where(r.value.in_(values))
        for hour, value, blob in await conn.execute(query):
            if hour in hours and blob:
                found.hours.setdefault(hour, {})[value] = blob
    return found


def _hours(period: Period) -> tuple[int, int]:
    return period.start // HOUR_MS, period.end // HOUR_MS


async def totals(conn: AsyncConnection, site_id: int, period: Period) -> Counts:
    """The site's session counters and visitors (new, returning) over the period."""
    start_h, end_h = _hours(period)
    sums = [func.coalesce(func.sum(r[c]), 0) for c in COUNTERS]
    query = select(*sums).where(
        r.site_id == site_id, r.dim == TOTAL, r.hour >= start_h, r.hour < end_h
    )
    counts = Counts()
    counts.add((await conn.execute(query)).one())
    span = [(start_h, end_h)]
    counts.visitors = (await load_sketches(conn, site_id, TOTAL, span)).union(start_h, end_h)
    kinds = await load_sketches(conn, site_id, NEW[0], span)
    counts.new_visitors = kinds.union(start_h, end_h, [NEW[1]])
    counts.returning_visitors = kinds.union(start_h, end_h, [RETURNING[1]])
    return counts


async def buckets(conn: AsyncConnection, site_id: int, period: Period) -> list[Counts]:
    """`totals` for every bucket of the period, in order."""
    spans = [(a // HOUR_MS, b // HOUR_MS) for a, b in pairwise(period.bounds)]
    start_h, end_h = _hours(period)
    query = select(r.hour, *(r[c] for c in COUNTERS)).where(
        r.site_id == site_id, r.dim == TOTAL, r.hour >= start_h, r.hour < end_h
    )
    out = [Counts() for _ in spans]
    edges = [b for _, b in spans]
    i = 0
    for hour, *counters in await conn.execute(query.order_by(r.hour)):
        while hour >= edges[i]:
            i += 1
        out[i].add(counters)
    everyone = await load_sketches(conn, site_id, TOTAL, spans)
    kinds = await load_sketches(conn, site_id, NEW[0], spans)
    for counts, (a, b) in zip(out, spans, strict=True):
        counts.visitors = everyone.union(a, b)
        counts.new_visitors = kinds.union(a, b, [NEW[1]])
        counts.returning_visitors = kinds.union(a, b, [RETURNING[1]])
    return out


async def by_value(
    conn: AsyncConnection, site_id: int, period: Period, dim: str
) -> dict[str | None, Counts]:
    """Counters and visitors per value of one dimension ("" is stored for no value: None)."""
    return (await by_value_and_all(conn, site_id, period, dim))[0]


async def by_value_and_all(
    conn: AsyncConnection, site_id: int, period: Period, dim: str
) -> tuple[dict[str | None, Counts], int]:
    """`by_value`, and the distinct visitors counted under any value of `dim`."""
    start_h, end_h = _hours(period)
    sums = [func.sum(r[c]) for c in COUNTERS]
    query = (
        select(r.value, *sums)
        .where(r.site_id == site_id, r.dim == dim, r.hour >= start_h, r.hour < end_h)
        .group_by(r.value)
    )
    found: dict[str, Counts] = {}
    for value, *counters in await conn.execute(query):
        found.setdefault(value, Counts()).add(counters)
    stored = await load_sketches(conn, site_id, dim, [(start_h, end_h)])
    visitors, everyone = stored.by_value(start_h, end_h)
    for value, counts in found.items():
        counts.visitors = visitors.get(value, 0)
    return {(value or None): counts for value, counts in found.items()}, everyone


async def flow_links(
    conn: AsyncConnection, site_id: int, period: Period, depth: int
) -> Counter[tuple[int, str, str]]:
    """Sessions per Sankey link (step, from, to) up to `depth`, from whole days and edge hours."""
    start_h, end_h = _hours(period)
    first_day, end_day = _whole_days(start_h, end_h)
    f = links_table.c
    spans = [(DAY, first_day, end_day)]
    if first_day == end_day:
        spans = [(HOUR, start_h, end_h)]
    else:
        spans += [
            (HOUR, start_h, first_day * HOURS_PER_DAY),
            (HOUR, end_day * HOURS_PER_DAY, end_h),
        ]
    found: Counter[tuple[int, str, str]] = Counter()
    for grain, a, b in spans:
        if a >= b:
            continue
        query = (
            select(f.step, f.src, f.dst, func.sum(f.sessions))
            .where(
                f.site_id == site_id,
                f.grain == grain,
                f.bucket >= a,
                f.bucket < b,
                f.step <= depth,
            )
            .group_by(f.step, f.src, f.dst)
        )
        for step, src, dst, n in await conn.execute(query):
            found[(step, src, dst)] += int(n)
    return +found
