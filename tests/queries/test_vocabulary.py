"""Every dimension of the vocabulary (app/dimensions.py) works in every place that takes one:
a filter, a breakdown (JSON and CSV), the OpenAPI enum, GET /api/v1/dimensions and the
dashboard's lists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app import dimensions
from tests.backends import Database
from tests.conftest import FIREFOX, SITE, wait_for_rows

BASE = f"/api/v1/sites/{SITE}"
UTM = "utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=t&utm_content=c"
DASHBOARD = Path(__file__).parents[2] / "frontend" / "dashboard" / "js"
EVERY = [*(d.name for d in dimensions.VOCABULARY), "prop:plan"]


async def _traffic(client: Any, db: Database) -> None:
    """Two visitors: one from a campaign viewing two pages and signing up (plan: pro), one
    from Google viewing one page."""
    sends = [
        ("v1", f"https://{SITE}/?{UTM}", None, None),
        ("v1", f"https://{SITE}/pricing", None, None),
        ("v1", f"https://{SITE}/pricing", "Signup", {"plan": "pro"}),
        ("v2", f"https://{SITE}/docs", "pageview", None),
    ]
    for visitor, url, name, data in sends:
        body: dict[str, Any] = {"url": url, "visitor_id": visitor}
        body.update(screen_width=390, language="en-us")  # a phone, American English
        if visitor == "v2":
            body.update(referrer="https://www.google.com/", screen_width=1920, language="DE")
            body.update(url=url.replace(SITE, f"docs.{SITE}"), site=SITE)  # a subdomain
        if name == "Signup":
            body.update(event_type=name, data=data)
        response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
        assert response.status_code == 202
    await wait_for_rows(db, len(sends))


async def test_the_issue_17_dimensions_hold_the_entry_event_s_values(
    client: Any, db: Database
) -> None:
    await _traffic(client, db)
    want = {
        "screen": {"mobile": 1, "desktop": 1},  # 390 px < 576 <= ... <= 1440 <= 1920 px
        "language": {"en-US": 1, "de": 1},  # normalised to BCP 47's case
        "hostname": {SITE: 1, f"docs.{SITE}": 1},
        "browser_version": {"Firefox 133": 2},  # a version is named with its browser / OS
        "os_version": {"Windows 10": 2},
    }
    for dim, expected in want.items():
        answer = await (await client.get(f"{BASE}/breakdown/{dim}?range=24h")).get_json()
        assert {r["value"]: r["visitors"] for r in answer["results"]} == expected, dim


async def test_page_url_is_each_page_view_s_hostname_and_path(client: Any, db: Database) -> None:
    await _traffic(client, db)
    answer = await (await client.get(f"{BASE}/breakdown/page_url?range=24h")).get_json()
    found = {r["value"]: (r["visitors"], r["count"]) for r in answer["results"]}
    assert found == {f"{SITE}/": (1, 1), f"{SITE}/pricing": (1, 1), f"docs.{SITE}/docs": (1, 1)}
    query = {"range": "24h", "filter": f"page_url=~docs.{SITE}/"}  # the host, not a /docs path
    summary = await (await client.get(f"{BASE}/summary", query_string=query)).get_json()
    assert summary["metrics"]["pageviews"]["value"] == 1


def _filter(dim: str, value: Any) -> str:
    return f"{dim}=={'' if value is None else value}".replace(";", "\\;")


@pytest.mark.parametrize("dim", EVERY)
async def test_a_dimension_breaks_down_filters_and_exports(
    client: Any, db: Database, dim: str
) -> None:
    await _traffic(client, db)
    answer = await (await client.get(f"{BASE}/breakdown/{dim}?range=24h")).get_json()
    rows = answer["results"]
    assert rows, dim
    csv = await (await client.get(f"{BASE}/breakdown/{dim}.csv?range=24h")).get_data(as_text=True)
    lines = csv.splitlines()
    assert lines[0].startswith("value,visitors,") and len(lines) == len(rows) + 1, dim
    for row in rows:  # filtering on a row's value finds that row's visitors
        query = {"range": "24h", "filter": _filter(dim, row["value"])}
        summary = await (await client.get(f"{BASE}/summary", query_string=query)).get_json()
        assert summary["metrics"]["visitors"]["value"] == row["visitors"], (dim, row)
    if not dim.startswith("prop:"):  # properties take == and != only
        query = {"range": "24h", "filter": f"{dim}=~zzz-nothing"}
        summary = await (await client.get(f"{BASE}/summary", query_string=query)).get_json()
        assert summary["metrics"]["visitors"]["value"] == 0, dim


async def test_the_vocabulary_is_the_api_s_and_the_dashboard_s(client: Any) -> None:
    names = [d.name for d in dimensions.VOCABULARY]
    listed = await (await client.get("/api/v1/dimensions")).get_json()
    assert [d["name"] for d in listed["dimensions"]] == [*names, "prop:{key}"]
    doc = await (await client.get("/openapi.json")).get_json()
    op = doc["paths"]["/api/v1/sites/{site}/breakdown/{dimension}"]["get"]
    schema = next(p for p in op["parameters"] if p["name"] == "dimension")["schema"]
    assert schema["anyOf"][0]["enum"] == names
    assert re.fullmatch(schema["anyOf"][1]["pattern"], "prop:plan")
    assert not re.fullmatch(schema["anyOf"][1]["pattern"], "prop:")
    unknown = await client.get(f"{BASE}/breakdown/nothing")
    assert unknown.status_code == 400
    assert ", ".join(dimensions.API_NAMES) in (await unknown.get_json())["error"]
    # The dashboard's filter labels are the vocabulary's, and its panels cover it.
    filters_js = (DASHBOARD / "filters.js").read_text()
    block = re.search(r"const LABELS = \{(.*?)\};", filters_js, re.S)
    assert block is not None
    labels = dict(re.findall(r'(\w+): "([^"]+)"', block.group(1)))
    assert labels == {d.name: d.label for d in dimensions.VOCABULARY}
    panels_js = (DASHBOARD / "panels.js").read_text()
    shown = set(re.findall(r'dimension: "(\w+)"', panels_js))
    utm = re.search(r"const UTM = \[(.*?)\];", panels_js)
    assert utm is not None
    shown |= {f"utm_{p}" for p in re.findall(r'"(\w+)"', utm.group(1))}
    visitor_types_js = (DASHBOARD / "visitor-types.js").read_text()
    assert "breakdown/visitor_type" in visitor_types_js
    assert shown | {"visitor_type"} == {*names, "prop"}
