"""Where a site's history starts: the local day of its first session or imported day (the "all"
range)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.sites.model import Site
from app.storage.tables import IMPORTED, sessions


async def first_local_day(engine: AsyncEngine, site: Site) -> date | None:
    """One MIN over the (site_id, start_ts) index; None when the site has no session yet."""
    query = select(func.min(sessions.c.start_ts)).where(sessions.c.site_id == site.id)
    v = IMPORTED["imported_visitors"].c
    async with engine.connect() as conn:
        first = (await conn.execute(query)).scalar()
        first_imported = (
            await conn.execute(select(func.min(v.day)).where(v.site_id == site.id))
        ).scalar()
    native = None
    if first is not None:
        zone = ZoneInfo(site.timezone)
        native = datetime.fromtimestamp(first / 1000, UTC).astimezone(zone).date()
    days = [d for d in (native, first_imported) if d is not None]
    return min(days) if days else None
