"""Batches large enough for PostgreSQL's COPY path and small ones for executemany store the same
values, field for field (booleans, NULLs, props JSON, non-ASCII text) on both databases."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from app.events import EVENT_FIELDS
from app.migrate import upgrade
from app.storage import event_rows
from app.storage.batch import BatchRows, build_rows, write_rows
from app.storage.database import create_engine
from app.storage.dialect import COPY_MIN_ROWS
from app.storage.event_values import stored_row
from app.storage.tables import SESSION_FIELDS, STORED_FIELDS, events
from tests.backends import Database
from tests.conftest import rows
from tests.queries import traffic

T0 = 1_774_569_600_000


@pytest.mark.parametrize("size", [COPY_MIN_ROWS - 1, COPY_MIN_ROWS * 3])
async def test_stored_rows_equal_the_batch(db: Database, size: int) -> None:
    if db.dialect == "sqlite":
        await asyncio.to_thread(upgrade, db.url)
    hits = [
        traffic.Hit(
            i % 7,
            T0 + i * 1000,
            ["pageview", "engagement", "Signup"][i % 3],
            f"/ü/{i % 5}",
            country=None if i % 4 else "CN",
            interactive=bool(i % 2),
            engagement_ms=i if i % 3 == 1 else None,
            props={"plan": "prö", "n": i, "ok": True} if i % 3 == 2 else {},
        )
        for i in range(size)
    ]
    batch = build_rows(list(traffic.to_events(1, hits)))
    engine = create_engine(db.url)
    async with engine.begin() as conn:
        await write_rows(conn, batch)
    await engine.dispose()
    assert await _read_back(db.url) == _as_written(batch.events)


# What an event reads back as (event_rows.field): every field but device and geo, which are its
# session's entry's by definition (0025), whatever the event itself carried.
_READ = [n for n in EVENT_FIELDS if n not in SESSION_FIELDS[:7]]


def _as_written(full: list[list[object]]) -> list[list[object]]:
    return [[r[EVENT_FIELDS.index(n)] for n in _READ] for r in full]


async def _read_back(url: str) -> list[list[object]]:
    query = (
        select(*(event_rows.field(n) for n in _READ))
        .select_from(event_rows.joined(with_entry=True))
        .order_by(events.c.id)
    )
    engine = create_engine(url)
    async with engine.connect() as conn:
        found = [list(r) for r in await conn.execute(query)]
    await engine.dispose()
    return [
        [bool(v) if n in _BOOLS and v is not None else v for n, v in zip(_READ, r, strict=True)]
        for r in found
    ]


_BOOLS = {"new_visitor", "session_start", "interactive"}


async def test_session_values_stored_once_read_back_per_event(db: Database) -> None:
    """An event stores NULL for the hostname and acquisition that equal its session's (0031),
    keeps its own where they differ (an internal page view is Direct, another host), and a
    session's entry event arriving after its other events (a replayed spill) leaves what the
    stored ones read unchanged."""
    if db.dialect == "sqlite":
        await asyncio.to_thread(upgrade, db.url)
    hits = [
        traffic.Hit(1, T0, "pageview", "/", source=0),
        traffic.Hit(1, T0 + 1000, "pageview", "/a", source=0),
        traffic.Hit(1, T0 + 2000, "pageview", "/b", source=1),
        traffic.Hit(2, T0 + 3000, "pageview", "/", source=2),
        traffic.Hit(2, T0 + 4000, "Signup", "/x", source=2),
    ]
    full = build_rows(list(traffic.to_events(1, hits))).events
    host = EVENT_FIELDS.index("hostname")
    full[1][host] = "docs.example.com"
    late, rest = full[3], full[4]
    for name, value in zip(
        ("source", "channel", "referrer_domain"), traffic.SOURCES[0], strict=True
    ):
        late[EVENT_FIELDS.index(name)] = value  # the entry's differ from the event stored first
    late[host] = "www.example.com"
    engine = create_engine(db.url)
    for batch in ([*full[:3], rest], [late]):  # visitor 2's entry comes last
        async with engine.begin() as conn:
            await write_rows(conn, BatchRows(batch))
    await engine.dispose()
    stored = rows(db, "SELECT hostname, source FROM events ORDER BY id")
    assert [tuple(r) for r in stored][:3] == [
        (None, None),
        ("docs.example.com", None),
        (None, traffic.SOURCES[1][0]),
    ]
    back = await _read_back(db.url)
    assert sorted(map(repr, back)) == sorted(map(repr, _as_written([*full[:3], rest, late])))


def test_events_keep_no_session_fields() -> None:
    """A stored event row has no device, geo or visitor, and the raw versions and screen only
    when it is its session's entry (the session row has them: tables.SESSION_FIELDS)."""
    hits = [
        traffic.Hit(1, T0 + i, "pageview", "/", country="DE", screen_width=390, os_version="17")
        for i in range(3)
    ]
    full = build_rows(list(traffic.to_events(1, hits))).events
    kept = [dict(zip(STORED_FIELDS, stored_row(r, None), strict=True)) for r in full]
    assert not set(SESSION_FIELDS) & set(STORED_FIELDS)
    assert [(k["session_start"], k["screen_width"], k["os_version"]) for k in kept] == [
        (True, 390, "17"),
        (False, None, None),
        (False, None, None),
    ]
    assert len(STORED_FIELDS) == len(EVENT_FIELDS) - len(SESSION_FIELDS)


async def test_a_failed_transaction_keeps_no_copied_rows(db: Database) -> None:
    """COPY runs inside the batch's transaction: a later failure takes the events back too."""
    if db.dialect == "sqlite":
        await asyncio.to_thread(upgrade, db.url)
    hits = [traffic.Hit(1, T0 + i * 1000, "pageview", "/") for i in range(COPY_MIN_ROWS * 2)]
    batch = build_rows(list(traffic.to_events(1, hits)))
    engine = create_engine(db.url)
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await write_rows(conn, batch)
            raise RuntimeError("after the rows, before the commit")
    await engine.dispose()
    assert rows(db, "SELECT * FROM events") == [] and rows(db, "SELECT * FROM sessions") == []
