"""The runtime's scheduler: jobs run on their interval, a failing run is noted (not fatal), the
state shows in /readyz, and an exclusive job runs once per slot across two schedulers sharing
one Redis lock."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import redis.asyncio as aioredis

from app.scheduler import RedisLock, Scheduler
from tests.scaleout.conftest import REDIS_URL, require_redis


async def test_jobs_run_on_their_interval_and_failures_are_noted() -> None:
    scheduler = Scheduler()
    runs: list[str] = []

    async def ok() -> None:
        runs.append("ok")

    async def broken() -> None:
        runs.append("broken")
        raise RuntimeError("disk on fire")

    scheduler.add("ok", 0.05, ok)
    scheduler.add("broken", 0.05, broken)
    scheduler.start()
    await asyncio.sleep(0.22)
    await scheduler.stop()
    status = scheduler.status()
    assert 4 <= status["ok"]["runs"] <= 6
    assert status["ok"]["last_error"] is None
    assert status["broken"]["failures"] == status["broken"]["runs"] >= 4  # it kept running
    assert status["broken"]["last_error"] == "RuntimeError: disk on fire"
    assert status["ok"]["next_run_ms"] >= status["ok"]["last_run_ms"]


async def test_readyz_lists_the_runtime_jobs(client: Any, admin_headers: dict[str, str]) -> None:
    body = await (await client.get("/readyz", headers=admin_headers)).get_json()
    jobs = body["scheduler"]
    assert {"seal", "salts", "alert-rules", "alert-baselines"} <= set(jobs)
    assert jobs["seal"]["exclusive"] is True
    assert jobs["salts"]["runs"] == 0 and jobs["salts"]["next_run_ms"] is not None


async def test_an_exclusive_job_runs_once_across_two_schedulers() -> None:
    """Two schedulers started 130 ms apart (not a multiple of the 200 ms interval) share one
    Redis lock: every slot runs exactly once, by one of them, no slot is missed, and the runs
    stay about an interval apart (both try each slot at its middle)."""
    require_redis()
    prefix = f"pulse-test-{secrets.token_hex(4)}:"
    client = aioredis.Redis.from_url(REDIS_URL)
    slots: list[int] = []  # the wall-clock slot of every run, whoever ran it
    times: list[float] = []
    runs = {"a": 0, "b": 0}
    schedulers = []
    for name in runs:

        async def job(name: str = name) -> None:
            runs[name] += 1
            slots.append(time.time_ns() // 1_000_000 // 200)
            times.append(time.monotonic())

        scheduler = Scheduler(RedisLock(client, prefix))
        scheduler.add("shared", 0.2, job, exclusive=True)
        schedulers.append(scheduler)
    try:
        schedulers[0].start()
        await asyncio.sleep(0.13)
        schedulers[1].start()
        await asyncio.sleep(1.2)
        for scheduler in schedulers:
            await scheduler.stop()
        assert len(slots) == len(set(slots)), slots  # no slot ran twice
        assert sorted(slots) == list(range(min(slots), max(slots) + 1))  # none was missed
        assert 5 <= len(slots) <= 8
        skipped = [s.jobs["shared"].skipped for s in schedulers]
        assert sum(skipped) >= 4  # the loser of each shared slot skipped it
        assert sum(runs.values()) == len(slots)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert min(gaps) > 0.1, gaps  # not one run at a slot's end and the next at its start
    finally:
        keys = [k async for k in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
