"""A failing database: retries, then the spill file; replayed exactly once at the next start."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from quart import Quart
from sqlalchemy.exc import OperationalError

from app.storage import spill
from app.storage.batch import BatchRows
from tests.api.test_collect import event, post
from tests.backends import Database
from tests.conftest import rows


async def _broken_write(conn: object, batch: BatchRows) -> None:
    raise OperationalError("INSERT INTO events ...", None, Exception("disk I/O error"))


async def _until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


async def test_spilled_events_are_replayed_once(
    make_app: Callable[..., Quart],
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    admin_headers: dict[str, str],
) -> None:
    spill_file = tmp_path / "pulse.spill"
    failing = make_app()
    writer = failing.extensions["pulse"].writer
    writer.retry_delays = (0.01, 0.02)
    monkeypatch.setattr("app.storage.durable.write_rows", _broken_write)
    async with failing.test_app():
        client = failing.test_client()
        assert (await post(client, [event() for _ in range(5)])).status_code == 202
        assert (await post(client, [event() for _ in range(2)])).status_code == 202
        await _until(lambda: writer.stats.spilled == 7)
        ready = await (await client.get("/readyz", headers=admin_headers)).get_json()
        assert "disk I/O error" in ready["writer"]["last_error"]
        assert ready["writer"]["spilled"] == 7
    assert spill_file.exists() and rows(db) == []
    saved = tmp_path / "copy.spill"
    shutil.copy(spill_file, saved)
    monkeypatch.undo()

    async with make_app().test_app():
        pass
    assert len(rows(db)) == 7
    assert not spill_file.exists()

    # A crash after the replay committed but before the file was removed: not replayed again.
    shutil.copy(saved, spill_file.with_name("pulse.spill.replaying"))
    async with make_app().test_app():
        pass
    assert len(rows(db)) == 7
    assert not spill_file.with_name("pulse.spill.replaying").exists()


def test_a_torn_last_record_keeps_the_complete_batches(tmp_path: Path) -> None:
    path = tmp_path / "s.spill"
    spill.append(path, BatchRows(events=[{"a": 1}]))
    spill.append(path, BatchRows(events=[{"a": 2}, {"a": 3}]))
    data = path.read_bytes()
    batches = spill.read_batches(data[:-3])
    assert [len(b.events) for b in batches] == [1]
    assert [len(b.events) for b in spill.read_batches(data)] == [1, 2]


def test_a_spill_row_from_before_the_revenue_fields_is_padded() -> None:
    """A spill file written by the release before 0018 holds event rows without the revenue
    fields: replayed, they read as no revenue instead of failing the insert."""
    from app.events import EVENT_FIELDS
    from app.storage.batch import BatchRows

    short = list(range(len(EVENT_FIELDS) - 2))
    [row] = BatchRows.from_dict({"events": [short]}).events
    assert len(row) == len(EVENT_FIELDS) and row[-2:] == [None, None] and row[:3] == [0, 1, 2]
