"""Reports from rollups: the common questions answered without touching sessions or events.

`rollup_hours` holds exact additive counters per (site, UTC hour, dimension, value) and a visitor
sketch; `visitor_days` and `visitor_weeks` hold the sketches per UTC day and per 7 UTC days. A
period whose bounds fall on whole UTC hours (every range of a site whose zone is a whole number
of hours from UTC) is answered here: counters summed over its hours, visitors the union of the
week sketches of the whole weeks inside it, the day sketches of the whole days around them and
the hour sketches of the hours at its edges (a 30-day report: ~4 + 2 sketches per value).

Which questions come here is the planner's call (app/queries/planner.py): unfiltered ones over
sketched dimensions; part-hour ends are rolled up from sessions (app/queries/edges.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, TypeAlias

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import DAYS_PER_WEEK, HOUR_MS, HOURS_PER_DAY
from app.queries import edges
from app.queries.period import Period
from app.queries.sealed_days import SealedResults, sealed_run
from app.storage import sketches
from app.storage.flow_links import DAY, HOUR
from app.storage.hourly import COUNTERS
from app.storage.tables import flow_links as links_table
from app.storage.tables import rollup_hours, visitor_days, visitor_weeks

r = rollup_hours.c
TOTAL = ""  # the dim (and value) of the site's totals rows
NEW, RETURNING = ("visitor_type", "new"), ("visitor_type", "returning")


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
        if not row:  # nothing counted (an edge without sessions)
            return
        for name, n in zip(COUNTERS, row, strict=True):
            setattr(self, name, getattr(self, name) + int(n or 0))


Blob: TypeAlias = "bytes | sketches.hll_sketch | None"  # a stored sketch, serialized or decoded


@dataclass
class Sketches:
    """The stored sketches of one dimension over a span: whole days and hours, by value."""

    weeks: dict[int, dict[str, Blob]] = field(default_factory=dict)
    days: dict[int, dict[str, Blob]] = field(default_factory=dict)
    hours: dict[int, dict[str, Blob]] = field(default_factory=dict)

    def union(
        self,
        start_h: int,
        end_h: int,
        values: Iterable[str] | None = None,
        more: Iterable[int] = (),
    ) -> int:
        """Distinct visitors over [start_h, end_h) for the given values (all when None), and
        the visitor ids `more` (an edge's)."""
        union = sketches.Union()
        for blobs in self._parts(start_h, end_h):
            for value, blob in blobs.items():
                if values is None or value in values:
                    union.add(blob)
        union.add_ids(more)
        return union.estimate()

    def by_value(
        self,
        start_h: int,
        end_h: int,
        more: dict[str, set[int]] | None = None,
        everyone: bool = True,
    ) -> tuple[dict[str, int], int | None]:
        """Distinct visitors per value (with `more` ids per value, an edge's), and under any
        value (the union of the values' unions: one merge a value, not one a stored sketch;
        None unless `everyone`)."""
        unions: dict[str, sketches.Union] = {}
        for blobs in self._parts(start_h, end_h):
            for value, blob in blobs.items():
                unions.setdefault(value, sketches.Union()).add(blob)
        for value, ids in (more or {}).items():
            unions.setdefault(value, sketches.Union()).add_ids(ids)
        found = {value: union.estimate() for value, union in unions.items()}
        if not everyone:
            return found, None
        anyone = sketches.Union()
        for union in unions.values():
            anyone.add_union(union)
        return found, anyone.estimate()

    def _parts(self, start_h: int, end_h: int) -> Iterable[dict[str, Blob]]:
        first_day, end_day = _whole_days(start_h, end_h)
        for week in range(*_whole(first_day, end_day, DAYS_PER_WEEK)):
            yield self.weeks.get(week, {})
        for day in _edges(first_day, end_day, DAYS_PER_WEEK):
            yield self.days.get(day, {})
        for hour in _edge_hours(start_h, end_h):
            yield self.hours.get(hour, {})


def _whole(start: int, end: int, size: int) -> tuple[int, int]:
    """The blocks of `size` units lying wholly inside [start, end)."""
    first = -(-start // size)
    last = end // size
    return (first, last) if first < last else (first, first)


def _edges(start: int, end: int, size: int) -> list[int]:
    """The units of [start, end) outside its whole blocks of `size`."""
    first, last = _whole(start, end, size)
    if first == last:
        return list(range(start, end))
    return [*range(start, first * size), *range(last * size, end)]


def _whole_days(start_h: int, end_h: int) -> tuple[int, int]:
    return _whole(start_h, end_h, HOURS_PER_DAY)


def _edge_hours(start_h: int, end_h: int) -> list[int]:
    return _edges(start_h, end_h, HOURS_PER_DAY)


async def load_sketches(
    conn: AsyncConnection,
    site_id: int,
    dim: str,
    spans: Sequence[tuple[int, int]],
    values: Sequence[str] | None = None,
    results: SealedResults | None = None,
) -> Sketches:
    """The week, day and hour sketches that `Sketches.union` needs for every span; with
    `results`, those of the spans' leading run of sealed days decoded once and remembered
    there under the days' seal tokens."""
    weeks: set[int] = set()
    days: set[int] = set()
    hours: set[int] = set()
    for start_h, end_h in spans:
        first_day, end_day = _whole_days(start_h, end_h)
        weeks.update(range(*_whole(first_day, end_day, DAYS_PER_WEEK)))
        days.update(_edges(first_day, end_day, DAYS_PER_WEEK))
        hours.update(_edge_hours(start_h, end_h))
    if results is None or not spans:
        return await _load_units(conn, site_id, dim, weeks, days, hours, values)
    lo = min(a for a, _ in spans) // HOURS_PER_DAY
    hi = -(-max(b for _, b in spans) // HOURS_PER_DAY)
    sealed_day, tokens = await sealed_run(conn, site_id, lo, hi)
    sealed_h = sealed_day * HOURS_PER_DAY
    old_weeks = {w for w in weeks if (w + 1) * DAYS_PER_WEEK * HOURS_PER_DAY <= sealed_h}
    old_days = {d for d in days if (d + 1) * HOURS_PER_DAY <= sealed_h}
    old_hours = {h for h in hours if h < sealed_h}
    kept: Sketches | None = None
    if old_weeks or old_days or old_hours:
        units = (tuple(sorted(old_weeks)), tuple(sorted(old_days)), tuple(sorted(old_hours)))
        key = ("sketches", site_id, dim, None if values is None else tuple(values), units, tokens)
        known = results.get(key)
        if isinstance(known, Sketches):
            kept = known
        else:
            stored = await _load_units(conn, site_id, dim, old_weeks, old_days, old_hours, values)
            kept, size = _decoded(stored)
            results.put(key, kept, size)
    live = await _load_units(
        conn, site_id, dim, weeks - old_weeks, days - old_days, hours - old_hours, values
    )
    if kept is None:
        return live
    return Sketches(
        {**kept.weeks, **live.weeks}, {**kept.days, **live.days}, {**kept.hours, **live.hours}
    )


def _decoded(stored: Sketches) -> tuple[Sketches, int]:
    """The sketches deserialized once (to be merged many times), and their size in bytes."""
    out = Sketches()
    size = 100
    for units, into in (
        (stored.weeks, out.weeks),
        (stored.days, out.days),
        (stored.hours, out.hours),
    ):
        for unit, blobs in units.items():
            into[unit] = {value: sketches.decoded(blob) for value, blob in blobs.items()}
            size += sum(100 + len(value) + 2 * len(blob or b"") for value, blob in blobs.items())
    return out, size


async def _load_units(
    conn: AsyncConnection,
    site_id: int,
    dim: str,
    weeks: set[int],
    days: set[int],
    hours: set[int],
    values: Sequence[str] | None = None,
) -> Sketches:
    """The stored sketches of the given weeks, days and hours."""
    found = Sketches()
    for table, column, wanted, into in (
        (visitor_weeks, "week", weeks, found.weeks),
        (visitor_days, "day", days, found.days),
    ):
        if not wanted:
            continue
        key = table.c[column]
        query = select(key, table.c.value, table.c.visitors).where(
            table.c.site_id == site_id,
            table.c.dim == dim,
            key >= min(wanted),
            key <= max(wanted),
        )
        if values is not None:
            query = query.where(table.c.value.in_(values))
        for unit, value, blob in await conn.execute(query):
            if unit in wanted:
                into.setdefault(unit, {})[value] = blob
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


async def totals(
    conn: AsyncConnection, site_id: int, period: Period, results: SealedResults | None = None
) -> Counts:
    """The site's session counters and visitors (new, returning) over the period (sealed
    days' sketches decoded once, in `results`)."""
    start_h, end_h, part_hours = edges.split(period.start, period.end)
    sums = [func.coalesce(func.sum(r[c]), 0) for c in COUNTERS]
    query = select(*sums).where(
        r.site_id == site_id, r.dim == TOTAL, r.hour >= start_h, r.hour < end_h
    )
    counts = Counts()
    counts.add((await conn.execute(query)).one())
    edge = _joined(await edges.roll_up(conn, site_id, part_hours, []))
    counts.add(edge.counts.get((TOTAL, TOTAL), ()))
    span = [(start_h, end_h)]
    everyone = await load_sketches(conn, site_id, TOTAL, span, results=results)
    counts.visitors = everyone.union(start_h, end_h, more=edge.visitors.get((TOTAL, TOTAL), ()))
    kinds = await load_sketches(conn, site_id, NEW[0], span, results=results)
    counts.new_visitors = kinds.union(start_h, end_h, [NEW[1]], edge.visitors.get(NEW, ()))
    counts.returning_visitors = kinds.union(
        start_h, end_h, [RETURNING[1]], edge.visitors.get(RETURNING, ())
    )
    return counts


def _joined(parts: Sequence[edges.EdgeCounts]) -> edges.EdgeCounts:
    out = edges.EdgeCounts()
    for part in parts:
        out.merge(part)
    return out


async def buckets(
    conn: AsyncConnection, site_id: int, period: Period, results: SealedResults | None = None
) -> list[Counts]:
    """`totals` for every bucket of the period, in order (a bucket's part-hour edges, if any,
    from sessions)."""
    cut = [edges.split(a, b) for a, b in pairwise(period.bounds)]
    spans = [(a, b) for a, b, _ in cut]
    query = select(r.hour, *(r[c] for c in COUNTERS)).where(
        r.site_id == site_id, r.dim == TOTAL, r.hour >= spans[0][0], r.hour < spans[-1][1]
    )
    out = [Counts() for _ in spans]
    ends = [b for _, b in spans]
    i = 0
    for hour, *counters in await conn.execute(query.order_by(r.hour)):
        while hour >= ends[i]:
            i += 1
        if hour >= spans[i][0]:  # not an hour cut by a bucket bound (its parts are edges)
            out[i].add(counters)
    windows = [w for _, _, part_hours in cut for w in part_hours]
    rolled = iter(await edges.roll_up(conn, site_id, windows, []))
    bucket_edges = [_joined([next(rolled) for _ in part_hours]) for _, _, part_hours in cut]
    everyone = await load_sketches(conn, site_id, TOTAL, spans, results=results)
    kinds = await load_sketches(conn, site_id, NEW[0], spans, results=results)
    for counts, (a, b), edge in zip(out, spans, bucket_edges, strict=True):
        counts.add(edge.counts.get((TOTAL, TOTAL), ()))
        counts.visitors = everyone.union(a, b, more=edge.visitors.get((TOTAL, TOTAL), ()))
        counts.new_visitors = kinds.union(a, b, [NEW[1]], edge.visitors.get(NEW, ()))
        counts.returning_visitors = kinds.union(
            a, b, [RETURNING[1]], edge.visitors.get(RETURNING, ())
        )
    return out


async def by_value(
    conn: AsyncConnection,
    site_id: int,
    period: Period,
    dim: str,
    results: SealedResults | None = None,
) -> dict[str | None, Counts]:
    """Counters and visitors per value of one dimension ("" is stored for no value: None)."""
    return (await by_value_and_all(conn, site_id, period, dim, False, results))[0]


async def by_value_and_all(
    conn: AsyncConnection,
    site_id: int,
    period: Period,
    dim: str,
    everyone: bool = True,
    results: SealedResults | None = None,
) -> tuple[dict[str | None, Counts], int | None]:
    """`by_value`, and the distinct visitors counted under any value of `dim` (None unless
    `everyone`: that union is one more merge a value). With `results`, the counters and each
    value's union of the sketches of the period's leading sealed days are remembered there."""
    start_h, end_h, part_hours = edges.split(period.start, period.end)
    sealed = await _sealed_part(conn, site_id, dim, start_h, end_h, results)
    found: dict[str, Counts] = {}
    for value, counters in sealed.counters.items():
        found[value] = Counts()
        found[value].add(counters)
    for value, *counters in await conn.execute(_value_sums(site_id, dim, sealed.end_h, end_h)):
        found.setdefault(value, Counts()).add(counters)
    edge = _joined(await edges.roll_up(conn, site_id, part_hours, [dim]))
    for (edge_dim, value), counters in edge.counts.items():
        if edge_dim == dim:
            found.setdefault(value, Counts()).add(counters)
    more = {value: ids for (edge_dim, value), ids in edge.visitors.items() if edge_dim == dim}
    weeks, days, hours = _units(start_h, end_h)
    live = await _load_units(
        conn,
        site_id,
        dim,
        {w for w in weeks if w not in sealed.weeks},
        {d for d in days if d not in sealed.days},
        {h for h in hours if h not in sealed.hours},
    )
    joined = Sketches(
        {**sealed.stored.weeks, **live.weeks},
        {**sealed.stored.days, **live.days},
        {**sealed.stored.hours, **live.hours},
    )
    visitors, anyone = joined.by_value(start_h, end_h, more, everyone)
    for value, counts in found.items():
        counts.visitors = visitors.get(value, 0)
    return {(value or None): counts for value, counts in found.items()}, anyone


def _value_sums(site_id: int, dim: str, start_h: int, end_h: int) -> Any:
    sums = [func.sum(r[c]) for c in COUNTERS]
    return (
        select(r.value, *sums)
        .where(r.site_id == site_id, r.dim == dim, r.hour >= start_h, r.hour < end_h)
        .group_by(r.value)
    )


def _units(start_h: int, end_h: int) -> tuple[set[int], set[int], set[int]]:
    """The weeks, days and hours whose sketches make up [start_h, end_h) (`Sketches._parts`)."""
    first_day, end_day = _whole_days(start_h, end_h)
    weeks = set(range(*_whole(first_day, end_day, DAYS_PER_WEEK)))
    return weeks, set(_edges(first_day, end_day, DAYS_PER_WEEK)), set(_edge_hours(start_h, end_h))


@dataclass
class _Sealed:
    """A by-value read's part over sealed days: the hours [start_h, end_h) summed per value,
    and the stored sketches of its weeks, days and hours, decoded once (a union then merges
    the very sketches it would have read: the same estimate)."""

    end_h: int
    counters: dict[str, list[int]] = field(default_factory=dict)
    stored: Sketches = field(default_factory=lambda: Sketches())
    weeks: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()


async def _sealed_part(
    conn: AsyncConnection,
    site_id: int,
    dim: str,
    start_h: int,
    end_h: int,
    results: SealedResults | None,
) -> _Sealed:
    """The part of [start_h, end_h) on sealed days, remembered under their tokens (nothing
    without `results`, or before the first open hour)."""
    if results is None:
        return _Sealed(start_h)
    lo_day, hi_day = start_h // HOURS_PER_DAY, -(-end_h // HOURS_PER_DAY)
    sealed_day, tokens = await sealed_run(conn, site_id, lo_day, hi_day)
    sealed_h = max(start_h, min(sealed_day * HOURS_PER_DAY, end_h))
    if sealed_h == start_h:
        return _Sealed(start_h)
    key = ("by_value", site_id, dim, start_h, end_h, sealed_h, tokens)
    known = results.get(key)
    if isinstance(known, _Sealed):
        return known
    weeks, days, hours = _units(start_h, end_h)
    part = _Sealed(
        sealed_h,
        weeks=frozenset(w for w in weeks if (w + 1) * DAYS_PER_WEEK * HOURS_PER_DAY <= sealed_h),
        days=frozenset(d for d in days if (d + 1) * HOURS_PER_DAY <= sealed_h),
        hours=frozenset(h for h in hours if h < sealed_h),
    )
    for value, *counters in await conn.execute(_value_sums(site_id, dim, start_h, sealed_h)):
        part.counters[value] = [int(n or 0) for n in counters]
    stored = await _load_units(conn, site_id, dim, set(part.weeks), set(part.days), set(part.hours))
    part.stored, size = _decoded(stored)
    results.put(key, part, size + 100 * len(part.counters))
    return part


async def flow_links(
    conn: AsyncConnection,
    site_id: int,
    period: Period,
    depth: int,
    results: SealedResults | None = None,
) -> Counter[tuple[int, str, str]]:
    """Sessions per Sankey link (step, from, to) up to `depth`, from whole days and edge hours;
    the sum over the leading run of sealed days remembered in `results` under their tokens."""
    start_h, end_h = _hours(period)
    first_day, end_day = _whole_days(start_h, end_h)
    spans = [(DAY, first_day, end_day)]
    if first_day == end_day:
        spans = [(HOUR, start_h, end_h)]
    else:
        spans += [
            (HOUR, start_h, first_day * HOURS_PER_DAY),
            (HOUR, end_day * HOURS_PER_DAY, end_h),
        ]
    found: Counter[tuple[int, str, str]] = Counter()
    if results is not None and first_day < end_day:
        sealed_end, tokens = await sealed_run(conn, site_id, first_day, end_day)
        if sealed_end > first_day:
            key = ("flow_links", site_id, first_day, sealed_end, depth, tokens)
            sealed = results.get(key)
            if sealed is None:
                sealed = await _links(conn, site_id, DAY, first_day, sealed_end, depth)
                results.put(key, sealed, _LINK_BYTES * (len(sealed) + 1))
            found.update(sealed)
            spans[0] = (DAY, sealed_end, end_day)
    for grain, a, b in spans:
        if a < b:
            found.update(await _links(conn, site_id, grain, a, b, depth))
    return +found


_LINK_BYTES = 250  # a Counter entry: its (step, from, to) key, two strings and the count


async def _links(
    conn: AsyncConnection, site_id: int, grain: int, a: int, b: int, depth: int
) -> Counter[tuple[int, str, str]]:
    f = links_table.c
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
    found: Counter[tuple[int, str, str]] = Counter()
    for step, src, dst, n in await conn.execute(query):
        found[(step, src, dst)] += int(n)
    return found
