"""`pulse demo`: realistic synthetic traffic through the same pipeline and writer as real events.

Each day's visits are drawn with a daily rhythm in the site's time zone (quiet at 04:00, busiest
10:00-15:00 and a smaller evening peak, weekends at 60%), then every request of the day is
sorted by time and sent through `Pipeline.run` with that time as the receive time. About 30% of
visits come back from an earlier day's visitor (same visitor id, browser and network).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.clock import Clock, SystemClock
from app.demo_data import COUNTRY_IPS, HOURLY_WEIGHTS, NEXT_PAGES, Visit, pick_source, pick_ua
from app.ingest.pipeline import RequestContext
from app.ingest.wire import WireEvent
from app.progress import Progress
from app.runtime import Runtime
from app.settings import Settings
from app.sites.model import normalise_domain
from app.sites.store import add_site

RETURNING_SHARE = 0.3


@dataclass
class Request:
    ts: int
    seq: int
    visit: Visit
    wire: WireEvent


def visit_starts(rng: random.Random, day: datetime, per_day: int) -> list[int]:
    """Start times (UTC ms) of one local day's visits, following HOURLY_WEIGHTS."""
    weekend = day.weekday() >= 5
    count = max(1, round(per_day * (0.6 if weekend else 1.0) * rng.uniform(0.85, 1.15)))
    hours = rng.choices(range(24), weights=HOURLY_WEIGHTS, k=count)
    starts = []
    for hour in hours:
        local = day + timedelta(hours=hour, seconds=rng.randrange(3600))
        starts.append(int(local.timestamp() * 1000))
    return sorted(starts)


def new_visit(rng: random.Random, domain: str, seq: int) -> Visit:
    device, ua = pick_ua(rng)
    country = rng.choices(list(COUNTRY_IPS), weights=[c[0] for c in COUNTRY_IPS.values()])[0]
    prefix = COUNTRY_IPS[country][1]
    ip = f"{prefix}.{rng.randrange(1, 250)}"
    return Visit(f"demo-{seq:08d}", ua, ip, device, domain)


def plan_visit(rng: random.Random, visit: Visit, start: int, seq: int) -> list[Request]:
    """One session: landing page from the source, a random walk, engagement after every page,
    and the custom events of the pages that have them."""
    referrer, query, landing, ua = pick_source(rng, visit.ua)
    visit.ua = ua
    pages = [landing]
    while len(pages) < 8 and rng.random() < 0.55:
        pages.append(rng.choice(NEXT_PAGES.get(pages[-1], NEXT_PAGES["/"])))
    out: list[Request] = []
    ts = start
    for i, page in enumerate(pages):
        url = f"https://{visit.domain}{page}{query if i == 0 else ''}"
        first = WireEvent(url=url, referrer=referrer if i == 0 else None, visitor_id=visit.vid)
        out.append(Request(ts, seq, visit, first))
        dwell = int(rng.lognormvariate(10.3, 0.9))  # median ~30 s on a page
        out.extend(_custom_events(rng, visit, url, ts + dwell // 2, seq))
        scroll = rng.randint(10, 100)
        engaged = WireEvent(
            url=url,
            event_type="engagement",
            visitor_id=visit.vid,
            engagement_ms=min(dwell, 1_800_000),
            scroll_depth=scroll,
        )
        ts += dwell
        out.append(Request(ts, seq, visit, engaged))
        ts += rng.randint(500, 4000)
    return out


def _custom_events(rng: random.Random, visit: Visit, url: str, ts: int, seq: int) -> list[Request]:
    wires = []
    if url.split("?")[0].endswith("/signup") and rng.random() < 0.45:
        plan = "pro" if rng.random() < 0.3 else "free"
        # A pro plan's first month is paid at signup (revenue for the Goals panel).
        paid = ("49", "EUR") if plan == "pro" else None
        wires.append(WireEvent(url=url, event_type="Signup", data={"plan": plan}, revenue=paid))
    if "/download" in url and rng.random() < 0.6:
        wires.append(WireEvent(url=url, event_type="Download", data={"os": rng.choice(OSES)}))
    for wire in wires:
        wire.visitor_id = visit.vid
    return [Request(ts + i, seq, visit, w) for i, w in enumerate(wires)]


OSES = ("windows", "macos", "linux")


def day_requests(
    rng: random.Random, day: datetime, per_day: int, pool: list[Visit], domain: str, seq: int
) -> tuple[list[Request], list[Visit], int]:
    fresh: list[Visit] = []
    requests: list[Request] = []
    for start in visit_starts(rng, day, per_day):
        if pool and rng.random() < RETURNING_SHARE:
            visit = rng.choice(pool)
        else:
            visit = new_visit(rng, domain, seq)
            fresh.append(visit)
        requests.extend(plan_visit(rng, visit, start, seq))
        seq += 1
    # Receive order is time order, as on a real server (a visitor's two visits interleave).
    requests.sort(key=lambda r: (r.ts, r.seq))
    return requests, fresh, seq


async def send(runtime: Runtime, request: Request) -> int:
    ctx = RequestContext(
        ip=request.visit.ip, user_agent=request.visit.ua, headers={}, now_ms=request.ts
    )
    results = await runtime.pipeline.run([request.wire], ctx)
    while True:
        if runtime.writer.offer(results):
            break
        await asyncio.sleep(0.01)  # the bounded queue is full: let the writer catch up
    return len(results)


async def ensure_site(runtime: Runtime, domain: str) -> str:
    if runtime.sites.lookup(domain) is None:
        async with runtime.engine.begin() as conn:
            await add_site(conn, domain)
        await runtime.sites.reload()
    site = runtime.sites.lookup(domain)
    assert site is not None
    return site.timezone


async def run_demo(
    settings: Settings,
    domain: str,
    days: int,
    per_day: int,
    seed: int | None = None,
    clock: Clock | None = None,
) -> int:
    """Writes `days` days of traffic ending now; returns the number of events sent."""
    rng = random.Random(seed)
    domain = normalise_domain(domain)
    runtime = Runtime(settings, clock or SystemClock())
    await runtime.start()
    sent = 0
    try:
        zone = ZoneInfo(await ensure_site(runtime, domain))
        now = runtime.clock.now_ms()
        today = datetime.fromtimestamp(now / 1000, UTC).astimezone(zone).date()
        progress = Progress(days)
        pool: list[Visit] = []
        seq = 0
        for back in range(days - 1, -1, -1):
            date = today - timedelta(days=back)
            midnight = datetime(date.year, date.month, date.day, tzinfo=zone)
            requests, fresh, seq = day_requests(rng, midnight, per_day, pool, domain, seq)
            for request in requests:
                if request.ts <= now:
                    sent += await send(runtime, request)
            pool.extend(fresh)
            progress.update(1, f"{date.isoformat()} {sent:,} events")
        progress.close()
    finally:
        await runtime.stop()
    return sent
