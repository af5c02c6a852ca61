"""Filter-value suggestions: values containing what was typed, busiest first, counted under the
other filters but not the dimension's own."""

from __future__ import annotations

from quart.typing import TestClientProtocol

from tests.backends import Database
from tests.conftest import FIREFOX, SITE, wait_for_rows

BASE = f"/api/v1/sites/{SITE}/suggestions"


async def _visit(client: TestClientProtocol, visitor: str, path: str, referrer: str) -> None:
    body = {"url": f"https://{SITE}{path}", "visitor_id": visitor, "referrer": referrer}
    response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    assert response.status_code == 202


async def test_values_containing_the_typed_text_busiest_first(
    client: TestClientProtocol, db: Database
) -> None:
    google, bing = "https://www.google.com/", "https://www.bing.com/"
    for n in range(3):
        await _visit(client, f"g{n}", "/Blog/one", google)
    await _visit(client, "g9", "/blog/two", google)
    await _visit(client, "b1", "/blog/two", bing)
    await _visit(client, "b2", "/pricing", bing)
    await wait_for_rows(db, 6)
    found = await (await client.get(f"{BASE}/page?q=BLOG")).get_json()
    assert found["values"] == [
        {"value": "/Blog/one", "visitors": 3},
        {"value": "/blog/two", "visitors": 2},
    ]
    # Other filters narrow the counts; the page's own filter is what is being chosen.
    narrowed = await (
        await client.get(f"{BASE}/page?q=blog&filter=source==Bing;page==/x")
    ).get_json()
    assert narrowed["values"] == [{"value": "/blog/two", "visitors": 1}]
    sources = await (await client.get(f"{BASE}/source?limit=1")).get_json()
    assert sources["values"] == [{"value": "Google", "visitors": 4}]
    bad = await client.get(f"{BASE}/colour")
    assert bad.status_code == 400 and (await bad.get_json())["field"] == "dimension"
    too_many = await client.get(f"{BASE}/page?limit=500")
    assert (await too_many.get_json())["field"] == "limit"
