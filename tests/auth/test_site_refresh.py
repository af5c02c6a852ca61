"""`pulse site update|remove` while the server runs (issue 6): the running registry re-reads the
sites table every REFRESH_INTERVAL_S, so a changed rule applies and a removed site's events are
dropped as unknown_site without a restart.

The commands run through the CLI's own code (`app.cli` parser -> `app.sitecli`) on an engine of
their own, as a separate `pulse` process would: nothing tells the app that anything changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from quart import Quart
from sqlalchemy import func, select

from app.cli import build_parser
from app.events import DROP_EXCLUDED_PATH, DROP_UNKNOWN_SITE
from app.settings import Settings
from app.sitecli import run_site_command
from app.sites import registry as site_registry
from app.sites import store as site_store
from app.storage.database import create_engine
from app.storage.tables import metadata
from app.storage.tables import sites as site_table
from tests.conftest import FIREFOX, SITE

REFRESH_S = 0.05  # the default is seconds; the mechanism is the same


async def pulse_site(settings: Settings, *argv: str) -> None:
    args = build_parser().parse_args(["site", *argv])
    assert await run_site_command(args, settings) == 0


async def collect(app: Quart, path: str) -> dict[str, Any]:
    response = await app.test_client().post(
        "/api/collect",
        json={"url": f"https://{SITE}{path}", "visitor_id": "v1"},
        headers={"User-Agent": FIREFOX},
    )
    assert response.status_code == 202
    answer: dict[str, Any] = await response.get_json()
    return answer


async def until_dropped(app: Quart, path: str, reason: str, timeout_s: float = 3.0) -> None:
    """Events for `path` keep being accepted until the refresh lands, then drop with `reason`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        answer = await collect(app, path)
        if answer.get("dropped") == {reason: 1}:
            assert answer["accepted"] == 0
            return
        assert answer["accepted"] == 1, answer  # the old settings, never anything else
        assert asyncio.get_running_loop().time() < deadline, f"{path} still accepted"
        await asyncio.sleep(REFRESH_S / 2)


async def test_cli_update_and_remove_reach_the_running_server(
    migrated: Settings, make_app: Callable[..., Quart], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_registry, "REFRESH_INTERVAL_S", REFRESH_S)
    app = make_app()
    async with app.test_app():
        assert (await collect(app, "/drafts/1"))["accepted"] == 1

        await pulse_site(migrated, "update", SITE, "--excluded-paths", "/drafts/*")
        await until_dropped(app, "/drafts/2", DROP_EXCLUDED_PATH)
        assert (await collect(app, "/pricing"))["accepted"] == 1  # only the rule's paths

        await pulse_site(migrated, "remove", SITE, "--yes")
        await until_dropped(app, "/pricing", DROP_UNKNOWN_SITE)
        assert app.extensions["pulse"].counters.dropped[DROP_UNKNOWN_SITE] == 1


async def test_the_refresh_keeps_the_last_sites_when_the_database_fails(
    make_app: Callable[..., Quart], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_registry, "REFRESH_INTERVAL_S", REFRESH_S)
    app = make_app()
    async with app.test_app():
        registry = app.extensions["pulse"].sites
        calls = 0

        async def broken() -> None:
            nonlocal calls
            calls += 1
            raise OSError("database is locked")

        monkeypatch.setattr(registry, "reload", broken)
        await asyncio.sleep(REFRESH_S * 4)
        assert calls >= 2  # failed, logged, tried again
        assert registry.lookup(SITE) is not None
        assert (await collect(app, "/still-here"))["accepted"] == 1


async def test_removing_a_site_deletes_its_rows_from_every_table(
    migrated: Settings, make_app: Callable[..., Quart]
) -> None:
    """Every table with a site_id column is in SITE_DATA_TABLES, and `pulse site remove`
    empties each of them for the site (SQLite may hand the id to the next site added)."""
    with_site = {t.name for t in metadata.sorted_tables if "site_id" in t.c}
    assert with_site == set(site_store.SITE_DATA_TABLES)
    app = make_app()
    async with app.test_app():
        for path in ("/", "/pricing"):
            await collect(app, path)
    # Shut down: the writer drained, so the rollups, sketches and flows hold the site now.
    before = await _rows_per_table(migrated)
    assert before["events"] == 2 and before["sessions"] == 1
    assert all(before[name] > 0 for name in ("visitor_weeks", "flow_links", "retention_days"))
    await pulse_site(migrated, "remove", SITE, "--yes")
    assert await _rows_per_table(migrated) == dict.fromkeys(before, 0)


async def _rows_per_table(settings: Settings) -> dict[str, int]:
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        site_id = (await conn.execute(select(site_table.c.id))).scalar()
        counts = {}
        for name in site_store.SITE_DATA_TABLES:
            table = metadata.tables[name]
            query = select(func.count()).select_from(table).where(table.c.site_id == site_id)
            counts[name] = (await conn.execute(query)).scalar_one()
    await engine.dispose()
    return counts
