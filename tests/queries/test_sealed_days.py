"""Rollup reads remembered over sealed days (app/queries/sealed_days.py): flow links, a
breakdown's counters and the decoded sketches of breakdowns, summaries and series, reused while
the days' seal tokens stand and never served once a session of those days changed (its hour
unsealed, then sealed again under a new token)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from sqlalchemy import event

from app.clock import DAY_MS, HOUR_MS
from app.migrate import upgrade
from app.queries.breakdown import breakdown
from app.queries.column_cache import ColumnCache
from app.queries.flows import flows
from app.queries.period import make_period
from app.queries.scope import Scope
from app.queries.sealed_days import (
    SealedResults,
    forget,
    hours,
    listed_once,
    results_beside,
    sealed_run,
)
from app.queries.summary import summary
from app.queries.timeseries import timeseries
from app.storage.database import create_engine
from tests.backends import Database
from tests.queries import traffic

D = 20_468  # 2026-01-15 in days since the epoch
T = D * DAY_MS


async def _flows(url: str, scope: Scope) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await flows(conn, scope, depth=3)
    finally:
        await engine.dispose()


async def _pages(url: str, scope: Scope) -> dict[str, Any]:
    """The page breakdown, and the summary's and daily series' visitors."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = await breakdown(conn, scope, "page")
            total = await summary(conn, scope, compare=False)
            series = await timeseries(conn, scope, ["visitors"])
    finally:
        await engine.dispose()
    visitors = [total["metrics"]["visitors"]["value"], *(p["visitors"] for p in series["points"])]
    return {**found, "visitors": visitors}


def _views(body: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {row["value"]: (row["visitors"], row["count"]) for row in body["results"]}


def _links(body: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {(link["source"], link["target"], link["sessions"]) for link in body["links"]}


async def test_sealed_days_reads_are_remembered_until_a_session_changes(db: Database) -> None:
    if db.dialect == "sqlite":
        await asyncio.to_thread(upgrade, db.url)
    hits = [
        traffic.Hit(1, T + 2 * HOUR_MS, "pageview", "/"),
        traffic.Hit(1, T + 2 * HOUR_MS + 60_000, "pageview", "/pricing"),
        traffic.Hit(2, T + 5 * HOUR_MS, "pageview", "/docs"),
        traffic.Hit(3, T + DAY_MS + HOUR_MS, "pageview", "/"),  # the next day
        traffic.Hit(4, T + DAY_MS + 3 * HOUR_MS, "pageview", "/blog"),  # left open
        # Visitor 1 goes on in the same session, and a late visitor 5 arrives (an old batch):
        # changes to a sealed day.
        traffic.Hit(1, T + 2 * HOUR_MS + 20 * 60_000, "pageview", "/signup"),
        traffic.Hit(5, T + 2 * HOUR_MS + 30 * 60_000, "pageview", "/pricing"),
    ]
    events = traffic.to_events(1, hits)
    late = [e for e in events if e.pathname == "/signup" or e.visitor_id == 5]
    left_open = [e for e in events if e.pathname == "/blog"]
    sealed = [e for e in events if e not in late + left_open]
    await traffic.write(db.url, sealed, [], seal_after=1)
    await traffic.write(db.url, left_open, [])
    cache = ColumnCache(1 << 20)
    period = make_period(T, T + 2 * DAY_MS, "UTC", "day")
    cached, uncached = Scope(1, period, columns=cache), Scope(1, period)
    results = results_beside(cache)
    assert isinstance(results, SealedResults) and results_beside(None) is None

    first = await _flows(db.url, cached)
    assert first == await _flows(db.url, uncached)
    assert results.used > 0  # the sealed days' links are remembered (the open day is not)
    remembered = dict(results._items)
    assert await _flows(db.url, cached) == first
    assert dict(results._items) == remembered  # reused, not read again
    assert ("2:/pricing", "3:(exit)", 1) in _links(first)

    pages = await _pages(db.url, cached)
    assert pages == await _pages(db.url, uncached)
    assert _views(pages)["/pricing"] == (1, 1) and "/signup" not in _views(pages)
    assert pages["visitors"] == [4, 2, 2]
    kinds = {key[0] for key in results._items}
    assert kinds == {"flow_links", "by_value", "sketches"}
    assert await _pages(db.url, cached) == pages

    await traffic.write(db.url, late, [])  # unseals the first day's hour: read as it is
    assert await _pages(db.url, cached) == await _pages(db.url, uncached)
    assert _views(await _pages(db.url, cached))["/signup"] == (1, 1)
    changed = await _flows(db.url, cached)
    assert changed == await _flows(db.url, uncached)
    assert ("2:/pricing", "3:/signup", 1) in _links(changed)
    assert ("2:/pricing", "3:(exit)", 1) not in _links(changed)

    engine = create_engine(db.url)
    assert await traffic.seal_all(engine) >= 1  # sealed again, under a new token
    await engine.dispose()
    assert await _flows(db.url, cached) == changed
    assert await _flows(db.url, replace(cached, columns=ColumnCache(1 << 20))) == changed
    pages = await _pages(db.url, cached)
    assert pages == await _pages(db.url, uncached)
    assert _views(pages)["/signup"] == (1, 1) and _views(pages)["/pricing"] == (2, 2)
    assert pages["visitors"] == [5, 3, 2]


async def test_one_report_lists_a_range_once(db: Database) -> None:
    """Inside `listed_once()` a range's hours are listed once and its sub-ranges answered
    from that list; `forget` (an hour found sealed again) and the block's end list anew."""
    if db.dialect == "sqlite":
        await asyncio.to_thread(upgrade, db.url)
    hits = [
        traffic.Hit(1, T + 2 * HOUR_MS, "pageview", "/"),
        traffic.Hit(2, T + 5 * HOUR_MS, "pageview", "/docs"),
        traffic.Hit(3, T + DAY_MS + HOUR_MS, "pageview", "/"),
    ]
    events = traffic.to_events(1, hits)
    await traffic.write(db.url, events[:2], [], seal_after=1)
    await traffic.write(db.url, events[2:], [])  # the next day's hour left open
    engine = create_engine(db.url)
    listings: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "session_columns" in statement and "rollup_hours" in statement:
            listings.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    first_h = D * 24
    period = make_period(T, T + 2 * DAY_MS, "UTC", "day")
    scope = Scope(1, period, columns=ColumnCache(1 << 20))
    try:
        async with engine.connect() as conn:
            alone = await breakdown(conn, scope, "page")
            listings.clear()
            with listed_once():
                whole = await hours(conn, 1, first_h, first_h + 48)
                assert [(h - first_h, n, b is not None) for h, n, b in whole] == [
                    (2, 1, True),
                    (5, 1, True),
                    (25, 1, False),
                ]
                assert await hours(conn, 1, first_h + 3, first_h + 30) == whole[1:]
                assert await sealed_run(conn, 1, D, D + 2) == (
                    D + 1,
                    tuple((h, b) for h, _, b in whole[:2]),
                )
                assert await breakdown(conn, scope, "page") == alone
                assert len(listings) == 1
                forget(1)
                assert await hours(conn, 1, first_h + 3, first_h + 30) == whole[1:]
                assert len(listings) == 2
            await hours(conn, 1, first_h, first_h + 48)
            await hours(conn, 1, first_h, first_h + 48)
            assert len(listings) == 4  # outside a report nothing is kept
    finally:
        await engine.dispose()
