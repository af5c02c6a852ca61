"""Running the Alembic migrations from code (the CLI, the tests, `make serve`).

Safe to run from every process at once (each `pulse serve` migrates at start): on SQLite an
exclusive lock on a file beside the database makes them take turns, so the second finds the
schema at head and does nothing; on PostgreSQL migrations/env.py takes an advisory lock inside
the migration's transaction.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config

from app.paths import MIGRATIONS
from app.settings import sqlite_path


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


@contextmanager
def _one_at_a_time(database_url: str) -> Iterator[None]:
    path = sqlite_path(database_url)
    if path is None:
        yield  # PostgreSQL: the advisory lock in env.py
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".migrate-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def upgrade(database_url: str, revision: str = "head") -> None:
    """Blocking; call from a thread when an event loop is running (env.py uses asyncio.run)."""
    with _one_at_a_time(database_url):
        command.upgrade(alembic_config(database_url), revision)
