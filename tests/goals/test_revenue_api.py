"""Revenue over HTTP: Pulse's tracker (`revenue: {amount, currency}`), Plausible's `$` and
Umami's `revenue`/`currency` data all land in the goal report's revenue and the goal-filtered
breakdown's total_revenue / average_revenue, summed exactly per currency; a bad revenue from
Pulse's own wire is a 400 naming the field, from the drop-in endpoints it is ignored."""

from __future__ import annotations

import json
from typing import Any

from tests.backends import Database
from tests.conftest import FIREFOX, SITE, wait_for_rows

BASE = f"/api/v1/sites/{SITE}"
HEADERS = {"User-Agent": FIREFOX}
GOOGLE = "https://www.google.com/"


async def _pulse(client: Any, visitor: str, extra: dict[str, Any]) -> Any:
    body = {"url": f"https://{SITE}/checkout", "visitor_id": visitor, **extra}
    return await client.post("/api/collect", json=body, headers=HEADERS)


async def _plausible(client: Any, body: dict[str, Any]) -> Any:
    data = json.dumps({"u": f"https://{SITE}/checkout", "d": SITE, **body}).encode()
    return await client.post(
        "/api/event", data=data, headers={"Content-Type": "text/plain", **HEADERS}
    )


async def _umami(client: Any, data: dict[str, Any]) -> Any:
    payload = {"website": SITE, "hostname": SITE, "url": "/checkout", "name": "Purchase"}
    body = json.dumps({"type": "event", "payload": {**payload, "data": data}}).encode()
    return await client.post(
        "/api/send", data=body, headers={"Content-Type": "application/json", **HEADERS}
    )


async def test_every_tracker_s_revenue_lands_exactly_per_currency(
    client: Any, db: Database, admin_headers: dict[str, str]
) -> None:
    sends = [
        # Pulse's tracker: a Google visitor's page view, then two purchases (0.1 + 0.2 exact).
        _pulse(client, "p1", {"referrer": GOOGLE}),
        _pulse(client, "p1", {"event_type": "Purchase",
                              "revenue": {"amount": "0.1", "currency": "eur"}}),
        _pulse(client, "p1", {"event_type": "Purchase",
                              "revenue": {"amount": 0.2, "currency": "EUR"}}),
        # Plausible's `$` (an object) and `revenue` (JSON text); a bad one is ignored.
        _plausible(client, {"n": "Purchase", "$": {"amount": "10.29", "currency": "USD"}}),
        _plausible(client, {"n": "Purchase",
                            "revenue": json.dumps({"amount": 1999, "currency": "JPY"})}),
        _plausible(client, {"n": "Purchase", "$": {"amount": "lots", "currency": "USD"}}),
        # Umami's revenue data.
        _umami(client, {"revenue": 19.99, "currency": "usd", "sku": "A1"}),
        _umami(client, {"revenue": "x", "currency": "USD"}),  # ignored: not a number
        _pulse(client, "p2", {"event_type": "Purchase"}),  # a purchase without revenue
        # Revenue rides on custom events only: a page view's is not kept.
        _pulse(client, "p3", {"revenue": {"amount": "5", "currency": "EUR"}}),
    ]  # fmt: skip
    for pending in sends:
        assert (await pending).status_code in (200, 202)  # Umami answers 200
    await wait_for_rows(db, len(sends))
    created = await client.post(
        f"{BASE}/goals", json={"name": "Purchase", "event": "Purchase"}, headers=admin_headers
    )
    assert created.status_code == 201
    report = await (await client.get(f"{BASE}/goals/report?range=24h")).get_json()
    [row] = report["results"]
    assert row["events"] == 8
    assert row["revenue"] == [
        {"currency": "EUR", "total": "0.3", "average": "0.15", "events": 2},
        {"currency": "JPY", "total": "1999", "average": "1999.00", "events": 1},
        {"currency": "USD", "total": "30.28", "average": "15.14", "events": 2},
    ]
    # The goal filter's breakdown: each row's revenue, and the totals' across all rows.
    url = f"{BASE}/breakdown/source?range=24h&filter=goal==Purchase"
    sources = await (await client.get(url)).get_json()
    by_source = {r["value"]: (r["total_revenue"], r["average_revenue"])
                 for r in sources["results"]}  # fmt: skip
    assert by_source["Google"] == ({"EUR": "0.3"}, {"EUR": "0.15"})
    assert by_source["Direct"] == ({"JPY": "1999", "USD": "30.28"},
                                   {"JPY": "1999.00", "USD": "15.14"})  # fmt: skip
    assert sources["totals"]["total_revenue"] == {"EUR": "0.3", "JPY": "1999", "USD": "30.28"}
    # Stored exactly as canonical decimal text.
    stored = db.rows("SELECT revenue_amount, revenue_currency FROM events ORDER BY id")
    assert {(r[0], r[1]) for r in stored if r[0]} == {
        ("0.1", "EUR"), ("0.2", "EUR"), ("10.29", "USD"), ("1999", "JPY"), ("19.99", "USD")
    }  # fmt: skip
    # No revenue without a positive goal filter.
    plain = await (await client.get(f"{BASE}/breakdown/source?range=24h")).get_json()
    assert all("total_revenue" not in r for r in plain["results"])


async def test_a_bad_revenue_on_pulse_s_wire_is_400_naming_the_field(client: Any) -> None:
    cases: list[tuple[Any, str]] = [
        ("12", "revenue"),
        ({"amount": "lots", "currency": "EUR"}, "revenue.amount"),
        ({"amount": True, "currency": "EUR"}, "revenue.amount"),
        ({"amount": "1.0000001", "currency": "EUR"}, "revenue.amount"),  # 7 decimals
        ({"amount": "1e15", "currency": "EUR"}, "revenue.amount"),
        ({"amount": "NaN", "currency": "EUR"}, "revenue.amount"),
        ({"amount": 5}, "revenue.currency"),
        ({"amount": 5, "currency": "EURO"}, "revenue.currency"),
    ]
    for raw, field in cases:
        response = await _pulse(client, "v", {"event_type": "Purchase", "revenue": raw})
        assert response.status_code == 400, raw
        assert (await response.get_json())["field"] == field, raw
    batch = [{"url": f"https://{SITE}/"}, {"url": f"https://{SITE}/", "revenue": {"amount": 1}}]
    response = await client.post("/api/collect", json=batch, headers=HEADERS)
    assert response.status_code == 400
    assert (await response.get_json())["field"] == "[1].revenue.currency"
