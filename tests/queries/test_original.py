"""The original system's /api/analytics/stats and /sankey: their shapes, and numbers equal to
the /api/v1 answers over the same period."""

from __future__ import annotations

from quart import Quart
from quart.typing import TestClientProtocol

from app.clock import FakeClock
from tests.backends import Database
from tests.conftest import FIREFOX, SITE, wait_for_rows


async def _send(client: TestClientProtocol, visitor: str, path: str, referrer: str | None) -> None:
    body = {"url": f"https://{SITE}{path}", "visitor_id": visitor, "referrer": referrer}
    response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    assert response.status_code == 202


async def _traffic(client: TestClientProtocol, clock: FakeClock, db: Database) -> None:
    await _send(client, "a", "/", "https://www.google.com/")
    clock.advance(seconds=90)
    await _send(client, "a", "/pricing", None)
    await _send(client, "b", "/", None)
    await _send(client, "c", "/docs", "https://github.com/x/y")
    await wait_for_rows(db, 4)


async def test_stats_shape_and_numbers(
    client: TestClientProtocol, clock: FakeClock, db: Database
) -> None:
    await _traffic(client, clock, db)
    for time_range in ("24h", "7d", "30d", "all"):
        got = await (
            await client.get(f"/api/analytics/stats?site={SITE}&time_range={time_range}")
        ).get_json()
        assert got["total_pageviews"] == 4 and got["unique_visitors"] == 3, time_range
        assert got["total_sessions"] == 3 and got["bounce_rate"] == 66.7
        assert got["avg_session_duration"] == 30.0  # (90 + 0 + 0) s / 3 sessions
        assert got["top_pages"][0] == {"url": "/", "views": 2}
        referrers = {r["referrer"]: r["count"] for r in got["top_referrers"]}
        assert referrers == {"google.com": 1, "github.com": 1}
        assert sum(d["pageviews"] for d in got["daily_stats"]) == 4
        assert all(len(d["date"]) == 10 for d in got["daily_stats"])
    week = await (await client.get(f"/api/analytics/stats?site={SITE}")).get_json()
    assert len(week["daily_stats"]) == 7 and week["time_range"] == "7d"
    v1 = await (await client.get(f"/api/v1/sites/{SITE}/summary?range=7d")).get_json()
    assert v1["metrics"]["visitors"]["value"] == week["unique_visitors"]


async def test_stats_from_sealed_hours(
    app: Quart, client: TestClientProtocol, clock: FakeClock, db: Database
) -> None:
    """Once its hour is sealed as columns, the session duration comes from them: the same."""
    await _traffic(client, clock, db)
    clock.advance(minutes=180)
    assert await app.extensions["pulse"].seal_pending() == 1
    got = await (await client.get(f"/api/analytics/stats?site={SITE}&time_range=24h")).get_json()
    assert got["avg_session_duration"] == 30.0 and got["total_sessions"] == 3


async def test_sankey_shape(client: TestClientProtocol, clock: FakeClock, db: Database) -> None:
    await _traffic(client, clock, db)
    got = await (await client.get(f"/api/analytics/sankey?site={SITE}&depth=2")).get_json()
    names = {n["name"] for n in got["nodes"]}
    assert {"0:Google", "1:/", "2:/pricing", "3:(exit)", "2:(exit)"} <= names
    assert all(k["source"] in names and k["target"] in names for k in got["links"])
    assert {"source": "1:/", "target": "2:/pricing", "value": 1} in got["links"]
    assert sum(n["value"] for n in got["nodes"] if n["step"] == 0) == 3


async def test_original_bad_parameters(client: TestClientProtocol) -> None:
    cases = {
        "stats": (400, "site"),
        f"stats?site={SITE}&time_range=1y": (400, "time_range"),
        f"sankey?site={SITE}&depth=99": (400, "depth"),
        f"sankey?site={SITE}&filter=x": (400, "filter"),
        "stats?site=nowhere.example": (404, "site"),
    }
    for query, (status, field) in cases.items():
        response = await client.get(f"/api/analytics/{query}")
        assert response.status_code == status, query
        assert (await response.get_json())["field"] == field, query
