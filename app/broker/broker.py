"""The Redis link: connection, health, the reconnect loop, and the live-event stream.

Live events travel on a Redis Stream (`<prefix>events`, trimmed to ~PULSE_BROKER_STREAM_LEN
batches) rather than pub/sub: a process that loses Redis for a moment resumes from the last
entry it applied, so a blip costs no live events; pub/sub would drop whatever was sent while it
was away. Each process applies its own events at once (app/ingest/intake.py) and skips its own
entries on the stream (every entry names its origin), so each event reaches each window exactly
once.

Publishing never waits on Redis: `publish` appends to a bounded outbox and wakes the publisher
task, which sends everything queued so far as one entry (one XADD per request under light load,
fewer under heavy load). While Redis is unreachable the outbox keeps the newest
PULSE_BROKER_OUTBOX events for the other processes (their windows take late events in the right
minute); anything older is dropped and counted. Ingest and persistence never depend on Redis.

When a command fails the link is `down`: sessions are decided locally, the live view shows local
events only, `/readyz` says `degraded`, and the loop reconnects with backoff (50 ms doubling to
2 s). A Redis that comes back empty (restarted without persistence) is told apart from one that
kept its data by an epoch key; after a restart the stream is read from its beginning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from app.broker import wire
from app.events import Event
from app.settings import Settings

log = logging.getLogger(__name__)
BACKOFF_MIN_S, BACKOFF_MAX_S = 0.05, 2.0
READ_BLOCK_MS = 1000
READ_COUNT = 100
PUBLISH_MAX_EVENTS = 2000  # per stream entry (~160 KB)


def _stream_id(value: bytes | str) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else value
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


class Broker:
    def __init__(self, settings: Settings, apply: Callable[[Event], None]) -> None:
        self.prefix = settings.broker_prefix
        self.stream = f"{self.prefix}events"
        self.apply = apply  # LiveHub.add
        self.origin = os.urandom(8).hex().encode()
        self.timeout_s = settings.broker_timeout_ms / 1000
        self.stream_len = settings.broker_stream_len
        self.outbox: deque[Event] = deque()
        self.outbox_cap = settings.broker_outbox
        self.client = self._client(settings.broker_url, self.timeout_s, 64)
        # XREAD blocks for a second: its own connection, with a timeout beyond the block.
        self.reader = self._client(settings.broker_url, READ_BLOCK_MS / 1000 + self.timeout_s, 1)
        self.up = False
        self.error: str | None = "not connected yet"
        self.down_since_ms: int | None = int(time.time() * 1000)
        self.counts = {"published": 0, "applied": 0, "dropped": 0, "reconnects": 0}
        self.cursor = "$"
        self._epoch: bytes | None = None
        self._wake = asyncio.Event()
        self._broken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @staticmethod
    def _client(url: str, timeout_s: float, size: int) -> Redis:
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=size,
            timeout=timeout_s,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),  # our loop retries; a request must not wait
        )
        return Redis(connection_pool=pool)

    # --- lifecycle ---------------------------------------------------------------------------

    def mark_start(self) -> None:
        """Before the warm start reads the database: later entries on the stream are applied
        (stream ids are Redis' clock in ms), so nothing published meanwhile is missed."""
        self.cursor = f"{int(time.time() * 1000)}-0"

    async def start(self) -> None:
        with contextlib.suppress(Exception):  # first attempt inline: up before serving
            await self._connect()
        self._task = asyncio.create_task(self._supervise(), name="pulse-broker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.up and self.outbox:  # the last batch, if Redis answers at once
            with contextlib.suppress(Exception):
                await self._publish_once()
        for client in (self.client, self.reader):
            with contextlib.suppress(Exception):
                await client.aclose()

    # --- hot path ----------------------------------------------------------------------------

    def publish(self, events: list[Event]) -> None:
        """O(len(events)), no I/O: the publisher task sends them."""
        outbox = self.outbox
        outbox.extend(events)
        over = len(outbox) - self.outbox_cap
        if over > 0:
            for _ in range(over):
                outbox.popleft()
            self.counts["dropped"] += over
        self._wake.set()

    def fail(self, exc: BaseException, where: str = "link") -> None:
        """A command failed (here or in a request): go down and let the loop reconnect."""
        if self.up:
            log.warning("Redis failed (%s: %r): live view degrades to local events", where, exc)
            self.down_since_ms = int(time.time() * 1000)
        self.up = False
        self.error = f"{type(exc).__name__}: {exc}"[:300]
        self._broken.set()

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "ok" if self.up else "degraded", **self.counts}
        body["outbox"] = len(self.outbox)
        if not self.up:
            body["error"] = self.error
            body["down_since_ms"] = self.down_since_ms
            body["live"] = "local events only"
        return body

    # --- the loop ----------------------------------------------------------------------------

    async def _connect(self) -> None:
        await self.client.ping()
        # SET NX: the first process to reach a fresh (or restarted, emptied) Redis names it.
        await self.client.set(f"{self.prefix}epoch", os.urandom(8).hex(), nx=True)
        epoch: Any = await self.client.get(f"{self.prefix}epoch")
        if self._epoch is None:
            log.info("Redis connected: sharing live events and sessions")
        elif epoch != self._epoch:
            log.warning("Redis came back empty: reading the event stream from its start")
            self.cursor = "0-0"
        else:
            log.warning("Redis is back: sharing live events and sessions again")
        self._epoch = epoch
        if self.cursor == "$":  # never read: from now (mark_start sets an earlier point)
            self.cursor = f"{int(time.time() * 1000)}-0"
        self._broken.clear()
        self.up, self.error, self.down_since_ms = True, None, None

    async def _supervise(self) -> None:
        delay = BACKOFF_MIN_S
        while True:
            try:
                if not self.up:
                    await self._connect()
                    self.counts["reconnects"] += 1
                delay = BACKOFF_MIN_S
                await self._serve()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.fail(exc)
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, BACKOFF_MAX_S)

    async def _serve(self) -> None:
        """Publisher and reader until one fails or a request reports a failure."""
        tasks = [
            asyncio.create_task(self._publisher()),
            asyncio.create_task(self._consumer()),
            asyncio.create_task(self._broken.wait()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # Close the reader's socket first: a cancelled XREAD inside redis-py's read timeout
            # can swallow the cancellation and keep waiting (seen with redis 8.1, Python 3.11).
            with contextlib.suppress(Exception):
                await self.reader.connection_pool.disconnect()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            if not task.cancelled() and (exc := task.exception()) is not None:
                raise exc
        raise ConnectionError(self.error or "Redis link broken")

    async def _publisher(self) -> None:
        while True:
            while self.outbox:  # first: what queued while Redis was away
                await self._publish_once()
            self._wake.clear()
            await self._wake.wait()

    async def _publish_once(self) -> None:
        outbox, n = self.outbox, min(len(self.outbox), PUBLISH_MAX_EVENTS)
        chunk = [outbox.popleft() for _ in range(n)]
        try:
            await self.client.xadd(
                self.stream,
                {"o": self.origin, "e": wire.encode(chunk)},
                maxlen=self.stream_len,
                approximate=True,
            )
        except BaseException:
            # Back to the front for the next connection, within the outbox's bound.
            room = max(0, self.outbox_cap - len(outbox))
            keep = chunk[len(chunk) - room :] if room < len(chunk) else chunk
            self.counts["dropped"] += len(chunk) - len(keep)
            outbox.extendleft(reversed(keep))
            raise
        self.counts["published"] += n

    async def _consumer(self) -> None:
        apply, origin = self.apply, self.origin
        while True:
            answer: Any = await self.reader.xread(
                {self.stream: self.cursor}, count=READ_COUNT, block=READ_BLOCK_MS
            )
            for _, entries in answer or ():
                for entry_id, fields in entries:
                    if fields.get(b"o") != origin:
                        events = wire.decode(fields[b"e"])
                        for event in events:
                            apply(event)
                        self.counts["applied"] += len(events)
                    self.cursor = entry_id.decode()
