"""Running `pulse import` in-process against the test database, and reading reports."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.imports.cli import _run
from app.settings import Settings
from tests.backends import run_sync

SITE = "imp.example"
PERIOD = "range=custom&from=2025-06-01&to=2025-06-03"


async def pulse_import(settings: Settings, command: str, *files: Path, **extra: Any) -> str:
    options = {"site": SITE, **extra}
    args = argparse.Namespace(import_command=command, files=[str(f) for f in files], **options)
    return await _run(args, settings)


def count(settings: Settings, sql: str) -> int:
    from sqlalchemy import text

    from app.storage.database import create_engine

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(text(sql))).scalar_one())
        finally:
            await engine.dispose()

    return run_sync(run)


def imported_rows(settings: Settings) -> int:
    from app.storage.tables import IMPORTED

    tables = ["imports", *IMPORTED]
    return sum(count(settings, f"SELECT COUNT(*) FROM {t}") for t in tables)


async def report(client: Any, path: str, query: str = PERIOD) -> dict[str, Any]:
    response = await client.get(f"/api/v1/sites/{SITE}/{path}?{query}")
    body = await response.get_json()
    assert response.status_code == 200, body
    return dict(body)


def by_value(body: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    return {row["value"]: row for row in body["results"]}
