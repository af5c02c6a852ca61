"""The events of a chosen few sessions (long sessions whose journey was truncated, the sessions
at a period's part-hour edges), read through the events' (site_id, ts) index.

Sessions go CHUNK at a time, each chunk over the merged time spans of its sessions, so neither a
statement's parameters nor the range it reads grows with the set (two sessions a month apart
read their own hours, not the month between them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage.dialect import merged_spans
from app.storage.tables import events

# Sessions per query: keeps the statement's parameters well inside SQLite's limit.
CHUNK = 500


async def by_session(
    conn: AsyncConnection,
    site_id: int,
    spans: dict[int, tuple[int, int]],
    columns: Sequence[str],
    *conditions: ColumnElement[bool],
) -> dict[int, list[tuple[Any, ...]]]:
    """session id -> the `columns` of its events matching `conditions`, in stored order (time,
    then id). `spans`: session id -> (start_ts, end_ts)."""
    e = events.c
    found: dict[int, list[tuple[Any, ...]]] = {}
    ordered = sorted(spans, key=lambda sid: spans[sid])
    for i in range(0, len(ordered), CHUNK):
        chunk = ordered[i : i + CHUNK]
        windows = merged_spans(spans[sid] for sid in chunk)
        query = (
            select(e.session_id, *(e[c] for c in columns))
            .where(
                e.site_id == site_id,
                or_(*(and_(e.ts >= lo, e.ts <= hi) for lo, hi in windows)),
                e.session_id.in_(chunk),
                *conditions,
            )
            .order_by(e.ts, e.id)
        )
        for sid, *values in await conn.execute(query):
            found.setdefault(sid, []).append(tuple(values))
    return found
