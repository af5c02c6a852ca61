"""GET /metrics: who may scrape it, and that what it says moves by exactly what was done."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from quart import Quart
from quart.typing import TestClientProtocol

from tests.conftest import FIREFOX, SITE, make_token

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SCRAPE_TOKEN = "scrape-secret-123"


@pytest.fixture
async def app(make_app: Callable[..., Quart]) -> AsyncIterator[Quart]:
    quart_app = make_app(metrics_token=SCRAPE_TOKEN)
    async with quart_app.test_app():
        yield quart_app


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by (name, sorted labels), as the Prometheus text parser reads them."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


async def scrape(client: TestClientProtocol, headers: dict[str, str]) -> dict[Any, float]:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    return samples(await response.get_data(as_text=True))


async def collect(client: TestClientProtocol, n: int, ua: str = FIREFOX) -> None:
    body = [{"url": f"https://{SITE}/p{i}", "visitor_id": "v1"} for i in range(n)]
    response = await client.post("/api/collect", json=body, headers={"User-Agent": ua})
    assert response.status_code == 202


async def test_anonymous_and_read_tokens_get_401(client: TestClientProtocol, migrated: Any) -> None:
    read_token = await make_token(migrated, SITE)
    for token in (None, "wrong", read_token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await client.get("/metrics", headers=headers)
        assert response.status_code == 401, token
        assert "error" in await response.get_json()
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_counters_move_by_exactly_what_was_posted(
    client: TestClientProtocol, admin_headers: dict[str, str]
) -> None:
    scrape_headers = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
    before = await scrape(client, scrape_headers)
    await collect(client, 3)
    await collect(client, 2, ua=GOOGLEBOT)
    after = await scrape(client, admin_headers)  # an admin token may scrape too

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert moved("pulse_ingest_events_accepted_total") == 3
    assert moved("pulse_ingest_events_dropped_total", reason="bot") == 2
    assert moved("pulse_events_persisted_total") == 3  # a 202 is durable: committed already
    assert after[("pulse_writer_queue_depth", ())] == 0
    assert after[("pulse_writer_last_error", ())] == 0
    assert moved("pulse_writer_flush_duration_seconds_count") >= 1
    inf = after[("pulse_writer_flush_duration_seconds_bucket", (("le", "+Inf"),))]
    assert inf == after[("pulse_writer_flush_duration_seconds_count", ())]
    assert after[("pulse_live_sockets_open", ())] == 0
    assert after[("pulse_broker_configured", ())] == 0
    # Requests by route template: two collects, each 202, one label set.
    collect_key = (("method", "POST"), ("route", "/api/collect"), ("status", "202"))
    assert moved("pulse_http_requests_total", **dict(collect_key)) == 2
    assert (
        moved("pulse_http_request_duration_seconds_count", method="POST", route="/api/collect") == 2
    )


async def test_routes_are_templates_and_reports_carry_their_read_path(
    client: TestClientProtocol, admin_headers: dict[str, str]
) -> None:
    await collect(client, 1)
    for _ in range(2):
        response = await client.get(f"/api/v1/sites/{SITE}/summary", headers=admin_headers)
        assert response.status_code == 200
    await client.get("/no/such/path/123", headers=admin_headers)
    found = await scrape(client, admin_headers)
    route = "/api/v1/sites/<site>/summary"
    key = (("method", "GET"), ("route", route), ("status", "200"))
    assert found[("pulse_http_requests_total", key)] == 2
    assert (
        found[
            (
                "pulse_http_requests_total",
                (("method", "GET"), ("route", "(unmatched)"), ("status", "404")),
            )
        ]
        == 1
    )
    assert not any(SITE in dict(labels).get("route", "") for _, labels in found)
    reports = {
        dict(labels)["path"]: value
        for (name, labels), value in found.items()
        if name == "pulse_report_duration_seconds_count" and dict(labels)["report"] == route
    }
    # One observation per report, labelled with the path(s) its questions took.
    assert sum(reports.values()) == 2 and set(reports) <= {"rollups", "columns", "sql"}
