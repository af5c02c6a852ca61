"""Sealed hours (app/storage/columns.py): sealed only once past, unsealed by any batch that
changes one of their sessions, sealed again by the running server's sealer; reports read them
and agree with the scan of sessions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from app.migrate import upgrade
from app.queries import columnar, planner
from app.queries.column_cache import ColumnCache
from app.queries.filters import parse
from app.queries.period import make_period
from app.queries.scope import Scope
from app.queries.summary import summary
from app.runtime import Runtime
from app.storage import columns
from app.storage.database import create_engine
from app.storage.hourly import HOUR_MS
from tests.backends import Database
from tests.conftest import FIREFOX, SITE, rows, wait_for_rows
from tests.queries import traffic

H = 491_269  # 2026-01-15T13:00Z, in hours since the epoch
T = H * HOUR_MS


# Rows a sealed hour stores: one per column, its per-page engagement sums (page_tallies) and
# its revenue events (revenue_rows).
ROWS = len(columns.NAMES) + 2


def _sealed_hours(db: Database) -> dict[int, int]:
    found = rows(db, "SELECT hour, count(*) AS n FROM session_columns GROUP BY hour")
    return {r["hour"]: r["n"] for r in found}


async def _mobile_pageviews(url: str, open_limit: int) -> int:
    """Page views of mobile sessions in hours H..H+1, read with at most `open_limit` sessions of
    open hours as rows (-1: the SQL scan)."""
    scope = Scope(1, make_period(T, T + 2 * HOUR_MS, "UTC", "hour"), tuple(parse("device==mobile")))
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(planner, "OPEN_LIMIT", open_limit)
                answer = await summary(conn, scope, compare=False)
    finally:
        await engine.dispose()
    return int(answer["metrics"]["pageviews"]["value"])


async def test_a_changed_session_unseals_its_hour(db: Database) -> None:
    if db.dialect == "sqlite":
        await asyncio.to_thread(upgrade, db.url)
    hits = [
        traffic.Hit(1, T + 10 * 60_000, "pageview", "/", device="mobile"),
        traffic.Hit(2, T + 20 * 60_000, "pageview", "/pricing", device="desktop"),
        traffic.Hit(3, T + 2 * HOUR_MS, "pageview", "/", device="mobile"),  # hour H+2
        # Visitor 1 goes on 25 minutes later: the same session, one page view more.
        traffic.Hit(1, T + 35 * 60_000, "pageview", "/x"),
    ]
    events = traffic.to_events(1, hits)
    later = [e for e in events if e.ts == T + 35 * 60_000]
    await traffic.write(db.url, [e for e in events if e not in later], [], seal_after=1)
    assert _sealed_hours(db) == {H: ROWS, H + 2: ROWS}
    assert await _mobile_pageviews(db.url, open_limit=0) == 1  # columns only

    await traffic.write(db.url, later, [])
    assert _sealed_hours(db) == {H + 2: ROWS}  # H's columns went with the change
    assert await _mobile_pageviews(db.url, open_limit=planner.OPEN_LIMIT) == 2
    assert await _mobile_pageviews(db.url, open_limit=-1) == 2

    engine = create_engine(db.url)
    assert await traffic.seal_all(engine) == 1
    await engine.dispose()
    assert _sealed_hours(db) == {H: ROWS, H + 2: ROWS}
    assert await _mobile_pageviews(db.url, open_limit=0) == 2


async def test_an_hour_is_sealed_only_once_past(db: Database) -> None:
    if db.dialect == "sqlite":
        await asyncio.to_thread(upgrade, db.url)
    events = traffic.to_events(1, [traffic.Hit(1, T + 59 * 60_000, "pageview", "/")])
    await traffic.write(db.url, events, [])
    engine = create_engine(db.url)
    ripe = (H + 1) * HOUR_MS + columns.SEAL_AFTER_MS
    async with engine.connect() as conn:
        assert await columns.pending(conn, ripe - 1) == []
        assert await columns.pending(conn, ripe) == [(1, H)]
    await engine.dispose()


def _breakdown(body: dict[str, Any]) -> dict[str, Any]:
    return {r["value"]: (r["visitors"], r["sessions"], r["pageviews"]) for r in body["results"]}


async def test_the_server_seals_past_hours_and_reports_agree(
    app: Quart,
    client: TestClientProtocol,
    db: Database,
    clock: Any,
    admin_headers: dict[str, str],
) -> None:
    start = clock.now_ms()
    for i, path in enumerate(["/", "/a", "/b"]):
        body = {"url": f"https://{SITE}{path}", "visitor_id": f"v{i % 2}"}
        response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
        assert response.status_code == 202
    await wait_for_rows(db, 3)
    query = f"/api/v1/sites/{SITE}/breakdown/entry_page?range=24h&filter=device==desktop"
    clock.set(start + 3 * HOUR_MS)
    ask = lambda: client.get(query, headers=admin_headers)  # noqa: E731
    open_answer = _breakdown(await (await ask()).get_json())
    runtime: Runtime = app.extensions["pulse"]
    assert await runtime.seal_pending() == 1
    assert await runtime.seal_pending() == 0  # nothing left
    assert set(_sealed_hours(db)) == {start // HOUR_MS}
    assert _breakdown(await (await ask()).get_json()) == open_answer
    assert open_answer == {"/": (1, 1, 2), "/a": (1, 1, 1)}


async def test_columns_of_another_seal_are_not_used(db: Database) -> None:
    """A report lists the hours with their tokens, then reads the columns: if the hour was
    sealed again in between (another token), it gets nothing and reads sessions instead."""
    if db.dialect == "sqlite":
        await asyncio.to_thread(upgrade, db.url)
    events = traffic.to_events(1, [traffic.Hit(1, T + 60_000, "pageview", "/")])
    await traffic.write(db.url, events, [], seal_after=1)
    built = rows(db, f"SELECT built FROM session_columns WHERE name = '{columns.MARK}'")[0]
    engine = create_engine(db.url)
    day = H // 24
    try:
        async with engine.connect() as conn:
            names = ["start", "visitor"]
            cache = ColumnCache(1 << 20)
            stale = await columnar._days(conn, 1, {day: [(H, built["built"] + 1)]}, names, cache)
            fresh = await columnar._days(conn, 1, {day: [(H, built["built"])]}, names, cache)
    finally:
        await engine.dispose()
    assert stale is None
    assert fresh is not None and len(fresh[0]["visitor"]) == 1  # type: ignore[arg-type]


async def test_a_period_past_the_memory_bound_is_scanned(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More sessions than planner.MAX_SESSIONS: no arrays (the report scans in SQL), and the
    report's numbers are the same."""
    if db.dialect == "sqlite":
        await asyncio.to_thread(upgrade, db.url)
    hits = [traffic.Hit(v, T + v * 60_000, "pageview", "/", device="mobile") for v in (1, 2, 3)]
    await traffic.write(db.url, traffic.to_events(1, hits), [], seal_after=1)
    scope = Scope(1, make_period(T, T + HOUR_MS, "UTC", "hour"), tuple(parse("device==mobile")))
    engine = create_engine(db.url)
    try:
        async with engine.connect() as conn:
            found = await columnar.load(conn, scope, scope.period, admit=planner.admit)
            assert isinstance(found, columnar.Frame)
            monkeypatch.setattr(planner, "MAX_SESSIONS", 2)
            refused = await columnar.load(conn, scope, scope.period, admit=planner.admit)
            assert refused == "3 sessions in the period (over 2)"
    finally:
        await engine.dispose()
    assert await _mobile_pageviews(db.url, open_limit=0) == 3
