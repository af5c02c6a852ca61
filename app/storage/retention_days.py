"""Retention rollups: who came back, as sketches per (site, first day, active day).

Every session adds its visitor to the sketch of (the UTC day the visitor was first seen, the UTC
day the session started). A retention report of daily cohorts reads one sketch per cell; weekly
cohorts union the 7 x 7 day sketches of a (cohort week, later week) pair, so a visitor active
on three days of a week counts once. First-seen days come from this batch's new sessions, else
from the `visitors` table (written by earlier batches).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from app.clock import DAY_MS
from app.storage import sketches
from app.storage.dialect import execute_rows, lock_id, lock_keys, select_keys, upsert
from app.storage.session_row import Row
from app.storage.tables import retention_days, visitors

_KEY_COLS = ("site_id", "first_day", "active_day")

Key = tuple[int, int, int]


async def first_days(
    conn: AsyncConnection, started: Sequence[Sequence[Any]]
) -> dict[tuple[int, int], int]:
    """(site, visitor) -> the UTC day the visitor was first seen, for these new sessions."""
    found: dict[tuple[int, int], int] = {}
    unknown: list[tuple[int, int]] = []
    for row in started:
        key = (row[Row.site_id], row[Row.visitor_id])
        if row[Row.new_visitor]:
            day = row[Row.start_ts] // DAY_MS
            found[key] = min(day, found.get(key, day))
    for row in started:
        key = (row[Row.site_id], row[Row.visitor_id])
        if key not in found:
            unknown.append(key)
    stored = await select_keys(conn, visitors, ("site_id", "visitor_id"), ("first_seen",), unknown)
    for key in unknown:
        seen = stored.get(key)
        found[key] = (seen[0] if seen else _start_of(started, key)) // DAY_MS
    return found


def _start_of(started: Iterable[Sequence[Any]], key: tuple[int, int]) -> int:
    return min(r[Row.start_ts] for r in started if (r[Row.site_id], r[Row.visitor_id]) == key)


def cells(
    started: Sequence[Sequence[Any]], first: dict[tuple[int, int], int]
) -> dict[Key, set[int]]:
    out: dict[Key, set[int]] = {}
    for row in started:
        site, visitor = row[Row.site_id], row[Row.visitor_id]
        key = (site, first[(site, visitor)], row[Row.start_ts] // DAY_MS)
        out.setdefault(key, set()).add(visitor)
    return out


@cache
def _upsert(dialect: str) -> Insert:
    return upsert(dialect, retention_days, _KEY_COLS, lambda ex: {"visitors": ex.visitors})


async def write(conn: AsyncConnection, started: Sequence[Sequence[Any]]) -> None:
    """Add the visitors of the batch's new sessions (rows of `sessions` seen for the first time)."""
    if not started:
        return
    adds = cells(started, await first_days(conn, started))
    if conn.dialect.name == "postgresql":  # read-modify-write: one writer per cell at a time
        await lock_keys(conn, [lock_id("retention", *key) for key in adds])
    stored = await select_keys(conn, retention_days, _KEY_COLS, ("visitors",), list(adds))
    rows = []
    for key, ids in adds.items():
        before = stored.get(key, (None,))[0]
        blob = sketches.add(before, ids)
        if blob != before:  # a visitor already in the cell leaves it as it is
            rows.append((*key, blob))
    rows.sort()
    await execute_rows(conn, _upsert(conn.dialect.name), (*_KEY_COLS, "visitors"), rows)
