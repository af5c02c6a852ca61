"""Goals over HTTP: defined after the traffic they count, the report's numbers, a goal filter's
conversion columns, 400s naming the field of a bad definition, who may change goals."""

from __future__ import annotations

from typing import Any

from quart.typing import TestClientProtocol

from app.settings import Settings
from tests.backends import Database
from tests.conftest import FIREFOX, SITE, make_token, wait_for_rows

BASE = f"/api/v1/sites/{SITE}"

# (visitor, event, path, referrer, extra): four visitors, three from Google.
VISITS: list[tuple[str, str, str, str | None, dict[str, Any]]] = [
    ("v1", "pageview", "/", "https://www.google.com/", {}),
    ("v1", "pageview", "/blog/a", None, {}),
    ("v1", "Signup", "/blog/a", None, {"data": {"plan": "pro"}}),
    ("v2", "pageview", "/blog/a/b", "https://www.google.com/", {}),
    ("v2", "Signup", "/blog/a/b", None, {"data": {"plan": "free"}}),
    ("v2", "Signup", "/blog/a/b", None, {"data": {"plan": "free"}}),
    ("v3", "pageview", "/pricing", "https://www.google.com/", {}),
    ("v3", "engagement", "/pricing", None, {"engagement_ms": 4000, "scroll_depth": 80}),
    ("v4", "pageview", "/pricing", None, {}),
    ("v4", "engagement", "/pricing", None, {"engagement_ms": 900, "scroll_depth": 30}),
]


async def _traffic(client: TestClientProtocol, db: Database) -> None:
    for visitor, name, path, referrer, extra in VISITS:
        body = {"url": f"https://{SITE}{path}", "visitor_id": visitor, "event_type": name}
        if referrer:
            body["referrer"] = referrer
        response = await client.post(
            "/api/collect", json={**body, **extra}, headers={"User-Agent": FIREFOX}
        )
        assert response.status_code == 202
    await wait_for_rows(db, len(VISITS))


async def _add(client: Any, admin_headers: dict[str, str], body: dict[str, Any]) -> Any:
    return await client.post(f"{BASE}/goals", json=body, headers=admin_headers)


async def test_goals_count_the_past(
    client: Any, db: Database, admin_headers: dict[str, str]
) -> None:
    await _traffic(client, db)  # every event arrives before any goal exists
    definitions = [
        {"name": "Blog", "page": "/blog/**"},
        {"name": "Blog top", "page": "/blog/*"},
        {"name": "Signup", "event": "Signup"},
        {"name": "Pro", "event": "Signup", "property": {"key": "plan", "value": "pro"}},
        {"name": "Pricing read", "page": "/pricing", "scroll": 75},
    ]
    for body in definitions:
        response = await _add(client, admin_headers, body)
        assert response.status_code == 201, await response.get_json()
    listed = (await (await client.get(f"{BASE}/goals")).get_json())["goals"]
    assert [g["name"] for g in listed] == ["Blog", "Blog top", "Pricing read", "Pro", "Signup"]
    report = await (await client.get(f"{BASE}/goals/report?range=24h")).get_json()
    assert report["total_visitors"] == 4
    got = {r["goal"]: (r["visitors"], r["events"], r["conversion_rate"]) for r in report["results"]}
    assert got == {
        "Blog": (2, 2, 50.0),  # /blog/a and /blog/a/b
        "Blog top": (1, 1, 25.0),  # /blog/a only: * stops at /
        "Signup": (2, 3, 50.0),
        "Pro": (1, 1, 25.0),
        "Pricing read": (1, 1, 25.0),  # v3 scrolled 80 %, v4 30 %
    }
    # The goal filter: converted visitors per row, with the row's visitors and the rate.
    url = f"{BASE}/breakdown/source?range=24h&filter=goal==Signup"
    sources = await (await client.get(url)).get_json()
    rows = {r["value"]: (r["visitors"], r["total_visitors"], r["conversion_rate"])
            for r in sources["results"]}  # fmt: skip
    assert rows == {"Google": (2, 3, 66.7)}
    assert sources["totals"]["total_visitors"] == 4
    assert sources["totals"]["conversion_rate"] == 50.0
    pages = await (await client.get(f"{BASE}/breakdown/page?range=24h&filter=goal==Pro")).get_json()
    assert {r["value"]: (r["visitors"], r["conversion_rate"]) for r in pages["results"]} == {
        "/": (1, 100.0),
        "/blog/a": (1, 100.0),
    }
    summary = await (await client.get(f"{BASE}/summary?range=24h&filter=goal==Blog")).get_json()
    assert summary["metrics"]["visitors"]["value"] == 2
    explained = await (await client.get(f"{BASE}/goals/report?range=24h&explain=1")).get_json()
    # Page, event and scroll goals on the sealed columns (open hours as rows); Pro on SQL.
    goal_paths = {p["path"] for p in explained["plans"] if "goal" in p["question"]}
    assert goal_paths == {"columns", "sql"}


async def test_bad_definitions_are_400_naming_the_field(
    client: Any, admin_headers: dict[str, str]
) -> None:
    cases: list[tuple[Any, str]] = [
        ({"page": "/x"}, "name"),
        ({"name": "  ", "page": "/x"}, "name"),
        ({"name": "A"}, "event"),
        ({"name": "A", "page": "/x", "event": "E"}, "page"),
        ({"name": "A", "page": "blog"}, "page"),
        ({"name": "A", "page": "/a/***"}, "page"),
        ({"name": "A", "event": "pageview"}, "event"),
        ({"name": "A", "event": "E" * 65}, "event"),
        ({"name": "A", "page": "/x", "scroll": 0}, "scroll"),
        ({"name": "A", "page": "/x", "scroll": "75"}, "scroll"),
        ({"name": "A", "event": "E", "scroll": 50}, "scroll"),
        ({"name": "A", "event": "E", "property": {"key": "plan"}}, "property"),
        ({"name": "A", "page": "/x", "property": {"key": "k", "value": "v"}}, "property"),
        ({"name": "A", "event": "E", "colour": "red"}, "colour"),
        (["not", "an", "object"], "body"),
    ]
    for body, field in cases:
        response = await _add(client, admin_headers, body)
        assert response.status_code == 400, body
        assert (await response.get_json())["field"] == field, body
    assert (await _add(client, admin_headers, {"name": "A", "event": "E"})).status_code == 201
    again = await _add(client, admin_headers, {"name": "A", "page": "/"})
    assert again.status_code == 400 and (await again.get_json())["field"] == "name"
    unknown = await client.get(f"{BASE}/breakdown/source?filter=goal==Nope")
    assert unknown.status_code == 400 and (await unknown.get_json())["field"] == "filter"
    bad_op = await client.get(f"{BASE}/summary?filter=goal=~A")
    assert bad_op.status_code == 400 and (await bad_op.get_json())["field"] == "filter"


async def test_only_owners_and_admins_change_goals(
    client: Any, migrated: Settings, admin_headers: dict[str, str]
) -> None:
    created = await (await _add(client, admin_headers, {"name": "S", "event": "S"})).get_json()
    reader = {"Authorization": f"Bearer {await make_token(migrated, SITE)}"}
    listed = await client.get(f"{BASE}/goals", headers=reader)
    assert [g["name"] for g in (await listed.get_json())["goals"]] == ["S"]
    refused = await client.post(f"{BASE}/goals", json={"name": "T", "event": "T"}, headers=reader)
    assert refused.status_code == 403
    gone = await client.delete(f"{BASE}/goals/{created['id']}", headers=reader)
    assert gone.status_code == 403
    removed = await client.delete(f"{BASE}/goals/{created['id']}", headers=admin_headers)
    assert removed.status_code == 204
    again = await client.delete(f"{BASE}/goals/{created['id']}", headers=admin_headers)
    assert again.status_code == 404
