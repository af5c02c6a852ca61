"""Batches large enough for PostgreSQL's COPY path and small ones for executemany store the same
values, field for field (booleans, NULLs, props JSON, non-ASCII text) on both databases."""

from __future__ import annotations

import asyncio

import pytest

from app.events import EVENT_FIELDS
from app.migrate import upgrade
from app.storage.batch import build_rows, stored_row, write_rows
from app.storage.database import create_engine
from app.storage.dialect import COPY_MIN_ROWS
from app.storage.tables import SESSION_FIELDS, STORED_FIELDS
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
    stored = rows(db, f"SELECT {', '.join(STORED_FIELDS)} FROM events ORDER BY id")
    want = [list(stored_row(r)) for r in batch.events]
    got = [
        [bool(v) if isinstance(w, bool) else v for v, w in zip(r, e, strict=True)]
        for r, e in zip(stored, want, strict=True)
    ]
    assert got == want


def test_events_keep_no_session_fields() -> None:
    """A stored event row has no device or geo, and the raw versions and screen only when it
    is its session's entry (the session row has them: tables.SESSION_FIELDS)."""
    hits = [
        traffic.Hit(1, T0 + i, "pageview", "/", country="DE", screen_width=390, os_version="17")
        for i in range(3)
    ]
    full = build_rows(list(traffic.to_events(1, hits))).events
    kept = [dict(zip(STORED_FIELDS, stored_row(r), strict=True)) for r in full]
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
