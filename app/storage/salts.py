"""Persisting the cookieless-identity salts: made a day ahead, deleted after 48 hours."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.ingest.identity import DAY_MS, SaltBook
from app.storage.dialect import insert_ignore
from app.storage.tables import salts

KEEP_DAYS = 2  # today and yesterday: a visit across midnight keeps its id


async def load(conn: AsyncConnection) -> SaltBook:
    rows = await conn.execute(select(salts.c.day, salts.c.secret))
    return SaltBook({row.day: bytes(row.secret) for row in rows})


async def maintain(conn: AsyncConnection, book: SaltBook, now_ms: int) -> None:
    """Ensure today's and tomorrow's salts exist (first writer wins when several processes
    race), adopt what the database holds, and delete salts older than 48 hours."""
    today = now_ms // DAY_MS
    for day in {today, today + 1, *book.unsaved}:
        secret = book.salts.get(day) or secrets.token_bytes(32)
        stmt = insert_ignore(conn.dialect.name, salts, ["day"])
        await conn.execute(stmt, {"day": day, "secret": secret, "created_at": now_ms})
    book.unsaved.clear()
    await conn.execute(delete(salts).where(salts.c.day < today - KEEP_DAYS + 1))
    stored = await load(conn)
    book.salts = stored.salts
