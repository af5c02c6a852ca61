"""Changes made to the database from outside a running server (the CLI, another process, the
admin API of another instance), for tests of what a server notices on its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.settings import Settings
from app.sites.store import list_sites
from app.storage.database import create_engine


async def in_db(settings: Settings, change: Callable[[AsyncConnection], Awaitable[Any]]) -> Any:
    """Run `change(conn)` in its own transaction on its own engine; returns its result."""
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        result = await change(conn)
    await engine.dispose()
    return result


async def site_id(conn: AsyncConnection, domain: str) -> int:
    return next(s.id for s in await list_sites(conn) if s.domain == domain)
