"""Writing an import (one transaction: all of it or nothing), listing and removing imports, and
the days native data already covers (native wins per day: those days are skipped, and said)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.imports.files import Parsed
from app.queries.imported import native_days
from app.sites.model import Site
from app.storage.tables import IMPORTED, IMPORTED_SHAPES, imports

# Rows per INSERT ... executemany: big enough to amortise the round trip, small enough for a
# progress bar that moves (a year of Plausible's ten tables is ~50k rows).
CHUNK = 2_000


@dataclass(frozen=True)
class Imported:
    id: int
    site_id: int
    source: str
    first_day: date | None
    last_day: date | None
    days: int
    rows: int
    skipped_days: tuple[date, ...]
    files: tuple[str, ...]
    created_at: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "days": self.days,
            "rows": self.rows,
            "skipped_days": [d.isoformat() for d in self.skipped_days],
            "files": list(self.files),
            "created_at": self.created_at,
        }


async def imported_days(conn: AsyncConnection, site_id: int) -> set[date]:
    v = IMPORTED["imported_visitors"].c
    query = select(v.day).where(v.site_id == site_id).distinct()
    return set((await conn.execute(query)).scalars())


async def save(
    conn: AsyncConnection,
    site: Site,
    source: str,
    parsed: Parsed,
    progress: Callable[[int, str], None] | None = None,
) -> Imported:
    """Store `parsed` as one import of `site`, skipping the days native data or an earlier import
    covers. The caller's transaction holds it all: an error leaves nothing behind."""
    days = parsed.days()
    skipped: set[date] = set()
    if days:
        skipped = await native_days(conn, site.id, site.timezone, min(days), max(days))
        skipped |= await imported_days(conn, site.id) & days
    kept = sorted(days - skipped)
    now = int(time.time() * 1000)
    values = {
        "site_id": site.id,
        "source": source,
        "first_day": kept[0] if kept else None,
        "last_day": kept[-1] if kept else None,
        "days": len(kept),
        "rows": 0,
        "skipped_days": ",".join(d.isoformat() for d in sorted(skipped & days)),
        "files": "\n".join(parsed.files),
        "created_at": now,
    }
    import_id = (
        await conn.execute(insert(imports).values(**values).returning(imports.c.id))
    ).scalar_one()
    written = 0
    for table, rows in parsed.tables.items():
        keys, counters = IMPORTED_SHAPES[table]
        chunk: list[dict[str, Any]] = []
        for day, key, counts in rows:
            if day in skipped:
                continue
            chunk.append({"import_id": import_id, "site_id": site.id, "day": day,
                          **dict(zip(keys, key, strict=True)),
                          **dict(zip(counters, counts, strict=True))})  # fmt: skip
            if len(chunk) >= CHUNK:
                written += await _flush(conn, table, chunk, progress)
        written += await _flush(conn, table, chunk, progress)
    await conn.execute(imports.update().where(imports.c.id == import_id).values(rows=written))
    found = await find(conn, site.id, import_id)
    assert found is not None
    return found


async def _flush(
    conn: AsyncConnection,
    table: str,
    chunk: list[dict[str, Any]],
    progress: Callable[[int, str], None] | None,
) -> int:
    if not chunk:
        return 0
    await conn.execute(insert(IMPORTED[table]), chunk)
    n = len(chunk)
    if progress is not None:
        progress(n, f"{table:<28}")
    chunk.clear()
    return n


def _from_row(row: Any) -> Imported:
    return Imported(
        id=row.id,
        site_id=row.site_id,
        source=row.source,
        first_day=row.first_day,
        last_day=row.last_day,
        days=row.days,
        rows=row.rows,
        skipped_days=tuple(date.fromisoformat(d) for d in row.skipped_days.split(",") if d),
        files=tuple(f for f in row.files.split("\n") if f),
        created_at=row.created_at,
    )


async def list_imports(conn: AsyncConnection, site_id: int | None = None) -> list[Imported]:
    query = select(imports).order_by(imports.c.id)
    if site_id is not None:
        query = query.where(imports.c.site_id == site_id)
    return [_from_row(row) for row in await conn.execute(query)]


async def find(conn: AsyncConnection, site_id: int | None, import_id: int) -> Imported | None:
    query = select(imports).where(imports.c.id == import_id)
    if site_id is not None:
        query = query.where(imports.c.site_id == site_id)
    row = (await conn.execute(query)).first()
    return None if row is None else _from_row(row)


async def remove(conn: AsyncConnection, import_id: int) -> int:
    """Delete an import and its rows; how many rows went."""
    gone = 0
    for table in IMPORTED.values():
        gone += (await conn.execute(delete(table).where(table.c.import_id == import_id))).rowcount
    await conn.execute(delete(imports).where(imports.c.id == import_id))
    return gone


async def first_imported_day(conn: AsyncConnection, site_id: int) -> date | None:
    v = IMPORTED["imported_visitors"].c
    return (await conn.execute(select(func.min(v.day)).where(v.site_id == site_id))).scalar()


def day_list(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
