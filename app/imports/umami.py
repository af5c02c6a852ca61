"""Umami's data export: `website_event.csv`, one raw event a row (Umami's `website_event` table:
website_id, session_id, visit_id, event_id, hostname, browser, os, device, screen, language,
country, region, city, url_path, url_query, utm_*, referrer_path, referrer_query,
referrer_domain, page_title, click ids, event_type, event_name, tag, distinct_id, created_at,
job_id). Rows are raw events, but they become daily aggregates here, never fake Pulse events:

- a visit (`visit_id`) is a session, counted on the local day (the site's zone) it starts, with
  the entry and exit pages, source, country and client of its events; its duration is its last
  event's time minus its first;
- a visitor is Umami's `session_id` (one browser, as Umami counts visitors), counted per day;
- `event_type` 1 is a page view, 2 a custom event (`event_name`); a bounce is a visit of one page
  view and no custom event (Pulse's definition);
- the source follows Pulse's own rules (app/ingest/referrer.py): utm_source, else the referrer,
  an internal referrer being Direct ("" in the imported table, as in Plausible's).
`created_at` is UTC ("2024-05-01 12:34:56", with or without milliseconds or a zone).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.data.referrer_hosts import DIRECT
from app.export import local_day
from app.imports.files import (
    ImportFileError,
    Parsed,
    Row,
    check_width,
    decoded,
    header_index,
    rows,
)
from app.ingest.referrer import classify
from app.ingest.utm import Utm

REQUIRED = ("session_id", "visit_id", "url_path", "event_type", "created_at")
KNOWN = (
    "website_id", "session_id", "visit_id", "event_id", "hostname", "browser", "os", "device",
    "screen", "language", "country", "region", "city", "url_path", "url_query", "utm_source",
    "utm_medium", "utm_campaign", "utm_content", "utm_term", "referrer_path", "referrer_query",
    "referrer_domain", "page_title", "gclid", "fbclid", "msclkid", "ttclid", "li_fat_id",
    "twclid", "event_type", "event_name", "tag", "distinct_id", "created_at", "job_id",
)  # fmt: skip
PAGEVIEW, CUSTOM = "1", "2"
# Umami's browser ids (its lib/detect) -> the names Pulse's own user-agent parsing gives.
BROWSERS = {
    "chrome": "Chrome", "crios": "Chrome", "chromium-webview": "Chrome", "firefox": "Firefox",
    "fxios": "Firefox", "safari": "Safari", "ios": "Safari", "ios-webview": "Safari",
    "edge": "Edge", "edge-chromium": "Edge", "edge-ios": "Edge", "opera": "Opera",
    "opera-mini": "Opera Mini", "samsung": "Samsung Internet", "yandexbrowser": "Yandex Browser",
    "android": "Android Browser", "ie": "IE", "silk": "Silk", "facebook": "Facebook",
    "instagram": "Instagram", "brave": "Brave", "vivaldi": "Vivaldi",
}  # fmt: skip
SYSTEMS = {
    "Mac OS": "macOS", "Android OS": "Android", "Chrome OS": "ChromeOS", "Linux": "Linux",
    "iOS": "iOS", "Windows 10": "Windows", "Windows 7": "Windows", "Windows 8.1": "Windows",
    "Windows 8": "Windows", "Windows XP": "Windows", "Windows Vista": "Windows",
    "Windows Server 2003": "Windows", "Windows Mobile": "Windows Phone",
    "BlackBerry OS": "BlackBerry",
}  # fmt: skip
DEVICES = {"laptop": "desktop", "desktop": "desktop", "mobile": "mobile", "tablet": "tablet"}


@dataclass
class Visit:
    visitor: str
    first: Any = None  # the first event's fields (source, client, country)
    start: int = 0
    end: int = 0
    pages: list[tuple[int, str]] = field(default_factory=list)
    customs: int = 0


def _ms(name: str, line: int, column: int, text: str) -> int:
    value = text.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ImportFileError(name, f"{text!r} is not a date and time", line, column) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def parse(files: Sequence[tuple[str, bytes]], tz: str) -> Parsed:
    day_of = local_day(ZoneInfo(tz))
    visits: dict[str, Visit] = {}
    pages: dict[tuple[date, str, str], tuple[set[str], set[str], list[int]]] = {}
    custom: dict[tuple[date, str], tuple[set[str], list[int]]] = {}
    out = Parsed()
    for name, content in files:
        _read(name, decoded(name, content), day_of, visits, pages, custom)
        out.files.append(name)
    out.tables = _tables(visits, pages, custom, day_of)
    return out


def _read(
    name: str,
    text: str,
    day_of: Callable[[int], date],
    visits: dict[str, Visit],
    pages: dict[tuple[date, str, str], tuple[set[str], set[str], list[int]]],
    custom: dict[tuple[date, str], tuple[set[str], list[int]]],
) -> None:
    records = rows(name, text)
    first = next(records, None)
    if first is None:
        raise ImportFileError(name, "empty file (no header)", 1)
    header = first[1]
    at = header_index(name, header, REQUIRED, KNOWN)

    def get(fields: list[str], column: str) -> str:
        i = at.get(column)
        return "" if i is None else fields[i]

    for line, fields in records:
        check_width(name, line, fields, len(header))
        ts = _ms(name, line, at["created_at"] + 1, fields[at["created_at"]])
        kind = get(fields, "event_type").strip()
        if kind not in (PAGEVIEW, CUSTOM):
            column = at["event_type"] + 1
            raise ImportFileError(name, f"event_type {kind!r} is not 1 or 2", line, column)
        visit_id = get(fields, "visit_id")
        visit = visits.get(visit_id)
        if visit is None:
            visit = visits[visit_id] = Visit(get(fields, "session_id"), start=ts, end=ts)
        row = {c: get(fields, c) for c in at}
        if visit.first is None or ts < visit.start:
            visit.first, visit.start = row, ts
        visit.end = max(visit.end, ts)
        day = day_of(ts)
        if kind == PAGEVIEW:
            path = get(fields, "url_path") or "/"
            visit.pages.append((ts, path))
            seen = pages.setdefault((day, get(fields, "hostname"), path), (set(), set(), [0]))
            seen[0].add(visit.visitor)
            seen[1].add(visit_id)
            seen[2][0] += 1
        else:
            visit.customs += 1
            named = custom.setdefault((day, get(fields, "event_name")), (set(), [0]))
            named[0].add(visit.visitor)
            named[1][0] += 1


class _Tally:
    """Session counters of one (day, key): visitors, visits, duration, bounces, pageviews."""

    def __init__(self) -> None:
        self.visitors: set[str] = set()
        self.visits = self.duration = self.bounces = self.pageviews = 0

    def add(self, visit: Visit) -> None:
        self.visitors.add(visit.visitor)
        self.visits += 1
        self.duration += max(0, (visit.end - visit.start) // 1000)
        self.bounces += len(visit.pages) == 1 and visit.customs == 0
        self.pageviews += len(visit.pages)


def _keys(visit: Visit) -> dict[str, tuple[str, ...]]:
    f = visit.first
    ordered = [path for _, path in sorted(visit.pages)] or [f["url_path"] or "/"]
    utm = Utm(*(f.get(f"utm_{p}") or None for p in ("source", "medium", "campaign", "term",
                                                     "content")))  # fmt: skip
    referrer = f.get("referrer_domain", "")
    url = f"https://{referrer}{f.get('referrer_path', '')}" if referrer else None
    found = classify(url, f.get("hostname", ""), utm, {})
    source = "" if found.source == DIRECT else found.source
    device = DEVICES.get(f.get("device", "").lower(), "desktop")
    browser = BROWSERS.get(f.get("browser", ""), f.get("browser", ""))
    system = SYSTEMS.get(f.get("os", ""), f.get("os", ""))
    keys: dict[str, tuple[str, ...]] = {
        "imported_visitors": (),
        "imported_sources": (source, found.referrer_domain or "",
                             *(f.get(f"utm_{p}", "") for p in ("source", "medium", "campaign",
                                                               "content", "term"))),
        "imported_entry_pages": (ordered[0],),
        "imported_exit_pages": (ordered[-1],),
        "imported_devices": (device,),
        "imported_browsers": (browser, ""),
        "imported_operating_systems": (system, ""),
    }  # fmt: skip
    if f.get("country"):
        keys["imported_locations"] = (f["country"].upper(), f.get("region", ""), "")
    return keys


def _tables(
    visits: dict[str, Visit],
    pages: dict[tuple[date, str, str], tuple[set[str], set[str], list[int]]],
    custom: dict[tuple[date, str], tuple[set[str], list[int]]],
    day_of: Callable[[int], date],
) -> dict[str, list[Row]]:
    tallies: dict[str, dict[tuple[date, tuple[str, ...]], _Tally]] = defaultdict(dict)
    for visit in visits.values():
        day = day_of(visit.start)
        for table, key in _keys(visit).items():
            tallies[table].setdefault((day, key), _Tally()).add(visit)
    out: dict[str, list[Row]] = {}
    for table, found in tallies.items():
        out[table] = [(day, key, _counters(table, t)) for (day, key), t in sorted(found.items())]
    out["imported_pages"] = [
        (day, (host, path), (len(v), len(s), n[0], 0, 0, 0, 0))
        for (day, host, path), (v, s, n) in sorted(pages.items())
    ]
    out["imported_custom_events"] = [
        (day, (event, "", ""), (len(v), n[0])) for (day, event), (v, n) in sorted(custom.items())
    ]
    out.setdefault("imported_visitors", [])
    return out


def _counters(table: str, t: _Tally) -> tuple[int, ...]:
    """The tally in the table's counter order (app/storage/tables.py IMPORTED_SHAPES)."""
    if table == "imported_visitors":  # visitors, pageviews, bounces, visits, visit_duration
        return (len(t.visitors), t.pageviews, t.bounces, t.visits, t.duration)
    if table == "imported_sources":  # pageviews, visitors, visits, visit_duration, bounces
        return (t.pageviews, len(t.visitors), t.visits, t.duration, t.bounces)
    if table == "imported_entry_pages":  # visitors, entrances, visit_duration, bounces, pv
        return (len(t.visitors), t.visits, t.duration, t.bounces, t.pageviews)
    if table == "imported_exit_pages":  # visitors, visit_duration, exits, bounces, pageviews
        return (len(t.visitors), t.duration, t.visits, t.bounces, t.pageviews)
    return (len(t.visitors), t.visits, t.duration, t.bounces, t.pageviews)
