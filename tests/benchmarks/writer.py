"""Writer benchmark (not a test): `.venv/bin/python tests/benchmarks/writer.py [--postgres URL]`.

Events/s of the writer's own transaction (`build_rows` + `write_rows`: events, sessions, hourly
rollups, visitors) on SQLite (a temp file, WAL, through the writer thread's own engine:
statements inline, synchronous=NORMAL so no fsync is timed) and on PostgreSQL (a database
created for the run and dropped after), at writer batches of 2,000 and 20 events.
BENCH_WRITER_EVENTS (default 40,000) events, ~5 a session, traffic as in queries.py; then
"live" traffic as ingest.py's saturation sends it (5,000 visitors on 50 pages in one hour, so
nearly every event grows a stored session) in batches of 2,000, and of 20 once 10,000 events
are stored. On PostgreSQL batches of dialect.COPY_MIN_ROWS events or more go in by COPY;
`--no-copy` measures Core's executemany.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.events import Event  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.storage import dialect  # noqa: E402
from app.storage.batch import build_rows, write_rows  # noqa: E402
from app.storage.database import create_engine, create_writer_engine  # noqa: E402
from tests.benchmarks.queries import END_MS, session_events  # noqa: E402

EVENTS = int(os.environ.get("BENCH_WRITER_EVENTS", "40000"))
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def live(n: int, start: int = END_MS - 3_600_000) -> list[Event]:
    """ingest.py's saturation traffic: requests of 20 events from 5,000 visitors on 50 pages,
    one session a visitor, ~15 events a millisecond."""
    out: list[Event] = []
    seen: set[int] = set()
    for k in range(n):
        i, j = divmod(k, 20)
        v = (i * 31 + j) % 5000
        first = v not in seen
        seen.add(v)
        out.append(
            Event(site_id=1, ts=start + k // 15, name="pageview", hostname="bench.example",
                  pathname=f"/page/{(i + j) % 50}", visitor_id=v + 1, session_id=v + 1_000,
                  new_visitor=first, session_start=first, referrer="https://www.google.com/",
                  referrer_domain="google.com", source="Google", channel="Organic Search",
                  utm_source="bench", country="DE", browser="Chrome", browser_version="128",
                  os="Linux", os_version="6", screen_width=1440, language="en-US")
        )  # fmt: skip
    return out


def traffic(n: int) -> list[Event]:
    rng = random.Random(11)
    out: list[Event] = []
    visitor = 0
    while len(out) < n:
        visitor += 1
        start = END_MS - 86_400_000 + rng.randrange(80_000_000)
        out.extend(session_events(rng, visitor, True, start))
    out.sort(key=lambda e: e.ts)
    return out[:n]


async def run(url: str, events: list[Event], batch: int, warm: list[Event] | None = None) -> str:
    """events/s (wall clock) and this process's CPU µs an event (the server's is not counted:
    on a loaded machine the CPU figure is the steadier one). `warm` is written first, untimed."""
    sqlite = make_url(url).get_backend_name() == "sqlite"
    engine = create_writer_engine(url, "NORMAL") if sqlite else create_engine(url)
    for i in range(0, len(warm or []), 2000):
        async with engine.begin() as conn:
            await write_rows(conn, build_rows(list((warm or [])[i : i + 2000])))
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(events), batch):
        async with engine.begin() as conn:
            await write_rows(conn, build_rows(list(events[i : i + batch])))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await engine.dispose()
    return f"{len(events) / elapsed:>8,.0f} events/s, {cpu / len(events) * 1e6:5.0f} µs CPU/event"


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", nargs="?", const=PG_DEFAULT, default=PG_DEFAULT)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-copy", action="store_true", help="PostgreSQL: executemany")
    args = parser.parse_args()
    if args.no_copy:

        async def executemany(conn, table, columns, rows):  # type: ignore[no-untyped-def]
            await conn.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])

        dialect._copy = executemany  # type: ignore[assignment]
    events = traffic(EVENTS)
    print(f"{len(events):,} events, {len({e.session_id for e in events}):,} sessions")
    for batch in (2000, 20):
        sample = events if batch >= 2000 else events[: EVENTS // 10]
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            rate = asyncio.run(run(url, sample, batch))
            print(f"  sqlite      batch {batch:>5}: {rate}")
        if args.no_postgres:
            continue
        name = f"pulse_bench_{secrets.token_hex(4)}"
        asyncio.run(_admin(args.postgres, f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(False)
            upgrade(url)
            rate = asyncio.run(run(url, sample, batch))
            copy = not args.no_copy and batch >= dialect.COPY_MIN_ROWS
            how = "events by COPY" if copy else "events by executemany"
            print(f"  postgresql  batch {batch:>5}: {rate} ({how})")
        finally:
            asyncio.run(_admin(args.postgres, f'DROP DATABASE "{name}" WITH (FORCE)'))
    hot = live(EVENTS + 10_000)
    for batch, warm, sample in ((2000, [], hot[:EVENTS]), (20, hot[:10_000], hot[10_000:][:2000])):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            rate = asyncio.run(run(url, sample, batch, warm))
            print(f"  sqlite live batch {batch:>5}: {rate}")


if __name__ == "__main__":
    main()
