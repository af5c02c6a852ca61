"""Cookieless identity through the real pipeline and the stored salts (issue 6): stable within a
day, carried across midnight only for a visit in progress, different the next day; salts are
made a day ahead and deleted after 48 hours."""

from __future__ import annotations

from collections.abc import Callable

from quart import Quart
from sqlalchemy import select

from app.clock import FakeClock
from app.ingest.identity import DAY_MS
from app.settings import Settings
from app.storage import salts
from app.storage.database import create_engine
from app.storage.tables import salts as salts_table
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


async def test_salts_are_made_ahead_and_deleted_after_48_hours(migrated: Settings) -> None:
    engine = create_engine(migrated.database_url)
    day = MIDNIGHT // DAY_MS
    async with engine.begin() as conn:
        book = await salts.load(conn)
        await salts.maintain(conn, book, MIDNIGHT + 1000)
        assert set(book.salts) == {day, day + 1}
        secret_today = book.salts[day]
        await salts.maintain(conn, book, MIDNIGHT + DAY_MS + 1000)
        assert set(book.salts) == {day, day + 1, day + 2}  # yesterday kept for midnight visits
        assert book.salts[day] == secret_today  # never regenerated
        await salts.maintain(conn, book, MIDNIGHT + 2 * DAY_MS + 1000)
        stored = {r.day for r in await conn.execute(select(salts_table.c.day))}
    await engine.dispose()
    assert day not in stored and stored == {day + 1, day + 2, day + 3}
