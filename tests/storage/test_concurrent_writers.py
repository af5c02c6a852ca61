"""Two writers (two processes' engines, scaled out) writing events of the same sessions at once:
every count lands, as if one writer had written them all (dialect.lock_keys on PostgreSQL)."""

from __future__ import annotations

import asyncio

from app.events import Event
from app.migrate import upgrade
from app.storage.batch import build_rows, write_rows
from app.storage.database import create_engine
from tests.backends import Database
from tests.conftest import rows
from tests.queries import traffic

T0 = 1_774_569_600_000


async def _write(url: str, events: list[Event]) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await write_rows(conn, build_rows(list(events)))
    finally:
        await engine.dispose()


async def test_two_writers_on_the_same_sessions(db: Database) -> None:
    if db.dialect == "sqlite":
        await asyncio.to_thread(upgrade, db.url)
    for round_ in range(8):
        hits = [
            traffic.Hit(visitor, T0 + round_ * 3_600_000 + i * 1000, "pageview", f"/{i}")
            for visitor in range(1, 6)
            for i in range(6)
        ]
        events = traffic.to_events(1, hits)
        await asyncio.gather(_write(db.url, events[0::2]), _write(db.url, events[1::2]))
    stored = rows(db, "SELECT session_id, count(*) AS n FROM events GROUP BY session_id")
    sessions = {r["session_id"]: r for r in rows(db, "SELECT * FROM sessions")}
    assert {sid: s["events"] for sid, s in sessions.items()} == {
        r["session_id"]: r["n"] for r in stored
    }
    assert all(s["pageviews"] == 6 and s["exit_page"] == "/5" for s in sessions.values())
    [totals] = rows(
        db, "SELECT sum(sessions) AS s, sum(pageviews) AS p FROM rollup_hours WHERE dim = ''"
    )
    assert (totals["s"], totals["p"]) == (len(sessions), 8 * 5 * 6)
