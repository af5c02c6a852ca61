"""The period parameters over HTTP on a fake clock: every range and interval, partial periods
compared with the same elapsed span, compare=year, and their OpenAPI enums."""

from __future__ import annotations

import pytest
from quart.typing import TestClientProtocol

from app.clock import FakeClock
from app.queries.period import INTERVALS, RANGES
from tests.backends import Database
from tests.conftest import FIREFOX, SITE, wait_for_rows

BASE = f"/api/v1/sites/{SITE}"
HOUR = 3_600_000
NOW = 1_768_397_400_000  # 2026-01-14T13:30Z, a Wednesday (the site's zone is UTC)
WEEK_BEFORE = NOW - 7 * 24 * HOUR


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


async def _visit(client: TestClientProtocol, clock: FakeClock, at_ms: int, visitor: str) -> None:
    clock.set(at_ms)
    body = {"url": f"https://{SITE}/", "visitor_id": visitor}
    response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    assert response.status_code == 202
    clock.set(NOW)


async def _traffic(client: TestClientProtocol, clock: FakeClock, db: Database) -> None:
    await _visit(client, clock, NOW - HOUR, "now")  # today, 12:30
    await _visit(client, clock, WEEK_BEFORE - 3 * HOUR, "early")  # a week ago, 10:30
    await _visit(client, clock, WEEK_BEFORE + 6 * HOUR, "late")  # a week ago, 19:30
    await wait_for_rows(db, 3)


async def test_a_partial_week_is_compared_with_the_same_elapsed_span(
    client: TestClientProtocol, clock: FakeClock, db: Database
) -> None:
    await _traffic(client, clock, db)
    summary = await (await client.get(f"{BASE}/summary?range=7d")).get_json()
    assert summary["period"]["partial"] is True and summary["period"]["until_ms"] == NOW
    # The week before stops at 13:30 too: 10:30 is in it, 19:30 is not (it would be a red arrow).
    assert summary["previous_period"]["end_ms"] == WEEK_BEFORE
    assert summary["metrics"]["visitors"] == {"value": 1, "previous": 1, "change": 0.0}
    series = await (await client.get(f"{BASE}/timeseries?range=7d&compare=previous")).get_json()
    assert [p["partial"] for p in series["points"]] == [False] * 6 + [True]
    assert len(series["previous"]["points"]) == 7
    assert sum(p["sessions"] for p in series["previous"]["points"]) == 1
    whole = await (await client.get(f"{BASE}/summary?range=yesterday")).get_json()
    assert whole["period"]["partial"] is False and whole["period"]["until_ms"] is None


async def test_compare_year_and_the_all_range(
    client: TestClientProtocol, clock: FakeClock, db: Database
) -> None:
    await _traffic(client, clock, db)
    yearly = await (await client.get(f"{BASE}/summary?range=month&compare=year")).get_json()
    assert yearly["previous_period"]["from"] == "2025-01-01T00:00:00+00:00"
    assert yearly["previous_period"]["end_ms"] == NOW - 365 * 24 * HOUR
    everything = await (await client.get(f"{BASE}/summary?range=all")).get_json()
    assert everything["period"]["from"] == "2026-01-07T00:00:00+00:00"  # the first session's day
    assert everything["metrics"]["sessions"]["value"] == 3
    weeks = await (await client.get(f"{BASE}/timeseries?range=month&interval=week")).get_json()
    assert [p["bucket"][:10] for p in weeks["points"]] == ["2026-01-01", "2026-01-05", "2026-01-12"]
    assert [p["sessions"] for p in weeks["points"]] == [0, 2, 1]


async def test_compare_with_chosen_days(
    client: TestClientProtocol, clock: FakeClock, db: Database
) -> None:
    await _traffic(client, clock, db)
    days = "compare=custom&compare_from=2026-01-07&compare_to=2026-01-07"
    summary = await (await client.get(f"{BASE}/summary?range=today&{days}")).get_json()
    assert summary["previous_period"]["from"] == "2026-01-07T00:00:00+00:00"
    assert summary["metrics"]["sessions"]["previous"] == 2  # the whole day asked, both visits
    series = await (await client.get(f"{BASE}/timeseries?range=7d&{days}")).get_json()
    assert len(series["previous"]["points"]) == 1  # one day, daily like the current series
    bad = await client.get(f"{BASE}/summary?compare=custom&compare_from=2026-01-07")
    assert (await bad.get_json())["field"] == "compare_from"


async def test_every_range_and_interval_answers_buckets_that_add_up(
    client: TestClientProtocol, clock: FakeClock, db: Database
) -> None:
    await _traffic(client, clock, db)
    custom = "&from=2026-01-01&to=2026-01-20"
    for name in RANGES:
        for interval in ("", *INTERVALS):
            query = f"range={name}{custom if name == 'custom' else ''}&interval={interval}"
            series = await client.get(f"{BASE}/timeseries?{query}")
            if name == "12mo" and interval == "hour":  # 8,000 hours: over the bucket cap
                assert (await series.get_json())["field"] == "interval"
                continue
            assert series.status_code == 200, query
            body = await series.get_json()
            summary = await (await client.get(f"{BASE}/summary?{query}")).get_json()
            total = sum(p["sessions"] for p in body["points"])
            assert total == summary["metrics"]["sessions"]["value"], query
            assert body["period"]["interval"] == (interval or body["period"]["interval"])


async def test_openapi_lists_the_ranges_intervals_and_compares(
    client: TestClientProtocol,
) -> None:
    spec = await (await client.get("/openapi.json")).get_json()
    params = {
        p["name"]: p for p in spec["paths"]["/api/v1/sites/{site}/timeseries"]["get"]["parameters"]
    }
    assert params["range"]["schema"]["enum"] == list(RANGES)
    assert params["interval"]["schema"]["enum"] == ["hour", "day", "week", "month"]
    assert params["compare"]["schema"]["enum"] == ["previous", "year", "custom", "none"]
    assert params["compare_from"]["schema"]["format"] == "date"
