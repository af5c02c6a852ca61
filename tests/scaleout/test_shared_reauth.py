"""A credential revoked through one instance closes its sockets on the other (issue 15): the
re-check reads the shared database, so no message has to cross Redis for it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any

import pytest
from quart import Quart
from quart.testing.connections import WebsocketDisconnectError
from quart.typing import TestClientProtocol
from sqlalchemy.ext.asyncio import AsyncConnection

from app import create_app
from app.api import cookies
from app.auth.shares import create_share, grant
from app.auth.users import create_user, set_role, start_session
from app.clock import FakeClock
from app.ingest.geo import GeoLookup
from app.settings import Settings
from tests.conftest import SITE, make_token
from tests.scaleout.conftest import TICK_MS, snapshot_until
from tests.support.outside import in_db, site_id

REAUTH_MS = 200
Revoke = Callable[[TestClientProtocol], Awaitable[Any]]


async def _token(settings: Settings, app: Quart, admin: dict[str, str]) -> tuple[dict, Revoke]:
    raw = await make_token(settings, SITE)

    async def revoke(client: TestClientProtocol) -> Any:
        listed = await (await client.get("/api/admin/tokens", headers=admin)).get_json()
        mine = next(t for t in listed if t["site_domain"] == SITE)
        return await client.delete(f"/api/admin/tokens/{mine['id']}", headers=admin)

    return {"Authorization": f"Bearer {raw}"}, revoke


async def _share(settings: Settings, app: Quart, admin: dict[str, str]) -> tuple[dict, Revoke]:
    rt = app.extensions["pulse"]
    now = rt.clock.now_ms()
    link = await in_db(settings, lambda c: _make_share(c, now))

    async def revoke(client: TestClientProtocol) -> Any:
        return await client.delete(f"/api/admin/shares/{link.id}", headers=admin)

    return {"Cookie": f"{cookies.SHARE}={grant(rt.auth.key, link, now)}"}, revoke


async def _make_share(conn: AsyncConnection, now: int) -> Any:
    return await create_share(conn, await site_id(conn, SITE), None, now_ms=now)


async def _user(settings: Settings, app: Quart, admin: dict[str, str]) -> tuple[dict, Revoke]:
    now = app.extensions["pulse"].clock.now_ms()

    async def make(conn: AsyncConnection) -> tuple[int, str]:
        user = await create_user(
            conn, "wall@example.com", "a long password", is_admin=False, now_ms=now
        )
        await set_role(conn, user.id, await site_id(conn, SITE), "viewer")
        return user.id, await start_session(conn, user, now)

    user_id, raw = await in_db(settings, make)

    async def revoke(client: TestClientProtocol) -> Any:
        return await client.delete(f"/api/admin/users/{user_id}", headers=admin)

    return {"Cookie": f"{cookies.SESSION}={raw}"}, revoke


@pytest.mark.parametrize("credential", [_token, _share, _user], ids=["token", "share", "user"])
async def test_a_credential_revoked_on_one_instance_closes_the_socket_on_the_other(
    migrated: Settings,
    clock: FakeClock,
    geo: GeoLookup,
    redis_url: str,
    prefix: str,
    credential: Callable[..., Awaitable[tuple[dict, Revoke]]],
) -> None:
    settings = replace(
        migrated,
        broker_url=redis_url,
        broker_prefix=prefix,
        live_tick_ms=TICK_MS,
        live_reauth_ms=REAUTH_MS,
    )
    admin = {"Authorization": f"Bearer {await make_token(migrated)}"}
    async with AsyncExitStack() as stack:
        one, two = (create_app(settings, clock=clock, geo=geo) for _ in range(2))
        for instance in (one, two):
            await stack.enter_async_context(instance.test_app())
        headers, revoke = await credential(migrated, one, admin)
        async with two.test_client().websocket(f"/ws/live?site={SITE}", headers=headers) as ws:
            await snapshot_until(ws, lambda s: True)
            revoked = await revoke(one.test_client())
            assert revoked.status_code in (200, 204), await revoked.get_data()
            with pytest.raises(WebsocketDisconnectError) as closed:
                async with asyncio.timeout(3.0):
                    while True:
                        await ws.receive()
    assert closed.value.args[0] == 1008
