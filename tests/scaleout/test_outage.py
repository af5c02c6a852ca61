"""Redis stopped mid-run (a redis-server of the test's own): ingest still answers 202 and
persists, sessions fall back to each instance's index, /readyz says degraded, and the shared
live view comes back by itself when Redis does, on the same port."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack

from quart import Quart

from tests.backends import Database
from tests.conftest import SITE, wait_for_rows
from tests.scaleout.conftest import (
    RedisProcess,
    post,
    readiness,
    snapshot_until,
    start_pair,
    wait_ready,
)


async def test_redis_outage_degrades_and_recovers(
    make_instance: Callable[..., Quart],
    own_redis: RedisProcess,
    watcher: dict[str, str],
    db: Database,
) -> None:
    async with AsyncExitStack() as stack:
        one, two = await start_pair(stack, make_instance, own_redis.url, "pulse-outage:")
        c1, c2 = one.test_client(), two.test_client()
        await post(c1, "before", "/before")
        own_redis.kill()

        # Ingest keeps accepting and persisting; both instances notice and say so.
        for k in range(3):
            await post(c1, "during", f"/during/{k}")
        await post(c2, "during-two", "/during-two")
        stored = await wait_for_rows(db, 5)
        assert len(stored) == 5
        await wait_ready(c1, "degraded")
        await wait_ready(c2, "degraded")
        ready = await readiness(c1)
        assert ready["status"] == "degraded" and ready["database"]["ok"]
        assert ready["broker"]["live"] == "local events only" and ready["broker"]["error"]
        assert (await c1.get("/readyz")).status_code == 200  # still serving

        # The live view degrades to local events: instance 1 shows its own.
        async with c1.websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
            await snapshot_until(ws, lambda s: s["last_30m"]["pageviews"] >= 4)

        own_redis.start()  # same port, empty (no persistence)
        await wait_ready(c1, "ok", timeout=10)
        await wait_ready(c2, "ok", timeout=10)
        async with c2.websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
            # What instance 1 held in its outbox during the outage reaches instance 2 ...
            await snapshot_until(ws, lambda s: s["last_30m"]["pageviews"] == 5)
            # ... and new events flow again.
            await post(c1, "after", "/after")
            snap = await snapshot_until(ws, lambda s: s["last_30m"]["pageviews"] == 6)
        assert {"/after", "/during/0", "/before", "/during-two"} <= {
            p for p, _ in snap["top"]["pages"]["items"]
        }
        async with c1.websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
            await snapshot_until(ws, lambda s: s["last_30m"]["pageviews"] == 6)
        assert len(await wait_for_rows(db, 6)) == 6
