"""Alembic environment: async engine, batch mode so SQLite can ALTER tables (it recreates them
there; on PostgreSQL the same blocks are plain ALTER TABLEs)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from app.settings import Settings
from app.storage.database import create_engine
from app.storage.tables import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


# Every process may run `pulse migrate` at start at once: on PostgreSQL the first takes this
# advisory lock inside the migration's transaction and the others wait, then find the schema at
# head (SQLite: a file lock in app/migrate.py).
MIGRATE_LOCK = 0x70756C73_65000001  # "puls" e 1


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK})")
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
