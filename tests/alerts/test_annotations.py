"""Annotations over HTTP: a local date (a DST day is 23 hours), a range of dates, a time range;
listing by dates overlapping; removal; 400s naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from app.settings import Settings
from tests.conftest import add_sites

SITE = "berlin.example"
BASE = f"/api/v1/sites/{SITE}/annotations"


@pytest.fixture
async def berlin(migrated: Settings) -> None:
    await add_sites(migrated, SITE, timezone="Europe/Berlin")


async def test_dates_ranges_and_removal(
    client: Any, admin_headers: dict[str, str], berlin: None
) -> None:
    async def add(body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(BASE, json=body, headers=admin_headers)
        assert response.status_code == 201, await response.get_json()
        note: dict[str, Any] = await response.get_json()
        return note

    launch = await add({"text": "Launch", "date": "2026-03-29"})  # spring forward in Berlin
    assert launch["start"] == "2026-03-28T23:00:00Z" and launch["end"] == "2026-03-29T22:00:00Z"
    assert launch["end_ms"] - launch["start_ms"] == 23 * 3_600_000
    week = await add({"text": "Campaign", "date_from": "2026-04-06", "date_to": "2026-04-12"})
    assert (week["start"], week["end"]) == ("2026-04-05T22:00:00Z", "2026-04-12T22:00:00Z")
    outage = await add({"text": "Outage", "start": "2026-05-01T10:00:00+02:00",
                        "end": "2026-05-01T10:45:00+02:00"})  # fmt: skip
    assert outage["start"] == "2026-05-01T08:00:00Z" and outage["alert_id"] is None

    async def listed(query: str = "") -> list[str]:
        body = await (await client.get(f"{BASE}{query}", headers=admin_headers)).get_json()
        return [n["text"] for n in body["annotations"]]

    assert await listed() == ["Launch", "Campaign", "Outage"]
    assert await listed("?from=2026-04-12&to=2026-04-30") == ["Campaign"]  # overlapping
    assert await listed("?from=2026-04-13") == ["Outage"]
    gone = await client.delete(f"{BASE}/{week['id']}", headers=admin_headers)
    assert gone.status_code == 204
    assert await listed() == ["Launch", "Outage"]
    again = await client.delete(f"{BASE}/{week['id']}", headers=admin_headers)
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("text", "body"),
        ({"date": "2026-01-01"}, "text"),
        ({"text": "", "date": "2026-01-01"}, "text"),
        ({"text": "x" * 1001, "date": "2026-01-01"}, "text"),
        ({"text": "x"}, "date"),
        ({"text": "x", "date": "2026-13-01"}, "date"),
        ({"text": "x", "date": "2026-01-01", "end": 5}, "end"),
        ({"text": "x", "date_from": "2026-01-02", "date_to": "2026-01-01"}, "date_to"),
        ({"text": "x", "date_from": "2026-01-02"}, "date_to"),
        ({"text": "x", "start": "2026-01-01T10:00:00"}, "start"),  # no offset
        ({"text": "x", "start": 10, "end": 5}, "end"),
        ({"text": "x", "date": "2026-01-01", "colour": "red"}, "colour"),
    ],
)
async def test_bad_annotations_are_400s_naming_the_field(
    client: Any, admin_headers: dict[str, str], berlin: None, body: Any, field: str
) -> None:
    response = await client.post(BASE, json=body, headers=admin_headers)
    assert response.status_code == 400
    assert (await response.get_json())["field"] == field


async def test_a_bad_listing_date_is_a_400(
    client: Any, admin_headers: dict[str, str], berlin: None
) -> None:
    response = await client.get(f"{BASE}?from=yesterday", headers=admin_headers)
    assert (response.status_code, (await response.get_json())["field"]) == (400, "from")
