"""Engine construction. SQLite: every connection gets WAL, a busy timeout and foreign keys, and
a new file auto_vacuum=INCREMENTAL (so a retention purge's `PRAGMA incremental_vacuum` gives the
pages back; a file made before cannot change without a `VACUUM`, and the pragma leaves it be);
readers synchronous=NORMAL, the writer's own engine `PULSE_SQLITE_SYNCHRONOUS` (FULL by default:
every commit fsyncs the WAL, so a 202 survives a power cut, not only a killed process).
PostgreSQL: a small pool per process for report readers, and one for the writer's thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.settings import sqlite_path
from app.storage.inline_sqlite import connector

# A reader waits up to 5 s for the writer's lock instead of failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000

# PostgreSQL: report queries and request-side writes (accounts, sites). N processes hold up to
# N * (5 + 5 + 2) connections with the writer's; the server's default max_connections is 100.
PG_POOL = {
    "pool_size": 5,
    "max_overflow": 5,
    "pool_timeout": 10,
    # A connection dropped by a server restart or a load balancer is replaced, not handed out.
    "pool_pre_ping": True,
    # Recycled before typical idle-connection timeouts of proxies (PgBouncer, cloud LBs).
    "pool_recycle": 1800,
}


# The writer's thread runs one statement at a time: one connection, one spare for a reconnect.
PG_WRITER_POOL: dict[str, Any] = {**PG_POOL, "pool_size": 1, "max_overflow": 1}
SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


def _sqlite_pragmas(synchronous: str) -> Callable[[Any, Any], None]:
    def apply(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # Before WAL: switching the journal writes the header of a new file, fixing its mode.
        cursor.execute("PRAGMA auto_vacuum=INCREMENTAL")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return apply


def create_engine(url: str, *, synchronous: str = "NORMAL", **kwargs: Any) -> AsyncEngine:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if synchronous.upper() not in SYNCHRONOUS_LEVELS:
            raise ValueError(f"SQLite synchronous must be one of {SYNCHRONOUS_LEVELS}")
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(synchronous.upper()))
        return engine
    if backend == "postgresql":
        kwargs = {**PG_POOL, **kwargs}
        # Named in pg_stat_activity, so an operator tells Pulse's connections apart.
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("server_settings", {"application_name": "pulse"})
    return create_async_engine(url, **kwargs)


def create_writer_engine(url: str, synchronous: str) -> AsyncEngine:
    """The writer thread's own engine (made on that thread: its connections belong to its
    event loop)."""
    if make_url(url).get_backend_name() == "postgresql":
        return create_engine(url, **PG_WRITER_POOL)
    path = sqlite_path(url)
    if path is None:  # in memory: nothing to share with readers anyway
        return create_engine(url, synchronous=synchronous)
    # Statements run on the writer's own thread, not through aiosqlite's (inline_sqlite.py).
    return create_engine(url, synchronous=synchronous, async_creator=connector(str(path)))


async def ping(engine: AsyncEngine) -> None:
    """Raises when the database cannot answer a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
