"""A real webhook receiver for the alert tests: a Quart app served by Hypercorn on 127.0.0.1
(a port of its own), recording every request (headers, body, arrival time) and answering with
the status codes a test queues (200 once the queue is empty)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart, Response, request

from tests.support.server import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float  # time.time()

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def signature_ok(self, secret: str) -> bool:
        timestamp = self.headers["x-pulse-timestamp"]
        message = timestamp.encode() + b"." + self.body
        expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers["x-pulse-signature"])


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(self, n: int, timeout: float = 5.0) -> list[Received]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.received) < n:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                pytest.fail(f"{len(self.received)} webhook requests within {timeout} s, not {n}")
            self.arrived.clear()
            try:
                async with asyncio.timeout(left):
                    await self.arrived.wait()
            except TimeoutError:
                pass
        return self.received


async def start_receiver() -> tuple[Receiver, asyncio.Event, asyncio.Task[None]]:
    port = free_port()
    app = Quart("receiver")
    box = Receiver(f"http://127.0.0.1:{port}/hook")

    @app.post("/hook")
    async def hook() -> Response:
        body = await request.get_data()
        headers = {k.lower(): v for k, v in request.headers.items()}
        box.received.append(Received(headers, body, time.time()))
        box.arrived.set()
        return Response("ok", status=box.statuses.pop(0) if box.statuses else 200)

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.errorlog = None
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
    for _ in range(200):  # until it listens
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        except OSError:
            await asyncio.sleep(0.02)
    return box, stop, task


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    box, stop, task = await start_receiver()
    yield box
    stop.set()
    await task
