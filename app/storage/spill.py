"""The spill file: where a batch goes when the database keeps refusing it.

Appended as a stream of msgpack maps (one per batch) and fsynced, so an accepted event survives
even a dead database. At the next start the file is replayed exactly once: the replay inserts the
rows and records the file's digest in `spill_replays` in one transaction, so a crash between the
commit and the file's removal cannot replay it twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from pathlib import Path

import msgpack
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.storage.batch import BatchRows, write_rows
from app.storage.tables import spill_replays

log = logging.getLogger(__name__)


def append(path: Path, rows: BatchRows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as fh:
        fh.write(msgpack.packb(rows.as_dict(), use_bin_type=True))
        fh.flush()
        os.fsync(fh.fileno())


def read_batches(data: bytes) -> list[BatchRows]:
    """Every complete batch in the file; a torn last record (crash mid-append) is skipped."""
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
    unpacker.feed(data)
    batches: list[BatchRows] = []
    try:
        for item in unpacker:
            batches.append(BatchRows.from_dict(item))
    except (msgpack.ExtraData, msgpack.FormatError, msgpack.StackError, ValueError) as exc:
        log.error("spill file has a damaged record after %d batches: %s", len(batches), exc)
    return batches


async def replay_all(engine: AsyncEngine, path: Path, now_ms: int) -> int:
    """Replay an interrupted replay first, then the spill file itself; events written."""
    replaying = path.with_name(path.name + ".replaying")
    total = 0
    if await asyncio.to_thread(replaying.exists):
        total += await _replay(engine, replaying, now_ms)
    if await asyncio.to_thread(path.exists):
        await asyncio.to_thread(path.rename, replaying)
        total += await _replay(engine, replaying, now_ms)
    return total


async def _replay(engine: AsyncEngine, replaying: Path, now_ms: int) -> int:
    data = await asyncio.to_thread(replaying.read_bytes)
    digest = hashlib.sha256(data).hexdigest()
    batches = read_batches(data)
    count = sum(len(b.events) for b in batches)
    async with engine.begin() as conn:
        query = select(spill_replays.c.digest).where(spill_replays.c.digest == digest)
        done = await conn.scalar(query)
        if done is None:
            for batch in batches:
                await write_rows(conn, batch)
            await conn.execute(
                insert(spill_replays), {"digest": digest, "events": count, "replayed_at": now_ms}
            )
        else:
            count = 0
    await asyncio.to_thread(replaying.unlink)
    log.warning("replayed spill file %s: %d events", replaying, count)
    return count
