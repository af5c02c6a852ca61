"""Plausible Stats API v1 requests as Plausible's documentation writes them, answered with the
numbers Pulse's own API gives for the same data (and counted by hand where Pulse's API has no
spelling for the question, such as a page wildcard)."""

from __future__ import annotations

import pytest

from tests.conftest import SITE
from tests.statsapi.conftest import Api

pytestmark = pytest.mark.usefixtures("seeded")
V1 = f"/api/v1/stats/{{}}?site_id={SITE}"
PULSE = f"/api/v1/sites/{SITE}"


def v1(endpoint: str, query: str = "") -> str:
    return V1.format(endpoint) + (f"&{query}" if query else "")


async def test_aggregate_equals_pulse_summary_with_plausible_change(
    plausible: Api, pulse: Api
) -> None:
    metrics = "visitors,visits,pageviews,views_per_visit,bounce_rate,visit_duration"
    status, body = await plausible.get(
        v1("aggregate", f"period=30d&metrics={metrics}&compare=previous_period")
    )
    assert status == 200
    _, summary = await pulse.get(f"{PULSE}/summary?range=30d")
    m = summary["metrics"]
    results = body["results"]
    assert results["visitors"]["value"] == m["visitors"]["value"] == 4
    assert results["visits"]["value"] == m["sessions"]["value"] == 5
    assert results["pageviews"]["value"] == m["pageviews"]["value"] == 7
    assert results["views_per_visit"]["value"] == m["views_per_session"]["value"]
    assert results["bounce_rate"]["value"] == m["bounce_rate"]["value"]
    # The 30 days before: v5 and v6 (2 visitors, 2 sessions): +100 %, bounce rate in points.
    assert m["visitors"]["previous"] == 2 and results["visitors"]["change"] == 100
    assert results["visits"]["change"] == 150
    bounce = m["bounce_rate"]
    assert results["bounce_rate"]["change"] == round(bounce["value"] - bounce["previous"], 1)
    _, legacy = await pulse.get("/api/analytics/stats?site=" + SITE + "&time_range=30d")
    assert results["visit_duration"]["value"] == legacy["avg_session_duration"]
    # Plausible's documented default: visitors only, no change without compare.
    _, plain = await plausible.get(v1("aggregate", "period=30d"))
    assert plain == {"results": {"visitors": {"value": 4}}}


async def test_documented_filters_country_and_page_wildcard(plausible: Api, pulse: Api) -> None:
    filters = "visit:country%3D%3DDE;event:page%3D%3D/blog**"
    query = f"period=30d&metrics=visitors,pageviews&filters={filters}"
    status, body = await plausible.get(v1("aggregate", query))
    assert status == 200
    # DE sessions with a page view under /blog (case-sensitive, as Plausible's wildcards): v1
    # today (/blog/a) and v1 22 days ago (/blog/a/deep); v3's /Blog/c is not /blog.
    assert body["results"] == {"visitors": {"value": 1}, "pageviews": {"value": 3}}
    _, same = await pulse.get(f"{PULSE}/summary?range=30d&filter=country==DE;goal==Blog")
    assert same["metrics"]["visitors"]["value"] == 1 and same["metrics"]["pageviews"]["value"] == 3
    _, goal = await plausible.get(
        v1(
            "aggregate",
            "period=30d&metrics=visitors,conversion_rate&filters=event:goal%3D%3DSignup",
        )
    )
    assert goal["results"]["visitors"]["value"] == 1
    assert goal["results"]["conversion_rate"]["value"] == 25.0  # 1 of the 4 visitors
    _, other = await plausible.get(v1("aggregate", "period=30d&filters=visit:country!%3DDE"))
    assert other["results"]["visitors"]["value"] == 2  # v2 (US), v4 (FR)


async def test_timeseries_equals_pulse_timeseries(plausible: Api, pulse: Api) -> None:
    status, body = await plausible.get(v1("timeseries", "period=7d&metrics=visitors,pageviews"))
    assert status == 200
    _, series = await pulse.get(f"{PULSE}/timeseries?range=7d&interval=day")
    assert [r["date"] for r in body["results"]] == [p["bucket"][:10] for p in series["points"]]
    assert [r["visitors"] for r in body["results"]] == [p["visitors"] for p in series["points"]]
    assert [r["pageviews"] for r in body["results"]][-4:] == [2, 0, 1, 2]
    _, hours = await plausible.get(v1("timeseries", "period=day"))
    assert len(hours["results"]) == 14 and hours["results"][10] == {
        "date": "2026-01-14 10:00:00",
        "visitors": 1,
    }
    _, months = await plausible.get(v1("timeseries", "period=6mo"))
    assert [r["date"] for r in months["results"]] == [
        "2025-08-01",
        "2025-09-01",
        "2025-10-01",
        "2025-11-01",
        "2025-12-01",
        "2026-01-01",
    ]
    assert [r["visitors"] for r in months["results"]][-3:] == [1, 3, 3]


async def test_breakdowns_equal_pulse_breakdowns(plausible: Api, pulse: Api) -> None:
    query = "period=30d&property=visit:source&metrics=visitors,bounce_rate&limit=5"
    status, body = await plausible.get(v1("breakdown", query))
    assert status == 200
    _, own = await pulse.get(f"{PULSE}/breakdown/source?range=30d&limit=5")
    assert body["results"] == [
        {"source": r["value"], "visitors": r["visitors"], "bounce_rate": r["bounce_rate"]}
        for r in own["results"]
    ]
    # Google: v1 twice (never a bounce) and v4 (a bounce): 1 of 3 sessions.
    assert body["results"][0] == {"source": "Google", "visitors": 2, "bounce_rate": 33.3}
    _, pages = await plausible.get(v1("breakdown", "period=30d&property=event:page&limit=2"))
    _, own_pages = await pulse.get(f"{PULSE}/breakdown/page?range=30d&sort=visitors&limit=2")
    assert pages["results"] == [
        {"page": r["value"], "visitors": r["visitors"]} for r in own_pages["results"]
    ]
    _, second = await plausible.get(
        v1("breakdown", "period=30d&property=event:page&limit=2&page=2")
    )
    _, own_second = await pulse.get(
        f"{PULSE}/breakdown/page?range=30d&sort=visitors&limit=2&offset=2"
    )
    assert [r["page"] for r in second["results"]] == [r["value"] for r in own_second["results"]]
    # Pages under a wildcard: only the matching rows, as Plausible's page filter keeps them.
    _, blog = await plausible.get(
        v1(
            "breakdown",
            "period=30d&property=event:page&metrics=visitors,pageviews&filters=event:page%3D%3D/blog/**",
        )
    )
    assert sorted((r["page"], r["pageviews"]) for r in blog["results"]) == [
        ("/blog/a", 1),
        ("/blog/a/deep", 1),
        ("/blog/b", 1),
    ]
    _, countries = await plausible.get(v1("breakdown", "period=30d&property=visit:country"))
    assert countries["results"] == [
        {"country": "DE", "visitors": 2},
        {"country": "FR", "visitors": 1},
        {"country": "US", "visitors": 1},
    ]
    _, events = await plausible.get(
        v1("breakdown", "period=30d&property=event:name&metrics=visitors,events")
    )
    assert events["results"] == [{"name": "Signup", "visitors": 1, "events": 2}]


async def test_periods_relative_to_date_and_custom(plausible: Api, pulse: Api) -> None:
    _, custom = await plausible.get(v1("aggregate", "period=custom&date=2025-12-01,2025-12-31"))
    _, own = await pulse.get(f"{PULSE}/summary?range=custom&from=2025-12-01&to=2025-12-31")
    assert custom["results"]["visitors"]["value"] == own["metrics"]["visitors"]["value"] == 3
    _, day = await plausible.get(v1("aggregate", "period=day&date=2026-01-13"))
    assert day["results"]["visitors"]["value"] == 1  # v2, yesterday
    _, month = await plausible.get(v1("aggregate", "period=month&date=2025-12-10"))
    assert month["results"]["visitors"]["value"] == 3  # v5, v1, v4 in December
    # `interval` shapes a series only; an aggregate ignores it, as Plausible does.
    status, year = await plausible.get(v1("aggregate", "period=12mo&interval=hour"))
    assert status == 200 and year["results"]["visitors"]["value"] == 6
    _, week = await plausible.get(v1("aggregate", "period=7d&date=2026-01-12"))
    assert week["results"]["visitors"]["value"] == 1  # v3 (3 days before now: Jan 11)


async def test_realtime_visitors_is_a_bare_number(
    plausible: Api, client: object, clock: object
) -> None:
    status, body = await plausible.get(v1("realtime/visitors"))
    assert status == 200 and body == 0  # nobody in the last 5 minutes
    from tests.statsapi.conftest import IPS, _post

    await _post(client, IPS["DE"], {"url": f"https://{SITE}/", "visitor_id": "now"})  # type: ignore[arg-type]
    _, live = await plausible.get(v1("realtime/visitors"))
    assert live == 1


async def test_bad_parameters_are_400_naming_them(plausible: Api) -> None:
    cases = {
        "aggregate?period=9d": "period",
        "aggregate?period=custom&date=2026-01-01": "date",
        "aggregate?period=custom&date=2026-01-05,yesterday": "date",
        "aggregate?period=custom&date=2026-01-05,2026-01-01": "date",
        "aggregate?metrics=visitors,nope": "metrics",
        "aggregate?metrics=events": "metrics",
        "aggregate?metrics=conversion_rate": "metrics",
        "aggregate?compare=year": "compare",
        "aggregate?filters=visit:country%3D%3DDE|FR": "filters",
        "aggregate?filters=visit:source%3D%3D*oogle": "filters",
        "aggregate?filters=visit:region%3D%3DUS-MD": "filters",
        "aggregate?filters=event:goal%3D%3DNoSuchGoal": "filters",
        "aggregate?filters=colour": "filters",
        "timeseries?metrics=visit_duration": "metrics",
        "timeseries?interval=year": "interval",
        "timeseries?period=custom&date=2024-01-01,2024-12-31&interval=hour": "interval",
        "breakdown": "property",
        "breakdown?property=visit:city": "property",
        "breakdown?property=event:goal": "property",
        "breakdown?property=event:page&metrics=bounce_rate": "metrics",
        "breakdown?property=visit:source&metrics=views_per_visit": "metrics",
        "breakdown?property=visit:source&limit=0": "limit",
        "breakdown?property=visit:source&limit=1001": "limit",
        "breakdown?property=visit:source&page=0": "page",
        "aggregate?with_imported=true": "with_imported",
    }
    for query, field in cases.items():
        endpoint, _, args = query.partition("?")
        status, body = await plausible.get(v1(endpoint, args))
        assert status == 400, query
        assert body["field"] == field and body["error"], query
    status, body = await plausible.get("/api/v1/stats/aggregate")
    assert status == 400 and body["field"] == "site_id"


async def test_access_401_without_a_token_404_for_a_site_it_may_not_read(
    client: object, plausible: Api, pulse: Api, migrated: object
) -> None:
    from tests.conftest import add_sites, make_token

    anonymous = Api(client, {})  # type: ignore[arg-type]
    status, body = await anonymous.get(v1("aggregate"))
    assert status == 401 and "error" in body
    status, _ = await Api(client, {"Authorization": "Bearer nope"}).get(v1("aggregate"))  # type: ignore[arg-type]
    assert status == 401
    status, body = await plausible.get("/api/v1/stats/aggregate?site_id=nowhere.example")
    assert status == 404 and "error" in body
    await add_sites(migrated, "other.example")  # type: ignore[arg-type]
    other = await make_token(migrated, "other.example")  # type: ignore[arg-type]
    wrong_site = Api(client, {"Authorization": f"Bearer {other}"})  # type: ignore[arg-type]
    status, body = await wrong_site.get(v1("aggregate"))
    # The same 404 as for a domain that does not exist: a token cannot probe other sites.
    assert status == 404 and body["field"] == "site_id"
    status, _ = await pulse.get(v1("aggregate"))  # an admin token reads every site
    assert status == 200
