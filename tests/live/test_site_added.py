"""A site added by another process (`pulse site add`) is found at once by every route, not after
the registry's 5-s refresh: ingest, the websocket, the REST snapshot and the reports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from quart import Quart

from app.settings import Settings
from tests.conftest import FIREFOX, add_sites, make_token

NEW = "just-added.example"


async def test_site_add_then_at_once_websocket_realtime_and_report(
    make_app: Callable[..., Quart], migrated: Settings
) -> None:
    quart_app = make_app(live_tick_ms=50)
    async with quart_app.test_app():
        client = quart_app.test_client()
        admin = {"Authorization": f"Bearer {await make_token(migrated)}"}
        await add_sites(migrated, NEW)  # the CLI's way: straight into the database
        async with client.websocket(f"/ws/live?site={NEW}", headers=admin) as ws:
            first = await asyncio.wait_for(ws.receive(), 3)
        assert f'"site":"{NEW}"' in first
        realtime = await client.get(f"/api/v1/sites/{NEW}/realtime", headers=admin)
        assert realtime.status_code == 200
        report = await client.get(f"/api/v1/sites/{NEW}/summary?range=24h", headers=admin)
        assert report.status_code == 200, await report.get_data()
        posted = await client.post(
            "/api/collect",
            json={"url": f"https://{NEW}/", "visitor_id": "v"},
            headers={"User-Agent": FIREFOX},
        )
        assert (await posted.get_json())["accepted"] == 1
