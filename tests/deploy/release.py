"""A database as the previous release left it, for the upgrade test (test_upgrade.py): a week of
`pulse demo` traffic on a fixed clock, every past hour sealed, at that release's schema, with the
report bodies that release answered. Kept in tests/deploy/releases/ (gzipped).

Recorded once per release, from that release's checkout, before the next one's migrations:
    .venv/bin/python -m tests.deploy.release record 0.1.0
"""

from __future__ import annotations

import asyncio
import gzip
import json
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from app import create_app
from app.clock import FakeClock
from app.demo import run_demo
from app.ingest.geo import GeoLookup
from app.migrate import upgrade
from app.settings import Settings
from app.sites.store import add_site
from app.storage.database import create_engine
from tests.queries import golden

STORE = Path(__file__).with_name("releases")
NOW_MS = golden.NOW_MS
DAYS, PER_DAY, SEED = 7, 60, 11


def requests() -> list[str]:
    """The golden harness's UTC requests: every report, range, filter and bucket it asks."""
    return golden.requests("UTC")


def settings_for(db: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{db}",
        flush_interval_ms=20,
        spill_path=str(db.with_suffix(".spill")),
        log_level="WARNING",
        ingest_rate_limit=0,
    )


async def bodies(settings: Settings, geo: GeoLookup) -> dict[str, str]:
    from tests.conftest import make_token

    headers = {"Authorization": f"Bearer {await make_token(settings)}"}
    app = create_app(replace(settings), clock=FakeClock(NOW_MS), geo=geo)
    out: dict[str, str] = {}
    async with app.test_app():
        client = app.test_client()
        for path in requests():
            response = await client.get(path, headers=headers)
            out[path] = f"{response.status_code}\n{(await response.get_data()).decode()}"
    return out


async def _record(version: str) -> None:
    geo = GeoLookup()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "pulse.db"
        settings = settings_for(db)
        await asyncio.to_thread(upgrade, settings.database_url)
        engine = create_engine(settings.database_url)
        async with engine.begin() as conn:
            await add_site(conn, golden.DOMAIN)
        await engine.dispose()
        await run_demo(settings, golden.DOMAIN, DAYS, PER_DAY, seed=SEED, clock=FakeClock(NOW_MS))
        app = create_app(settings, clock=FakeClock(NOW_MS), geo=geo)
        async with app.test_app():
            await app.extensions["pulse"].seal_pending()
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.close()
        STORE.mkdir(exist_ok=True)
        with db.open("rb") as raw, gzip.open(STORE / f"pulse-{version}.db.gz", "wb") as out:
            shutil.copyfileobj(raw, out)
        found = await bodies(settings, geo)  # on a copy: the token stays out of the fixture
    with gzip.open(STORE / f"pulse-{version}.bodies.json.gz", "wt", encoding="utf-8") as f:
        json.dump(found, f, indent=0, sort_keys=True, ensure_ascii=False)
    print(f"recorded {len(found)} bodies of release {version} in {STORE}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "record":
        sys.exit("usage: python -m tests.deploy.release record VERSION")
    asyncio.run(_record(sys.argv[2]))
