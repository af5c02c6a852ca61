"""Plausible Stats API v2 (`POST /api/v2/query`) bodies as Plausible's documentation writes
them, answered with the numbers of Pulse's own API over the same seeded data; every query
Pulse cannot answer exactly is a 400 naming the key."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SITE
from tests.statsapi.conftest import Api

pytestmark = pytest.mark.usefixtures("seeded")
PULSE = f"/api/v1/sites/{SITE}"
QUERY = "/api/v2/query"


def q(**fields: Any) -> dict[str, Any]:
    return {"site_id": SITE, "metrics": ["visitors"], "date_range": "30d", **fields}


async def test_aggregate_equals_pulse_summary(plausible: Api, pulse: Api) -> None:
    metrics = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate"]
    status, body = await plausible.post(QUERY, q(metrics=[*metrics, "visit_duration"]))
    assert status == 200, body
    _, summary = await pulse.get(f"{PULSE}/summary?range=30d")
    _, legacy = await pulse.get(f"/api/analytics/stats?site={SITE}&time_range=30d")
    m = summary["metrics"]
    pulse_names = ["visitors", "sessions", "pageviews", "views_per_session", "bounce_rate"]
    expected = [m[n]["value"] for n in pulse_names] + [legacy["avg_session_duration"]]
    assert body["results"] == [{"metrics": expected, "dimensions": []}]
    assert expected[:3] == [4, 5, 7]
    assert body["meta"] == {}
    echoed = body["query"]
    assert echoed["site_id"] == SITE and echoed["metrics"] == [*metrics, "visit_duration"]
    assert echoed["date_range"] == ["2025-12-16T00:00:00+00:00", "2026-01-14T13:30:00+00:00"]


async def test_dimension_breakdown_with_pagination_and_total_rows(
    plausible: Api, pulse: Api
) -> None:
    body = q(
        metrics=["visitors", "pageviews"],
        dimensions=["visit:country"],
        pagination={"limit": 2, "offset": 0},
        include={"total_rows": True},
    )
    status, found = await plausible.post(QUERY, body)
    assert status == 200, found
    _, own = await pulse.get(f"{PULSE}/breakdown/country?range=30d&limit=2")
    assert found["results"] == [
        {"metrics": [r["visitors"], r["pageviews"]], "dimensions": [r["value"]]}
        for r in own["results"]
    ]
    assert found["results"][0] == {"metrics": [2, 5], "dimensions": ["DE"]}
    assert found["meta"] == {"total_rows": own["total_rows"]} == {"total_rows": 3}
    _, page_two = await plausible.post(QUERY, {**body, "pagination": {"limit": 2, "offset": 2}})
    assert page_two["results"] == [{"metrics": [1, 1], "dimensions": ["US"]}]
    ordered = q(dimensions=["visit:country"], order_by=[["visit:country", "desc"]])
    _, by_name = await plausible.post(QUERY, ordered)
    assert [r["dimensions"][0] for r in by_name["results"]] == ["US", "FR", "DE"]
    ascending = q(dimensions=["visit:country"], order_by=[["visitors", "asc"]])
    _, fewest = await plausible.post(QUERY, ascending)
    assert [r["metrics"][0] for r in fewest["results"]] == [1, 1, 2]


async def test_time_dimension_leaves_empty_buckets_out(plausible: Api, pulse: Api) -> None:
    body = q(
        metrics=["visitors", "pageviews"],
        date_range=["2026-01-08", "2026-01-14"],
        dimensions=["time:day"],
        include={"time_labels": True},
    )
    status, found = await plausible.post(QUERY, body)
    assert status == 200, found
    _, own = await pulse.get(f"{PULSE}/timeseries?range=custom&from=2026-01-08&to=2026-01-14")
    expected = [
        {"metrics": [p["visitors"], p["pageviews"]], "dimensions": [p["bucket"][:10]]}
        for p in own["points"]
        if p["sessions"]
    ]
    assert found["results"] == expected
    assert [r["dimensions"][0] for r in expected] == ["2026-01-11", "2026-01-13", "2026-01-14"]
    assert found["meta"]["time_labels"] == [f"2026-01-{d:02}" for d in range(8, 15)]
    _, hourly = await plausible.post(QUERY, q(date_range="day", dimensions=["time:hour"]))
    assert hourly["results"] == [{"metrics": [1], "dimensions": ["2026-01-14 10:00:00"]}]


async def test_filters_is_contains_matches_not(plausible: Api, pulse: Api) -> None:
    async def visitors_pageviews(filters: list[Any]) -> list[int]:
        status, body = await plausible.post(
            QUERY, q(metrics=["visitors", "pageviews"], filters=filters)
        )
        assert status == 200, body
        return list(body["results"][0]["metrics"])

    # Case-sensitive contains on pages: /Blog/c does not contain /blog.
    de_blog = [["is", "visit:country", ["DE"]], ["contains", "event:page", ["/blog"]]]
    assert await visitors_pageviews(de_blog) == [1, 3]
    insensitive = [["contains", "event:page", ["blog"], {"case_sensitive": False}]]
    _, own = await pulse.get(f"{PULSE}/summary?range=30d&filter=page=~blog")
    m = own["metrics"]
    assert await visitors_pageviews(insensitive) == [
        m["visitors"]["value"],
        m["pageviews"]["value"],
    ]
    assert m["visitors"]["value"] == 3  # v1, v2 (/blog/b), v3 (/Blog/c)
    assert await visitors_pageviews([["matches", "event:page", ["^/blog/a"]]]) == [1, 3]
    assert await visitors_pageviews([["not", ["is", "visit:country", ["DE"]]]]) == [2, 2]
    wrapped = [["and", [["is", "visit:source", ["Google"]], ["is_not", "visit:country", ["DE"]]]]]
    assert await visitors_pageviews(wrapped) == [1, 1]  # v4 (FR)
    assert await visitors_pageviews([["is", "event:goal", ["Signup"]]]) == [1, 3]


async def test_a_read_only_token_may_query_and_anonymous_may_not(
    plausible: Api, client: Any
) -> None:
    status, _ = await plausible.post(QUERY, q())
    assert status == 200
    status, body = await Api(client, {}).post(QUERY, q())
    assert status == 401 and "error" in body
    status, body = await plausible.post(QUERY, q(site_id="nowhere.example"))
    assert status == 404


async def test_unsupported_queries_are_400_naming_the_key(plausible: Api) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"site_id": SITE, "date_range": "7d"}, "metrics"),
        ({"site_id": SITE, "metrics": ["visitors"]}, "date_range"),
        (q(colour="red"), "colour"),
        (q(metrics=["visitors", "nope"]), "metrics"),
        (q(metrics=["percentage"], dimensions=["visit:source"]), "metrics"),
        (q(metrics=["bounce_rate"], dimensions=["event:page"]), "metrics"),
        (q(metrics=["visit_duration"], dimensions=["time:day"]), "metrics"),
        (q(date_range="1y"), "date_range"),
        (q(date_range=["2026-01-01T12:00:00+02:00", "2026-01-01T15:59:59+02:00"]), "date_range"),
        (q(date_range=["2026-01-05", "2026-01-01"]), "date_range"),
        (q(dimensions=["visit:source", "visit:country"]), "dimensions"),
        (q(dimensions=["visit:city_name"]), "dimensions"),
        (q(dimensions=["event:goal"]), "dimensions"),
        (q(filters=[["is", "visit:country", ["DE", "FR"]]]), "filters"),
        (
            q(filters=[["or", [["is", "visit:country", ["DE"]], ["is", "visit:os", ["Mac"]]]]]),
            "filters",
        ),
        (q(filters=[["contains", "visit:source", ["oogle"]]]), "filters"),
        (q(filters=[["matches", "visit:source", ["^G"]]]), "filters"),
        (q(filters=[["matches", "event:page", ["("]]]), "filters"),
        (q(filters=[["has_done", ["is", "event:name", ["Signup"]]]]), "filters"),
        (q(filters=[["is", "segment", [1]]]), "filters"),
        (q(filters=[["is", "event:goal", ["NoSuchGoal"]]]), "filters"),
        (q(filters="visit:country==DE"), "filters"),
        (q(order_by=[["pageviews", "desc"]], dimensions=["visit:source"]), "order_by"),
        (q(order_by=[["visitors", "up"]]), "order_by"),
        (q(pagination={"limit": 0}), "pagination"),
        (q(include={"imports": True}), "include"),
        (q(include={"time_labels": True}), "include"),
    ]
    for body, key in cases:
        status, found = await plausible.post(QUERY, body)
        assert status == 400, body
        assert found["field"] == key and found["error"], (body, found)
    response = await plausible.client.post(QUERY, data="[1]", headers=plausible.headers)
    assert response.status_code == 400 and (await response.get_json())["field"] == "body"
