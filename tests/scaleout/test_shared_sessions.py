"""The shared session script (app/broker/sessions.py) on its own, against the test's Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from app.broker.broker import Broker
from app.broker.sessions import RedisSessions
from app.ingest.sessions import SESSION_GAP_MS, Claim, VisitorState
from app.settings import Settings

NOW = 1_767_225_600_000
MINUTE = 60_000


@pytest.fixture
async def store(redis_url: str, prefix: str) -> AsyncIterator[RedisSessions]:
    broker = Broker(Settings(broker_url=redis_url, broker_prefix=prefix), lambda e: None)
    await broker.start()
    assert broker.up
    yield RedisSessions(broker, ttl_days=1)
    await broker.stop()


def claim(vid: int, sid: int, hint: VisitorState | None = None, **kw: object) -> Claim:
    fields: dict = {"alternate": None, "alternate_hint": None, **kw}
    return Claim(1, vid, fields["alternate"], hint, fields["alternate_hint"], sid)


async def test_new_then_ongoing_then_returning(store: RedisSessions) -> None:
    first = await store.decide([claim(7, 100)], NOW)
    again = await store.decide([claim(7, 200)], NOW + SESSION_GAP_MS - 1)
    later = await store.decide([claim(7, 300)], NOW + 2 * SESSION_GAP_MS - 1)
    assert first and again and later
    assert (
        first[0].state.session_id,
        first[0].session_start,
        first[0].state.session_new_visitor,
    ) == (100, True, True)
    assert (again[0].state.session_id, again[0].session_start) == (100, False)
    assert again[0].state.session_new_visitor
    assert (later[0].state.session_id, later[0].session_start) == (300, True)
    assert not later[0].state.session_new_visitor
    assert later[0].state.first_seen == NOW


async def test_events_of_one_request_are_decided_in_order(store: RedisSessions) -> None:
    out = await store.decide([claim(8, 1), claim(8, 2), claim(9, 3)], NOW)
    assert out is not None
    assert [d.state.session_id for d in out] == [1, 1, 3]
    assert [d.session_start for d in out] == [True, False, True]


async def test_a_process_s_memory_fills_in_for_an_empty_redis(store: RedisSessions) -> None:
    """Redis restarted empty: a visitor the process knows is neither new nor a new session."""
    known = VisitorState(NOW - 86_400_000, NOW - 10 * MINUTE, 555, False)
    out = await store.decide([claim(10, 999, known)], NOW)
    assert out is not None
    assert (out[0].state.session_id, out[0].session_start) == (555, False)
    assert not out[0].state.session_new_visitor and out[0].state.first_seen == NOW - 86_400_000


async def test_redis_newer_state_beats_an_older_hint(store: RedisSessions) -> None:
    await store.decide([claim(11, 42)], NOW)  # another process saw the visitor just now
    stale = VisitorState(NOW - 86_400_000, NOW - 40 * MINUTE, 555, False)
    out = await store.decide([claim(11, 999, stale)], NOW + MINUTE)
    assert out is not None and out[0].state.session_id == 42 and not out[0].session_start


async def test_yesterday_s_cookieless_id_only_while_its_visit_is_ongoing(
    store: RedisSessions,
) -> None:
    await store.decide([claim(20, 77)], NOW)  # visit under yesterday's id
    during = await store.decide([claim(21, 88, alternate=20)], NOW + 5 * MINUTE)
    assert during is not None and during[0].visitor_id == 20
    assert (during[0].state.session_id, during[0].session_start) == (77, False)
    after = await store.decide([claim(31, 99, alternate=30)], NOW)  # nothing under either
    assert after is not None and after[0].visitor_id == 31 and after[0].session_start


async def test_concurrent_first_events_open_one_session(
    store: RedisSessions, redis_url: str, prefix: str
) -> None:
    """Two processes' first events for one visitor at the same moment: one session."""
    other_broker = Broker(Settings(broker_url=redis_url, broker_prefix=prefix), lambda e: None)
    await other_broker.start()
    other = RedisSessions(other_broker, ttl_days=1)
    try:
        calls = [(store if k % 2 else other).decide([claim(50, 1000 + k)], NOW) for k in range(20)]
        out = await asyncio.gather(*calls)
    finally:
        await other_broker.stop()
    decisions = [d[0] for d in out if d is not None]
    assert len(decisions) == 20
    assert len({d.state.session_id for d in decisions}) == 1
    assert sum(d.session_start for d in decisions) == 1
