"""Two Pulse instances on one database and one Redis: both see every event (their own and the
other's through the stream), both evaluate the rule, and the alert fires once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any

import pytest
from quart import Quart

from app import create_app
from app.clock import FakeClock
from app.ingest.geo import GeoLookup
from app.settings import Settings
from tests.alerts.conftest import Receiver
from tests.conftest import SITE
from tests.scaleout.conftest import backend_name, post, prefix, redis_url

__all__ = ["backend_name", "prefix", "redis_url"]
BASE = f"/api/v1/sites/{SITE}"


@pytest.fixture
def make_instance(migrated: Settings, clock: FakeClock, geo: GeoLookup) -> Callable[..., Quart]:
    def factory(broker_url: str, key_prefix: str) -> Quart:
        settings = replace(
            migrated, broker_url=broker_url, broker_prefix=key_prefix, live_tick_ms=50
        )
        return create_app(settings, clock=clock, geo=geo)

    return factory


async def test_two_processes_fire_one_alert_once(
    make_instance: Callable[..., Quart],
    redis_url: str,
    prefix: str,
    receiver: Receiver,
    admin_headers: dict[str, str],
) -> None:
    async with AsyncExitStack() as stack:
        one, two = make_instance(redis_url, prefix), make_instance(redis_url, prefix)
        for instance in (one, two):
            await stack.enter_async_context(instance.test_app())
        a, b = one.test_client(), two.test_client()
        rule = {"name": "Spike", "kind": "spike", "minutes": 5, "threshold": 3,
                "channel": {"type": "webhook", "url": receiver.url}}  # fmt: skip
        response = await a.post(f"{BASE}/alerts", json=rule, headers=admin_headers)
        assert response.status_code == 201
        await two.extensions["pulse"].alerts.reload()  # else within its 5 s refresh
        # Two visitors on each instance: 4 > 3 only once both halves are known everywhere.
        await post(a, "v1")
        await post(b, "v2")
        await post(a, "v3")
        await post(b, "v4")
        await receiver.wait_for(1, timeout=3.0)
        await asyncio.sleep(1.0)  # both have seen all four for many ticks by now
        assert len(receiver.received) == 1
        counts: list[dict[str, Any]] = [
            inst.extensions["pulse"].alerts.status() for inst in (one, two)
        ]
        assert sorted((c["fired"], c["claims_lost"]) for c in counts) == [(0, 1), (1, 0)]
