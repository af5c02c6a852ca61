"""Random traffic written through the writer's own path, and a brute-force recount of every
metric straight from the stored `events` rows (the reference the queries must equal)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.events import Event
from app.ingest.sessions import SessionIndex
from app.queries.filters import Filter
from app.storage import columns
from app.storage.batch import build_rows, write_rows
from app.storage.database import create_engine
from app.storage.hourly import SESSION_DIMS, prop_value
from tests.backends import EVENTS, Database

PAGES = ("/", "/blog/a", "/blog/b", "/pricing", "/Docs")
SOURCES = (
    ("Google", "Organic Search", "google.com"),
    ("Direct", "Direct", None),
    ("X", "Social", "x.com"),
    ("newsletter", "Email", None),
)


@dataclass
class Hit:
    visitor: int
    at_ms: int
    name: str
    page: str
    source: int = 0
    device: str = "desktop"
    country: str | None = "DE"
    interactive: bool = True
    engagement_ms: int | None = None
    props: dict[str, Any] = field(default_factory=dict)
    scroll_depth: int | None = None
    hostname: str = "example.com"
    language: str | None = None
    screen_width: int | None = None
    browser_version: str | None = None
    os_version: str | None = None
    region: str | None = None
    city: str | None = None


def to_events(site_id: int, hits: list[Hit]) -> list[Event]:
    index = SessionIndex()
    out = []
    for hit in sorted(hits, key=lambda h: h.at_ms):
        facts = index.touch(site_id, hit.visitor, hit.at_ms)
        source, channel, domain = SOURCES[hit.source]
        out.append(
            Event(
                site_id=site_id,
                ts=hit.at_ms,
                name=hit.name,
                hostname=hit.hostname,
                pathname=hit.page,
                visitor_id=hit.visitor,
                session_id=facts.session_id,
                new_visitor=facts.new_visitor,
                session_start=facts.session_start,
                referrer_domain=domain,
                source=source,
                channel=channel,
                utm_source="newsletter" if source == "newsletter" else None,
                utm_campaign="spring" if source == "newsletter" else None,
                country=hit.country,
                browser="Firefox",
                browser_version=hit.browser_version,
                os="Linux",
                os_version=hit.os_version,
                screen_width=hit.screen_width,
                language=hit.language,
                region=hit.region,
                city=hit.city,
                device=hit.device,
                engagement_ms=hit.engagement_ms,
                scroll_depth=hit.scroll_depth,
                interactive=hit.interactive,
                props=hit.props,
            )
        )
    return out


# A clock far ahead: every hour with sessions counts as past and is sealed.
FAR_FUTURE_MS = 4_000_000_000_000


async def write(
    database_url: str, events: list[Event], cuts: list[int], seal_after: int | None = None
) -> None:
    """Write in batches split at `cuts`, one transaction each, as the writer does; after the
    `seal_after`-th batch (0: before any), seal every hour as columns, as the sealer does, so
    the later batches unseal the hours they change."""
    engine = create_engine(database_url)
    bounds = [0, *sorted({c % (len(events) + 1) for c in cuts}), len(events)]
    batches = [(lo, hi) for lo, hi in zip(bounds, bounds[1:], strict=False) if hi > lo]
    for i, (lo, hi) in enumerate(batches):
        if i == seal_after:
            await seal_all(engine)
        async with engine.begin() as conn:
            await write_rows(conn, build_rows(list(events[lo:hi])))
    if seal_after is not None and seal_after >= len(batches):
        await seal_all(engine)
    await engine.dispose()


async def seal_all(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        todo = await columns.pending(conn, FAR_FUTURE_MS)
    for site_id, hour in todo:
        async with engine.begin() as conn:
            await columns.seal(conn, site_id, hour)
    return len(todo)


def stored_sessions(db: Database) -> dict[int, dict[str, Any]]:
    rows = db.rows(f"{EVENTS} ORDER BY events.ts, events.id")
    found: dict[int, dict[str, Any]] = {}
    for r in rows:
        s = found.setdefault(r["session_id"], {"events": [], "start": r["ts"], "entry": r})
        s["events"].append(r)
        if r["session_start"]:
            s["entry"] = r
    for s in found.values():
        evs, entry = s["events"], s["entry"]
        views = [e for e in evs if e["name"] == "pageview"]
        custom = [e for e in evs if e["name"] not in ("pageview", "engagement")]
        s.update(
            visitor=entry["visitor_id"],
            new=bool(entry["new_visitor"]),
            pageviews=len(views),
            exit=views[-1]["pathname"] if views else None,
            bounce=len(views) == 1 and not any(e["interactive"] for e in custom),
            engagement=sum(e["engagement_ms"] or 0 for e in evs if e["name"] == "engagement"),
            dims={
                d: entry[c] if d not in ("entry_page",) else entry["pathname"]
                for d, c in SESSION_DIMS.items()
                if d not in ("exit_page", *_DERIVED)
            },
        )
        s["dims"].update(_derived(entry))
        s["dims"]["exit_page"] = s["exit"]
        s["dims"]["visitor_type"] = "new" if s["new"] else "returning"
    return found


_DERIVED = ("screen", "browser_version", "os_version")


def _derived(entry: Any) -> dict[str, str | None]:
    """The issue-17 dimensions not stored on events as they are reported, restated."""
    width = entry["screen_width"]
    screen = None
    if width:
        screen = "mobile" if width < 576 else "tablet" if width < 992 else "laptop"
        screen = "desktop" if width >= 1440 else screen
    versions = {}
    for dim, name in (("browser_version", "browser"), ("os_version", "os")):
        version = entry[dim]
        versions[dim] = f"{entry[name]} {version}" if version else None
    return {"screen": screen, **versions}


def _matches(value: str | None, f: Filter) -> bool:
    if f.op in ("==", "!=") and f.value == "":
        hit = value in (None, "")  # `referrer==`: no value
    elif f.op in ("==", "!="):
        hit = value == f.value
    else:
        hit = value is not None and f.value.lower() in value.lower()
    return not hit if f.negated else hit


def event_hit(e: Any, f: Filter) -> bool:
    """Positive form of an event filter on one event row."""
    if f.dim == "goal":
        assert f.goal is not None
        props = json.loads(e["props"]) if e["props"] else {}
        return f.goal.matches(e["name"], e["pathname"], props, e["scroll_depth"])
    if f.dim == "page":
        return e["name"] == "pageview" and _matches(
            e["pathname"], Filter("", f.op.replace("!", "="), f.value)
        )
    if f.dim == "page_url":  # hostname + path, restated
        return e["name"] == "pageview" and _matches(
            e["hostname"] + e["pathname"], Filter("", f.op.replace("!", "="), f.value)
        )
    if f.dim == "event":
        return e["name"] not in ("pageview", "engagement") and _matches(
            e["name"], Filter("", f.op.replace("!", "="), f.value)
        )
    props = json.loads(e["props"]) if e["props"] else {}
    key = f.dim[5:]
    return key in props and prop_value(props[key]) == f.value


def session_passes(s: dict[str, Any], filters: list[Filter], own: str | None = None) -> bool:
    for f in filters:
        if f.dim == own:
            continue
        if f.event_grain:
            any_hit = any(event_hit(e, f) for e in s["events"])
            if any_hit == f.negated:
                return False
        elif f.dim == "visitor_type":
            if (s["dims"]["visitor_type"] == f.value) == f.negated:
                return False
        elif not _matches(s["dims"][f.dim], f):
            return False
    return True


def metrics(chosen: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(chosen)
    pv = sum(s["pageviews"] for s in chosen)
    return {
        "visitors": len({s["visitor"] for s in chosen}),
        "sessions": n,
        "pageviews": pv,
        "views_per_session": round(pv / n, 2) if n else 0,
        "bounce_rate": round(100 * sum(s["bounce"] for s in chosen) / n, 1) if n else 0,
        "avg_engagement_ms": sum(s["engagement"] for s in chosen) // n if n else 0,
        "new_visitors": len({s["visitor"] for s in chosen if s["new"]}),
        "returning_visitors": len({s["visitor"] for s in chosen if not s["new"]}),
    }


def in_period(
    all_sessions: dict[int, dict[str, Any]],
    start: int,
    end: int,
    filters: list[Filter],
    own: str | None = None,
) -> list[dict[str, Any]]:
    return [
        s
        for s in all_sessions.values()
        if start <= s["start"] < end and session_passes(s, filters, own)
    ]


def event_breakdown(
    chosen: list[dict[str, Any]], dim: str, filters: list[Filter]
) -> dict[Any, tuple[int, int]]:
    groups: dict[Any, list[int]] = defaultdict(list)
    own = [f for f in filters if f.dim == dim]
    for s in chosen:
        for e in s["events"]:
            if dim == "page" and e["name"] == "pageview":
                value = e["pathname"]
            elif dim == "page_url" and e["name"] == "pageview":
                value = e["hostname"] + e["pathname"]
            elif dim == "event" and e["name"] not in ("pageview", "engagement"):
                value = e["name"]
            elif dim.startswith("prop:") and e["props"] and dim[5:] in json.loads(e["props"]):
                value = prop_value(json.loads(e["props"])[dim[5:]])
            else:
                continue
            if all(event_hit(e, f) != f.negated for f in own):
                groups[value].append(e["visitor_id"])
    return {k: (len(v), len(set(v))) for k, v in groups.items()}
