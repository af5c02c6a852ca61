"""`pulse backup` while a real server ingests, and `pulse restore`: the copy is sound, holds one
instant (every request acknowledged before it began, each request whole, rollups agreeing with
the raw rows) and the server never stopped answering."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import FIREFOX, SITE
from tests.support.server import ROOT, pulse_cli, pulse_serve

BATCH = 10


def _pulse(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


class Load:
    """Clients posting batches of BATCH page views (path /b<client>-<n>) until told to stop."""

    def __init__(self) -> None:
        self.accepted: list[str] = []
        self.refused = 0
        self.running = True

    async def client(self, origin: str, k: int) -> None:
        async with httpx.AsyncClient(headers={"User-Agent": FIREFOX}, timeout=10) as client:
            n = 0
            while self.running:
                batch = f"{k}-{n}"
                body = [
                    {"url": f"https://{SITE}/b{batch}", "visitor_id": f"v{k}-{i}"}
                    for i in range(BATCH)
                ]
                response = await client.post(f"{origin}/api/collect", json=body)
                if response.status_code == 202:
                    self.accepted.append(batch)
                else:
                    self.refused += 1
                n += 1


async def test_backup_of_a_live_server_is_one_consistent_instant(tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    with pulse_serve(
        tmp_path, setup=[("site", "add", SITE)], env={"PULSE_INGEST_RATE_LIMIT": "0"}
    ) as server:
        load = Load()
        clients = [asyncio.create_task(load.client(server.origin, k)) for k in range(4)]
        while len(load.accepted) < 100:  # 1,000 events in before the backup starts
            await asyncio.sleep(0.02)
        before = set(load.accepted)
        done = await asyncio.to_thread(_pulse, server.env, "backup", str(copy))
        during = len(load.accepted) - len(before)
        while len(load.accepted) < len(before) + during + 20:  # and the server goes on
            await asyncio.sleep(0.02)
        load.running = False
        await asyncio.gather(*clients)
        live_total = server.query("SELECT count(*) AS n FROM events")[0]["n"]

    assert done.returncode == 0, done.stderr
    assert "integrity ok" in done.stdout
    assert load.refused == 0
    assert _query(copy, "PRAGMA integrity_check") == [("ok",)]
    per_batch = Counter(str(path)[2:] for (path,) in _query(copy, "SELECT pathname FROM events"))
    assert before <= set(per_batch), "a batch answered 202 before the backup is missing"
    assert set(per_batch) <= set(load.accepted)
    assert all(count == BATCH for count in per_batch.values()), "a request split by the copy"
    # The rollups were written in the same transactions as the rows: one instant agrees.
    [(pageviews,)] = _query(copy, "SELECT count(*) FROM events WHERE name = 'pageview'")
    [(rolled,)] = _query(copy, "SELECT sum(pageviews) FROM rollup_hours WHERE dim = ''")
    assert rolled == pageviews == sum(per_batch.values())
    assert live_total > pageviews  # the server kept ingesting past the copy's instant


def _migrated(tmp_path: Path, name: str) -> dict[str, str]:
    import os

    env = {
        **os.environ,
        "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / name}",
        "PULSE_LOG_LEVEL": "WARNING",
    }
    pulse_cli(env, "migrate")
    return env


def test_restore_puts_the_backup_in_place(tmp_path: Path) -> None:
    source = _migrated(tmp_path, "source.db")
    pulse_cli(source, "site", "add", "restored.example", "--timezone", "Europe/Berlin")
    pulse_cli(source, "backup", str(tmp_path / "b.db"))
    target = _migrated(tmp_path, "target.db")
    pulse_cli(target, "site", "add", "replaced.example")

    refused = _pulse(target, "restore", str(tmp_path / "b.db"))
    assert refused.returncode == 2 and "--yes" in refused.stderr
    pulse_cli(target, "restore", str(tmp_path / "b.db"), "--yes")

    domains = _query(tmp_path / "target.db", "SELECT domain, timezone FROM sites")
    assert domains == [("restored.example", "Europe/Berlin")]
    assert _query(tmp_path / "target.db", "PRAGMA integrity_check") == [("ok",)]


def test_backup_refuses_to_overwrite_and_restore_refuses_a_foreign_file(tmp_path: Path) -> None:
    env = _migrated(tmp_path, "pulse.db")
    (tmp_path / "taken.db").write_bytes(b"keep me")
    refused = _pulse(env, "backup", str(tmp_path / "taken.db"))
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert (tmp_path / "taken.db").read_bytes() == b"keep me"

    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.commit()
    pulse_cli(env, "site", "add", "kept.example")
    bad = _pulse(env, "restore", str(foreign), "--yes")
    assert bad.returncode == 1 and "not a Pulse database" in bad.stderr
    assert _query(tmp_path / "pulse.db", "SELECT domain FROM sites") == [("kept.example",)]


def test_postgresql_is_pointed_at_its_own_tools(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "PULSE_DATABASE_URL": "postgresql://127.0.0.1/none"}
    done = _pulse(env, "backup", str(tmp_path / "x.db"))
    assert done.returncode == 1 and "pg_dump" in done.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.fixture(autouse=True)
def _no_partial_left(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield
    assert not list(tmp_path.glob("*.partial"))
