"""Engine construction. SQLite: every connection gets WAL, synchronous=NORMAL, a busy timeout and
foreign keys. PostgreSQL: a small pool per process (one writer task plus report readers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.settings import sqlite_path

# A reader waits up to 5 s for the writer's lock instead of failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000

# PostgreSQL: one connection for the writer, the rest for concurrent report queries. N processes
# hold up to N * (5 + 5) connections; the server's default max_connections is 100.
PG_POOL = {
    "pool_size": 5,
    "max_overflow": 5,
    "pool_timeout": 10,
    # A connection dropped by a server restart or a load balancer is replaced, not handed out.
    "pool_pre_ping": True,
    # Recycled before typical idle-connection timeouts of proxies (PgBouncer, cloud LBs).
    "pool_recycle": 1800,
}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        kwargs = {**PG_POOL, **kwargs}
        # Named in pg_stat_activity, so an operator tells Pulse's connections apart.
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("server_settings", {"application_name": "pulse"})
    return create_async_engine(url, **kwargs)


async def ping(engine: AsyncEngine) -> None:
    """Raises when the database cannot answer a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
