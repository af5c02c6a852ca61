"""Imports and retention benchmark (not a test): `.venv/bin/python tests/benchmarks/imports.py`.

1. A year of Plausible daily aggregates (365 days; per day 1 visitors row, BENCH_VALUES (40)
   sources, pages, entry and exit pages, 10 of each other table) written as the ZIP, then
   `pulse import`'s parse + one-transaction store into a fresh SQLite file: rows/s of each.
2. BENCH_PURGE_EVENTS (200,000) events over 20 days written by the writer's own transaction and
   sealed, then a retention purge of the first 10 days in writer-job chunks: rows/s, and the
   longest chunk (the most an ingest batch would wait behind the purge on the writer's thread).
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import random
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app import retention_purge  # noqa: E402
from app.imports import plausible, store  # noqa: E402
from app.imports.files import expand  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.sites.model import Site  # noqa: E402
from app.sites.store import add_site  # noqa: E402
from app.storage.database import create_engine  # noqa: E402
from app.storage.tables import IMPORTED_SHAPES  # noqa: E402
from tests.queries import traffic  # noqa: E402

VALUES = int(os.environ.get("BENCH_VALUES", "40"))
PURGE_EVENTS = int(os.environ.get("BENCH_PURGE_EVENTS", "200000"))
BIG = {"imported_sources", "imported_pages", "imported_entry_pages", "imported_exit_pages"}


def _year_zip() -> tuple[bytes, int]:
    rng, first, rows = random.Random(7), date(2025, 1, 1), 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for table, (keys, counters) in IMPORTED_SHAPES.items():
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(("date", *keys, *counters))
            values = 1 if not keys else VALUES if table in BIG else 10
            for d in range(365):
                for v in range(values):
                    key = [
                        f"/{table[9:]}/{v}" if i == len(keys) - 1 else "" for i in range(len(keys))
                    ]
                    counts = [rng.randint(0, 500) for _ in counters]
                    writer.writerow(((first + timedelta(days=d)).isoformat(), *key, *counts))
                    rows += 1
            archive.writestr(f"{table}_20250101_20251231.csv", out.getvalue())
    return buffer.getvalue(), rows


async def _import(url: str, content: bytes, rows: int) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        site = await add_site(conn, "bench.example")
    started = time.perf_counter()
    parsed = plausible.parse(expand("year.zip", content))
    parsed_s = time.perf_counter() - started
    async with engine.begin() as conn:
        await store.save(conn, site, "plausible", parsed)
    total_s = time.perf_counter() - started
    await engine.dispose()
    print(f"import: {rows:,} rows ({len(content) / 2**20:.1f} MiB zip) for a year of daily data")
    print(f"  parse {rows / parsed_s:,.0f} rows/s; parse + store {rows / total_s:,.0f} rows/s "
          f"({total_s:.2f} s)")  # fmt: skip


async def _purge(url: str) -> None:
    t0, day = 1_774_569_600_000, 86_400_000
    rng = random.Random(3)
    hits = [
        traffic.Hit(visitor=rng.randint(1, PURGE_EVENTS // 4), at_ms=t0 + rng.randrange(20 * day),
                    name="pageview", page=rng.choice(traffic.PAGES))
        for _ in range(PURGE_EVENTS)
    ]  # fmt: skip
    events = traffic.to_events(1, hits)
    await traffic.write(url, events, list(range(5_000, len(events), 5_000)), len(events))
    engine = create_engine(url)
    chunks: list[float] = []

    async def run_job(job: Any) -> Any:
        started = time.perf_counter()
        async with engine.begin() as conn:
            found = await job(conn)
        chunks.append(time.perf_counter() - started)
        return found

    done = await retention_purge.purge_site(
        run_job, Site(1, "x", "x", "UTC", "local"), t0 + 10 * day
    )
    await engine.dispose()
    rows = done.events + done.sessions
    print(f"purge: {done.events:,} events + {done.sessions:,} sessions in {done.seconds:.2f} s "
          f"= {rows / done.seconds:,.0f} rows/s; {len(chunks)} writer jobs of <= "
          f"{retention_purge.CHUNK:,} rows, longest {max(chunks) * 1000:.0f} ms, "
          f"median {sorted(chunks)[len(chunks) // 2] * 1000:.0f} ms")  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'import.db'}"
        upgrade(url)
        content, rows = _year_zip()
        asyncio.run(_import(url, content, rows))
        url = f"sqlite+aiosqlite:///{Path(folder) / 'purge.db'}"
        upgrade(url)
        asyncio.run(_purge(url))


if __name__ == "__main__":
    main()
