"""The one writer: a bounded in-memory queue drained by a single task into batched transactions.

Request handlers call `offer()` (no await, no database); the writer task commits a batch when it
holds `batch_size` items or `flush_interval` after the first one arrived. A failing database is
retried with backoff, then the batch is spilled to disk (see spill.py) so nothing accepted is lost.
Other components that must write (salts, ...) submit a job with `run_job()`, which runs on the
same task between batches: one owner of the write connection, as in Datasette's database.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.events import Drop, Event
from app.storage import spill
from app.storage.batch import BatchRows, build_rows, write_rows

log = logging.getLogger(__name__)

Job = Callable[[AsyncConnection], Awaitable[Any]]


@dataclass
class WriterStats:
    persisted: int = 0
    batches: int = 0
    spilled: int = 0
    last_flush_ms: float = 0.0
    last_error: str | None = None


class Writer:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        spill_path: Path,
        batch_size: int = 2000,
        flush_interval: float = 0.5,
        queue_bound: int = 100_000,
        retry_delays: Sequence[float] = (0.1, 0.5, 2.0),
    ) -> None:
        self.engine = engine
        self.spill_path = spill_path
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.queue_bound = queue_bound
        self.retry_delays = tuple(retry_delays)
        self.stats = WriterStats()
        self._items: deque[Event | Drop] = deque()
        self._jobs: deque[tuple[Job, asyncio.Future[Any]]] = deque()
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # -- the request side ------------------------------------------------------------------
    @property
    def depth(self) -> int:
        return len(self._items)

    def has_room(self, n: int) -> bool:
        return not self._stopping and len(self._items) + n <= self.queue_bound

    def offer(self, items: Sequence[Event | Drop]) -> bool:
        """Queue items for the writer; False (nothing queued) when full or stopping."""
        if not items:
            return True
        if not self.has_room(len(items)):
            return False
        self._items.extend(items)
        self._wakeup.set()
        return True

    async def run_job(self, job: Job) -> Any:
        """Run `job(conn)` inside a transaction on the writer's task; returns its result."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._jobs.append((job, future))
        self._wakeup.set()
        return await future

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pulse-writer")

    async def stop(self) -> None:
        """Refuse new items, write everything queued, then end the task."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            await self._task

    # -- the writer task -------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            await self._run_jobs()
            if self._items and not self._stopping and len(self._items) < self.batch_size:
                await self._wait_for_batch()
            while self._items:
                await self._flush_once()
                await self._run_jobs()
            if self._stopping and not self._jobs:
                return
            if not self._jobs:
                self._wakeup.clear()

    async def _wait_for_batch(self) -> None:
        """Let a batch fill for up to flush_interval; wake early when full or stopping."""
        deadline = time.monotonic() + self.flush_interval
        while len(self._items) < self.batch_size and not self._stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), min(remaining, 0.05))

    async def _flush_once(self) -> None:
        n = min(len(self._items), self.batch_size)
        batch = [self._items.popleft() for _ in range(n)]
        rows = build_rows(batch)
        started = time.perf_counter()
        if await self._write_with_retries(rows):
            self.stats.persisted += len(rows.events)
            self.stats.batches += 1
            self.stats.last_flush_ms = (time.perf_counter() - started) * 1000
            self.stats.last_error = None
            return
        await asyncio.to_thread(spill.append, self.spill_path, rows)
        self.stats.spilled += len(rows.events)
        log.error("spilled %d events to %s", len(rows.events), self.spill_path)

    async def _write_with_retries(self, rows: BatchRows) -> bool:
        for attempt, delay in enumerate((0.0, *self.retry_delays)):
            if delay:
                await asyncio.sleep(delay)
            try:
                async with self.engine.begin() as conn:
                    await write_rows(conn, rows)
                return True
            except Exception as exc:  # any driver error: the batch must not be lost
                self.stats.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("write attempt %d failed: %s", attempt + 1, self.stats.last_error)
        return False

    async def _run_jobs(self) -> None:
        while self._jobs:
            job, future = self._jobs.popleft()
            try:
                async with self.engine.begin() as conn:
                    result = await job(conn)
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(result)
