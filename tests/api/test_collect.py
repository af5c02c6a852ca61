"""POST /api/collect: encodings, batches, every validation rule and drop reason."""

from __future__ import annotations

import json

import msgpack
import pytest
from quart.typing import TestClientProtocol

from tests.backends import Database
from tests.conftest import FIREFOX, SITE, add_sites, rows, wait_for_rows

URL = f"https://{SITE}/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=launch"
HEADERS = {"User-Agent": FIREFOX}


def event(**fields: object) -> dict[str, object]:
    return {"event_type": "pageview", "url": URL, "visitor_id": "v-1", **fields}


async def post(
    client: TestClientProtocol,
    body: object,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(
        "/api/collect", data=data, headers={"Content-Type": content_type, **(headers or HEADERS)}
    )


async def test_json_pageview_is_stored_enriched(client: TestClientProtocol, db: Database) -> None:
    response = await post(
        client,
        event(
            referrer="https://www.google.com/search?q=pulse",
            screen_width=1440,
            screen_height=900,
            language="de-DE",
            user_agent="ignored bot/1.0",
        ),
    )
    assert response.status_code == 202
    assert await response.get_json() == {"accepted": 1, "dropped": {}}
    assert "X-Pulse-Dropped" not in response.headers
    [row] = await wait_for_rows(db, 1)
    assert (row["name"], row["hostname"], row["pathname"]) == ("pageview", SITE, "/pricing")
    assert (row["utm_source"], row["utm_medium"], row["utm_campaign"]) == (
        "newsletter",
        "email",
        "launch",
    )
    assert row["channel"] == "Email"
    assert row["referrer"] == "https://www.google.com/search"  # the query string is never kept
    assert (row["browser"], row["os"], row["device"]) == ("Firefox", "Windows", "desktop")
    assert (row["screen_width"], row["language"]) == (1440, "de-DE")
    assert row["new_visitor"] == 1 and row["session_start"] == 1


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8", ""])
async def test_text_plain_json_is_accepted(
    client: TestClientProtocol, db: Database, content_type: str
) -> None:
    response = await post(client, event(), content_type)
    assert response.status_code == 202
    assert len(await wait_for_rows(db, 1)) == 1


async def test_msgpack_batch_is_accepted(client: TestClientProtocol, db: Database) -> None:
    body = msgpack.packb([event(), event(event_type="Signup", data={"plan": "pro", "seats": 3})])
    response = await post(client, body, "application/msgpack")
    assert await response.get_json() == {"accepted": 2, "dropped": {}}
    stored = await wait_for_rows(db, 2)
    assert [r["name"] for r in stored] == ["pageview", "Signup"]
    assert json.loads(stored[1]["props"]) == {"plan": "pro", "seats": 3}


async def test_batch_of_fifty_is_accepted(client: TestClientProtocol, db: Database) -> None:
    response = await post(client, [event() for _ in range(50)])
    assert (await response.get_json())["accepted"] == 50
    assert len(await wait_for_rows(db, 50)) == 50


def _props(n: int) -> dict[str, int]:
    return {f"k{i}": i for i in range(n)}


BAD_BODIES = [
    ("undecodable", b"{not json", "body"),
    ("not an object", b'"hello"', "body"),
    ("empty batch", b"[]", "body"),
    ("batch over 50", json.dumps([event()] * 51).encode(), "body"),
    ("missing url", json.dumps({"event_type": "pageview"}).encode(), "url"),
    ("url wrong type", json.dumps(event(url=42)).encode(), "url"),
    ("url not http", json.dumps(event(url="ftp://example.com/x")).encode(), "url"),
    ("url relative", json.dumps(event(url="/pricing")).encode(), "url"),
    ("url over 2000", json.dumps(event(url=f"https://{SITE}/" + "a" * 2000)).encode(), "url"),
    (
        "referrer over 2000",
        json.dumps(event(referrer="https://x.io/" + "r" * 2000)).encode(),
        "referrer",
    ),
    ("name over 64", json.dumps(event(event_type="e" * 65)).encode(), "event_type"),
    ("name empty", json.dumps(event(event_type="")).encode(), "event_type"),
    ("31 properties", json.dumps(event(data=_props(31))).encode(), "data"),
    ("nested property", json.dumps(event(data={"plan": {"a": 1}})).encode(), "data.plan"),
    ("list property", json.dumps(event(data={"tags": [1, 2]})).encode(), "data.tags"),
    ("data not object", json.dumps(event(data=[1])).encode(), "data"),
    ("visitor id over 64", json.dumps(event(visitor_id="v" * 65)).encode(), "visitor_id"),
    ("session id over 64", json.dumps(event(session_id="s" * 65)).encode(), "session_id"),
    ("screen width wrong type", json.dumps(event(screen_width="wide")).encode(), "screen_width"),
    ("scroll over 100", json.dumps(event(scroll_depth=101)).encode(), "scroll_depth"),
    ("bad event in batch", json.dumps([event(), {"url": 1}]).encode(), "url"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
async def test_bad_input_is_400_naming_the_field(
    client: TestClientProtocol, db: Database, case: str, body: bytes, field: str
) -> None:
    response = await post(client, body)
    assert response.status_code == 400, case
    payload = await response.get_json()
    assert payload["field"] == field
    assert payload["error"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert rows(db) == []


async def test_deeply_nested_property_is_400_not_500(client: TestClientProtocol) -> None:
    nested = b'{"url": "https://example.com/", "data": {"a": ' + b"[" * 7_000 + b"]" * 7_000
    response = await post(client, nested + b"}}")
    assert response.status_code == 400
    assert (await response.get_json())["field"] == "body"


async def test_msgpack_garbage_is_400(client: TestClientProtocol) -> None:
    response = await post(client, b"\xc1\xff\x00", "application/msgpack")
    assert response.status_code == 400
    assert (await response.get_json())["field"] == "body"


async def test_body_over_16_kib_is_413(client: TestClientProtocol) -> None:
    body = json.dumps(event(data={"pad": "x" * 1990}) | {"extra": "y" * 17_000}).encode()
    response = await post(client, body)
    assert response.status_code == 413
    assert (await response.get_json())["field"] == "body"


async def test_unknown_site_is_dropped_with_reason(
    client: TestClientProtocol, db: Database
) -> None:
    response = await post(client, [event(url="https://stranger.org/"), event()])
    assert response.status_code == 202
    assert await response.get_json() == {"accepted": 1, "dropped": {"unknown_site": 1}}
    assert response.headers["X-Pulse-Dropped"] == "unknown_site=1"
    assert len(await wait_for_rows(db, 1)) == 1


async def test_site_field_overrides_the_url_host(client: TestClientProtocol, db: Database) -> None:
    response = await post(client, event(site=SITE, url="https://preview.netlify.app/"))
    assert (await response.get_json())["accepted"] == 1
    [row] = await wait_for_rows(db, 1)
    assert row["hostname"] == "preview.netlify.app"


async def test_www_host_maps_to_the_site(client: TestClientProtocol) -> None:
    response = await post(client, event(url=f"https://www.{SITE}/"))
    assert (await response.get_json())["accepted"] == 1


async def test_bots_are_dropped_and_counted_per_site(
    client: TestClientProtocol, db: Database
) -> None:
    googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    response = await post(client, [event(), event()], headers={"User-Agent": googlebot})
    assert await response.get_json() == {"accepted": 0, "dropped": {"bot": 2}}
    assert response.headers["X-Pulse-Dropped"] == "bot=2"
    for _ in range(100):
        counted = rows(db, "SELECT site_id, reason, count FROM drop_counts")
        if counted:
            break
        await __import__("asyncio").sleep(0.02)
    assert [tuple(r) for r in counted] == [(1, "bot", 2)]


async def test_headless_chrome_is_a_bot(client: TestClientProtocol) -> None:
    headless = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/131.0.0.0 Safari/537.36"
    )
    response = await post(client, event(), headers={"User-Agent": headless})
    assert (await response.get_json())["dropped"] == {"bot": 1}


async def test_original_event_types_keep_their_meaning(
    client: TestClientProtocol, db: Database
) -> None:
    body = [
        event(event_type="user_engagement", data={"duration_seconds": 12.5}),
        event(event_type="scroll", data={"depth": 75}),
        event(event_type="click", data={"url": "https://github.com/x"}),
    ]
    assert (await (await post(client, body)).get_json())["accepted"] == 3
    stored = await wait_for_rows(db, 3)
    assert [(r["name"], r["engagement_ms"], r["scroll_depth"]) for r in stored] == [
        ("engagement", 12_500, None),
        ("engagement", None, 75),
        ("Outbound Link: Click", None, None),
    ]
    assert json.loads(stored[2]["props"]) == {"url": "https://github.com/x"}


async def test_site_added_while_running_is_accepted_at_once(
    client: TestClientProtocol, migrated
) -> None:  # type: ignore[no-untyped-def]
    first = await post(client, event(url="https://newsite.io/"))
    assert (await first.get_json())["dropped"] == {"unknown_site": 1}
    await add_sites(migrated, "newsite.io")
    second = await post(client, event(url="https://newsite.io/"))
    assert await second.get_json() == {"accepted": 1, "dropped": {}}


async def test_cors_is_open_on_collect_only(client: TestClientProtocol) -> None:
    """Any origin, credentialed or not: ingest reads no cookies, and a beacon (always
    credentialed) is dropped by the browser when the answer says `*`."""
    origin = {"Origin": "https://customer.site"}
    preflight = await client.options(
        "/api/collect", headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://customer.site"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in preflight.headers["Vary"]
    response = await client.post("/api/collect", json=event(), headers={**origin, **HEADERS})
    assert response.status_code == 202
    assert response.headers["Access-Control-Allow-Origin"] == "https://customer.site"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    anonymous = await post(client, event())  # no Origin (a server, curl): the wildcard
    assert anonymous.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in anonymous.headers
    health = await client.get("/readyz")
    assert "Access-Control-Allow-Origin" not in health.headers


async def test_full_queue_answers_503_with_retry_after(make_app, db: Database) -> None:  # type: ignore[no-untyped-def]
    app = make_app(queue_bound=3)
    async with app.test_app():
        client = app.test_client()
        response = await post(client, [event() for _ in range(4)])
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert "error" in await response.get_json()
        ok = await post(client, [event() for _ in range(3)])
        assert ok.status_code == 202
    assert len(rows(db)) == 3


async def test_readyz_reports_counters(
    client: TestClientProtocol, db: Database, admin_headers: dict[str, str]
) -> None:
    await post(client, [event(), event(url="https://stranger.org/")])
    await wait_for_rows(db, 1)
    ready = await (await client.get("/readyz", headers=admin_headers)).get_json()
    assert ready["database"]["ok"] is True
    assert ready["events"]["accepted"] == 1
    assert ready["events"]["dropped"] == {"unknown_site": 1}
    assert ready["events"]["persisted"] == 1
    assert ready["queue"]["depth"] == 0
    assert (await client.get("/healthz")).status_code == 200


async def test_get_on_collect_is_405_json(client: TestClientProtocol) -> None:
    response = await client.get("/api/collect")
    assert response.status_code == 405
    assert "error" in await response.get_json()
