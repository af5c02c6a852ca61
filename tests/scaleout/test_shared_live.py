"""Two instances sharing one Redis (issue 8): one live picture, one visitor, one session."""

from __future__ import annotations

from quart import Quart

from app.settings import Settings
from tests.backends import EVENTS, Database
from tests.conftest import SITE, rows, wait_for_rows
from tests.scaleout.conftest import post, readiness, snapshot_until


async def test_events_posted_to_one_instance_reach_the_other_s_websocket(
    pair: tuple[Quart, Quart], watcher: dict[str, str]
) -> None:
    one, two = pair
    async with two.test_client().websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
        await snapshot_until(ws, lambda s: True)
        await post(one.test_client(), "v1", "/pricing")
        await post(one.test_client(), "v2", "/docs")
        snap = await snapshot_until(ws, lambda s: s["last_30m"]["pageviews"] == 2, timeout=2.0)
    assert snap["last_30m"]["visitors"] == 2 and snap["active_now"] == 2
    assert sorted(p for p, _ in snap["top"]["pages"]["items"]) == ["/docs", "/pricing"]
    for instance in pair:
        broker = (await readiness(instance.test_client()))["broker"]
        assert broker["status"] == "ok", broker


async def test_a_visitor_alternating_between_instances_is_one_visitor_one_session(
    pair: tuple[Quart, Quart], watcher: dict[str, str], db: Database, migrated: Settings
) -> None:
    clients = [instance.test_client() for instance in pair]
    for k in range(6):
        await post(clients[k % 2], "alternating", f"/step/{k}")
    for instance in pair:
        async with instance.test_client().websocket(f"/ws/live?site={SITE}", headers=watcher) as ws:
            snap = await snapshot_until(ws, lambda s: s["last_30m"]["pageviews"] == 6)
        # Each instance applied its own three events and the other's three, each once.
        assert snap["last_30m"] == {
            "pageviews": 6,
            "visitors": 1,
            "sessions": 1,
            "new_visitors": 1,
        }, snap["last_30m"]
        assert snap["active_now"] == 1 and snap["today"]["visitors"] == 1
    stored = await wait_for_rows(db, 6)
    assert len(stored) == 6
    assert len({r["visitor_id"] for r in stored}) == 1
    assert len({r["session_id"] for r in stored}) == 1
    assert [bool(r["session_start"]) for r in stored].count(True) == 1
    assert all(bool(r["new_visitor"]) for r in stored)
    sessions = await _wait_sessions(db, pageviews=6)
    assert len(sessions) == 1 and sessions[0]["pageviews"] == 6
    assert bool(sessions[0]["new_visitor"])
    visitors = rows(db, "SELECT * FROM visitors")
    assert len(visitors) == 1 and visitors[0]["session_id"] == stored[0]["session_id"]


async def test_a_new_session_after_30_minutes_is_returning_on_either_instance(
    pair: tuple[Quart, Quart], db: Database, migrated: Settings
) -> None:
    from app.clock import FakeClock

    one, two = pair
    await post(one.test_client(), "back-later")
    clock = one.extensions["pulse"].clock
    assert isinstance(clock, FakeClock)
    clock.advance(minutes=30)
    await post(two.test_client(), "back-later")
    await wait_for_rows(db, 2)
    # Two writers commit independently: order by event time, not by row id.
    stored = rows(db, f"{EVENTS} ORDER BY events.ts")  # the new/returning flag is the session's
    assert stored[0]["session_id"] != stored[1]["session_id"]
    assert [bool(r["session_start"]) for r in stored] == [True, True]
    assert [bool(r["new_visitor"]) for r in stored] == [True, False]


async def _wait_sessions(db: Database, pageviews: int, timeout: float = 5.0) -> list:
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = list(rows(db, "SELECT * FROM sessions"))
        total = sum(r["pageviews"] for r in found)
        if total >= pageviews or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.05)
