"""Query benchmark (not a test): `make bench` or `.venv/bin/python tests/benchmarks/queries.py`.

Writes BENCH_EVENTS events (default 10 million; with BENCH_DAYS=365, 1 million a month) over
BENCH_DAYS days (default 30) for one site straight through the
writer's own `build_rows` / `write_rows` (sessions and rollups maintained as in production,
20,000 events a transaction), prints the generation rate and the database size per million
events, then times every report endpoint through the app over 24 h, 7 d and 30 d (p50 of
BENCH_RUNS runs) against the targets: p50 <= 100 ms for summary, timeseries and breakdowns over
30 days; <= 300 ms for flows, retention and funnels; each row also shows the read path the
planner chose for its longest range (?explain=1), and the dashboard's load set (the requests it
sends on opening a 30-day view) is summed against 600 ms. With BENCH_DAYS=365 a fourth column
asks the whole year (a custom range), against 250 ms for summary, timeseries and breakdowns.
Set BENCH_DB to keep (and reuse) the generated database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.events import Event
from app.migrate import upgrade
from app.storage.batch import build_rows, write_rows
from app.storage.database import create_engine

SITE = "bench.example"
DAYS = int(os.environ.get("BENCH_DAYS", "30"))
EVENTS = int(
    os.environ.get("BENCH_EVENTS", str(10_000_000 if DAYS == 30 else DAYS * 1_000_000 // 30))
)
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
RANGES = ("24h", "7d", "30d", "365d") if DAYS >= 365 else ("24h", "7d", "30d")
BATCH = 20_000
END_MS = 1_767_225_600_000  # 2026-01-01T00:00Z: the data ends here, the fake clock stands here
DAY_MS = 86_400_000
PAGES = [
    "/", "/pricing", "/features", "/docs/", "/docs/install", "/docs/api", "/blog/", "/signup",
    "/download", *(f"/blog/post-{i}" for i in range(40)),
]  # fmt: skip
ACQUISITION = [
    ("Google", "Organic Search", "google.com", None),
    ("Direct", "Direct", None, None),
    ("Bing", "Organic Search", "bing.com", None),
    ("Baidu", "Organic Search", "baidu.com", None),
    ("WeChat", "Social", None, None),
    ("X", "Social", "x.com", None),
    ("newsletter", "Email", None, "weekly-digest"),
    ("ChatGPT", "AI", "chatgpt.com", None),
    ("github.com", "Referral", "github.com", None),
]
CLIENTS = [("Chrome", "Windows", "desktop"), ("Safari", "iOS", "mobile"),
           ("Chrome", "Android", "mobile"), ("Firefox", "Linux", "desktop"),
           ("Safari", "iPadOS", "tablet")]  # fmt: skip
COUNTRIES = ["US", "CN", "DE", "GB", "IN", "JP", "FR", "BR"]
# Region and city follow the country (no random draw: the rest of the data stays as it was).
PLACES = {"US": ("CA", "San Francisco"), "CN": ("SH", "Shanghai"), "DE": ("BE", "Berlin"),
          "GB": ("ENG", "London"), "IN": ("KA", "Bengaluru"), "JP": ("13", "Tokyo"),
          "FR": ("IDF", "Paris"), "BR": ("SP", "São Paulo")}  # fmt: skip
HOSTS = [SITE, SITE, SITE, f"docs.{SITE}", f"shop.{SITE}"]
LANGUAGES = ["en-US", "en-GB", "zh-CN", "de", "ja", "fr-FR"]
WIDTHS = {"desktop": 1920, "mobile": 390, "tablet": 820}
TARGETS = {"summary": 100, "timeseries": 100, "breakdown": 100, "flows": 300, "retention": 300,
           "funnel": 300, "analytics": 500, "goals": 100}  # fmt: skip
YEAR_TARGET = 250  # summary, timeseries and breakdowns over 365 days
DASHBOARD_TARGET = 600  # the dashboard's load set for 30 days, in total


def session_events(rng: random.Random, visitor: int, new: bool, start: int) -> list[Event]:
    """One session: ~2.3 pages, an engagement after each, now and then a custom event."""
    sid = rng.getrandbits(62)
    source, channel, domain, campaign = rng.choice(ACQUISITION)
    browser, os_, device = rng.choice(CLIENTS)
    common = dict(site_id=1, hostname=rng.choice(HOSTS), visitor_id=visitor, session_id=sid,
                  new_visitor=new, source=source, channel=channel, referrer_domain=domain,
                  utm_campaign=campaign, browser=browser, os=os_, device=device,
                  country=(country := rng.choice(COUNTRIES)), region=PLACES[country][0],
                  city=PLACES[country][1], language=rng.choice(LANGUAGES),
                  screen_width=WIDTHS[device], browser_version="128",
                  os_version="17")  # fmt: skip
    out, ts, page = [], start, rng.choice(PAGES[:12])
    while True:
        out.append(Event(ts=ts, name="pageview", pathname=page, session_start=not out, **common))  # type: ignore[arg-type]
        ts += rng.randint(2_000, 90_000)
        out.append(Event(ts=ts, name="engagement", pathname=page, session_start=False,
                         engagement_ms=rng.randint(1_000, 80_000),
                         scroll_depth=rng.randint(10, 100), **common))  # type: ignore[arg-type]  # fmt: skip
        if page == "/signup" and rng.random() < 0.4:
            plan = rng.choice(["free", "pro"])
            paid = {"revenue_amount": "49.90", "revenue_currency": "EUR"} if plan == "pro" else {}
            out.append(Event(ts=ts + 1, name="Signup", pathname=page, session_start=False,
                             props={"plan": plan}, **paid, **common))  # type: ignore[arg-type]  # fmt: skip
        if rng.random() > 0.55:
            return out
        page = rng.choice(PAGES)
        ts += 1_000


async def generate(url: str) -> None:
    rng = random.Random(5)
    engine = create_engine(url)
    per_day = EVENTS // DAYS
    visitors = 0
    pending: list[Event] = []
    started, written = time.perf_counter(), 0
    for day in range(DAYS):
        day_start = END_MS - (DAYS - day) * DAY_MS
        events: list[Event] = []
        while len(events) < per_day:
            returning = visitors and rng.random() < 0.3
            visitor = rng.randrange(1, visitors + 1) if returning else (visitors := visitors + 1)
            start = day_start + int(rng.triangular(0, DAY_MS - 3_600_000, DAY_MS * 0.55))
            events.extend(session_events(rng, visitor, not returning, start))
        events.sort(key=lambda e: e.ts)
        pending.extend(events)
        while len(pending) >= BATCH or (day == DAYS - 1 and pending):
            chunk, pending = pending[:BATCH], pending[BATCH:]
            async with engine.begin() as conn:
                await write_rows(conn, build_rows(list(chunk)))
            written += len(chunk)
        rate = written / (time.perf_counter() - started)
        print(
            f"\r  day {day + 1}/{DAYS}: {written:,} events, {rate:,.0f} events/s",
            end="",
            file=sys.stderr,
        )
    print(file=sys.stderr)
    await engine.dispose()


def _range(name: str) -> str:
    """The query text of a range: the API's, or the whole year as a custom range."""
    if name != "365d":
        return name
    last = datetime.fromtimestamp(END_MS / 1000 - 1, UTC).date()
    return f"custom&from={last - timedelta(days=364)}&to={last}"


def dashboard() -> list[str]:
    """What the dashboard asks on opening a 30-day view (frontend/dashboard/js: kpis, trend,
    visitor types, the first tab of each breakdown card, flows and their start pages, retention,
    the funnel's step choices). Not the Goals card (asked when it nears the screen) nor the
    Pages card's Engagement tab (asked when chosen): each is one SQL scan of 250-700 ms."""
    base, r = f"/api/v1/sites/{SITE}", "range=30d"
    cards = [f"{base}/breakdown/{d}?{r}&limit=10&totals=none" for d in ("source", "country")]
    return [
        f"{base}/summary?{r}&compare=previous",
        f"{base}/timeseries?{r}&compare=previous",
        f"{base}/breakdown/visitor_type?{r}&totals=none",
        *cards,
        f"{base}/breakdown/page?{r}&limit=10&totals=none",
        f"{base}/breakdown/event?{r}&limit=10&totals=none",
        f"{base}/breakdown/page?{r}&limit=25&totals=none",
        f"{base}/flows?{r}&depth=4",
        f"{base}/retention?{r}&cohort=week",
        f"{base}/breakdown/page?{r}&limit=20&totals=none",
        f"{base}/breakdown/event?{r}&limit=20&totals=none",
    ]


def endpoints(name: str) -> list[tuple[str, str]]:
    base = f"/api/v1/sites/{SITE}"
    legacy = {"24h": "24h", "7d": "7d", "30d": "30d", "365d": "all"}[name]
    range_ = _range(name)
    return [
        ("summary", f"{base}/summary?range={range_}"),
        ("timeseries", f"{base}/timeseries?range={range_}"),
        ("breakdown", f"{base}/breakdown/source?range={range_}"),
        ("breakdown", f"{base}/breakdown/country?range={range_}&filter=device==mobile"),
        # As the dashboard asks it: without the totals' second pass.
        ("breakdown", f"{base}/breakdown/country?range={range_}&filter=device==mobile&totals=none"),
        ("breakdown", f"{base}/breakdown/source?range={range_}&filter=country==US;device!=tablet"),
        ("summary", f"{base}/summary?range={range_}&filter=source==Google"),
        ("summary", f"{base}/summary?range={range_}&filter=page==/pricing"),
        ("breakdown", f"{base}/breakdown/country?range={range_}&filter=page=~blog&totals=none"),
        ("timeseries", f"{base}/timeseries?range={range_}&filter=channel==Social"),
        ("breakdown", f"{base}/breakdown/page?range={range_}&filter=source==Google&totals=none"),
        ("breakdown", f"{base}/breakdown/entry_page?range={range_}"),
        ("breakdown", f"{base}/breakdown/page?range={range_}"),
        ("breakdown", f"{base}/breakdown/event?range={range_}"),
        ("breakdown", f"{base}/breakdown/exit_page?range={range_}&totals=none"),
        # Issue 17: goals, revenue, per-page engagement, the new dimensions.
        ("goals", f"{base}/goals/report?range={range_}"),
        ("breakdown", f"{base}/breakdown/source?range={range_}&filter=goal==Signup"),
        ("breakdown", f"{base}/breakdown/country?range={range_}&filter=goal==Blog&totals=none"),
        ("breakdown", f"{base}/breakdown/page?range={range_}&filter=goal==Blog;device==mobile"),
        ("breakdown", f"{base}/breakdown/page?range={range_}&metrics=time_on_page,scroll_depth"),
        ("breakdown", f"{base}/breakdown/city?range={range_}"),
        ("breakdown", f"{base}/breakdown/hostname?range={range_}"),
        ("breakdown", f"{base}/breakdown/language?range={range_}&filter=screen==mobile"),
        ("breakdown", f"{base}/breakdown/prop:plan?range={range_}&filter=source==Google"),
        ("breakdown", f"{base}/properties?range={range_}&filter=source==Google"),
        ("flows", f"{base}/flows?range={range_}&depth=4"),
        ("flows", f"{base}/flows?range={range_}&depth=4&start=/pricing"),
        ("retention", f"{base}/retention?range={range_}&cohort=day"),
        ("retention", f"{base}/retention?range={range_}&cohort=day&filter=device==mobile"),
        ("funnel", f"{base}/funnel?range={range_}&steps=/pricing,/signup,event:Signup"),
        ("analytics", f"/api/analytics/stats?site={SITE}&time_range={legacy}"),
        ("analytics", f"/api/analytics/sankey?site={SITE}&time_range={legacy}"),
    ]


async def time_endpoints(url: str) -> None:
    from quart.testing.app import TestApp

    from app import create_app
    from app.clock import FakeClock
    from app.settings import Settings

    settings = Settings(database_url=url, log_level="WARNING", spill_path=f"{url[17:]}.spill")
    app = create_app(settings, clock=FakeClock(END_MS - 60_000))
    started = time.perf_counter()
    # Start-up warms the session index from `visitors` (1.4M rows at 10M events): > 60 s here.
    async with TestApp(app, startup_timeout=1800, shutdown_timeout=600):
        print(f"app started in {time.perf_counter() - started:.1f} s")
        # The running server seals past hours as columns in the background; wait for it here.
        began = time.perf_counter()
        sealed = await app.extensions["pulse"].seal_pending()
        took = time.perf_counter() - began
        print(f"sealed {sealed} hours of sessions as columns in {took:.1f} s")
        auth = {"Authorization": f"Bearer {await _admin_token(url)}"}
        client = app.test_client()
        heads = " ".join(f"{name:>8}" for name in RANGES)
        print(f"{'endpoint':<72} {heads}  target (30d); loop stall; path ({RANGES[-1]})")
        for i, (kind, _) in enumerate(endpoints("30d")):
            timings, stalls = [], []
            for name in RANGES:
                _, path = endpoints(name)[i]
                p50, stall = await _p50(client, path, auth)
                timings.append(p50)
                stalls.append(stall)
            target = TARGETS[kind]
            verdict = "ok" if timings[2] <= target else "SLOW"
            if len(RANGES) == 4 and kind in ("summary", "timeseries", "breakdown"):
                verdict += "; year " + ("ok" if timings[3] <= YEAR_TARGET else "SLOW")
            label = endpoints("30d")[i][1].split("?")[0].replace(f"/api/v1/sites/{SITE}", "")
            label += " " + endpoints("30d")[i][1].split("?")[1].replace("range=30d", "").strip("&")
            cells = " ".join(f"{t:8.1f}" for t in timings)
            paths = await _paths(client, endpoints(RANGES[-1])[i][1], auth)
            print(
                f"{label[:72]:<72} {cells}  <= {target} ms {verdict}; {stalls[2]:.0f} ms; {paths}"
            )
        total = 0.0
        for path in dashboard():
            total += (await _p50(client, path, auth))[0]
        verdict = "ok" if total <= DASHBOARD_TARGET else "SLOW"
        print(f"dashboard load set, 30 d ({len(dashboard())} requests, p50s summed): "
              f"{total:.0f} ms <= {DASHBOARD_TARGET} ms {verdict}")  # fmt: skip


async def _p50(client: Any, path: str, auth: dict[str, str]) -> tuple[float, float]:
    """The median time of RUNS requests, in ms, and the worst event-loop stall among them."""
    runs, stalls = [], []
    for _ in range(RUNS):
        began = time.perf_counter()
        async with _stall_watch() as stall:
            response = await client.get(path, headers=auth)
        runs.append(1000 * (time.perf_counter() - began))
        stalls.append(stall[0])
        assert response.status_code == 200, (path, await response.get_data())
    return statistics.median(runs), max(stalls)


async def _paths(client: Any, path: str, auth: dict[str, str]) -> str:
    """The read paths the planner chose for a request (?explain=1), e.g. "columns" or
    "rollups, columns" (a summary and its previous period may differ)."""
    response = await client.get(f"{path}&explain=1", headers=auth)
    plans = (await response.get_json())["plans"]
    return ", ".join(dict.fromkeys(p["path"] for p in plans))


@contextlib.asynccontextmanager
async def _stall_watch() -> AsyncIterator[list[float]]:
    """The longest the event loop went without running a 1 ms ticker during the block, in ms:
    how long ingest and websockets would have waited behind the report."""
    worst = [0.0]
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            began = time.perf_counter()
            await asyncio.sleep(0.001)
            worst[0] = max(worst[0], 1000 * (time.perf_counter() - began) - 1)

    ticker = asyncio.create_task(tick())
    try:
        yield worst
    finally:
        done.set()
        await ticker


def main() -> None:
    keep = os.environ.get("BENCH_DB")
    db = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="pulse-bench-")) / "bench.db"
    url = f"sqlite+aiosqlite:///{db}"
    if not db.exists():
        upgrade(url)
        asyncio.run(_add_site(url))
        began = time.perf_counter()
        asyncio.run(generate(url))
        seconds = time.perf_counter() - began
        size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
        print(f"generated {EVENTS:,} events over {DAYS} days in {seconds:.0f} s: "
              f"{EVENTS / seconds:,.0f} events/s; database {size / 2**20:,.0f} MiB, "
              f"{size / 2**20 / (EVENTS / 1e6):,.0f} MiB per million events")  # fmt: skip
    else:
        print(f"reusing {db}")
        upgrade(url)  # a database kept from an older revision gains the new tables
    print(f"p50 of {RUNS} runs, ms, through the app (handler + query + JSON):")
    asyncio.run(time_endpoints(url))


async def _admin_token(url: str) -> str:
    """The reports are guarded: the benchmark reads them as an admin API token would."""
    from app.auth.tokens import create_token

    engine = create_engine(url)
    async with engine.begin() as conn:
        _, raw = await create_token(conn, scope="admin", site_id=None, label="bench", now_ms=0)
    await engine.dispose()
    return raw


async def _add_site(url: str) -> None:
    from app.goals.definition import parse
    from app.goals.store import add_goal
    from app.sites.store import add_site

    engine = create_engine(url)
    async with engine.begin() as conn:
        await add_site(conn, SITE)
        for body in ({"name": "Signup", "event": "Signup"}, {"name": "Blog", "page": "/blog/**"},
                     {"name": "Pricing read", "page": "/pricing", "scroll": 50}):  # fmt: skip
            await add_goal(conn, 1, parse(body), now_ms=0)
    await engine.dispose()


if __name__ == "__main__":
    main()
