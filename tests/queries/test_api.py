"""The HTTP surface: shapes, CSV, 400s naming the parameter, 404 for an unknown site."""

from __future__ import annotations

from quart.typing import TestClientProtocol

from tests.backends import Database
from tests.conftest import FIREFOX, SITE, wait_for_rows

BASE = f"/api/v1/sites/{SITE}"


async def _visit(client: TestClientProtocol) -> None:
    for path in ("/", "/blog/x"):
        body = {
            "url": f"https://{SITE}{path}",
            "visitor_id": "v1",
            "referrer": "https://www.google.com/",
        }
        response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
        assert response.status_code == 202


async def test_summary_timeseries_breakdown(client: TestClientProtocol, db: Database) -> None:
    await _visit(client)
    await wait_for_rows(db, 2)
    summary = await (await client.get(f"{BASE}/summary?range=24h")).get_json()
    metrics = summary["metrics"]
    assert metrics["visitors"] == {"value": 1, "previous": 0, "change": None}
    assert metrics["pageviews"]["value"] == 2 and metrics["bounce_rate"]["value"] == 0
    series = await (await client.get(f"{BASE}/timeseries?range=24h&metrics=visitors")).get_json()
    assert len(series["points"]) == 24 and sum(p["visitors"] for p in series["points"]) == 1
    assert "previous" not in series  # only when asked
    both = await (await client.get(f"{BASE}/timeseries?range=7d&compare=previous")).get_json()
    before = both["previous"]
    # Now is 00:00 of the 7th day: the week before stops at the same point, 6 days in.
    assert before["period"]["end_ms"] == both["period"]["until_ms"] - 7 * 24 * 3_600_000
    assert len(before["points"]) == len(both["points"]) == 7
    assert sum(p["visitors"] for p in both["points"]) == 1
    assert sum(p["visitors"] for p in before["points"]) == 0
    pages = await (await client.get(f"{BASE}/breakdown/page?range=7d")).get_json()
    assert {r["value"]: r["count"] for r in pages["results"]} == {"/": 1, "/blog/x": 1}
    sources = await (await client.get(f"{BASE}/breakdown/source?filter=page=~blog")).get_json()
    assert [(r["value"], r["visitors"]) for r in sources["results"]] == [("Google", 1)]
    csv = await (await client.get(f"{BASE}/breakdown/entry_page.csv")).get_data(as_text=True)
    assert csv.splitlines()[0].startswith("value,visitors,sessions")
    # totals=none: the same rows without the totals' second pass (the dashboard's request).
    for path in ("breakdown/source?filter=page=~blog", "breakdown/page", "breakdown/country"):
        joiner = "&" if "?" in path else "?"
        full = await (await client.get(f"{BASE}/{path}")).get_json()
        lean = await (await client.get(f"{BASE}/{path}{joiner}totals=none")).get_json()
        assert full["totals"]["visitors"] == 1 and lean["totals"] is None
        assert lean["results"] == full["results"]


async def test_bad_parameters_are_400_naming_them(client: TestClientProtocol) -> None:
    cases = {
        "summary?range=9d": "range",
        "summary?range=custom&from=2026-01-02": "from",
        "summary?range=custom&from=2026-01-05&to=2026-01-01": "to",
        "summary?range=custom&from=yesterday&to=2026-01-01": "from",
        "summary?filter=colour==red": "filter",
        "timeseries?metrics=visitors,nope": "metrics",
        "timeseries?compare=yesterday": "compare",
        "breakdown/source?totals=some": "totals",
        "timeseries?range=custom&from=2025-01-01&to=2025-12-31&interval=hour": "interval",
        "breakdown/colour": "dimension",
        "breakdown/page?limit=0": "limit",
        "breakdown/page?sort=bounce_rate": "sort",
    }
    for query, field in cases.items():
        response = await client.get(f"{BASE}/{query}")
        assert response.status_code == 400, query
        assert (await response.get_json())["field"] == field, query
    missing = await client.get("/api/v1/sites/nowhere.example/summary")
    assert missing.status_code == 404


async def test_flows_retention_funnel(client: TestClientProtocol, db: Database) -> None:
    await _visit(client)
    await wait_for_rows(db, 2)
    found = await (await client.get(f"{BASE}/flows?depth=3&from=/&range=24h")).get_json()
    links = {(k["source"], k["target"]): k["sessions"] for k in found["links"]}
    assert links == {("0:Google", "1:/"): 1, ("1:/", "2:/blog/x"): 1, ("2:/blog/x", "3:(exit)"): 1}
    assert found["start_page"] == "/"
    # `start` names the page, so a custom range keeps `from` for its first day.
    custom = f"{BASE}/flows?depth=3&start=/blog/x&range=custom&from=2025-12-01&to=2026-01-01"
    later = await (await client.get(custom)).get_json()
    assert later["start_page"] == "/blog/x" and later["period"]["from"].startswith("2025-12-01")
    assert {(k["source"], k["target"]) for k in later["links"]} == {
        ("0:Google", "1:/blog/x"),
        ("1:/blog/x", "2:(exit)"),
    }
    kept = await (await client.get(f"{BASE}/retention?cohort=day&range=7d")).get_json()
    assert len(kept["cohorts"]) == 7 and kept["cohorts"][-1]["visitors"] == 1
    steps = "/,/blog/x,event:Signup"
    funnel = await (await client.get(f"{BASE}/funnel?steps={steps}")).get_json()
    assert [s["visitors"] for s in funnel["steps"]] == [1, 1, 0]
    cases = {
        "flows?depth=0": "depth",
        "flows?limit=x": "limit",
        "flows?start=blog": "start",
        "flows?range=custom&from=yesterday&to=2026-01-01": "from",
        "retention?cohort=month": "cohort",
        "funnel": "steps",
        "funnel?steps=pricing,/x": "steps",
        "funnel?steps=/a,/b&range=1y": "range",
    }
    for query, field in cases.items():
        response = await client.get(f"{BASE}/{query}")
        assert response.status_code == 400, query
        assert (await response.get_json())["field"] == field, query


async def test_properties_lists_the_keys_events_carry(
    client: TestClientProtocol, db: Database
) -> None:
    await _visit(client)
    for path, props in (("/", {"plan": "pro", "seats": 3}), ("/blog/x", {"plan": "free"})):
        body = {"url": f"https://{SITE}{path}", "visitor_id": "v1", "name": "Signup", "data": props}
        response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
        assert response.status_code == 202
    await wait_for_rows(db, 4)
    keys = await (await client.get(f"{BASE}/properties?range=24h")).get_json()  # rollups
    assert keys["keys"] == [{"key": "plan", "events": 2}, {"key": "seats", "events": 1}]
    # A filter reads the sessions' events instead, and answers the same here.
    narrowed = await (await client.get(f"{BASE}/properties?filter=source==Google")).get_json()
    assert narrowed["keys"] == keys["keys"]
    nobody = await (await client.get(f"{BASE}/properties?filter=source==Bing")).get_json()
    assert nobody["keys"] == []
