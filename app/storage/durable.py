"""Making a batch durable, on the writer's thread: the transaction, retried with backoff, else
the fsynced spill file (replayed exactly once at the next start). Either way the batch is on
disk when this returns, and only then are its requests answered 202."""

from __future__ import annotations

import asyncio
import logging
import time
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from app.storage import spill
from app.storage.batch import BatchRows, write_rows

log = logging.getLogger(__name__)
# Upper bounds (seconds) of the flush-latency histogram /metrics exposes (app/telemetry.py).
FLUSH_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class WriterStats:
    persisted: int = 0
    batches: int = 0
    spilled: int = 0
    last_flush_ms: float = 0.0
    last_error: str | None = None
    deepest: int = 0  # most events ever waiting at once (the bound is the ceiling)
    # Durable flushes per FLUSH_BUCKETS_S slot (the last slot: slower than every bound), and
    # their summed seconds. Written on the writer thread, copied by a scrape.
    flush_counts: list[int] = field(default_factory=lambda: [0] * (len(FLUSH_BUCKETS_S) + 1))
    flush_seconds: float = 0.0

    def observe_flush(self, seconds: float) -> None:
        self.flush_counts[bisect_left(FLUSH_BUCKETS_S, seconds)] += 1
        self.flush_seconds += seconds


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
        elapsed = time.perf_counter() - started
        stats.last_flush_ms = elapsed * 1000
        stats.observe_flush(elapsed)
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
