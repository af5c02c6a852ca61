"""Two Pulse instances sharing one Redis (issue 8): in-process Quart apps, each with its own
runtime (live windows, session index, writer), sharing the database under test and a Redis.

Redis is found at PULSE_TEST_REDIS_URL (default: the CI service on 127.0.0.1:6379). Each test
uses its own key prefix and deletes its keys afterwards. When Redis is not reachable these tests
skip saying so, unless PULSE_REQUIRE_SERVICES=1 (CI), where they fail. The database is a
parameter (`backend_name`): SQLite (one WAL file both instances write) and PostgreSQL (skipped
likewise when absent); the outage test starts a redis-server of its own and kills it.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any

import pytest
import redis
from quart import Quart
from quart.typing import TestClientProtocol

from app import create_app
from app.clock import FakeClock
from app.ingest.geo import GeoLookup
from app.settings import Settings
from tests.backends import BACKENDS
from tests.conftest import FIREFOX, SITE, make_token
from tests.sdk.conftest import free_port

REDIS_URL = os.environ.get("PULSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
TICK_MS = 50


@functools.cache
def redis_unavailable() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return f"Redis not reachable at {REDIS_URL}: {error!r}"
    return None


def require_redis() -> None:
    reason = redis_unavailable()
    if reason is None:
        return
    if os.environ.get("PULSE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (PULSE_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def delete_prefix(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    require_redis()
    yield REDIS_URL


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    value = f"pulse-test:{secrets.token_hex(6)}:"
    yield value
    delete_prefix(redis_url, value)


class RedisProcess:
    """A redis-server of the test's own (no persistence), to stop and start on one port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [REDIS_SERVER, "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while True:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def own_redis(redis_url: str) -> Iterator[RedisProcess]:
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.skip(f"no redis-server at {REDIS_SERVER}")
    server = RedisProcess(free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def make_instance(migrated: Settings, clock: FakeClock, geo: GeoLookup) -> Callable[..., Quart]:
    """An instance on the shared database; both share the fake clock (one 'now')."""

    def factory(broker_url: str, prefix: str) -> Quart:
        settings = replace(
            migrated, broker_url=broker_url, broker_prefix=prefix, live_tick_ms=TICK_MS
        )
        return create_app(settings, clock=clock, geo=geo)

    return factory


async def start_pair(
    stack: AsyncExitStack, factory: Callable[..., Quart], url: str, prefix: str
) -> tuple[Quart, Quart]:
    one, two = factory(url, prefix), factory(url, prefix)
    for instance in (one, two):
        await stack.enter_async_context(instance.test_app())
    return one, two


@pytest.fixture
async def pair(
    make_instance: Callable[..., Quart], redis_url: str, prefix: str
) -> AsyncIterator[tuple[Quart, Quart]]:
    async with AsyncExitStack() as stack:
        yield await start_pair(stack, make_instance, redis_url, prefix)


@pytest.fixture
async def watcher(migrated: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {await make_token(migrated, SITE)}"}


async def post(client: TestClientProtocol, visitor: str, path: str = "/") -> None:
    response = await client.post(
        "/api/collect",
        json={"url": f"https://{SITE}{path}", "visitor_id": visitor},
        headers={"User-Agent": FIREFOX},
    )
    assert response.status_code == 202, await response.get_data()


async def snapshot_until(
    ws: Any, done: Callable[[dict[str, Any]], bool], timeout: float = 2.0
) -> dict[str, Any]:
    """Frames until one satisfies `done` (keepalives and earlier snapshots are skipped)."""
    last: dict[str, Any] = {}
    try:
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await ws.receive())
                if frame.get("type") == "snapshot":
                    last = frame
                    if done(frame):
                        return frame
    except TimeoutError:
        pytest.fail(f"no snapshot within {timeout} s satisfied the test; last: {last}")


_ADMIN_TOKENS: dict[str, str] = {}


async def readiness(client: TestClientProtocol) -> dict[str, Any]:
    """/readyz's details, read with an admin token of the instance's database."""
    settings = client.app.extensions["pulse"].settings  # type: ignore[attr-defined]
    url = settings.database_url
    if url not in _ADMIN_TOKENS:
        _ADMIN_TOKENS[url] = await make_token(settings)
    headers = {"Authorization": f"Bearer {_ADMIN_TOKENS[url]}"}
    body: dict[str, Any] = await (await client.get("/readyz", headers=headers)).get_json()
    return body


async def wait_ready(client: TestClientProtocol, status: str, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (body := await readiness(client))["broker"]["status"] != status:
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"/readyz never said broker {status}: {body}")
        await asyncio.sleep(0.05)
