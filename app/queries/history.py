"""Where a site's history starts: the local day of its first session (the "all" range)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.sites import Site
from app.storage.tables import sessions


async def first_local_day(engine: AsyncEngine, site: Site) -> date | None:
    """One MIN over the (site_id, start_ts) index; None when the site has no session yet."""
    query = select(func.min(sessions.c.start_ts)).where(sessions.c.site_id == site.id)
    async with engine.connect() as conn:
        first = (await conn.execute(query)).scalar()
    if first is None:
        return None
    return datetime.fromtimestamp(first / 1000, UTC).astimezone(ZoneInfo(site.timezone)).date()
