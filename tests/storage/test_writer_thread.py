"""The writer owns a thread, an event loop and a connection of its own: nothing the request
loop does can make it wait except taking the CPU (issue 15). Before, the writer was a task on
the request loop, and every statement it awaited queued behind all the ready handlers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from quart import Quart
from sqlalchemy.ext.asyncio import AsyncEngine

from app.storage.writer import Writer, WriterClosed
from tests.backends import Database
from tests.conftest import rows
from tests.live.conftest import event


async def test_the_writer_commits_while_the_request_loop_is_blocked(
    make_app: Callable[..., Quart], db: Database
) -> None:
    app = make_app()
    async with app.test_app():
        rt = app.extensions["pulse"]
        now = rt.clock.now_ms()
        durable = rt.writer.submit([event(now, visitor) for visitor in range(1, 51)])
        # Block the request loop (as a long report or a burst of handlers would) and look at
        # the database from outside meanwhile: the batch lands without the loop's help.
        deadline, stored = time.monotonic() + 10, 0
        while stored < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
            stored = len(rows(db))
        assert stored == 50
        assert not durable.done()  # its answer waits for the loop, the data did not
        await asyncio.wait_for(durable, 5)
        assert rt.writer.depth == 0 and rt.writer.stats.persisted == 50


async def test_a_full_queue_refuses_at_once_and_a_stopped_writer_refuses_too(
    make_app: Callable[..., Quart], db: Database
) -> None:
    app = make_app(queue_bound=10)
    async with app.test_app():
        writer = app.extensions["pulse"].writer
        now = app.extensions["pulse"].clock.now_ms()
        with pytest.raises(WriterClosed):
            writer.submit([event(now, v) for v in range(1, 12)])  # 11 > 10: nothing queued
        assert writer.depth == 0
        await writer.submit([event(now, v) for v in range(1, 11)])
    with pytest.raises(WriterClosed):
        writer.submit([event(now, 99)])
    assert len(rows(db)) == 10


async def test_a_writer_whose_thread_died_refuses_instead_of_hanging(tmp_path: Path) -> None:
    def no_database() -> AsyncEngine:
        raise OSError("the database directory is gone")

    writer = Writer(no_database, spill_path=tmp_path / "pulse.spill")
    writer.start()
    await asyncio.wait_for(writer.stop(), 5)
    assert not writer.has_room(1)
    with pytest.raises(WriterClosed):
        writer.submit([event(0, 1)])
