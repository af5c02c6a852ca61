"""Fixtures for the live view's tests: event factories for the windows, credentials to watch a
site (every live endpoint is guarded by the Accounts issue), a real `pulse serve` subprocess for
the wall display in Chromium (tests/support/server.py), and the browser itself
(tests/support/browser.py)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.auth.shares import create_share
from app.auth.tokens import create_token
from app.events import Event
from app.settings import Settings
from app.storage.database import create_engine
from app.storage.tables import sites
from tests.conftest import FIREFOX, SITE
from tests.support.browser import launch_chromium
from tests.support.server import ROOT, pulse_serve

WALL_SITE = "wall.example"
NODE_MODULES = ROOT / "frontend" / "node_modules"


def event(ts: int, visitor: int, **fields: Any) -> Event:
    """An accepted event as the pipeline would make it (a pageview opening a session)."""
    defaults: dict[str, Any] = {
        "site_id": 1,
        "ts": ts,
        "name": "pageview",
        "hostname": "example.com",
        "pathname": "/",
        "visitor_id": visitor,
        "session_id": visitor * 1000,
        "new_visitor": True,
        "session_start": True,
    }
    return Event(**{**defaults, **fields})


async def read_token(settings: Settings, domain: str = SITE) -> str:
    """A read-only API token for `domain`, as `pulse token create --site` makes one."""
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        site_id = await conn.scalar(select(sites.c.id).where(sites.c.domain == domain))
        _, raw = await create_token(
            conn, scope="read", site_id=site_id, label="live tests", now_ms=0
        )
    await engine.dispose()
    return raw


async def share_slug(settings: Settings, domain: str) -> str:
    """A share link without a password: how a TV on the wall gets in without an account."""
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        site_id = await conn.scalar(select(sites.c.id).where(sites.c.domain == domain))
        link = await create_share(conn, site_id, None, now_ms=0)
    await engine.dispose()
    return link.slug


@pytest.fixture
async def watcher(migrated: Settings) -> dict[str, str]:
    """Headers that may watch SITE: a Bearer read token."""
    return {"Authorization": f"Bearer {await read_token(migrated)}"}


@dataclass
class LiveServer:
    origin: str
    db_path: Path
    share: str  # a share link's path: the wall page's way in

    def post(self, path: str, visitor: str, site: str = WALL_SITE) -> dict[str, Any]:
        body = json.dumps({"url": f"https://{site}{path}", "visitor_id": visitor}).encode()
        request = urllib.request.Request(
            f"{self.origin}/api/collect",
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": FIREFOX},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not (NODE_MODULES / "echarts").is_dir():
        pytest.fail("the wall display needs its libraries: run `cd frontend && npm ci`")
    setup = [("site", "add", WALL_SITE, "--name", "Wall Example")]
    with pulse_serve(tmp_path_factory.mktemp("live"), setup=setup) as server:
        settings = Settings(database_url=server.env["PULSE_DATABASE_URL"])
        # In a thread of its own: sync Playwright may hold this thread's event loop already.
        with ThreadPoolExecutor(1) as pool:
            slug = pool.submit(asyncio.run, share_slug(settings, WALL_SITE)).result()
        yield LiveServer(server.origin, server.db_path, f"/share/{slug}")


# Module scope, as in tests/sdk: sync Playwright holds this thread's event loop while it runs.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium
