"""Server-side sessions on a fake clock: the 30-minute rule, first-seen, the memory cap."""

from __future__ import annotations

from pathlib import Path

from quart.typing import TestClientProtocol

from app.clock import FakeClock
from app.ingest.sessions import SESSION_GAP_MS, SessionIndex, VisitorState
from tests.conftest import FIREFOX, SITE, wait_for_rows


def test_a_gap_of_exactly_30_minutes_starts_a_new_session() -> None:
    index, now = SessionIndex(), 1_000_000
    first = index.touch(1, 42, now)
    just_inside = index.touch(1, 42, now + SESSION_GAP_MS - 1)
    assert just_inside.session_id == first.session_id and not just_inside.session_start
    exactly = index.touch(1, 42, now + 2 * SESSION_GAP_MS - 1)
    assert exactly.session_id != first.session_id
    assert exactly.session_start


def test_new_visitor_flag_holds_for_the_whole_first_session_only() -> None:
    index = SessionIndex()
    assert index.touch(1, 7, 0).new_visitor
    assert index.touch(1, 7, 60_000).new_visitor  # same session: still the new visitor's
    returning = index.touch(1, 7, 60_000 + SESSION_GAP_MS)
    assert returning.session_start and not returning.new_visitor


def test_visitors_are_per_site() -> None:
    index = SessionIndex()
    a, b = index.touch(1, 7, 0), index.touch(2, 7, 0)
    assert a.session_id != b.session_id and b.new_visitor


def test_cap_evicts_the_least_recently_seen() -> None:
    index = SessionIndex(cap=2)
    index.touch(1, 1, 0)
    index.touch(1, 2, 1)
    index.touch(1, 1, 2)  # 1 is now the most recent
    index.touch(1, 3, 3)
    assert len(index) == 2
    assert index.knows(1, 1) and index.knows(1, 3) and not index.knows(1, 2)


def test_restore_continues_an_ongoing_session() -> None:
    index = SessionIndex()
    index.restore(1, 9, VisitorState(0, 1000, session_id=555, session_new_visitor=True))
    facts = index.touch(1, 9, 1000 + SESSION_GAP_MS - 1)
    assert (facts.session_id, facts.new_visitor, facts.session_start) == (555, True, False)


async def test_sessions_through_the_endpoint(
    client: TestClientProtocol, clock: FakeClock, db_path: Path
) -> None:
    async def hit(path: str) -> None:
        body = {"url": f"https://{SITE}{path}", "visitor_id": "abc"}
        response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
        assert response.status_code == 202

    await hit("/a")
    clock.advance(minutes=29, seconds=59)
    await hit("/b")
    clock.advance(minutes=30)  # exactly 30 minutes after /b
    await hit("/c")
    stored = await wait_for_rows(db_path, 3)
    sessions = [r["session_id"] for r in stored]
    assert sessions[0] == sessions[1] != sessions[2]
    assert [r["session_start"] for r in stored] == [1, 0, 1]
    assert [r["new_visitor"] for r in stored] == [1, 1, 0]
    assert len({r["visitor_id"] for r in stored}) == 1
