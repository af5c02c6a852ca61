"""Imported history in reports: the days of a period that imports cover, and their sums.

A day counts where the report can hold it whole: inside the period, and inside one bucket of a
series (so never in hourly buckets). Native data wins per day: a day with a native session is
read from native data alone, whatever an import holds for it (`pulse import` already skips such
days; this keeps a day native that gained traffic after its import). Visitors over several days
are the sum of each day's visitors, as Plausible counts imported data: an imported file knows no
visitor ids to tell repeat visitors apart. The visit duration stands for the engagement time
(avg_engagement_ms), and new / returning visitors are not in the imported tables.

Which table answers which question is the planner's rule (app/queries/planner.py
`imported_read`), recorded for ?explain=1; the report marks its answer `"imported": true`, or
`"imported_excluded": <why>` when imported days fall in the period but the question cannot use
them (flows, funnels, retention, a filter the table does not carry).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import HOUR_MS
from app.data.referrer_hosts import DIRECT
from app.queries import planner
from app.queries.period import Period
from app.queries.planner import EVENT_TABLES, ImportedRead, Question
from app.queries.scope import Scope
from app.storage.tables import IMPORTED, rollup_hours

BASE = ("visitors", "sessions", "pageviews", "bounces", "engagement_ms")
# Per table: the counters standing for visitors, sessions, pageviews, bounces, seconds of visits.
SESSION_COUNTERS = {
    "imported_entry_pages": ("visitors", "entrances", "pageviews", "bounces", "visit_duration"),
    "imported_exit_pages": ("visitors", "exits", "pageviews", "bounces", "visit_duration"),
}
DEFAULT_COUNTERS = ("visitors", "visits", "pageviews", "bounces", "visit_duration")
EVENT_COUNTERS = {"imported_pages": "pageviews", "imported_custom_events": "events"}
# Plausible's operating system names -> Pulse's (app/ingest/useragent.py).
SYSTEMS = {"Mac": "macOS", "GNU/Linux": "Linux", "Chrome OS": "ChromeOS"}


@dataclass
class Found:
    """The imported days a question reads, and how (None: it cannot, `excluded` says why)."""

    read: ImportedRead | None = None
    days: list[date] = field(default_factory=list)
    excluded: str | None = None

    @property
    def used(self) -> bool:
        return self.read is not None and bool(self.days)

    def mark(self, answer: dict[str, Any]) -> dict[str, Any]:
        if self.used:
            answer["imported"] = True
        elif self.excluded is not None:
            answer["imported_excluded"] = self.excluded
        return answer


NOTHING = Found()


def whole_days(period: Period) -> tuple[date, date] | None:
    """The first and last local day lying wholly inside the period (None: not one)."""
    zone = ZoneInfo(period.tz)
    first = _day(period.start, zone)
    if _midnight(first, zone) < period.start:
        first += timedelta(days=1)
    last = _day(period.end, zone) - timedelta(days=1)
    return (first, last) if first <= last else None


def _day(ms: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).date()


def _midnight(day: date, zone: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() * 1000)


async def native_days(
    conn: AsyncConnection, site_id: int, tz: str, first: date, last: date
) -> set[date]:
    """The local days in first..last holding a native session: the hours of the site's total
    rollup rows (one indexed range read), each at its start in the site's zone."""
    zone = ZoneInfo(tz)
    start, end = _midnight(first, zone), _midnight(last + timedelta(days=1), zone)
    r = rollup_hours.c
    query = select(r.hour).where(
        r.site_id == site_id,
        r.dim == "",
        r.hour >= start // HOUR_MS,
        r.hour < -(-end // HOUR_MS),
        r.sessions > 0,
    )
    hours = (await conn.execute(query)).scalars()
    return {_day(h * HOUR_MS, zone) for h in hours}


async def days_in(conn: AsyncConnection, site_id: int, period: Period) -> list[date]:
    """The imported days of the period that no native session covers; one indexed read when
    the site has no import."""
    span = whole_days(period)
    if span is None:
        return []
    v = IMPORTED["imported_visitors"].c
    query = select(v.day).where(v.site_id == site_id, v.day >= span[0], v.day <= span[1])
    found = set((await conn.execute(query.distinct())).scalars())
    if not found:
        return []
    native = await native_days(conn, site_id, period.tz, min(found), max(found))
    return sorted(found - native)


async def lookup(
    conn: AsyncConnection, question: Question, scope: Scope, period: Period | None = None
) -> Found:
    if not scope.imported:
        return NOTHING
    days = await days_in(conn, scope.site_id, period or scope.period)
    if not days:
        return NOTHING
    read = planner.imported_read(question, scope)
    planner.note_imported(question, read)
    if isinstance(read, str):
        return Found(None, days, read)
    return Found(read, days)


def label(column: str | None, value: str) -> str | None:
    """An imported value as Pulse's reports name it: Direct for no source, no value as None."""
    if column == "source":
        return value or DIRECT
    if column == "device":
        return value.lower() or None
    if column == "operating_system":
        return SYSTEMS.get(value, value) or None
    if column == "country":
        return value.upper() or None
    return value or None


def _column(table: Any, name: str) -> Any:
    """An imported table's column; `page_url` is imported_pages' hostname and page joined, as
    dimensions.page_url joins a page view's."""
    if name == "page_url":
        return (table.c.hostname + table.c.page).label("page_url")
    return table.c[name]


async def sums(
    conn: AsyncConnection, site_id: int, found: Found, group: str | None = None
) -> dict[tuple[date, str | None], SimpleNamespace]:
    """Per (day, label of `group`): the base counts, the found filter applied."""
    read = found.read
    assert read is not None
    t = IMPORTED[read.table]
    keys = [c for c in dict.fromkeys((group, read.filter_column)) if c is not None]
    if read.table in EVENT_TABLES:
        counters = {"visitors": "visitors", "count": EVENT_COUNTERS[read.table]}
    else:
        named = SESSION_COUNTERS.get(read.table, DEFAULT_COUNTERS)
        counters = dict(zip(BASE, named, strict=True))
    grouped = [_column(t, k) for k in keys]
    query = (
        select(
            t.c.day,
            *grouped,
            *(func.sum(t.c[c]).label(name) for name, c in counters.items()),
        )
        .where(t.c.site_id == site_id, t.c.day >= found.days[0], t.c.day <= found.days[-1])
        .group_by(t.c.day, *grouped)
    )
    wanted = set(found.days)
    out: dict[tuple[date, str | None], SimpleNamespace] = {}
    for row in await conn.execute(query):
        if row.day not in wanted:
            continue
        mapping = row._mapping
        column = read.filter_column
        if read.filter and column and not read.filter.passes(label(column, mapping[column])):
            continue
        key = (row.day, label(group, mapping[group]) if group else None)
        counts = {name: int(mapping[name] or 0) for name in counters}
        if "engagement_ms" in counts:
            counts["engagement_ms"] *= 1000  # seconds of visits
        known = out.get(key)
        if known is None:
            out[key] = SimpleNamespace(**counts)
        else:
            for name, n in counts.items():
                setattr(known, name, getattr(known, name) + n)
    return out


def plus(native: Any, extra: Iterable[Any]) -> SimpleNamespace:
    """Native base counts plus imported ones (new / returning visitors stay native)."""
    total = SimpleNamespace(
        **{name: int(getattr(native, name, 0) or 0) for name in BASE},
        new_visitors=int(getattr(native, "new_visitors", 0) or 0),
        returning_visitors=int(getattr(native, "returning_visitors", 0) or 0),
    )
    for counts in extra:
        for name in BASE:
            setattr(total, name, getattr(total, name) + getattr(counts, name, 0))
    return total


async def totals(conn: AsyncConnection, site_id: int, found: Found) -> list[SimpleNamespace]:
    return list((await sums(conn, site_id, found)).values())


async def per_bucket(
    conn: AsyncConnection, site_id: int, found: Found, period: Period
) -> dict[int, list[SimpleNamespace]]:
    """Bucket index -> the imported counts of the days it holds whole."""
    zone = ZoneInfo(period.tz)
    bounds: Sequence[int] = period.bounds
    out: dict[int, list[SimpleNamespace]] = {}
    for (day, _), counts in (await sums(conn, site_id, found)).items():
        start, end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        for i in range(len(bounds) - 1):
            if bounds[i] <= start and end <= bounds[i + 1]:
                out.setdefault(i, []).append(counts)
                break
    return out


async def by_label(
    conn: AsyncConnection, site_id: int, found: Found
) -> dict[str | None, SimpleNamespace]:
    """Label of the read's column -> its counts over the found days."""
    read = found.read
    assert read is not None and read.column is not None
    out: dict[str | None, SimpleNamespace] = {}
    for (_, value), counts in (await sums(conn, site_id, found, read.column)).items():
        known = out.get(value)
        if known is None:
            out[value] = SimpleNamespace(**vars(counts))
        else:
            for name, n in vars(counts).items():
                setattr(known, name, getattr(known, name) + n)
    return out
