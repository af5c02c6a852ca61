"""Open sockets follow their credential (closed 1008 within the re-check interval once it is
revoked), and the socket caps per credential, per IP and in all (refused 1013)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from quart import Quart
from quart.testing.connections import WebsocketDisconnectError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api import cookies
from app.auth.shares import create_share, grant, revoke_share
from app.auth.tokens import find_token, revoke_token
from app.auth.users import create_user, delete_user, end_session, set_role, start_session
from app.settings import Settings
from tests.conftest import SITE, make_token
from tests.support.outside import in_db, site_id

REAUTH_MS = 200
# The re-check runs every 200 ms here; allow for a loaded machine, not for a missed check.
CLOSED_WITHIN_S = 3.0


@pytest.fixture
async def guarded(make_app: Callable[..., Quart]) -> AsyncIterator[Quart]:
    quart_app = make_app(live_tick_ms=50, live_reauth_ms=REAUTH_MS)
    async with quart_app.test_app():
        yield quart_app


async def closed_code(
    app: Quart, headers: dict[str, str], revoke: Callable[[], Awaitable[Any]]
) -> int:
    """Open a socket, see its first snapshot, revoke, and return the close code it gets."""
    async with app.test_client().websocket(f"/ws/live?site={SITE}", headers=headers) as ws:
        assert "snapshot" in await asyncio.wait_for(ws.receive(), 3)
        await revoke()
        with pytest.raises(WebsocketDisconnectError) as closed:
            async with asyncio.timeout(CLOSED_WITHIN_S):
                while True:
                    await ws.receive()
    return int(closed.value.args[0])


async def test_a_revoked_token_closes_its_socket(guarded: Quart, migrated: Settings) -> None:
    raw = await make_token(migrated, SITE)

    async def revoke(conn: AsyncConnection) -> None:
        token = await find_token(conn, raw)
        assert token is not None
        await revoke_token(conn, token.id, now_ms=1)

    code = await closed_code(
        guarded, {"Authorization": f"Bearer {raw}"}, lambda: in_db(migrated, revoke)
    )
    assert code == 1008


async def test_a_revoked_share_link_closes_its_socket(guarded: Quart, migrated: Settings) -> None:
    rt = guarded.extensions["pulse"]

    async def share(conn: AsyncConnection) -> Any:
        return await create_share(conn, await site_id(conn, SITE), None, now_ms=rt.clock.now_ms())

    link = await in_db(migrated, share)
    cookie = {"Cookie": f"{cookies.SHARE}={grant(rt.auth.key, link, rt.clock.now_ms())}"}
    revoke = lambda: in_db(migrated, lambda c: revoke_share(c, link.id, now_ms=1))  # noqa: E731
    assert await closed_code(guarded, cookie, revoke) == 1008


async def _viewer_session(app: Quart, settings: Settings) -> tuple[int, str]:
    now = app.extensions["pulse"].clock.now_ms()

    async def make(conn: AsyncConnection) -> tuple[int, str]:
        user = await create_user(
            conn, "viewer@example.com", "a long password", is_admin=False, now_ms=now
        )
        await set_role(conn, user.id, await site_id(conn, SITE), "viewer")
        return user.id, await start_session(conn, user, now)

    result: tuple[int, str] = await in_db(settings, make)
    return result


@pytest.mark.parametrize("change", ["delete user", "remove role", "log out"])
async def test_a_user_who_lost_access_has_the_socket_closed(
    guarded: Quart, migrated: Settings, change: str
) -> None:
    user_id, raw = await _viewer_session(guarded, migrated)

    async def revoke(conn: AsyncConnection) -> None:
        if change == "delete user":
            await delete_user(conn, user_id)
        elif change == "remove role":
            await set_role(conn, user_id, await site_id(conn, SITE), None)
        else:
            await end_session(conn, raw, now_ms=1)

    cookie = {"Cookie": f"{cookies.SESSION}={raw}"}
    assert await closed_code(guarded, cookie, lambda: in_db(migrated, revoke)) == 1008


async def test_a_credential_still_valid_keeps_its_socket(
    guarded: Quart, migrated: Settings
) -> None:
    raw = await make_token(migrated, SITE)
    async with guarded.test_client().websocket(
        f"/ws/live?site={SITE}", headers={"Authorization": f"Bearer {raw}"}
    ) as ws:
        await asyncio.wait_for(ws.receive(), 3)
        await asyncio.sleep(3 * REAUTH_MS / 1000)  # three re-checks pass
        assert guarded.extensions["pulse"].sockets.watches  # still open, still watched


async def _refused_after(app: Quart, allowed: list[dict[str, str]], extra: dict[str, str]) -> int:
    """Hold `allowed` sockets open, then open one more: its close code."""
    client = app.test_client()
    opened = [client.websocket(f"/ws/live?site={SITE}", headers=h) for h in allowed]
    sockets = [await cm.__aenter__() for cm in opened]
    try:
        for ws in sockets:
            assert "snapshot" in await asyncio.wait_for(ws.receive(), 3)
        with pytest.raises(WebsocketDisconnectError) as refused:
            async with client.websocket(f"/ws/live?site={SITE}", headers=extra) as ws:
                await asyncio.wait_for(ws.receive(), 3)
        return int(refused.value.args[0])
    finally:
        for cm in opened:
            await cm.__aexit__(None, None, None)


async def test_caps_per_credential_per_ip_and_in_all(
    make_app: Callable[..., Quart], migrated: Settings
) -> None:
    tokens = [{"Authorization": f"Bearer {await make_token(migrated, SITE)}"} for _ in range(4)]
    for caps, allowed, extra in (
        ({"live_sockets_per_credential": 2}, [tokens[0]] * 2, tokens[0]),
        ({"live_sockets_per_ip": 3}, tokens[:3], tokens[3]),
        ({"live_sockets_max": 2}, tokens[:2], tokens[2]),
    ):
        quart_app = make_app(live_tick_ms=50, **caps)
        async with quart_app.test_app():
            assert await _refused_after(quart_app, allowed, extra) == 1013, caps
            # The counts follow the sockets: with the others closed, the refused one opens.
            await asyncio.sleep(0.1)
            assert quart_app.extensions["pulse"].sockets.watches == {}
            client = quart_app.test_client()
            async with client.websocket(f"/ws/live?site={SITE}", headers=extra) as ws:
                assert "snapshot" in await asyncio.wait_for(ws.receive(), 3)
