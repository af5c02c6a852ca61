"""POST /api/send and /api/batch: Umami's tracker bodies land like Pulse's own events; sites
carry an Umami website id (`pulse site update --umami-id`)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quart import Quart
from quart.typing import TestClientProtocol

from app.cli import main
from app.migrate import alembic_config, upgrade
from app.settings import Settings
from tests.backends import Database
from tests.conftest import FIREFOX, SITE, rows, wait_for_rows

WEBSITE_ID = "2f7d5e40-3b8a-4c5e-9d1f-6a0b8c7e9f12"
HEADERS = {"User-Agent": FIREFOX}
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def payload(**fields: object) -> dict[str, object]:
    """What Umami's tracker sends for a page view (v2 sends the url as a path)."""
    return {
        "website": WEBSITE_ID,
        "hostname": SITE,
        "screen": "1920x1080",
        "language": "en-US",
        "title": "Pricing",
        "url": f"https://{SITE}/pricing?utm_source=newsletter",
        "referrer": "",
        **fields,
    }


def message(kind: str = "event", **fields: object) -> dict[str, object]:
    return {"type": kind, "payload": payload(**fields)}


async def send(
    client: TestClientProtocol,
    body: object,
    path: str = "/api/send",
    headers: dict[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(
        path, data=data, headers={"Content-Type": "application/json", **(headers or HEADERS)}
    )


async def site_command(settings: Settings, *args: str) -> int:
    argv = ["--database-url", settings.database_url, "site", *args]
    return await asyncio.to_thread(main, argv)


@pytest.fixture
async def umami_site(migrated: Settings) -> Settings:
    assert await site_command(migrated, "update", SITE, "--umami-id", WEBSITE_ID.upper()) == 0
    return migrated


@pytest.fixture
async def umami_client(umami_site: Settings, app: Quart) -> TestClientProtocol:
    return app.test_client()


async def test_tracker_pageview_lands_enriched(
    umami_client: TestClientProtocol, db: Database
) -> None:
    body = message(referrer="https://news.ycombinator.com/item?id=1")
    response = await send(umami_client, body)
    assert response.status_code == 200
    answer = await response.get_json()
    assert set(answer) == {"sessionId", "visitId"} and uuid.UUID(answer["sessionId"])
    [row] = await wait_for_rows(db, 1)
    assert (row["name"], row["hostname"], row["pathname"]) == ("pageview", SITE, "/pricing")
    assert (row["source"], row["channel"]) == ("newsletter", "Email")
    assert row["referrer"] == "https://news.ycombinator.com/item"
    assert (row["screen_width"], row["screen_height"], row["language"]) == (1920, 1080, "en-US")
    assert (row["browser"], row["session_start"]) == ("Firefox", 1)


async def test_path_urls_resolve_on_the_hostname(
    umami_client: TestClientProtocol, db: Database
) -> None:
    await send(umami_client, message(url="/docs/start?utm_medium=cpc", referrer="/home"))
    [row] = await wait_for_rows(db, 1)
    assert (row["hostname"], row["pathname"], row["utm_medium"]) == (SITE, "/docs/start", "cpc")
    assert (row["source"], row["referrer"]) == ("Direct", None)  # same-site referrer: internal


async def test_fragment_stays_in_the_path_as_in_umami(
    umami_client: TestClientProtocol, db: Database
) -> None:
    await send(umami_client, message(url=f"https://{SITE}/app#/settings"))
    [row] = await wait_for_rows(db, 1)
    assert row["pathname"] == "/app#/settings"


async def test_website_may_be_the_domain_when_no_umami_id_is_set(
    client: TestClientProtocol, db: Database
) -> None:
    response = await send(client, message(website=SITE))
    assert response.status_code == 200
    assert len(await wait_for_rows(db, 1)) == 1


async def test_custom_event_keeps_data_as_props(
    umami_client: TestClientProtocol, db: Database
) -> None:
    data = {"plan": "pro", "seats": 3, "cart": {"items": 2, "total": 9.5}, "tags": ["a", "b"]}
    await send(umami_client, message(name="signup-button", data=data))
    await send(umami_client, message(data={"ignored": "on page views"}))
    custom, view = await wait_for_rows(db, 2)
    assert custom["name"] == "signup-button"
    assert json.loads(custom["props"]) == {
        "plan": "pro",
        "seats": 3,
        "cart.items": 2,
        "cart.total": 9.5,
        "tags": '["a","b"]',
    }
    assert (view["name"], view["props"] in (None, "{}")) == ("pageview", True)


async def test_unknown_website_is_400_and_counted(
    umami_client: TestClientProtocol, db: Database, admin_headers: dict[str, str]
) -> None:
    response = await send(umami_client, message(website=str(uuid.uuid4())))
    assert response.status_code == 400
    assert await response.get_json() == {
        "error": {"message": "Website not found.", "code": "bad-request", "status": 400}
    }
    ready = await (await umami_client.get("/readyz", headers=admin_headers)).get_json()
    assert ready["events"]["dropped"] == {"unknown_site": 1}
    assert rows(db) == []


async def test_bots_get_umamis_answer_and_are_counted(
    umami_client: TestClientProtocol, db: Database
) -> None:
    response = await send(umami_client, message(), headers={"User-Agent": GOOGLEBOT})
    assert (response.status_code, await response.get_json()) == (200, {"beep": "boop"})
    for _ in range(100):
        counted = rows(db, "SELECT site_id, reason, count FROM drop_counts")
        if counted:
            break
        await asyncio.sleep(0.02)
    assert [tuple(r) for r in counted] == [(1, "bot", 1)]


async def test_identify_is_accepted_and_ignored(
    umami_client: TestClientProtocol, db: Database
) -> None:
    response = await send(umami_client, message("identify", id="user-42", data={"a": 1}))
    assert (response.status_code, await response.get_json()) == (200, {})
    await asyncio.sleep(0.05)
    assert rows(db) == []


async def test_vid_is_a_client_id_and_no_vid_is_cookieless(
    make_app, umami_site: Settings, db: Database
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(trusted_proxy_hops=1)
    async with app.test_app():
        client = app.test_client()
        for ip, vid in [("203.0.113.7", "v-1"), ("198.51.100.9", "v-1"), ("203.0.113.7", None)]:
            headers = {"User-Agent": FIREFOX, "X-Forwarded-For": ip}
            await send(client, message(vid=vid), headers=headers)
        headers = {"User-Agent": FIREFOX, "X-Forwarded-For": "203.0.113.7"}
        await send(client, message(), headers=headers)
        same_vid, moved, first, again = await wait_for_rows(db, 4)
    assert same_vid["visitor_id"] == moved["visitor_id"]  # one browser, two networks
    assert first["visitor_id"] == again["visitor_id"] != same_vid["visitor_id"]
    assert again["session_start"] == 0


BAD = [
    ("undecodable", b"{nope", "body"),
    ("not an object", b"[1]", "body"),
    ("unknown type", json.dumps(message("party")).encode(), "type"),
    ("no payload", b'{"type": "event"}', "payload"),
    ("no website", json.dumps({"type": "event", "payload": {"url": "/"}}).encode(), None),
    ("blank website", json.dumps(message(website="  ")).encode(), "payload.website"),
    ("name over 64", json.dumps(message(name="n" * 65)).encode(), "payload.name"),
    ("url wrong type", json.dumps(message(url=5)).encode(), "payload.url"),
    ("url not http", json.dumps(message(url="ftp://x.org/")).encode(), "payload.url"),
    (
        "31 props",
        json.dumps(message(name="x", data={f"k{i}": i for i in range(31)})).encode(),
        None,
    ),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD, ids=[b[0] for b in BAD])
async def test_bad_input_is_400_with_umamis_error_shape(
    umami_client: TestClientProtocol, db: Database, case: str, body: bytes, field: str | None
) -> None:
    response = await send(umami_client, body)
    assert response.status_code == 400, case
    error = (await response.get_json())["error"]
    assert (error["code"], error["status"]) == ("bad-request", 400) and error["message"]
    if field:
        assert error["field"] == field
    else:
        assert error["field"].startswith("payload.")
    await asyncio.sleep(0.05)
    assert rows(db) == []


async def test_batch_answers_per_message(umami_client: TestClientProtocol, db: Database) -> None:
    body = [
        message(),
        message(name="signup", data={"plan": "pro"}),
        message(website=str(uuid.uuid4())),
        message("identify", id="user-42"),
    ]
    response = await send(umami_client, body, "/api/batch")
    assert response.status_code == 200
    answer = await response.get_json()
    assert {k: answer[k] for k in ("size", "processed", "errors")} == {
        "size": 4,
        "processed": 3,
        "errors": 1,
    }
    assert [d["index"] for d in answer["details"]] == [2]
    stored = await wait_for_rows(db, 2)
    assert [r["name"] for r in stored] == ["pageview", "signup"]


async def test_batch_with_a_bad_message_keeps_nothing(
    umami_client: TestClientProtocol, db: Database
) -> None:
    response = await send(umami_client, [message(), message(url=[1])], "/api/batch")
    assert response.status_code == 400
    assert (await response.get_json())["error"]["field"] == "[1].payload.url"
    await asyncio.sleep(0.05)
    assert rows(db) == []


async def test_cors_preflight_allows_umamis_cache_header(umami_client: TestClientProtocol) -> None:
    for path in ("/api/send", "/api/batch"):
        preflight = await umami_client.options(
            path,
            headers={"Origin": "https://customer.site", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == "https://customer.site"
        allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
        assert "content-type" in allowed and "x-umami-cache" in allowed
        assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    response = await send(umami_client, message())
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_pulse_script_with_an_umami_website_id_is_recorded(
    umami_client: TestClientProtocol, db: Database
) -> None:
    """Pulse's script reads `data-website-id` as its site: a UUID resolves like a domain."""
    event = {"event_type": "pageview", "url": f"https://{SITE}/", "site": WEBSITE_ID}
    response = await umami_client.post("/api/collect", json=event, headers=HEADERS)
    assert (await response.get_json())["accepted"] == 1


async def test_umami_id_set_while_running_is_used_at_once(
    client: TestClientProtocol, migrated: Settings
) -> None:
    assert (await send(client, message())).status_code == 400
    assert await site_command(migrated, "update", SITE, "--umami-id", WEBSITE_ID) == 0
    assert (await send(client, message())).status_code == 200


async def test_site_update_command(
    migrated: Settings, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--umami-id", WEBSITE_ID, "--name", "Example", "--timezone", "Europe/Berlin"]
    assert await site_command(migrated, "update", SITE, *args, "--identity", "cookieless") == 0
    assert await site_command(migrated, "list") == 0
    assert WEBSITE_ID in capsys.readouterr().out
    [site] = rows(db, "SELECT name, timezone, identity_mode, umami_id FROM sites")
    assert tuple(site) == ("Example", "Europe/Berlin", "cookieless", WEBSITE_ID)
    assert await site_command(migrated, "add", "other.org") == 0
    assert await site_command(migrated, "update", "other.org", "--umami-id", WEBSITE_ID) == 2
    assert await site_command(migrated, "update", "other.org", "--umami-id", "not-a-uuid") == 2
    assert await site_command(migrated, "update", "nowhere.org", "--name", "x") == 2
    assert await site_command(migrated, "update", SITE, "--umami-id", "") == 0
    assert rows(db, "SELECT umami_id FROM sites WHERE id = 1")[0][0] is None


async def test_migration_0003_downgrades_and_upgrades(migrated: Settings) -> None:
    config = alembic_config(migrated.database_url)
    await asyncio.to_thread(command.downgrade, config, "0002")
    await asyncio.to_thread(upgrade, migrated.database_url)
    assert await site_command(migrated, "update", SITE, "--umami-id", WEBSITE_ID) == 0


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)
FIELDS = ["hostname", "url", "referrer", "screen", "language", "name", "data", "vid", "id"]
payloads = st.fixed_dictionaries(
    {"website": st.sampled_from([WEBSITE_ID, SITE, "", "nope"])},
    optional={key: json_values for key in FIELDS},
)
messages = st.fixed_dictionaries(
    {"type": st.sampled_from(["event", "identify", "x"]), "payload": payloads | json_values}
)
bodies: st.SearchStrategy[Any] = st.one_of(
    st.binary(max_size=200),
    messages.map(lambda m: json.dumps(m).encode()),
    st.lists(messages, max_size=3).map(lambda m: json.dumps(m).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
)


async def test_no_body_produces_a_server_error(umami_site: Settings, app: Quart) -> None:
    client = app.test_client()
    loop = asyncio.get_running_loop()

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies, path=st.sampled_from(["/api/send", "/api/batch"]))
    def check(body: bytes, path: str) -> None:
        call = send(client, body, path)
        response = asyncio.run_coroutine_threadsafe(call, loop).result(timeout=10)
        assert response.status_code < 500, (body, path, response.status_code)

    # Hypothesis drives from a worker thread; the app keeps running on this test's loop.
    await asyncio.to_thread(check)
