"""Cookieless identity through the real pipeline and the stored salts (issue 6): stable within a
day, carried across midnight only for a visit in progress, different the next day; salts are
made a day ahead, forgotten after 48 hours, and never written to the database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from quart import Quart

from app.clock import FakeClock
from app.ingest.identity import DAY_MS, SaltBook
from app.ingest.salts import SaltKeeper, derived
from app.settings import Settings
from tests.conftest import FIREFOX, add_sites

SITE = "cookieless.example"
MIDNIGHT = 1_767_225_600_000 + DAY_MS  # 2026-01-02T00:00Z


async def visitor(app: Quart, ip: str = "203.0.113.9") -> int:
    rt = app.extensions["pulse"]
    response = await app.test_client().post(
        "/api/collect",
        json={"url": f"https://{SITE}/", "visitor_id": "ignored-in-cookieless-mode"},
        headers={"User-Agent": FIREFOX, "X-Forwarded-For": ip},
    )
    assert (await response.get_json())["accepted"] == 1
    return int(rt.pipeline.identity_last)  # set by the spy below


def spy(app: Quart) -> None:
    """Record the visitor id the pipeline derives, without reaching into storage."""
    pipeline = app.extensions["pulse"].pipeline
    original = pipeline.enrich

    def enrich(*args: object, **kwargs: object) -> object:
        event = original(*args, **kwargs)
        pipeline.identity_last = event.visitor_id
        return event

    pipeline.enrich = enrich


async def test_identity_within_a_day_across_midnight_and_the_next_day(
    migrated: Settings, make_app: Callable[..., Quart], clock: FakeClock
) -> None:
    await add_sites(migrated, SITE, identity_mode="cookieless")
    clock.set(MIDNIGHT - 2 * 3_600_000)  # 22:00
    app = make_app(trusted_proxy_hops=1)
    async with app.test_app():
        spy(app)
        first = await visitor(app)
        clock.advance(minutes=50)  # 22:50, same day: same visitor
        assert await visitor(app) == first
        assert await visitor(app, ip="203.0.113.10") != first  # another person
        clock.advance(minutes=20)  # 23:10
        await visitor(app)
        clock.advance(minutes=28)  # 23:38
        await visitor(app)
        clock.advance(minutes=27)  # 00:05 next day, the visit goes on: still the same
        assert await visitor(app) == first
        clock.advance(minutes=10 * 60)  # 10:05, a new visit on the new day: a new visitor
        later = await visitor(app)
        assert later != first
        clock.advance(minutes=30)
        assert await visitor(app) == later


async def test_salts_are_made_ahead_and_forgotten_after_48_hours() -> None:
    book = SaltBook()
    keeper = SaltKeeper(book)
    day = MIDNIGHT // DAY_MS
    await keeper.refresh(MIDNIGHT + 1000)
    assert set(book.salts) == {day, day + 1}
    secret_today = book.salts[day]
    await keeper.refresh(MIDNIGHT + DAY_MS + 1000)
    assert set(book.salts) == {day, day + 1, day + 2}  # yesterday kept for midnight visits
    assert book.salts[day] == secret_today  # never regenerated
    await keeper.refresh(MIDNIGHT + 2 * DAY_MS + 1000)
    assert set(book.salts) == {day + 1, day + 2, day + 3}


async def test_no_salt_is_in_the_database_file(
    migrated: Settings, make_app: Callable[..., Quart], clock: FakeClock, db_path: Path
) -> None:
    """A copy of the database alone cannot brute-force a cookieless visitor's IP."""
    if not migrated.database_url.startswith("sqlite"):
        pytest.skip("reads the SQLite file's bytes")
    await add_sites(migrated, SITE, identity_mode="cookieless")
    clock.set(MIDNIGHT + 3_600_000)
    app = make_app(trusted_proxy_hops=1)
    async with app.test_app():
        await visitor_row(app)
        salts = list(app.extensions["pulse"].identity.salts.salts.values())
    assert len(salts) == 2
    stored = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert stored and not any(salt in stored for salt in salts)


async def test_a_salt_secret_keeps_visitors_across_a_restart_and_memory_does_not(
    migrated: Settings, make_app: Callable[..., Quart], clock: FakeClock
) -> None:
    await add_sites(migrated, SITE, identity_mode="cookieless")
    clock.set(MIDNIGHT + 3_600_000)

    async def two_runs(**options: str) -> tuple[int, int]:
        ids = []
        for _ in range(2):  # two processes' lives on one day
            app = make_app(trusted_proxy_hops=1, **options)
            async with app.test_app():
                spy(app)
                ids.append(await visitor(app))
            clock.advance(minutes=5)
        return ids[0], ids[1]

    before, after = await two_runs(salt_secret="an operator's secret, kept apart")
    assert before == after
    before, after = await two_runs()  # no secret: the restart forgot the day's salt
    assert before != after
    assert derived("x", 1) == derived("x", 1) != derived("x", 2) != derived("y", 2)


async def visitor_row(app: Quart) -> None:
    response = await app.test_client().post(
        "/api/collect",
        json={"url": f"https://{SITE}/"},
        headers={"User-Agent": FIREFOX, "X-Forwarded-For": "203.0.113.9"},
    )
    assert (await response.get_json())["accepted"] == 1
