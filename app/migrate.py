"""Running the Alembic migrations from code (the CLI, the tests, `make serve`)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.paths import MIGRATIONS


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Blocking; call from a thread when an event loop is running (env.py uses asyncio.run)."""
    command.upgrade(alembic_config(database_url), revision)
