"""/ws/live and GET /api/v1/sites/{site}/realtime through Quart's test client (issue 4)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgpack
import pytest
from quart import Quart
from quart.testing.connections import WebsocketDisconnectError, WebsocketResponseError
from quart.typing import TestClientProtocol

import app.api.live as live_api
from app.clock import FakeClock
from tests.conftest import FIREFOX, SITE

TICK_MS = 50


@pytest.fixture
async def live_app(make_app: Callable[..., Quart]) -> AsyncIterator[Quart]:
    quart_app = make_app(live_tick_ms=TICK_MS)
    async with quart_app.test_app():
        yield quart_app


@pytest.fixture
def live_client(live_app: Quart) -> TestClientProtocol:
    return live_app.test_client()


async def post(client: TestClientProtocol, path: str = "/x", visitor: str = "v1") -> None:
    response = await client.post(
        "/api/collect",
        json={"url": f"https://{SITE}{path}", "visitor_id": visitor},
        headers={"User-Agent": FIREFOX},
    )
    assert response.status_code == 202, await response.get_data()


def decode(frame: str | bytes) -> dict[str, Any]:
    data = msgpack.unpackb(frame) if isinstance(frame, bytes) else json.loads(frame)
    assert isinstance(data, dict)
    return data


async def receive(ws: Any, timeout: float = 3.0) -> dict[str, Any]:
    return decode(await asyncio.wait_for(ws.receive(), timeout))


async def test_snapshot_on_connect(
    watcher: dict[str, str], live_client: TestClientProtocol
) -> None:
    async with live_client.websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
        snap = await receive(ws)
    assert snap["type"] == "snapshot" and snap["site"] == SITE and snap["seq"] >= 1
    assert snap["active_now"] == 0 and len(snap["minutes"]["pageviews"]) == 30


async def test_an_update_follows_an_ingested_event(
    watcher: dict[str, str], live_client: TestClientProtocol
) -> None:
    async with live_client.websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
        first = await receive(ws)
        await post(live_client, "/pricing")
        update = await receive(ws)
    assert update["seq"] > first["seq"]
    assert update["active_now"] == 1 and update["last_30m"]["pageviews"] == 1
    assert update["recent"][0]["path"] == "/pricing"
    assert update["top"]["pages"]["items"] == [["/pricing", 1]]


async def test_no_update_while_nothing_changes(
    watcher: dict[str, str], live_client: TestClientProtocol
) -> None:
    async with live_client.websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
        await receive(ws)
        with pytest.raises(TimeoutError):
            await receive(ws, timeout=10 * TICK_MS / 1000)


async def test_msgpack_frames_decode_to_the_same_content_as_json(
    watcher: dict[str, str],
    live_client: TestClientProtocol,
) -> None:
    await post(live_client, "/both", "v-both")
    await asyncio.sleep(3 * TICK_MS / 1000)
    async with (
        live_client.websocket(f"/ws/live?site={SITE}", headers=watcher) as as_json,
        live_client.websocket(
            f"/ws/live?site={SITE}&format=msgpack", headers=watcher
        ) as as_msgpack,
    ):
        text, binary = await as_json.receive(), await as_msgpack.receive()
    assert isinstance(text, str) and isinstance(binary, bytes)
    assert decode(binary) == decode(text)
    assert decode(text)["recent"][0]["path"] == "/both"


async def test_the_rest_snapshot_is_the_websocket_snapshot(
    watcher: dict[str, str],
    live_client: TestClientProtocol,
) -> None:
    await post(live_client, "/rest")
    async with live_client.websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
        pushed = await receive(ws)
        response = await live_client.get(f"/api/v1/sites/{SITE}/realtime", headers=watcher)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert await response.get_json() == pushed
    missing = await live_client.get("/api/v1/sites/nope.example/realtime", headers=watcher)
    assert missing.status_code == 404


async def test_at_most_one_update_per_tick(
    watcher: dict[str, str], make_app: Callable[..., Quart], clock: FakeClock
) -> None:
    quart_app = make_app(live_tick_ms=250)
    async with quart_app.test_app():
        client = quart_app.test_client()
        async with client.websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
            await receive(ws)
            loop = asyncio.get_running_loop()
            frames: list[dict[str, Any]] = []

            async def read() -> None:
                while True:
                    frames.append(await receive(ws, timeout=5))

            reader = asyncio.create_task(read())
            started = loop.time()
            for n in range(20):  # 20 events, each answered once durable
                await post(client, f"/burst/{n}", f"v{n}")
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.4)  # the last coalesced push goes out
            elapsed = loop.time() - started
            reader.cancel()
    assert 2 <= len(frames) <= elapsed / 0.25 + 1
    assert frames[-1]["last_30m"]["pageviews"] == 20


async def test_a_slow_client_skips_to_the_latest_snapshot(
    watcher: dict[str, str], make_app: Callable[..., Quart], monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = asyncio.Event()
    gate.set()
    real_pump = live_api.pump

    async def gated_pump(sub: Any, send: Any, *args: Any) -> int:
        async def slow_send(frame: str | bytes) -> None:
            await gate.wait()  # a client that stopped reading: the send does not complete
            await send(frame)

        return await real_pump(sub, slow_send, *args)

    monkeypatch.setattr(live_api, "pump", gated_pump)
    quart_app = make_app(live_tick_ms=TICK_MS)
    async with quart_app.test_app():
        client = quart_app.test_client()
        async with client.websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
            assert (await receive(ws))["last_30m"]["pageviews"] == 0
            gate.clear()
            for n in range(6):  # six changes, a tick apart: six snapshots built
                await post(client, f"/slow/{n}", f"slow{n}")
                await asyncio.sleep(2 * TICK_MS / 1000)
            gate.set()
            received = [await receive(ws)]
            while received[-1]["last_30m"]["pageviews"] < 6:
                received.append(await receive(ws))
    # The frame stuck in flight, then straight to the latest: never the backlog in between.
    assert len(received) <= 2
    assert received[-1]["last_30m"]["pageviews"] == 6
    assert received[-1]["seq"] - received[0]["seq"] > 1


async def test_keepalive_when_idle(watcher: dict[str, str], make_app: Callable[..., Quart]) -> None:
    quart_app = make_app(live_tick_ms=TICK_MS, live_keepalive_ms=100)
    async with quart_app.test_app():
        client = quart_app.test_client()
        async with client.websocket(f"/ws/live?site={SITE}&format=msgpack", headers=watcher) as ws:
            await receive(ws)
            keepalive = await receive(ws, timeout=1.0)
    assert keepalive["type"] == "keepalive" and isinstance(keepalive["at"], int)


async def test_shutdown_closes_with_1001(
    watcher: dict[str, str], make_app: Callable[..., Quart]
) -> None:
    quart_app = make_app(live_tick_ms=TICK_MS)
    test_app = quart_app.test_app()
    await test_app.startup()
    client = quart_app.test_client()
    async with client.websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
        await receive(ws)
        stopping = asyncio.create_task(test_app.shutdown())
        with pytest.raises(WebsocketDisconnectError) as closed:
            while True:
                await receive(ws)
        await stopping
    assert closed.value.args == (1001,)


async def test_without_credentials_the_socket_is_refused(live_client: TestClientProtocol) -> None:
    with pytest.raises(WebsocketDisconnectError) as closed:
        async with live_client.websocket(f"/ws/live?site={SITE}") as ws:
            await receive(ws)
    assert closed.value.args == (1008,)  # policy violation: the wall can tell it from "down"


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("site=nope.example", {}, 404),
        (f"site={SITE}&format=xml", {}, 400),
        (f"site={SITE}", {"Origin": "https://evil.example"}, 403),
        (f"site={SITE}", {"Origin": "null"}, 403),
    ],
)
async def test_refusals_answer_the_handshake(
    watcher: dict[str, str],
    live_client: TestClientProtocol,
    query: str,
    headers: dict[str, str],
    status: int,
) -> None:
    with pytest.raises(WebsocketResponseError) as refused:
        async with live_client.websocket(f"/ws/live?{query}", headers={**watcher, **headers}) as ws:
            await receive(ws)
    assert refused.value.response.status_code == status


async def test_origins_allowed_same_host_and_configured(
    watcher: dict[str, str], make_app: Callable[..., Quart]
) -> None:
    quart_app = make_app(live_tick_ms=TICK_MS, live_origins=("https://wall.example",))
    async with quart_app.test_app():
        client = quart_app.test_client()
        for origin in ("http://localhost", "https://wall.example"):
            async with client.websocket(
                f"/ws/live?site={SITE}", headers={**watcher, "Origin": origin}
            ) as ws:
                assert (await receive(ws))["type"] == "snapshot"
