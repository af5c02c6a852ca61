"""Every report body, byte for byte, as recorded before the read side was refactored
(tests/queries/golden.py): on the path the planner picks and on each path it can be forced to."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.ingest.geo import GeoLookup
from app.queries import planner
from app.settings import Settings
from tests.conftest import make_token
from tests.queries import golden


@contextmanager
def forced(path_name: str) -> Iterator[None]:
    """Every report on one read path: "auto" (as the planner chooses), "columns" (sealed
    columns and open rows, never rollups), "sql" (the scan)."""
    with planner.forced(None if path_name == "auto" else path_name):
        yield


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, geo: GeoLookup) -> Settings:
    """The demo database, built once for the module (~20 s) in its own event loop."""
    return asyncio.run(golden.build(tmp_path_factory.mktemp("golden"), geo))


@pytest.mark.parametrize("path_name", golden.PATHS)
async def test_bodies_equal_the_recorded(built: Settings, geo: GeoLookup, path_name: str) -> None:
    want = golden.load()
    headers = {"Authorization": f"Bearer {await make_token(built)}"}
    async with golden.serving(built, geo) as app:
        with forced(path_name):
            got = await golden.bodies(app, headers)
    assert sorted(got) == sorted(want)
    differing = [key for key in want if got[key] != want[key]]
    assert not differing, f"{len(differing)} bodies differ, first: {differing[:3]}"


def test_the_golden_file_is_small_and_covers_every_report() -> None:
    assert (Path(golden.STORE) / "bodies.json.gz").stat().st_size < 1 << 20
    want = golden.load()
    statuses = [body.split(" ", 1)[0] for body in want.values()]
    assert statuses.count("400") == 4  # the bad-input requests
    for route in ("summary", "timeseries", "timeseries.csv", "breakdown", "flows", "funnel"):
        assert any(f"/{route}" in key for key in want), route


async def test_copy_to_postgresql_answers_every_report_the_same(
    built: Settings, geo: GeoLookup, tmp_path: Path
) -> None:
    """`pulse copy` moves the demo database to an empty PostgreSQL database: cut short half-way
    and run again, it resumes and ends with every table's rows counted equal, and every recorded
    report answers the same bytes from PostgreSQL. A target holding data is refused."""
    from dataclasses import replace

    from app.copy import CopyError, Progress, copy_database
    from tests.backends import PostgresDatabase, require_postgres

    class CutShort(Progress):
        def update(self, n: int, note: str) -> None:
            if note.strip() == "sessions":
                raise KeyboardInterrupt  # the operator's ^C half-way
            super().update(n, note)

    require_postgres()
    target = PostgresDatabase().create(migrate=False)
    log = (tmp_path / "progress").open("w")
    try:
        with pytest.raises(KeyboardInterrupt):
            await copy_database(built.database_url, target.url, CutShort(0, log))
        assert target.rows("SELECT count(*) AS n FROM sessions")[0]["n"] == 0
        assert target.rows("SELECT count(*) AS n FROM _pulse_copy")[0]["n"] > 0
        counts = await copy_database(built.database_url, target.url, Progress(0, log))
        assert counts["events"] > 10_000 and counts["sessions"] > 1_000
        assert target.rows("SELECT to_regclass('_pulse_copy') AS t")[0]["t"] is None
        on_pg = replace(built, database_url=target.url)
        headers = {"Authorization": f"Bearer {await make_token(on_pg)}"}
        want = golden.load()
        async with golden.serving(on_pg, geo) as app:
            got = await golden.bodies(app, headers)
        differing = [key for key in want if got[key] != want[key]]
        assert not differing, f"{len(differing)} bodies differ on PostgreSQL: {differing[:3]}"
        with pytest.raises(CopyError, match="already holds data"):
            await copy_database(built.database_url, target.url, Progress(0, log))
    finally:
        log.close()
        target.drop()
