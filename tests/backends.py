"""The databases the storage and query tests run against: a SQLite file, or a PostgreSQL database
`pulse_test_<random>` created for one test module (migrated once, its tables truncated before each
test, dropped at the end of the module).

PostgreSQL is found at PULSE_TEST_POSTGRES_URL (default: the CI service, trust auth). When it is
not reachable its tests skip saying so, unless PULSE_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
import secrets
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
from sqlalchemy.engine import make_url

from app.migrate import upgrade
from app.storage.tables import ACQUISITION, SESSION_FIELDS, events, metadata

T = TypeVar("T")
BACKENDS = ("sqlite", "postgresql")


def _events_sql() -> str:
    """Stored events as the writer was handed them: their session's fields (`SESSION_FIELDS`,
    kept on `sessions` only) and, where stored NULL as the session's (migration 0031), the
    hostname and acquisition read from the session row (as `app/storage/event_rows.field`)."""
    own = [
        f"events.{c.name}"
        for c in events.c
        if c.name not in ("hostname", *ACQUISITION) and c.name not in SESSION_FIELDS
    ]
    host = "COALESCE(events.hostname, s.hostname) AS hostname"
    acquired = [
        f"CASE WHEN events.source IS NULL THEN s.{c} ELSE events.{c} END AS {c}"
        for c in ACQUISITION
    ]
    session = [f"s.{c}" for c in SESSION_FIELDS]
    columns = ", ".join([*own, host, *acquired, *session])
    return f"SELECT {columns} FROM events LEFT JOIN sessions s ON s.session_id = events.session_id"


# Stored events, each whole again (see `_events_sql`).
EVENTS = _events_sql()
PG_ADMIN_URL = os.environ.get(
    "PULSE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
# Kept across a test's truncation: the signing key that migration 0004 made.
_KEPT = {"app_secrets"}


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code, even inside a running event loop (tests
    read rows while the app's writer runs): on a thread with its own loop."""

    async def main() -> T:
        return await make()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _pg(dsn: str, sql: str, *args: Any, fetch: bool = False) -> Any:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        return await (conn.fetch(sql, *args) if fetch else conn.execute(sql, *args))
    finally:
        await conn.close()


@functools.cache
def postgres_unavailable() -> str | None:
    """None when PostgreSQL answers, else why not (asked once per run)."""
    try:
        run_sync(lambda: _pg(_dsn(PG_ADMIN_URL), "SELECT 1"))
    except Exception as error:  # any failure means "not reachable"
        return f"PostgreSQL not reachable at {_dsn(PG_ADMIN_URL)}: {error!r}"
    return None


def require_postgres() -> None:
    reason = postgres_unavailable()
    if reason is None:
        return
    if os.environ.get("PULSE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (PULSE_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


class Database(Protocol):
    url: str
    dialect: str

    def rows(self, sql: str) -> Sequence[Any]: ...


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite+aiosqlite:///{path}"

    def rows(self, sql: str) -> list[sqlite3.Row]:
        with sqlite3.connect(self.path) as conn:
            conn.row_factory = sqlite3.Row
            return conn.execute(sql).fetchall()


class PostgresDatabase:
    """One freshly created database; `reset()` empties it (the schema stays)."""

    dialect = "postgresql"

    def __init__(self) -> None:
        self.name = f"pulse_test_{secrets.token_hex(6)}"
        admin = make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg")
        self.url = admin.set(database=self.name).render_as_string(hide_password=False)
        self._dsn = _dsn(PG_ADMIN_URL, self.name)
        # DELETE, not TRUNCATE: on these few rows ~10x faster (TRUNCATE swaps every table's
        # files: ~340 ms a reset here); sequences restart so the first site is id 1 again.
        tables = [t for t in metadata.sorted_tables if t.name not in _KEPT]
        serial = [
            f"SELECT setval(pg_get_serial_sequence('{t.name}', '{c.name}'), 1, false);"
            for t in tables
            for c in t.primary_key.columns
            if c.autoincrement is True
        ]
        self._truncate = " ".join([*(f"DELETE FROM {t.name};" for t in tables), *serial])

    def create(self, migrate: bool = True) -> PostgresDatabase:
        run_sync(lambda: _pg(_dsn(PG_ADMIN_URL), f'CREATE DATABASE "{self.name}"'))
        if migrate:
            upgrade(self.url)
        return self

    def drop(self) -> None:
        sql = f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'
        run_sync(lambda: _pg(_dsn(PG_ADMIN_URL), sql))

    def reset(self) -> PostgresDatabase:
        run_sync(lambda: _pg(self._dsn, self._truncate))
        return self

    def rows(self, sql: str) -> list[Any]:
        return run_sync(lambda: _pg(self._dsn, sql, fetch=True))  # type: ignore[no-any-return]


class Template:
    """A migrated, empty database to start each Hypothesis example from: a copied SQLite file, or
    the module's PostgreSQL database truncated."""

    def __init__(self, backend: str, sqlite_file: Path, pg: PostgresDatabase | None) -> None:
        self.backend = backend
        self.sqlite_file = sqlite_file
        self.pg = pg

    def fresh(self, directory: Path, name: str = "fresh.db") -> Database:
        if self.pg is not None:
            return self.pg.reset()
        import shutil

        target = directory / name
        shutil.copy(self.sqlite_file, target)
        return SqliteDatabase(target)
