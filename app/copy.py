"""`pulse copy --to postgresql://...`: move a grown SQLite install to PostgreSQL, every table,
history included.

1. The target is migrated to this release's schema (the same Alembic revisions), and must hold
   no data: only what the migrations seed themselves (`app_secrets`), which is replaced by the
   source's own so share links and cookies signed before the move stay valid.
2. Each table is copied in one target transaction (COPY, in batches read from a consistent
   snapshot of the source) that also notes the table as done in `_pulse_copy`, a bookkeeping
   table of the copy's own: a run cut short leaves whole tables and untouched ones, and running
   the command again resumes after the tables noted done. The note is dropped when the copy
   ends equal, so a finished target is refused like any database holding data.
3. Sequences of auto-numbered keys continue after the copied rows.
4. At the end every table's row count is compared on both sides; any difference is an error.

Stop the server (or accept that events arriving during the copy stay in the SQLite file only),
then point `PULSE_DATABASE_URL` at PostgreSQL and start it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.progress import Progress
from app.settings import Settings, normalise_database_url, sqlite_path
from app.storage.database import create_engine
from app.storage.dialect import bulk_insert
from app.storage.tables import metadata

BATCH_ROWS = 5_000
SEEDED = frozenset({"app_secrets"})  # written by a migration: replaced by the source's rows
PROGRESS_TABLE = "_pulse_copy"


class CopyError(Exception):
    """A copy that cannot start or did not end equal; the message says why."""


async def _count(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def copy_database(
    source_url: str, target_url: str, progress: Progress | None = None
) -> dict[str, int]:
    """Copy every table; the row counts, equal on both sides."""
    from app.migrate import upgrade

    await asyncio.to_thread(upgrade, target_url)
    source, target = create_engine(source_url), create_engine(target_url)
    try:
        return await _copy_all(source, target, progress)
    finally:
        await source.dispose()
        await target.dispose()


async def _copy_all(
    source: AsyncEngine, target: AsyncEngine, progress: Progress | None
) -> dict[str, int]:
    tables = metadata.sorted_tables
    async with source.connect() as src:
        await src.execute(text("BEGIN"))  # one snapshot for the counts and every read
        counts = {t.name: await _count(src, t) for t in tables}
        done = await _resume_point(target, tables)
        bar = progress or Progress(sum(counts.values()))
        for table in tables:
            if table.name in done:
                bar.update(counts[table.name], f"{table.name:<20}")  # copied by an interrupted run
                continue
            await _copy_table(src, target, table, bar)
        bar.close()
    async with target.begin() as dst:
        copied = {t.name: await _count(dst, t) for t in tables}
        differ = {name: (counts[name], n) for name, n in copied.items() if n != counts[name]}
        if differ:
            raise CopyError(f"row counts differ after the copy (source, target): {differ}")
        await dst.execute(text(f"DROP TABLE {PROGRESS_TABLE}"))
    return counts


async def _resume_point(target: AsyncEngine, tables: Sequence[Table]) -> set[str]:
    """The tables an interrupted run finished; for a new copy, an empty target (else refused)
    gains the bookkeeping table."""
    async with target.begin() as dst:
        exists = await dst.execute(text(f"SELECT to_regclass('{PROGRESS_TABLE}') IS NOT NULL"))
        if exists.scalar_one():
            found = await dst.execute(text(f"SELECT name FROM {PROGRESS_TABLE}"))
            return {str(name) for (name,) in found}
        holding = [t.name for t in tables if t.name not in SEEDED and await _count(dst, t)]
        if holding:
            raise CopyError(
                f"the target database already holds data (tables {', '.join(holding)}): "
                "copy into an empty database"
            )
        await dst.execute(text(f"CREATE TABLE {PROGRESS_TABLE} (name TEXT PRIMARY KEY)"))
    return set()


async def _copy_table(
    src: AsyncConnection, target: AsyncEngine, table: Table, bar: Progress
) -> None:
    columns = [c.name for c in table.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    async with target.begin() as dst:
        await dst.execute(delete(table))  # a seeded table, or nothing
        batch: list[Sequence[Any]] = []
        result = await src.stream(select(table).order_by(*order))
        async for row in result:
            batch.append(tuple(row))
            if len(batch) >= BATCH_ROWS:
                await bulk_insert(dst, table, columns, batch)
                bar.update(len(batch), f"{table.name:<20}")
                batch = []
        if batch:
            await bulk_insert(dst, table, columns, batch)
            bar.update(len(batch), f"{table.name:<20}")
        await _continue_sequences(dst, table)
        done = text(f"INSERT INTO {PROGRESS_TABLE} (name) VALUES (:name)")
        await dst.execute(done, {"name": table.name})


async def _continue_sequences(dst: AsyncConnection, table: Table) -> None:
    if dst.dialect.name != "postgresql":
        return
    for column in table.primary_key.columns:
        if column.autoincrement is True:
            await dst.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"COALESCE((SELECT max({column.name}) FROM {table.name}), 0) + 1, false)"
                )
            )


def cmd_copy(args: argparse.Namespace, settings: Settings) -> int:
    if sqlite_path(settings.database_url) is None:
        print("pulse copy: the source (PULSE_DATABASE_URL) must be a SQLite file", file=sys.stderr)
        return 2
    target = normalise_database_url(args.to)
    if not target.startswith("postgresql"):
        print("pulse copy: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    try:
        counts = asyncio.run(copy_database(settings.database_url, target))
    except CopyError as exc:
        print(f"pulse copy: {exc}", file=sys.stderr)
        return 1
    print(
        f"copied {sum(counts.values()):,} rows in {len(counts)} tables; counts equal on both sides"
    )
    for name, n in counts.items():
        print(f"  {name:<20} {n:>12,}")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    copy = sub.add_parser("copy", help="copy every table of this SQLite database to PostgreSQL")
    copy.add_argument("--to", required=True, help="postgresql://user@host/db (an empty database)")
    copy.set_defaults(run=cmd_copy)
