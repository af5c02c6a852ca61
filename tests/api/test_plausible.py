"""POST /api/event: Plausible's tracker and Events API bodies land like Pulse's own events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quart import Quart
from quart.typing import TestClientProtocol

from tests.backends import Database
from tests.conftest import FIREFOX, SITE, add_sites, rows, wait_for_rows

HEADERS = {"User-Agent": FIREFOX}
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


async def send(
    client: TestClientProtocol,
    body: object,
    content_type: str = "text/plain",  # what Plausible's script sends
    headers: dict[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(
        "/api/event", data=data, headers={"Content-Type": content_type, **(headers or HEADERS)}
    )


def props(row: Any) -> dict[str, Any]:
    return json.loads(row["props"] or "{}")


async def test_script_pageview_with_short_keys(client: TestClientProtocol, db: Database) -> None:
    # As Plausible's script sends it (v, w and unknown keys ride along).
    body = {
        "n": "pageview",
        "v": 27,
        "u": f"https://www.{SITE}/pricing?utm_campaign=launch",
        "d": SITE,
        "r": "https://www.google.com/search?q=pulse",
        "w": 1440,
        "h": 0,
    }
    response = await send(client, body)
    assert response.status_code == 202
    assert await response.get_data(as_text=True) == "ok"
    assert "x-plausible-dropped" not in response.headers
    [row] = await wait_for_rows(db, 1)
    assert (row["name"], row["hostname"], row["pathname"]) == (
        "pageview",
        f"www.{SITE}",
        "/pricing",
    )
    assert row["referrer"] == "https://www.google.com/search"  # the query string is never kept
    assert (row["source"], row["channel"]) == ("Google", "Organic Search")
    assert row["utm_campaign"] == "launch"
    assert (row["browser"], row["os"], row["screen_width"]) == ("Firefox", "Windows", 1440)
    assert row["session_start"] == 1 and row["interactive"] == 1


async def test_events_api_long_keys_and_custom_props(
    client: TestClientProtocol, db: Database
) -> None:
    # Plausible's documented Events API example, sent as application/json by a server.
    body = {
        "name": "Signup",
        "url": f"https://{SITE}/register?utm_source=newsletter&utm_medium=email",
        "domain": SITE,
        "referrer": "https://news.ycombinator.com/item?id=1",
        "props": {"plan": "pro", "seats": 3, "annual": True},
        "interactive": False,
    }
    response = await send(client, body, "application/json")
    assert response.status_code == 202
    [row] = await wait_for_rows(db, 1)
    assert (row["name"], row["pathname"]) == ("Signup", "/register")
    assert props(row) == {"plan": "pro", "seats": 3, "annual": True}
    assert (row["utm_source"], row["utm_medium"]) == ("newsletter", "email")
    assert (row["source"], row["channel"]) == ("newsletter", "Email")  # utm_source first
    assert row["interactive"] == 0


async def test_props_as_a_json_string_keep_scalars_only(
    client: TestClientProtocol, db: Database
) -> None:
    raw_props = {"author": "Ada", "nested": {"x": 1}, "list": [1], "blank": " ", "none": None}
    body = {"n": "Read", "u": f"https://{SITE}/post", "d": SITE, "p": json.dumps(raw_props)}
    assert (await send(client, body)).status_code == 202
    [row] = await wait_for_rows(db, 1)
    assert props(row) == {"author": "Ada"}  # Plausible leaves the others out, keeping the event


async def test_unparseable_props_string_keeps_the_event(
    client: TestClientProtocol, db: Database
) -> None:
    body = {"n": "pageview", "u": f"https://{SITE}/", "d": SITE, "p": "{not json"}
    assert (await send(client, body)).status_code == 202
    [row] = await wait_for_rows(db, 1)
    assert row["props"] in (None, "{}")


@pytest.mark.parametrize(
    ("revenue", "expected"),
    [
        ({"$": {"amount": "10.29", "currency": "eur"}}, {"revenue_amount": 10.29}),
        ({"revenue": json.dumps({"amount": 99, "currency": "USD"})}, {"revenue_amount": 99.0}),
        ({"$": {"amount": "lots", "currency": "EUR"}}, {}),  # invalid: ignored, as Plausible
        ({"$": {"amount": 5, "currency": "EURO"}}, {}),
    ],
    ids=["short-key-decimal-string", "long-key-json-string", "bad-amount", "bad-currency"],
)
async def test_revenue_is_kept_in_props(
    client: TestClientProtocol, db: Database, revenue: dict[str, object], expected: dict[str, Any]
) -> None:
    body = {"n": "Purchase", "u": f"https://{SITE}/checkout", "d": SITE, "p": {"sku": "A1"}}
    assert (await send(client, {**body, **revenue})).status_code == 202
    [row] = await wait_for_rows(db, 1)
    stored = props(row)
    assert stored.pop("sku") == "A1"
    if expected:
        currency = stored.pop("revenue_currency")
        assert currency in ("EUR", "USD")
    assert stored == expected


async def test_engagement_maps_scroll_and_time(client: TestClientProtocol, db: Database) -> None:
    base = {"n": "engagement", "u": f"https://{SITE}/post", "d": SITE}
    for extra in ({"sd": 80, "e": 12_500}, {"sd": "150"}, {"e": "3000"}):
        assert (await send(client, {**base, **extra})).status_code == 202
    stored = await wait_for_rows(db, 3)
    assert [(r["name"], r["engagement_ms"], r["scroll_depth"]) for r in stored] == [
        ("engagement", 12_500, 80),
        ("engagement", None, 100),  # over 100 is clamped, as Plausible does
        ("engagement", 3_000, None),
    ]


async def test_hash_routing_keeps_the_fragment(client: TestClientProtocol, db: Database) -> None:
    url = f"https://{SITE}/app#/settings"
    await send(client, {"n": "pageview", "u": url, "d": SITE, "h": 1})
    await send(client, {"n": "pageview", "u": url, "d": SITE})
    stored = await wait_for_rows(db, 2)
    assert [r["pathname"] for r in stored] == ["/app#/settings", "/app"]


async def test_comma_separated_domains_record_once_per_known_site(
    client: TestClientProtocol, migrated, db: Database
) -> None:  # type: ignore[no-untyped-def]
    await add_sites(migrated, "rollup.example.org")
    body = {"n": "pageview", "u": f"https://{SITE}/", "d": f"{SITE}, rollup.example.org,nope.net"}
    response = await send(client, body)
    assert response.status_code == 202
    assert await response.get_data(as_text=True) == "ok"
    assert response.headers["x-plausible-dropped"] == "1"
    assert response.headers["X-Pulse-Dropped"] == "unknown_site=1"
    stored = await wait_for_rows(db, 2)
    sites = {r["id"]: r["domain"] for r in rows(db, "SELECT id, domain FROM sites")}
    assert sorted(sites[r["site_id"]] for r in stored) == [SITE, "rollup.example.org"]


async def test_unknown_site_and_bots_are_dropped_like_plausible(
    client: TestClientProtocol, db: Database
) -> None:
    unknown = await send(client, {"n": "pageview", "u": "https://stranger.org/", "d": "x.org"})
    assert (unknown.status_code, await unknown.get_data(as_text=True)) == (202, "ok")
    assert unknown.headers["x-plausible-dropped"] == "1"
    body = {"n": "pageview", "u": f"https://{SITE}/"}  # no d: the URL's host names the site
    bot = await send(client, body, headers={"User-Agent": GOOGLEBOT})
    assert (bot.status_code, bot.headers["x-plausible-dropped"]) == (202, "1")
    assert bot.headers["X-Pulse-Dropped"] == "bot=1"
    for _ in range(100):
        counted = rows(db, "SELECT site_id, reason, count FROM drop_counts ORDER BY site_id")
        if len(counted) == 2:
            break
        await asyncio.sleep(0.02)
    assert [tuple(r) for r in counted] == [(0, "unknown_site", 1), (1, "bot", 1)]
    assert rows(db) == []


def _long_props(n: int) -> dict[str, int]:
    return {f"k{i}": i for i in range(n)}


PAGE = f"https://{SITE}/"
BAD_BODIES = [
    ("undecodable", b"{not json", "request"),
    ("not an object", b"[]", "request"),
    ("missing name", json.dumps({"u": PAGE, "d": SITE}).encode(), "name"),
    ("missing url", json.dumps({"n": "pageview", "d": SITE}).encode(), "url"),
    ("blank domain", json.dumps({"n": "pageview", "u": PAGE, "d": " , "}).encode(), "domain"),
    ("name wrong type", json.dumps({"n": ["x"], "u": PAGE}).encode(), "name"),
    ("name over 64", json.dumps({"n": "e" * 65, "u": PAGE}).encode(), "name"),
    ("url not http", json.dumps({"n": "pageview", "u": "ftp://x.org/"}).encode(), "url"),
    ("url over 2000", json.dumps({"n": "pageview", "u": PAGE + "a" * 2000}).encode(), "url"),
    ("31 props", json.dumps({"n": "x", "u": PAGE, "p": _long_props(31)}).encode(), "props"),
    ("engagement blank", json.dumps({"n": "engagement", "u": PAGE}).encode(), "name"),
    ("nested too deep", b'{"n":"x","u":"/","p":' + b"[" * 5000 + b"]" * 5000 + b"}", "request"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
async def test_bad_input_is_400_with_plausible_errors(
    client: TestClientProtocol, db: Database, case: str, body: bytes, field: str
) -> None:
    response = await send(client, body)
    assert response.status_code == 400, case
    errors = (await response.get_json())["errors"]
    assert list(errors) == [field]
    assert isinstance(errors[field], list) and errors[field][0]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    await asyncio.sleep(0.05)
    assert rows(db) == []


async def test_cookieless_identity_is_stable_for_one_ip_and_agent(make_app, db: Database) -> None:  # type: ignore[no-untyped-def]
    app = make_app(trusted_proxy_hops=1)
    async with app.test_app():
        client = app.test_client()
        for ip, agent, path in [
            ("203.0.113.7", FIREFOX, "/a"),
            ("203.0.113.7", FIREFOX, "/b"),
            ("198.51.100.9", FIREFOX, "/c"),
            ("203.0.113.7", FIREFOX.replace("133", "134"), "/d"),
        ]:
            headers = {"User-Agent": agent, "X-Forwarded-For": ip}
            body = {"n": "pageview", "u": f"https://{SITE}{path}", "d": SITE}
            assert (await send(client, body, headers=headers)).status_code == 202
        stored = await wait_for_rows(db, 4)
    a, b, c, d = stored
    assert a["visitor_id"] == b["visitor_id"] and a["session_id"] == b["session_id"]
    assert b["session_start"] == 0 and b["new_visitor"] == 1
    assert len({a["visitor_id"], c["visitor_id"], d["visitor_id"]}) == 3


async def test_plausible_and_pulse_events_are_counted_alike(make_app, db: Database) -> None:  # type: ignore[no-untyped-def]
    """One visit tagged both ways is one visitor and one session, and the same inputs give the
    same enriched row whichever endpoint they came through."""
    url = f"https://{SITE}/pricing?utm_source=newsletter&utm_medium=email"
    referrer = "https://www.google.com/"
    app = make_app(trusted_proxy_hops=1)
    async with app.test_app():
        client = app.test_client()
        visit = {"User-Agent": FIREFOX, "X-Forwarded-For": "203.0.113.7"}
        pulse = {"event_type": "pageview", "url": url, "referrer": referrer, "screen_width": 1440}
        await client.post("/api/collect", json=pulse, headers=visit)  # no visitor_id: cookieless
        plausible = {"n": "pageview", "u": url, "r": referrer, "d": SITE, "w": 1440}
        await send(client, plausible, headers=visit)
        other = {"User-Agent": FIREFOX, "X-Forwarded-For": "198.51.100.9"}
        await send(client, plausible, headers=other)
        first, second, third = await wait_for_rows(db, 3)
    assert (first["visitor_id"], first["session_id"]) == (
        second["visitor_id"],
        second["session_id"],
    )
    assert (first["session_start"], second["session_start"]) == (1, 0)
    pulse_row, plausible_row = dict(first), dict(third)
    for column in ("id", "ts", "visitor_id", "session_id"):
        del pulse_row[column], plausible_row[column]
    assert pulse_row == plausible_row


async def test_cors_preflight_and_answer(client: TestClientProtocol) -> None:
    preflight = await client.options(
        "/api/event",
        headers={
            "Origin": "https://customer.site",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://customer.site"
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    response = await send(client, {"n": "pageview", "u": f"https://{SITE}/"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "x-plausible-dropped" in response.headers["Access-Control-Expose-Headers"]


async def test_full_queue_answers_503(make_app, db: Database) -> None:  # type: ignore[no-untyped-def]
    app = make_app(queue_bound=1)
    async with app.test_app():
        client = app.test_client()
        body = {"n": "pageview", "u": f"https://{SITE}/", "d": f"{SITE},{SITE}.org"}
        response = await send(client, body)
        assert (response.status_code, response.headers["Retry-After"]) == (503, "1")
    assert rows(db) == []


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)
KEYS = ["n", "name", "u", "url", "d", "domain", "r", "p", "props", "$", "i", "h", "sd", "e", "w"]
urls = st.sampled_from([PAGE, "x", "https://[::1/", "http://", f"https://{SITE}/#a", ""])
events = st.fixed_dictionaries(
    {"n": st.sampled_from(["pageview", "engagement", "Signup", ""]), "u": urls},
    optional={key: json_values for key in KEYS if key not in ("n", "u")},
)
bodies = st.one_of(
    st.binary(max_size=200),
    events.map(lambda e: json.dumps(e).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
)


async def test_no_body_produces_a_server_error(app: Quart) -> None:
    client = app.test_client()
    loop = asyncio.get_running_loop()

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies)
    def check(body: bytes) -> None:
        call = send(client, body)
        response = asyncio.run_coroutine_threadsafe(call, loop).result(timeout=10)
        assert response.status_code < 500, (body, response.status_code)

    # Hypothesis drives from a worker thread; the app keeps running on this test's loop.
    await asyncio.to_thread(check)
