"""A credential revoked through one instance closes its sockets on the other (issue 15): the
re-check reads the shared database, so no message has to cross Redis for it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import replace

import pytest
from quart import Quart
from quart.testing.connections import WebsocketDisconnectError

from app import create_app
from app.clock import FakeClock
from app.ingest.geo import GeoLookup
from app.settings import Settings
from tests.conftest import SITE, make_token
from tests.scaleout.conftest import TICK_MS, snapshot_until

REAUTH_MS = 200


async def test_a_token_revoked_on_one_instance_closes_the_socket_on_the_other(
    migrated: Settings, clock: FakeClock, geo: GeoLookup, redis_url: str, prefix: str
) -> None:
    settings = replace(
        migrated,
        broker_url=redis_url,
        broker_prefix=prefix,
        live_tick_ms=TICK_MS,
        live_reauth_ms=REAUTH_MS,
    )
    make: Callable[[], Quart] = lambda: create_app(settings, clock=clock, geo=geo)  # noqa: E731
    admin = {"Authorization": f"Bearer {await make_token(migrated)}"}
    raw = await make_token(migrated, SITE)
    async with AsyncExitStack() as stack:
        one, two = make(), make()
        for instance in (one, two):
            await stack.enter_async_context(instance.test_app())
        watcher = {"Authorization": f"Bearer {raw}"}
        async with two.test_client().websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
            await snapshot_until(ws, lambda s: True)
            listed = await one.test_client().get("/api/admin/tokens", headers=admin)
            mine = next(t for t in await listed.get_json() if t["site_domain"] == SITE)
            revoked = await one.test_client().delete(
                f"/api/admin/tokens/{mine['id']}", headers=admin
            )
            assert revoked.status_code in (200, 204), await revoked.get_data()
            with pytest.raises(WebsocketDisconnectError) as closed:
                async with asyncio.timeout(3.0):
                    while True:
                        await ws.receive()
    assert closed.value.args[0] == 1008
