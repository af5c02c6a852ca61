"""The golden harness: `pulse demo` traffic (seeded, on a fixed clock) and a representative set
of report requests whose response bodies are stored in tests/queries/golden/bodies.json.gz.
Every read path gives the same bytes (recorded: rollups, sealed columns and the SQL scan
agree), so tests/queries/test_golden.py replays them on each path the planner can be forced to.

The database is built deterministically from the seed: the demo's visitors have client ids
(local identity mode: a keyed hash with a fixed key), so visitor ids — and with them every
visitor sketch — are the same on every run; session ids are random but never reach a body.

Record (only when a change of numbers is intended, and say why in the commit):
    .venv/bin/python -m tests.queries.golden record
"""

from __future__ import annotations

import asyncio
import gzip
import json
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from quart import Quart

from app import create_app
from app.clock import FakeClock
from app.demo import run_demo
from app.ingest.geo import GeoLookup
from app.migrate import upgrade
from app.settings import Settings
from app.sites.store import add_site, update_site
from app.storage.database import create_engine

DOMAIN = "golden.example"
# 2026-11-20T15:20Z, a Friday afternoon: the last ~2.5 hours stay open (read as rows).
NOW_MS = 1_795_188_000_000
DAYS, PER_DAY, SEED = 30, 150, 7
ZONES = ("UTC", "Asia/Kolkata", "America/New_York")
PATHS = ("auto", "columns", "sql")
STORE = Path(__file__).with_name("golden")

SESSION_DIMS = (
    "entry_page",
    "exit_page",
    "source",
    "channel",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "country",
    "browser",
    "os",
    "device",
    "visitor_type",
)
EVENT_DIMS = ("page", "event", "prop:plan", "prop:os")
FILTERS = (
    "source==Google",
    "referrer==",
    "device!=mobile",
    "country==US;device==desktop",
    "page==/pricing",
    "page=~blog",
    "page!=/signup",
    "page!~docs",
    "event==Signup",
    "prop:plan==pro",
    "prop:os!=linux",
    "visitor_type==returning",
    "entry_page=~/docs",
    "exit_page==/",
    "channel==Email;utm_campaign!=",
)
CUSTOM = "range=custom&from=2026-11-02&to=2026-11-15"


def _f(text: str) -> str:
    return "filter=" + quote(text, safe="")


def requests(zone: str) -> list[str]:
    """The request paths (with the site) asked in one site zone; UTC asks the most."""
    base = f"/api/v1/sites/{DOMAIN}"
    out = [f"{base}/summary?range={r}" for r in ("24h", "7d", "30d")]
    out += [f"{base}/summary?{CUSTOM}&compare=none"]
    out += [f"{base}/timeseries?range={r}" for r in ("24h", "7d", "30d")]
    out += [
        f"{base}/timeseries?range=7d&interval=hour&compare=none",
        f"{base}/timeseries.csv?range=30d&metrics=visitors,bounce_rate",
        f"{base}/timeseries?{CUSTOM}&metrics=sessions,new_visitors,returning_visitors",
    ]
    for dim in (*SESSION_DIMS, *EVENT_DIMS):
        out.append(f"{base}/breakdown/{dim}?range=30d&limit=1000")
    out += [
        f"{base}/breakdown/source?range=7d&sort=bounce_rate&order=asc&limit=3&offset=1",
        f"{base}/breakdown/page.csv?range=30d&limit=5",
        f"{base}/breakdown/country.csv?range=24h&totals=none",
        f"{base}/properties?range=30d",
        f"{base}/flows?range=30d",
        f"{base}/flows?range=7d&depth=2&limit=3",
        f"{base}/flows?range=30d&start=/pricing&depth=3",
        f"{base}/flows?range=7d&from=/docs/",
        f"{base}/funnel?range=30d&steps=/,/pricing,/signup,event:Signup",
        f"{base}/funnel?range=7d&steps=/docs/,/download",
        f"{base}/retention?range=30d&cohort=day",
        f"{base}/retention?range=30d&cohort=week",
        f"/api/analytics/stats?site={DOMAIN}&time_range=7d",
        f"/api/analytics/stats?site={DOMAIN}&time_range=all",
        f"/api/analytics/sankey?site={DOMAIN}&time_range=30d",
    ]
    out += [  # the ranges, comparisons and buckets of the dashboard's periods (issue 16)
        f"{base}/summary?range=today",
        f"{base}/summary?range=yesterday&compare=year",
        f"{base}/summary?range=month",
        f"{base}/timeseries?range=28d&interval=week",
        f"{base}/timeseries?range=12mo&interval=month&compare=none",
        f"{base}/breakdown/source?range=last_month",
        f"{base}/retention?range=all&cohort=week",
    ]
    chosen = FILTERS if zone == "UTC" else FILTERS[::3]
    for text in chosen:
        f = _f(text)
        out += [
            f"{base}/summary?range=30d&{f}",
            f"{base}/timeseries?range=7d&{f}",
            f"{base}/breakdown/country?range=30d&{f}",
            f"{base}/breakdown/page?range=30d&{f}",
            f"{base}/breakdown/prop:plan?range=30d&{f}",
        ]
    for text in chosen[:4]:
        f = _f(text)
        out += [
            f"{base}/breakdown/exit_page?range=7d&totals=none&{f}",
            f"{base}/breakdown/visitor_type?range=30d&{f}",
            f"{base}/properties?range=30d&{f}",
            f"{base}/flows?range=30d&{f}",
            f"{base}/funnel?range=30d&steps=/,/pricing&{f}",
            f"{base}/retention?range=30d&cohort=week&{f}",
            f"/api/analytics/stats?site={DOMAIN}&time_range=30d&{f}",
        ]
    if zone != "UTC":
        return out
    return out + [
        f"{base}/breakdown/nothing?range=30d",
        f"{base}/summary?range=30d&{_f('page<>x')}",
        f"{base}/summary?range=custom&from=2026-11-09",
        f"{base}/timeseries?range=7d&metrics=visits",
    ]


async def build(directory: Path, geo: GeoLookup) -> Settings:
    """The demo database in `directory`, every past hour sealed (the clock at NOW_MS)."""
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{directory / 'golden.db'}",
        flush_interval_ms=20,
        spill_path=str(directory / "pulse.spill"),
        log_level="WARNING",
        ingest_rate_limit=0,
    )
    await asyncio.to_thread(upgrade, settings.database_url)
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        await add_site(conn, DOMAIN)
    await engine.dispose()
    await run_demo(settings, DOMAIN, DAYS, PER_DAY, seed=SEED, clock=FakeClock(NOW_MS))
    app = create_app(settings, clock=FakeClock(NOW_MS), geo=geo)
    async with app.test_app():
        await app.extensions["pulse"].seal_pending()
    return settings


@asynccontextmanager
async def serving(settings: Settings, geo: GeoLookup) -> AsyncIterator[Quart]:
    app = create_app(replace(settings), clock=FakeClock(NOW_MS), geo=geo)
    async with app.test_app():
        yield app


async def set_zone(app: Quart, zone: str) -> None:
    rt = app.extensions["pulse"]
    async with rt.engine.begin() as conn:
        await update_site(conn, DOMAIN, timezone=zone)
    await rt.sites.reload()


async def bodies(app: Quart, headers: dict[str, str]) -> dict[str, str]:
    """request -> "status content-type\\nbody" for every zone's requests."""
    client = app.test_client()
    out: dict[str, str] = {}
    for zone in ZONES:
        await set_zone(app, zone)
        for path in requests(zone):
            response = await client.get(path, headers=headers)
            body = (await response.get_data()).decode()
            out[f"{zone} {path}"] = f"{response.status_code} {response.content_type}\n{body}"
    return out


def load() -> dict[str, str]:
    with gzip.open(STORE / "bodies.json.gz", "rt", encoding="utf-8") as f:
        found: dict[str, str] = json.load(f)
    return found


def save(found: dict[str, str]) -> None:
    STORE.mkdir(exist_ok=True)
    data = json.dumps(found, indent=0, sort_keys=True, ensure_ascii=False).encode()
    # mtime=0: the same bodies give the same file.
    with (
        open(STORE / "bodies.json.gz", "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f,
    ):
        f.write(data)


Forcer = Callable[[str], Iterator[None]]


async def record(forced: Forcer) -> None:
    from tests.conftest import make_token

    geo = GeoLookup()
    with tempfile.TemporaryDirectory() as tmp:
        settings = await build(Path(tmp), geo)
        headers = {"Authorization": f"Bearer {await make_token(settings)}"}
        found: dict[str, dict[str, str]] = {}
        async with serving(settings, geo) as app:
            for path_name in PATHS:
                with forced(path_name):
                    found[path_name] = await bodies(app, headers)
    auto = found["auto"]
    for path_name, other in found.items():
        differing = [key for key in auto if other[key] != auto[key]]
        assert not differing, f"{path_name} differs from auto: {differing[:5]}"
    save(auto)
    print(len(auto), "bodies recorded, equal on", ", ".join(PATHS), file=sys.stderr)


if __name__ == "__main__" and sys.argv[1:] == ["record"]:
    from tests.queries.test_golden import forced

    asyncio.run(record(forced))
