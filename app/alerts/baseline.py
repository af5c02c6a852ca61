"""The usual level a `factor` rule compares with: distinct visitors in the same N-minute span
ending at the same time of day, averaged over the past 7 days (days before the site's first
stored event are left out, so a new site's usual level is not diluted by days it did not exist).
One indexed COUNT(DISTINCT) per day over `events` (site_id, ts), each event's visitor read
from its session row; refreshed every 5 minutes per
(site, N) by the scheduler's `alert-baselines` job, so the tick only reads a float."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import DAY_MS
from app.live.windows import MINUTE_MS
from app.storage import event_rows
from app.storage.tables import events

DAYS = 7
e = events.c


async def usual_visitors(
    conn: AsyncConnection, site_id: int, now_ms: int, minutes: int
) -> float | None:
    """None when the site has no stored event before today's span (nothing to compare with)."""
    first = (await conn.execute(select(func.min(e.ts)).where(e.site_id == site_id))).scalar()
    if first is None:
        return None
    span = minutes * MINUTE_MS
    counts = []
    for day in range(1, DAYS + 1):
        end = now_ms - day * DAY_MS
        if end < first:
            break
        # The visitor is the session row's (migration 0031): `events` joined to it.
        visitor = event_rows.field("visitor_id")
        query = (
            select(func.count(func.distinct(visitor)))
            .select_from(event_rows.joined())
            .where(e.site_id == site_id, e.ts > end - span, e.ts <= end)
        )
        counts.append((await conn.execute(query)).scalar_one())
    return sum(counts) / len(counts) if counts else None
