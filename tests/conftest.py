"""Shared fixtures: a migrated database per test, the app running inside `app.test_app()`.

The database is SQLite unless a directory's conftest parametrises `backend_name` (tests/storage,
tests/queries run on SQLite and PostgreSQL; see tests/backends.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from app import create_app
from app.clock import FakeClock
from app.ingest.geo import GeoLookup
from app.migrate import upgrade
from app.settings import Settings
from app.sites.store import add_site
from app.storage.database import create_engine
from tests.backends import EVENTS, Database, PostgresDatabase, SqliteDatabase, require_postgres
from tests.support.smtp import smtp_server  # noqa: F401 -- a real SMTP server (aiosmtpd)

SITE = "example.com"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture(scope="session")
def geo() -> GeoLookup:
    return GeoLookup()  # loading the bundled databases takes a moment: once per run


@pytest.fixture(scope="module")
def backend_name() -> str:
    """SQLite; tests/storage and tests/queries parametrise it with "postgresql" too."""
    return "sqlite"


@pytest.fixture(scope="module")
def pg_database(backend_name: str) -> Iterator[PostgresDatabase | None]:
    """One PostgreSQL database per test module (and backend), migrated once, dropped after."""
    if backend_name != "postgresql":
        yield None
        return
    require_postgres()
    database = PostgresDatabase().create()
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pulse.db"


@pytest.fixture
def db(db_path: Path, pg_database: PostgresDatabase | None) -> Database:
    """The test's database: a SQLite file (not yet migrated), or the module's PostgreSQL
    database, migrated and emptied."""
    if pg_database is not None:
        return pg_database.reset()
    return SqliteDatabase(db_path)


@pytest.fixture
def settings(tmp_path: Path, db: Database) -> Settings:
    return Settings(
        database_url=db.url,
        flush_interval_ms=0,  # a 202 is durable: no linger needed to batch
        spill_path=str(tmp_path / "pulse.spill"),
        log_level="WARNING",
        ingest_rate_limit=0,  # these tests post far faster than 30/s from one address
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def add_sites(settings: Settings, *domains: str, **options: str) -> None:
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        for domain in domains:
            await add_site(conn, domain, **options)  # type: ignore[arg-type]
    await engine.dispose()


@pytest.fixture
async def migrated(settings: Settings, db: Database) -> Settings:
    if db.dialect == "sqlite":  # the PostgreSQL database is migrated once per module
        await asyncio.to_thread(upgrade, settings.database_url)
    await add_sites(settings, SITE)
    return settings


@pytest.fixture
def make_app(migrated: Settings, clock: FakeClock, geo: GeoLookup) -> Callable[..., Quart]:
    def factory(**overrides: object) -> Quart:
        from dataclasses import replace

        return create_app(replace(migrated, **overrides), clock=clock, geo=geo)

    return factory


@pytest.fixture
async def app(make_app: Callable[..., Quart]) -> AsyncIterator[Quart]:
    quart_app = make_app()
    async with quart_app.test_app():
        yield quart_app


@pytest.fixture
def client(app: Quart) -> TestClientProtocol:
    return app.test_client()


def rows(db: Path | Database, sql: str = f"{EVENTS} ORDER BY events.id") -> Sequence[Any]:
    """Rows read outside the app (a SQLite file or a `Database` of either backend); each row
    answers `row["column"]` and `row[0]`. By default the events, each with its session's
    device and geo."""
    database = SqliteDatabase(db) if isinstance(db, Path) else db
    return database.rows(sql)


async def wait_for_rows(db: Path | Database, n: int, timeout: float = 5.0) -> Sequence[Any]:
    """Poll until n events are on disk (a 202 already means they are; rows a test wrote
    another way may still be on their way)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = rows(db)
        if len(found) >= n or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.02)


async def make_token(settings: Settings, site: str | None = None) -> str:
    """An API token in the test database: read-only for `site`, or admin without one."""
    from app.auth.tokens import create_token
    from app.sites.store import list_sites

    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        site_id = None
        if site is not None:
            site_id = next(s.id for s in await list_sites(conn) if s.domain == site)
        scope = "read" if site else "admin"
        _, raw = await create_token(conn, scope=scope, site_id=site_id, label="test", now_ms=0)
    await engine.dispose()
    return raw


@pytest.fixture
async def admin_token(migrated: Settings) -> str:
    return await make_token(migrated)


@pytest.fixture
def admin_headers(admin_token: str) -> dict[str, str]:
    """`client.get(path, headers=admin_headers)`: reads and changes anything."""
    return {"Authorization": f"Bearer {admin_token}"}
