"""Every number of the live snapshot equals a brute-force recount over the same events.

Hypothesis draws event streams (visitors coming and going, gaps from a millisecond to 40
minutes, events arriving up to 3 s late, custom events, unknown countries, time zones around
local midnight); sessions come from the real SessionIndex, as in ingest. At checkpoints, and
after the clock runs on, the snapshot built from the window must equal the snapshot recounted
from the list of events with nothing but comprehensions.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.events import Event
from app.ingest.sessions import SessionIndex
from app.live.snapshot import build
from app.live.windows import MINUTE_MS, SiteWindow
from app.sites.model import Site

START = 1_767_225_600_000  # 2026-01-01T00:00Z
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
PATHS = [f"/p{n}" for n in range(13)]  # more than the top 10: "other" is exercised
SOURCES = [
    "Direct",
    "Google",
    "Bing",
    "WeChat",
    "news.example",
    *[f"s{n}.example" for n in range(9)],
]
COUNTRIES = [None, "DE", "US", "CN", "IN", "FR", "BR", "JP", "GB", "NL", "SE", "ES", "IT"]
GAPS = st.one_of(
    st.integers(0, 2_000),  # bursts: several events per second, around minute boundaries
    st.integers(0, 2_000),
    st.integers(0, 20_000),
    st.sampled_from([1, 59_999, 60_000, 299_999, 300_000, 300_001, 1_799_999, 1_800_000]),
    st.integers(0, 40 * MINUTE_MS),
)
# How late an event arrives (concurrent requests finish out of order): often across a minute.
LATE = st.sampled_from([0, 0, 0, 1, 999, 1000, 2500, 15_000])
STEP = st.tuples(
    GAPS,
    st.integers(0, 3),  # visitor
    st.sampled_from(["pageview", "pageview", "pageview", "engagement", "signup"]),
    st.integers(0, len(PATHS) - 1),
    st.integers(0, len(SOURCES) - 1),
    st.integers(0, len(COUNTRIES) - 1),
    st.sampled_from(["desktop", "mobile", "tablet"]),
    LATE,
    st.booleans(),  # a checkpoint after this event
)


def recount(events: list[Event], now: int, site: Site) -> dict[str, Any]:
    cur = now // MINUTE_MS
    first = cur - 29
    inside = [e for e in events if e.ts // MINUTE_MS >= first]
    minutes = range(first, cur + 1)

    def per_minute(pick: Any) -> list[int]:
        return [pick([e for e in inside if e.ts // MINUTE_MS == m]) for m in minutes]

    series = {
        "pageviews": per_minute(lambda es: sum(e.name == "pageview" for e in es)),
        "visitors": per_minute(lambda es: len({e.visitor_id for e in es})),
        "sessions": per_minute(lambda es: sum(e.session_start for e in es)),
        "new_visitors": per_minute(lambda es: sum(e.session_start and e.new_visitor for e in es)),
    }
    entries = [e for e in inside if e.session_start]
    zone = ZoneInfo(site.timezone)
    day = datetime.fromtimestamp(now / 1000, zone).date()
    today = [e for e in events if datetime.fromtimestamp(e.ts / 1000, zone).date() == day]
    return {
        "type": "snapshot",
        "v": 1,
        "site": site.domain,
        "name": site.name,
        "timezone": site.timezone,
        "seq": 1,
        "at": now,
        "active_now": len({e.visitor_id for e in events if e.ts > now - 5 * MINUTE_MS}),
        "last_30m": {
            "pageviews": sum(series["pageviews"]),
            "visitors": len({e.visitor_id for e in inside}),
            "sessions": sum(series["sessions"]),
            "new_visitors": sum(series["new_visitors"]),
        },
        "minutes": {"start": first * MINUTE_MS, "step": MINUTE_MS, **series},
        "top": {
            "pages": top(Counter(e.pathname for e in inside if e.name == "pageview"), "pageviews"),
            "sources": top(Counter(e.source for e in entries), "sessions"),
            "channels": top(Counter(e.channel for e in entries), "sessions"),
            "countries": top(Counter(e.country for e in entries), "sessions"),
            "devices": top(Counter(e.device for e in entries), "sessions"),
        },
        "recent": [feed_item(e) for e in reversed(events[-50:]) if e.ts // MINUTE_MS >= first],
        "today": {
            "date": day.isoformat(),
            "pageviews": sum(e.name == "pageview" for e in today),
            "visitors": len({e.visitor_id for e in today}),
            "sessions": sum(e.session_start for e in today),
        },
    }


def top(counts: Counter[Any], by: str) -> dict[str, Any]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] or ""))[:10]
    return {
        "by": by,
        "items": [[k, n] for k, n in ranked],
        "other": sum(counts.values()) - sum(n for _, n in ranked),
    }


def feed_item(e: Event) -> dict[str, Any]:
    return {
        "ts": e.ts,
        "name": e.name,
        "path": e.pathname,
        "source": e.source,
        "country": e.country,
        "device": e.device,
        "entry": e.session_start,
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(STEP, min_size=10, max_size=150),
    zone=st.sampled_from(ZONES),
    offset=st.integers(0, 3 * 3_600_000),
    run_on=st.integers(0, 40 * MINUTE_MS),
)
def test_snapshot_equals_a_brute_force_recount(
    steps: list[tuple[Any, ...]], zone: str, offset: int, run_on: int
) -> None:
    site = Site(1, "example.com", "Example", zone, "local")
    now = START - offset  # starts up to 3 h before 00:00 UTC: local midnights are crossed
    window = SiteWindow(now, zone, cap=1000)
    sessions = SessionIndex()
    events: list[Event] = []
    for gap, visitor, name, path, source, country, device, late, check in steps:
        now += gap
        ts = now - late
        facts = sessions.touch(1, visitor, ts)
        e = Event(
            1, ts, name, "example.com", PATHS[path], visitor, facts.session_id,
            facts.new_visitor, facts.session_start, source=SOURCES[source],
            channel="Direct" if source == 0 else "Referral", country=COUNTRIES[country],
            device=device,
        )  # fmt: skip
        window.add(e)
        events.append(e)
        if check:
            assert build(window, site, now, 1) == recount(events, now, site)
    now += run_on
    assert build(window, site, now, 1) == recount(events, now, site)
