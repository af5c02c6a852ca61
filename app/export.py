"""`pulse export --site DOMAIN [--from D] [--to D] OUT.zip`: a site's data in Plausible's CSV
export format, one file per `imported_*` table, one row per local day and value; `--raw` writes
the raw events as CSV instead.

Plausible's own exporter (its `Plausible.Exports` module) fixes the shapes: the file names
(`imported_visitors_20261101_20261130.csv`), the columns and their order, and what each number
means:
- `visitors`: distinct visitors that day (and value); `visits`: sessions; `pageviews`;
- `bounces`: sessions of one page view and no interactive event (Pulse's own definition,
  app/dimensions.py); `visit_duration`: the sum of the sessions' durations in whole seconds
  (last event minus first, as Plausible measures it);
- pages: `total_scroll_depth` (per session, the deepest scroll on the page, summed) over
  `total_scroll_depth_visits`, and `total_time_on_page` (engaged seconds) over
  `total_time_on_page_visits`;
- a session is counted on the local day (the site's zone) it starts, an event on its own.
Direct traffic has an empty `source`, as in Plausible. Pulse knows no region or city yet: those
columns are empty / 0, as Plausible writes them for an unknown location.

Reading is one pass over the events (pages, custom events, each session's browser and OS
versions from its first event) and one over the sessions, both streamed; the archive is written
beside OUT and renamed into place when whole.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.data.referrer_hosts import DIRECT
from app.dimensions import is_bounce
from app.events import ENGAGEMENT, EVENT_FIELDS, PAGEVIEW
from app.settings import Settings
from app.sites.model import Site
from app.sites.store import find_site
from app.storage import event_rows
from app.storage.database import create_engine
from app.storage.tables import events, sessions

# Plausible's system goals whose URL or path is part of the custom-events table's key.
LINK_GOALS = frozenset({"Outbound Link: Click", "File Download", "Cloaked Link: Click"})
PATH_GOALS = frozenset({"404"})
QUARTER_HOUR_MS = 900_000  # every zone's offset is a multiple of 15 minutes
SESSION_METRICS = ("visitors", "visits", "visit_duration", "bounces", "pageviews")

COLUMNS: dict[str, tuple[str, ...]] = {
    "imported_visitors": ("date", "visitors", "pageviews", "bounces", "visits", "visit_duration"),
    "imported_sources": (
        "date",
        "source",
        "referrer",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
        "pageviews",
        "visitors",
        "visits",
        "visit_duration",
        "bounces",
    ),
    "imported_pages": (
        "date",
        "hostname",
        "page",
        "visits",
        "visitors",
        "pageviews",
        "total_scroll_depth",
        "total_scroll_depth_visits",
        "total_time_on_page",
        "total_time_on_page_visits",
    ),
    "imported_entry_pages": (
        "date",
        "entry_page",
        "visitors",
        "entrances",
        "visit_duration",
        "bounces",
        "pageviews",
    ),
    "imported_exit_pages": (
        "date",
        "exit_page",
        "visitors",
        "visit_duration",
        "exits",
        "bounces",
        "pageviews",
    ),
    "imported_custom_events": ("date", "name", "link_url", "path", "visitors", "events"),
    "imported_locations": ("date", "country", "region", "city", *SESSION_METRICS),
    "imported_devices": ("date", "device", *SESSION_METRICS),
    "imported_browsers": ("date", "browser", "browser_version", *SESSION_METRICS),
    "imported_operating_systems": (
        "date",
        "operating_system",
        "operating_system_version",
        *SESSION_METRICS,
    ),
}


class ExportError(Exception):
    """An export that cannot be made; the message says why."""


@dataclass
class Visits:
    """Session counters of one (day, value)."""

    visitors: set[int] = field(default_factory=set)
    visits: int = 0
    pageviews: int = 0
    bounces: int = 0
    duration_s: int = 0

    def add(self, visitor: int, pageviews: int, bounce: bool, duration_s: int) -> None:
        self.visitors.add(visitor)
        self.visits += 1
        self.pageviews += pageviews
        self.bounces += bounce
        self.duration_s += duration_s


@dataclass
class Pages:
    """Event counters of one (day, page)."""

    hostname: str = ""
    visitors: set[int] = field(default_factory=set)
    sessions: set[int] = field(default_factory=set)
    pageviews: int = 0
    deepest: dict[int, int] = field(default_factory=dict)  # session -> max scroll %
    engaged_ms: int = 0
    engaged_sessions: set[int] = field(default_factory=set)


@dataclass
class Custom:
    visitors: set[int] = field(default_factory=set)
    events: int = 0


@dataclass
class Export:
    """Everything tallied for one site and date range; `tables()` gives the CSV rows."""

    visits: dict[str, dict[tuple[Any, ...], Visits]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Visits))
    )
    pages: dict[tuple[date, str], Pages] = field(default_factory=lambda: defaultdict(Pages))
    custom: dict[tuple[date, str, str, str], Custom] = field(
        default_factory=lambda: defaultdict(Custom)
    )
    day_pageviews: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    versions: dict[int, tuple[str, str]] = field(default_factory=dict)

    def tables(self) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {}
        days = self.visits["visitors"]
        out["imported_visitors"] = [
            (day, len(v.visitors), self.day_pageviews[day], v.bounces, v.visits, v.duration_s)
            for (day,), v in sorted(days.items())
        ]
        for name in ("sources", "locations", "devices", "browsers", "operating_systems"):
            out[f"imported_{name}"] = [
                _visits_row(name, key, v) for key, v in sorted(self.visits[name].items(), key=_key)
            ]
        out["imported_entry_pages"] = [
            (day, page, len(v.visitors), v.visits, v.duration_s, v.bounces, v.pageviews)
            for (day, page), v in sorted(self.visits["entry_pages"].items())
        ]
        out["imported_exit_pages"] = [
            (day, page, len(v.visitors), v.duration_s, v.visits, v.bounces, v.pageviews)
            for (day, page), v in sorted(self.visits["exit_pages"].items())
        ]
        out["imported_pages"] = [
            (
                day,
                p.hostname,
                page,
                len(p.sessions),
                len(p.visitors),
                p.pageviews,
                sum(p.deepest.values()),
                len(p.deepest),
                round(p.engaged_ms / 1000),
                len(p.engaged_sessions),
            )
            for (day, page), p in sorted(self.pages.items())
            if p.pageviews
        ]
        out["imported_custom_events"] = [
            (day, name, link, path, len(c.visitors), c.events)
            for (day, name, link, path), c in sorted(self.custom.items())
        ]
        return out


def _key(item: tuple[tuple[Any, ...], Visits]) -> tuple[str, ...]:
    return tuple(str(part) for part in item[0])


def _visits_row(table: str, key: tuple[Any, ...], v: Visits) -> tuple[Any, ...]:
    if table == "sources":
        return (*key, v.pageviews, len(v.visitors), v.visits, v.duration_s, v.bounces)
    return (*key, len(v.visitors), v.visits, v.duration_s, v.bounces, v.pageviews)


def local_day(zone: ZoneInfo) -> Callable[[int], date]:
    """UTC ms -> the local date in `zone`, memoised per quarter hour."""
    memo: dict[int, date] = {}

    def day(ts: int) -> date:
        block = ts // QUARTER_HOUR_MS
        found = memo.get(block)
        if found is None:
            found = memo[block] = datetime.fromtimestamp(block * 900, zone).date()
        return found

    return day


def day_bounds(first: date | None, last: date | None, zone: ZoneInfo) -> tuple[int, int]:
    """[start, end) in UTC ms for the local days first..last (open ends: everything)."""
    start = 0 if first is None else _midnight_ms(first, zone)
    end = 2**62 if last is None else _midnight_ms(last + timedelta(days=1), zone)
    return start, end


def _midnight_ms(day: date, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(), zone).timestamp() * 1000)


async def tally(conn: AsyncConnection, site: Site, start: int, end: int) -> Export:
    zone = ZoneInfo(site.timezone)
    day_of = local_day(zone)
    out = Export()
    await _tally_events(conn, site.id, start, end, day_of, out)
    await _tally_sessions(conn, site.id, start, end, day_of, out)
    return out


async def _tally_events(
    conn: AsyncConnection,
    site_id: int,
    start: int,
    end: int,
    day_of: Callable[[int], date],
    out: Export,
) -> None:
    e = events.c
    query = select(
        e.ts,
        e.name,
        event_rows.field("hostname"),
        e.pathname,
        event_rows.field("visitor_id"),
        e.session_id,
        e.session_start,
        e.browser_version,
        e.os_version,
        e.engagement_ms,
        e.scroll_depth,
        e.props,
    )
    query = query.select_from(event_rows.joined())
    query = query.where(e.site_id == site_id, e.ts >= start, e.ts < end)
    async for row in await conn.stream(query):
        day = day_of(row.ts)
        if row.session_start:
            out.versions[row.session_id] = (row.browser_version or "", row.os_version or "")
        if row.name == PAGEVIEW:
            page = out.pages[(day, row.pathname)]
            page.hostname = page.hostname or row.hostname
            page.visitors.add(row.visitor_id)
            page.sessions.add(row.session_id)
            page.pageviews += 1
            out.day_pageviews[day] += 1
        elif row.name == ENGAGEMENT:
            page = out.pages[(day, row.pathname)]
            if row.scroll_depth is not None and 0 <= row.scroll_depth <= 100:
                seen = page.deepest.get(row.session_id, -1)
                page.deepest[row.session_id] = max(seen, row.scroll_depth)
            if row.engagement_ms:
                page.engaged_ms += row.engagement_ms
                page.engaged_sessions.add(row.session_id)
        else:
            props = json.loads(row.props) if row.props else {}
            link = str(props.get("url", "")) if row.name in LINK_GOALS else ""
            path = str(props.get("path", row.pathname)) if row.name in PATH_GOALS else ""
            custom = out.custom[(day, row.name, link, path)]
            custom.visitors.add(row.visitor_id)
            custom.events += 1


async def _tally_sessions(
    conn: AsyncConnection,
    site_id: int,
    start: int,
    end: int,
    day_of: Callable[[int], date],
    out: Export,
) -> None:
    s = sessions.c
    query = select(
        s.session_id,
        s.visitor_id,
        s.start_ts,
        s.end_ts,
        s.pageviews,
        s.interactive,
        s.source,
        s.referrer_domain,
        s.utm_source,
        s.utm_medium,
        s.utm_campaign,
        s.utm_content,
        s.utm_term,
        s.entry_page,
        s.exit_page,
        s.country,
        s.browser,
        s.os,
        s.device,
    ).where(s.site_id == site_id, s.start_ts >= start, s.start_ts < end)
    async for row in await conn.stream(query):
        day = day_of(row.start_ts)
        browser_version, os_version = out.versions.get(row.session_id, ("", ""))
        source = "" if row.source == DIRECT else row.source
        keys: dict[str, tuple[Any, ...]] = {
            "visitors": (day,),
            "sources": (
                day,
                source,
                row.referrer_domain or "",
                row.utm_source or "",
                row.utm_medium or "",
                row.utm_campaign or "",
                row.utm_content or "",
                row.utm_term or "",
            ),
            "entry_pages": (day, row.entry_page),
            "exit_pages": (day, row.exit_page or row.entry_page),
            "devices": (day, row.device.capitalize()),
            "browsers": (day, row.browser or "", browser_version),
            "operating_systems": (day, row.os or "", os_version),
        }
        if row.country:  # Plausible leaves unknown locations out of this table
            keys["locations"] = (day, row.country, "", 0)
        bounce = is_bounce(row.pageviews, row.interactive)
        duration_s = max(0, (row.end_ts - row.start_ts) // 1000)
        for table, key in keys.items():
            out.visits[table][key].add(row.visitor_id, row.pageviews, bounce, duration_s)


def write_archive(out_path: Path, tables: dict[str, list[tuple[Any, ...]]], suffix: str) -> None:
    partial = out_path.with_name(out_path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, columns in COLUMNS.items():
            archive.writestr(f"{name}{suffix}.csv", _csv(columns, tables.get(name, [])))
    os.replace(partial, out_path)


def _csv(header: Iterable[str], rows: Iterable[tuple[Any, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([value.isoformat() if isinstance(value, date) else value for value in row])
    return buffer.getvalue()


# Every field of an event, in the order `events` had them all (country after utm_content, ...).
RAW_COLUMNS = tuple(name for name in EVENT_FIELDS if name != "site_id")


async def write_raw(conn: AsyncConnection, site_id: int, start: int, end: int, out: Path) -> int:
    """The site's raw events in [start, end) as one CSV (times as UTC ms, as stored), each with
    its session's device and geo and its entry's raw versions and screen (event_rows.py)."""
    query = (
        select(*(event_rows.field(name) for name in RAW_COLUMNS))
        .select_from(event_rows.joined(with_entry=True))
        .where(events.c.site_id == site_id, events.c.ts >= start, events.c.ts < end)
        .order_by(events.c.ts)
    )
    partial = out.with_name(out.name + ".partial")
    written = 0
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(RAW_COLUMNS)
        async for row in await conn.stream(query):
            writer.writerow(row)
            written += 1
    os.replace(partial, out)
    return written


async def site_by_domain(conn: AsyncConnection, domain: str) -> Site:
    site = await find_site(conn, domain)
    if site is None:
        raise ExportError(f"no site {domain!r} (pulse site list shows the sites)")
    return site


def _date(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExportError(f"{flag} {text!r} is not a date (YYYY-MM-DD)") from None


async def run_export(args: argparse.Namespace, settings: Settings) -> str:
    first, last = _date(args.date_from, "--from"), _date(args.date_to, "--to")
    if first and last and last < first:
        raise ExportError("--to is before --from")
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            site = await site_by_domain(conn, args.site)
            zone = ZoneInfo(site.timezone)
            start, end = day_bounds(first, last, zone)
            out = Path(args.out)
            if args.raw:
                n = await write_raw(conn, site.id, start, end, out)
                return f"wrote {n:,} raw events of {site.domain} to {out}"
            found = await tally(conn, site, start, end)
    finally:
        await engine.dispose()
    tables = found.tables()
    days = [row[0] for row in tables["imported_visitors"]]
    first = first or (min(days) if days else None)
    last = last or (max(days) if days else None)
    suffix = f"_{first:%Y%m%d}_{last:%Y%m%d}" if first and last else ""
    write_archive(out, tables, suffix)
    return f"wrote {len(days)} days of {site.domain} to {out} (Plausible's CSV export format)"


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    try:
        print(asyncio.run(run_export(args, settings)))
    except ExportError as exc:
        print(f"pulse export: {exc}", file=sys.stderr)
        return 1
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser("export", help="a site's data as Plausible-format CSVs (or raw)")
    export.add_argument("out", help="OUT.zip (or OUT.csv with --raw)")
    export.add_argument("--site", required=True, help="the site's domain")
    export.add_argument("--from", dest="date_from", help="first local day, YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", help="last local day, YYYY-MM-DD")
    export.add_argument("--raw", action="store_true", help="the raw events as one CSV")
    export.set_defaults(run=cmd_export)
