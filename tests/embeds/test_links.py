"""Share options, framing headers, filter locks and kiosk links in process (issue 21): the
numbers a locked link sees equal the filtered numbers, whatever its URL or socket query say."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from tests.conftest import FIREFOX, SITE

LOCK = "source==news"
SUMMARY = f"/api/v1/sites/{SITE}/summary?range=today"


@pytest.fixture
async def live_app(make_app: Callable[..., Quart]) -> AsyncIterator[Quart]:
    quart_app = make_app(live_tick_ms=50, live_reauth_ms=100)
    async with quart_app.test_app():
        yield quart_app


async def post(client: TestClientProtocol, visitor: str, query: str = "") -> None:
    body = {"url": f"https://{SITE}/p{query}", "visitor_id": visitor}
    answer = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    assert answer.status_code == 202, await answer.get_data()


async def traffic(client: TestClientProtocol) -> None:
    """3 visitors from the newsletter, 2 others (one from elsewhere)."""
    for n in range(3):
        await post(client, f"news-{n}", "?utm_source=news")
    await post(client, "direct-0")
    await post(client, "other-0", "?utm_source=ads")


def visitors(summary: dict[str, Any]) -> int:
    return int(summary["metrics"]["visitors"]["value"])


async def make_share(client: TestClientProtocol, headers: dict[str, str], **body: Any) -> Any:
    made = await client.post(f"/api/admin/sites/{SITE}/shares", json=body, headers=headers)
    assert made.status_code == 200, await made.get_data()
    return await made.get_json()


async def first_snapshot(client: TestClientProtocol, query: str) -> dict[str, Any]:
    async with client.websocket(f"/ws/live?{query}") as ws:
        frame = json.loads(await asyncio.wait_for(ws.receive(), 5))
    assert frame["type"] == "snapshot"
    return dict(frame)


async def test_share_options_are_validated_naming_the_field(
    live_app: Quart, admin_headers: dict[str, str]
) -> None:
    client = live_app.test_client()
    url = f"/api/admin/sites/{SITE}/shares"
    cases = [
        ({"embed_origins": ["http://blog.example"]}, "embed_origins"),
        ({"embed_origins": ["https://blog.example/path"]}, "embed_origins"),
        ({"embed_origins": ["https://*"]}, "embed_origins"),
        ({"embed_origins": "https://blog.example"}, "embed_origins"),
        ({"filter": "nope==1"}, "filter"),
        ({"filter": "goal==Signup"}, "filter"),
        ({"filter": "prop:plan==pro"}, "filter"),
        ({"filter": 7}, "filter"),
    ]
    for body, field in cases:
        answer = await client.post(url, json=body, headers=admin_headers)
        assert answer.status_code == 400, body
        assert (await answer.get_json())["field"] == field, body
    made = await make_share(
        client,
        admin_headers,
        embed_origins=["https://Blog.example/", "https://*.example.org", "https://blog.example"],
        filter=LOCK,
    )
    assert made["embed_origins"] == ["https://blog.example", "https://*.example.org"]
    assert made["filter"] == LOCK
    patched = await client.patch(
        f"/api/admin/shares/{made['id']}", json={"filter": ""}, headers=admin_headers
    )
    assert (await patched.get_json())["filter"] == ""
    assert (await patched.get_json())["embed_origins"] == made["embed_origins"]


async def test_only_the_links_embeddable_pages_may_be_framed(
    live_app: Quart, admin_headers: dict[str, str]
) -> None:
    client = live_app.test_client()
    made = await make_share(client, admin_headers, embed_origins=["https://blog.example"])
    bare = await make_share(client, admin_headers)
    slug = made["slug"]
    for path in (
        f"/share/{slug}/live-card",
        f"/share/{slug}/counter?theme=transparent",
        f"/?site={SITE}&share={slug}&embed=1",
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert page.headers["Content-Security-Policy"].endswith(
            "frame-ancestors https://blog.example"
        )
        assert "X-Frame-Options" not in page.headers, path
    for path in (
        f"/share/{bare['slug']}/live-card",  # no origins listed
        f"/?site={SITE}&share={slug}",  # the dashboard itself, not embedded
        "/login",
    ):
        page = await client.get(path)
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"], path
        assert page.headers["X-Frame-Options"] == "DENY", path
    entered = await client.get(f"/share/{slug}?embed=1&theme=dark")
    assert entered.status_code == 303 and "set-cookie" not in entered.headers
    assert entered.headers["Location"] == f"/?site={SITE}&share={slug}&embed=1&theme=dark"


async def test_a_locked_share_cannot_widen_its_filter(
    live_app: Quart, admin_headers: dict[str, str]
) -> None:
    admin = live_app.test_client()
    await traffic(admin)
    slug = (await make_share(admin, admin_headers, filter=LOCK))["slug"]
    filtered = await (await admin.get(f"{SUMMARY}&filter={LOCK}", headers=admin_headers)).json
    everything = await (await admin.get(SUMMARY, headers=admin_headers)).json
    assert visitors(filtered) == 3 and visitors(everything) == 5

    shared = live_app.test_client()  # the slug in the URL, as an embed sends it
    locked = await (await shared.get(f"{SUMMARY}&share={slug}")).json
    assert locked == filtered
    # A URL filter is added on top of the lock, never instead of it.
    emptied = await (await shared.get(f"{SUMMARY}&share={slug}&filter=source!%3Dnews")).json
    assert visitors(emptied) == 0
    again = await (await shared.get(f"{SUMMARY}&share={slug}&filter=source%3D%3Dads")).json
    assert visitors(again) == 0
    sources = await (
        await shared.get(f"/api/v1/sites/{SITE}/breakdown/source?range=today&share={slug}")
    ).json
    assert [row["value"] for row in sources["results"]] == ["news"]

    # The cookie way in is held to the same lock.
    cookie = live_app.test_client()
    assert (await cookie.get(f"/share/{slug}")).status_code == 303
    assert await (await cookie.get(SUMMARY)).json == filtered

    # Live: the socket's query names no other view, whatever it adds.
    whole = await first_snapshot(admin_socket := admin, f"site={SITE}&share={slug}&filter=")
    assert whole["last_30m"]["visitors"] == 3, whole["last_30m"]
    assert whole["active_now"] == 3
    real = await (
        await admin_socket.get(f"/api/v1/sites/{SITE}/realtime?share={slug}&filter=")
    ).json
    assert real["last_30m"]["visitors"] == 3
    unlocked = await (await admin.get(f"/api/v1/sites/{SITE}/realtime", headers=admin_headers)).json
    assert unlocked["last_30m"]["visitors"] == 5


async def test_a_locked_socket_is_pushed_only_its_events(
    live_app: Quart, admin_headers: dict[str, str]
) -> None:
    client = live_app.test_client()
    share = await make_share(client, admin_headers, filter=LOCK)
    async with client.websocket(f"/ws/live?share={share['slug']}") as ws:
        first = json.loads(await asyncio.wait_for(ws.receive(), 5))
        assert first["site"] == SITE and first["last_30m"]["pageviews"] == 0
        await post(client, "ads-1", "?utm_source=ads")
        await post(client, "news-9", "?utm_source=news")
        seen = first
        while seen["last_30m"]["pageviews"] < 1:
            seen = json.loads(await asyncio.wait_for(ws.receive(), 5))
        assert seen["last_30m"]["pageviews"] == 1 and seen["top"]["sources"]["items"] == [
            ["news", 1]
        ]
        # Changing the lock closes the socket (the screen reconnects to the new filter).
        await client.patch(
            f"/api/admin/shares/{share['id']}", json={"filter": ""}, headers=admin_headers
        )
        with pytest.raises(Exception):  # noqa: B017 - closed 1008, however Quart reports it
            for _ in range(100):
                await asyncio.wait_for(ws.receive(), 5)


async def test_kiosk_links_open_the_wall_until_revoked(
    live_app: Quart, admin_headers: dict[str, str]
) -> None:
    admin = live_app.test_client()
    made = await admin.post(
        f"/api/admin/sites/{SITE}/kiosks",
        json={"label": "Lobby TV", "filter": LOCK},
        headers=admin_headers,
    )
    created = await made.get_json()
    token = created["token"]
    listed = await (await admin.get(f"/api/admin/sites/{SITE}/kiosks", headers=admin_headers)).json
    assert [k["label"] for k in listed] == ["Lobby TV"] and token not in json.dumps(listed)
    tv = live_app.test_client()
    entry = await tv.get(created["path"])
    assert entry.status_code == 303 and "set-cookie" not in entry.headers
    assert entry.headers["Location"] == f"/live?site={SITE}&kiosk={token}"
    wall = await tv.get(entry.headers["Location"], headers={"Accept": "text/html"})
    assert wall.status_code == 200
    await traffic(admin)
    snap = await first_snapshot(tv, f"site={SITE}&kiosk={token}")
    assert snap["last_30m"]["visitors"] == 3  # locked like a share link
    # Read-only: a kiosk token changes nothing.
    change = await tv.post(f"/api/admin/sites/{SITE}/shares?kiosk={token}", json={})
    assert change.status_code == 403

    async with tv.websocket(f"/ws/live?site={SITE}&kiosk={token}") as ws:
        await asyncio.wait_for(ws.receive(), 5)
        revoked = await admin.delete(
            f"/api/admin/kiosks/{created['kiosk']['id']}", headers=admin_headers
        )
        assert (await revoked.get_json()) == {"revoked": True}
        with pytest.raises(Exception):  # noqa: B017 - closed 1008 by the re-check
            for _ in range(100):
                await asyncio.wait_for(ws.receive(), 5)
    assert (await tv.get(created["path"])).status_code == 404
    refused = await tv.get(f"/live?site={SITE}&kiosk={token}", headers={"Accept": "text/html"})
    assert refused.status_code in (302, 303) and refused.location.startswith("/login")
