"""Warm start: after a restart the wall shows what it showed before (issue 4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from quart import Quart
from quart.typing import TestClientProtocol

from app.clock import FakeClock
from tests.conftest import FIREFOX, SITE, wait_for_rows


async def post(client: TestClientProtocol, path: str, visitor: str, referrer: str = "") -> None:
    body = {"url": f"https://{SITE}{path}", "visitor_id": visitor, "referrer": referrer}
    # 81.2.69.142: London in the bundled geo data (the apps trust one proxy hop).
    headers = {"User-Agent": FIREFOX, "X-Forwarded-For": "81.2.69.142"}
    response = await client.post("/api/collect", json=body, headers=headers)
    assert response.status_code == 202


async def realtime(client: TestClientProtocol, watcher: dict[str, str]) -> dict[str, Any]:
    response = await client.get(f"/api/v1/sites/{SITE}/realtime", headers=watcher)
    assert response.status_code == 200
    data: dict[str, Any] = await response.get_json()
    data.pop("seq")
    return data


async def test_a_restart_rebuilds_the_same_picture(
    make_app: Callable[..., Quart], clock: FakeClock, db_path: Path, watcher: dict[str, str]
) -> None:
    clock.advance(minutes=600)  # 10:00 UTC: the day began long before the window
    first = make_app(trusted_proxy_hops=1)
    async with first.test_app():
        client = first.test_client()
        await post(client, "/morning", "early-bird")  # today, but 40 minutes before the restart
        clock.advance(minutes=40)
        for minute in range(6):
            await post(client, f"/p{minute % 3}", f"v{minute % 4}", "https://www.google.com/")
            await post(client, "/pricing", f"v{minute % 2}")
            clock.advance(minutes=1, seconds=7)
        await wait_for_rows(db_path, 13)
        before = await realtime(client, watcher)
    second = make_app(trusted_proxy_hops=1)
    async with second.test_app():
        after = await realtime(second.test_client(), watcher)
    assert after == before
    assert after["last_30m"]["pageviews"] == 12 and after["active_now"] > 0
    # A session's later events show its country and device, read back from its session row.
    later = [e for e in after["recent"] if not e["entry"]]
    assert later and {(e["country"], e["device"]) for e in after["recent"]} == {("GB", "desktop")}
    assert after["today"]["pageviews"] == 13 and after["today"]["visitors"] == 5
    assert after["recent"][0]["path"] == "/pricing"


async def test_the_window_forgets_what_is_older_than_thirty_minutes(
    make_app: Callable[..., Quart], clock: FakeClock, db_path: Path, watcher: dict[str, str]
) -> None:
    first = make_app()
    async with first.test_app():
        await post(first.test_client(), "/old", "v-old")
        await wait_for_rows(db_path, 1)
    clock.advance(minutes=31)
    second = make_app()
    async with second.test_app():
        after = await realtime(second.test_client(), watcher)
    assert after["last_30m"]["pageviews"] == 0 and after["recent"] == []
    assert after["today"]["pageviews"] == 1  # 00:31 UTC: still today
