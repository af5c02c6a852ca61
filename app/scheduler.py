"""One scheduler for the runtime's periodic jobs (sealing, salts, alert rules, ...).

A job is a name, an interval, a first delay and a coroutine function. Each runs in its own task:
sleep until due, run, note the run (last run, next run, last error, runs, skipped), repeat. A
failing run is logged and noted, never fatal: the next one comes at its time. `status()` is what
/readyz shows under "scheduler".

`exclusive=True` marks a job that must run once across processes (its work is shared, not
per-process). With a lock (`RedisLock`, scale-out mode) each run first claims the job's current
slot — `SET <prefix>job:<name>:<slot> NX PX interval`, the slot being the wall-clock time divided
by the interval — and a process that finds it taken skips that run (counted in `skipped`). A
process that dies mid-run loses that slot's run only; the next slot is claimed afresh. Such a
job runs at the middle of a slot (the one nearest its due time), so processes started at
different moments, or drifting by a few ms per run, all try the same slot at about the same
time: the runs stay an interval apart, not bunched on either side of a slot boundary (one
process at the end of a slot, another at the start of the next). Without
a lock (one process), every run goes ahead. A lock that fails (Redis down) lets the run go ahead
too: doing shared work twice is cheaper than not doing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)
JobFn = Callable[[], Awaitable[object]]


class Lock(Protocol):
    async def claim(self, key: str, ttl_ms: int) -> bool:
        """True when this process got `key` (it did not exist); it expires after ttl_ms."""
        ...


class RedisLock:
    """Slot claims in Redis (`SET NX PX`), through the broker's client."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    async def claim(self, key: str, ttl_ms: int) -> bool:
        return bool(await self.client.set(f"{self.prefix}{key}", b"1", nx=True, px=ttl_ms))


@dataclass
class Job:
    name: str
    interval_s: float
    fn: JobFn
    delay_s: float = 0.0
    exclusive: bool = False
    last_run_ms: int | None = None
    last_duration_ms: float | None = None
    next_run_ms: int | None = None
    last_error: str | None = None
    runs: int = 0
    failures: int = 0
    skipped: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def status(self) -> dict[str, Any]:
        return {
            "interval_s": self.interval_s,
            "exclusive": self.exclusive,
            "last_run_ms": self.last_run_ms,
            "last_duration_ms": self.last_duration_ms,
            "next_run_ms": self.next_run_ms,
            "last_error": self.last_error,
            "runs": self.runs,
            "failures": self.failures,
            "skipped": self.skipped,
        }


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class Scheduler:
    def __init__(self, lock: Lock | None = None, wall_ms: Callable[[], int] = _wall_ms) -> None:
        self.lock = lock
        self.wall_ms = wall_ms  # the real time: jobs run on the event loop's real timers
        self.jobs: dict[str, Job] = {}
        self.running = False

    def add(
        self,
        name: str,
        interval_s: float,
        fn: JobFn,
        *,
        delay_s: float = 0.0,
        exclusive: bool = False,
    ) -> Job:
        if name in self.jobs:
            raise ValueError(f"job {name!r} exists")
        job = self.jobs[name] = Job(name, interval_s, fn, delay_s, exclusive)
        if self.running:
            self._spawn(job)
        return job

    def start(self) -> None:
        self.running = True
        for job in self.jobs.values():
            self._spawn(job)

    async def stop(self) -> None:
        self.running = False
        tasks = [job.task for job in self.jobs.values() if job.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def status(self) -> dict[str, Any]:
        return {name: job.status() for name, job in self.jobs.items()}

    async def run_now(self, name: str) -> bool:
        """Run one job once, at once (tests, and the CLI's immediate needs); True if it ran."""
        return await self._run(self.jobs[name])

    def _spawn(self, job: Job) -> None:
        job.task = asyncio.create_task(self._forever(job), name=f"pulse-job-{job.name}")

    async def _forever(self, job: Job) -> None:
        delay = job.delay_s
        while True:
            delay = self._paced(job, delay)
            job.next_run_ms = self.wall_ms() + int(delay * 1000)
            await asyncio.sleep(delay)
            started = asyncio.get_running_loop().time()
            await self._run(job)
            # Intervals are kept from start to start; a run longer than its interval is
            # followed at once by the next.
            delay = max(0.0, job.interval_s - (asyncio.get_running_loop().time() - started))

    def _paced(self, job: Job, delay_s: float) -> float:
        """The delay that puts an exclusive job's run at the middle of its nearest slot."""
        if not job.exclusive or self.lock is None:
            return delay_s
        interval_ms = max(1, int(job.interval_s * 1000))
        now = self.wall_ms()
        due = now + int(delay_s * 1000)
        middle = interval_ms // 2
        target = round((due - middle) / interval_ms) * interval_ms + middle
        return max(0.0, (target - now) / 1000)

    async def _run(self, job: Job) -> bool:
        if job.exclusive and self.lock is not None and not await self._claim(job):
            job.skipped += 1
            return False
        started = time.perf_counter()
        job.last_run_ms = self.wall_ms()
        try:
            await job.fn()
        except Exception as exc:
            job.failures += 1
            job.last_error = f"{type(exc).__name__}: {exc}"[:300]
            log.exception("job %s failed; next run in %.0f s", job.name, job.interval_s)
        else:
            job.last_error = None
        job.runs += 1
        job.last_duration_ms = round((time.perf_counter() - started) * 1000, 2)
        return True

    async def _claim(self, job: Job) -> bool:
        assert self.lock is not None
        interval_ms = max(1, int(job.interval_s * 1000))
        slot = self.wall_ms() // interval_ms
        try:
            return await self.lock.claim(f"job:{job.name}:{slot}", interval_ms)
        except Exception as exc:  # Redis away: run rather than skip shared work
            log.warning("job %s: lock unavailable (%s); running anyway", job.name, exc)
            return True
