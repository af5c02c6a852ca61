"""A new SQLite file is made with auto_vacuum=INCREMENTAL (app/storage/database.py), so the
retention purge's incremental vacuum gives the purged pages back to the file system (issue 18);
a file made before keeps its mode (SQLite changes it only by a VACUUM)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from app import retention_purge
from app.migrate import upgrade
from app.sites.model import Site
from app.sites.store import add_site
from app.storage.batch import build_rows, write_rows
from app.storage.database import create_engine
from tests.queries import traffic

T0 = 1_774_569_600_000  # 2026-03-27T00:00Z
DAY = 86_400_000


def _pragma(path: Path, name: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"PRAGMA {name}").fetchone()[0])


def _size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


async def _fill_and_purge(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await add_site(conn, "example.com")
    hits = [
        traffic.Hit(v, T0 + (v % 4) * DAY + i * 60_000, "pageview", traffic.PAGES[i % 5])
        for v in range(1, 1_501)
        for i in range(4)
    ]
    async with engine.begin() as conn:
        await write_rows(conn, build_rows(list(traffic.to_events(1, hits))))
    path = Path(url.split("///", 1)[1])
    full = _size(path)

    async def run_job(job: Any) -> Any:
        async with engine.begin() as conn:
            return await job(conn)

    site = Site(1, "example.com", "example.com", "UTC", "local")
    done = await retention_purge.purge_site(run_job, site, T0 + 3 * DAY)
    assert done.events == 4_500  # three of the four days
    while await run_job(retention_purge._vacuum):
        pass
    await engine.dispose()
    return full, _size(path)


def test_a_new_file_gives_purged_pages_back(tmp_path: Path) -> None:
    path = tmp_path / "pulse.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    assert _pragma(path, "auto_vacuum") == 2  # INCREMENTAL
    full, after = asyncio.run(_fill_and_purge(url))
    assert _pragma(path, "freelist_count") == 0
    assert after < 0.75 * full, (full, after)


def test_a_file_made_before_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE made_before (x)")
    upgrade(f"sqlite+aiosqlite:///{path}")
    assert _pragma(path, "auto_vacuum") == 0
