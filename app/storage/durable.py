"""Making a batch durable, on the writer's thread: the transaction, retried with backoff, else
the fsynced spill file (replayed exactly once at the next start). Either way the batch is on
disk when this returns, and only then are its requests answered 202."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from app.storage import spill
from app.storage.batch import BatchRows, write_rows

log = logging.getLogger(__name__)


@dataclass
class WriterStats:
    persisted: int = 0
    batches: int = 0
    spilled: int = 0
    last_flush_ms: float = 0.0
    last_error: str | None = None
    deepest: int = 0  # most events ever waiting at once (the bound is the ceiling)


async def write_durably(
    engine: AsyncEngine,
    rows: BatchRows,
    stats: WriterStats,
    spill_path: Path,
    retry_delays: Sequence[float],
) -> None:
    """Raises only when neither the database nor the spill file took the rows."""
    started = time.perf_counter()
    if await write_with_retries(engine, rows, stats, retry_delays):
        stats.persisted += len(rows.events)
        stats.batches += 1
        stats.last_flush_ms = (time.perf_counter() - started) * 1000
        stats.last_error = None
        return
    spill.append(spill_path, rows)  # fsynced before the 202s go out
    stats.spilled += len(rows.events)
    log.error("spilled %d events to %s", len(rows.events), spill_path)


async def write_with_retries(
    engine: AsyncEngine, rows: BatchRows, stats: WriterStats, retry_delays: Sequence[float]
) -> bool:
    for attempt, delay in enumerate((0.0, *retry_delays)):
        if delay:
            await asyncio.sleep(delay)
        try:
            async with engine.begin() as conn:
                await write_rows(conn, rows)
            return True
        except Exception as exc:  # any driver error: the batch must not be lost
            stats.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("write attempt %d failed: %s", attempt + 1, stats.last_error)
    return False
