"""The one writer: its own thread, its own event loop and its own database connection.

Request handlers call `submit()` (no await, no database): the items join a queue and the caller
gets a future that resolves once they are durable, i.e. committed (or, when the database keeps
refusing them, fsynced to the spill file). The 202 waits on that future: a 202 means on disk.

Group commit: when the writer is free it takes everything queued (up to `batch_size` events,
never splitting a request) into one transaction, so at any rate each request waits for one
commit at most behind the one in progress, and the batch grows with the load instead of the
latency. Row building, rollups and the transaction all run on the writer's thread: the event
loop serving requests can slow it by taking CPU (the GIL), never by making each of its awaited
statements queue behind every ready request handler (measured before: a 34 ms flush took 1.8 s
under load). Other writes (salts, sealing hours) go through `run_job()`, on the same thread,
between batches: one owner of the write connection, as in Datasette's database.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.events import Drop, Event
from app.storage.batch import build_rows
from app.storage.durable import WriterStats, write_durably

log = logging.getLogger(__name__)

Job = Callable[[AsyncConnection], Awaitable[Any]]
EngineFactory = Callable[[], AsyncEngine]


class WriterClosed(Exception):
    """The writer is stopping or full: nothing was queued."""


@dataclass(slots=True)
class _Submission:
    items: Sequence[Event | Drop]
    future: asyncio.Future[None] | None  # None: nobody waits (the demo's bulk load)


@dataclass(slots=True)
class _JobItem:
    job: Job
    future: asyncio.Future[Any]


@dataclass
class _Queues:
    """Shared by the two threads: deque appends and pops are atomic under the GIL."""

    batches: deque[_Submission] = field(default_factory=deque)
    jobs: deque[_JobItem] = field(default_factory=deque)


class Writer:
    def __init__(
        self,
        make_engine: EngineFactory,
        *,
        spill_path: Path,
        batch_size: int = 2000,
        flush_interval: float = 0.0,
        queue_bound: int = 20_000,
        retry_delays: Sequence[float] = (0.1, 0.5, 2.0),
    ) -> None:
        self.make_engine = make_engine
        self.spill_path = spill_path
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.queue_bound = queue_bound
        self.retry_delays = tuple(retry_delays)
        self.stats = WriterStats()
        self._queues = _Queues()
        self._pending = 0  # events submitted and not yet durable; only the request loop's
        self._stopping = False
        self._idle = False  # the writer thread is (about to be) waiting for work
        self._loop: asyncio.AbstractEventLoop | None = None  # the requests' loop
        self._writer_loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._done: asyncio.Future[None] | None = None

    # -- the request side ------------------------------------------------------------------
    @property
    def depth(self) -> int:
        return self._pending

    def has_room(self, n: int) -> bool:
        return not self._stopping and self._pending + n <= self.queue_bound

    def submit(self, items: Sequence[Event | Drop], *, wait: bool = True) -> asyncio.Future[None]:
        """Queue items; the future resolves when they are durable. Raises WriterClosed when
        the queue has no room or the writer is stopping (then nothing was queued)."""
        assert self._loop is not None, "writer not started"
        future: asyncio.Future[None] = self._loop.create_future()
        if not items:
            future.set_result(None)
            return future
        if not self.has_room(len(items)):
            raise WriterClosed
        self._pending += len(items)
        self.stats.deepest = max(self.stats.deepest, self._pending)
        self._queues.batches.append(_Submission(items, future if wait else None))
        if not wait:
            future.set_result(None)
        self._poke()
        return future

    def offer(self, items: Sequence[Event | Drop]) -> bool:
        """Queue items without waiting for them (bulk loads); False when full or stopping."""
        try:
            self.submit(items, wait=False)
        except WriterClosed:
            return False
        return True

    async def run_job(self, job: Job) -> Any:
        """Run `job(conn)` inside a transaction on the writer's thread; returns its result.
        The job runs on the writer's event loop: it must not touch the request loop's objects
        (futures, tasks, connections of the main engine)."""
        assert self._loop is not None, "writer not started"
        future: asyncio.Future[Any] = self._loop.create_future()
        self._queues.jobs.append(_JobItem(job, future))
        self._poke()
        return await future

    def _poke(self) -> None:
        if self._idle and self._writer_loop is not None and self._wake is not None:
            self._idle = False
            with contextlib.suppress(RuntimeError):  # its loop closed: the thread is gone
                self._writer_loop.call_soon_threadsafe(self._wake.set)

    def _settle(self, submissions: list[_Submission], error: BaseException | None) -> None:
        """On the request loop: the batch is durable (or definitely not)."""
        for sub in submissions:
            self._pending -= len(sub.items)
            if sub.future is not None and not sub.future.done():
                if error is None:
                    sub.future.set_result(None)
                else:
                    sub.future.set_exception(error)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._done = self._loop.create_future()
        self._thread = threading.Thread(target=self._thread_main, name="pulse-writer", daemon=True)
        self._thread.start()
        self._started.wait()

    async def stop(self) -> None:
        """Refuse new items, write everything queued, then end the thread."""
        self._stopping = True
        if self._thread is None or self._done is None:
            return
        self._idle = True
        self._poke()
        await self._done

    # -- the writer thread -----------------------------------------------------------------
    def _thread_main(self) -> None:
        try:
            asyncio.run(self._run())
        except Exception:  # the thread must never end silently with requests waiting on it
            log.exception("the writer thread failed")
        finally:
            self._stopping = True  # no thread, no writer: refuse (503) rather than hang
            self._started.set()  # even when the engine could not be made: start() returns
            loop, done = self._loop, self._done
            if loop is not None and done is not None and not loop.is_closed():
                left = list(self._queues.batches)
                self._queues.batches.clear()
                if left:  # never acknowledged: their requests answer 503
                    loop.call_soon_threadsafe(self._settle, left, WriterClosed())
                while self._queues.jobs:
                    job = self._queues.jobs.popleft()
                    loop.call_soon_threadsafe(_resolve, job.future, None, WriterClosed())
                loop.call_soon_threadsafe(_resolve, done, None, None)

    async def _run(self) -> None:
        self._writer_loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        engine = self.make_engine()
        self._started.set()
        try:
            while True:
                self._idle = True
                queues = self._queues
                if not queues.batches and not queues.jobs:
                    if self._stopping:
                        return
                    await self._wake.wait()
                    self._wake.clear()
                    continue
                self._idle = False
                await self._run_jobs(engine)
                if queues.batches:
                    await self._commit_group(engine)
        finally:
            await engine.dispose()

    def _take_group(self) -> list[_Submission]:
        """Everything queued up to batch_size events (always at least one request)."""
        batches, size = self._queues.batches, 0
        group: list[_Submission] = []
        while batches and (not group or size + len(batches[0].items) <= self.batch_size):
            sub = batches.popleft()
            group.append(sub)
            size += len(sub.items)
        return group

    async def _commit_group(self, engine: AsyncEngine) -> None:
        if self.flush_interval > 0 and not self._stopping:
            await asyncio.sleep(self.flush_interval)  # linger for a fuller batch
        group = self._take_group()
        error: BaseException | None = None
        try:
            rows = build_rows([i for s in group for i in s.items])
            await write_durably(engine, rows, self.stats, self.spill_path, self.retry_delays)
        except Exception as exc:  # neither the database nor the spill file took it
            log.exception("a batch could not be made durable")
            error = exc
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._settle, group, error)

    async def _run_jobs(self, engine: AsyncEngine) -> None:
        assert self._loop is not None
        while self._queues.jobs:
            item = self._queues.jobs.popleft()
            try:
                async with engine.begin() as conn:
                    result = await item.job(conn)
            except Exception as exc:
                self._loop.call_soon_threadsafe(_resolve, item.future, None, exc)
            else:
                self._loop.call_soon_threadsafe(_resolve, item.future, result, None)


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
