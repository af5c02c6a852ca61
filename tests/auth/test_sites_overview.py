"""The sites overview's numbers, the landing page after login, members by email, and the
admin's "require two-factor" (issue 19), through the app on both backends."""

from __future__ import annotations

import asyncio

import pyotp
from quart import Quart
from quart.testing.connections import WebsocketDisconnectError
from quart.typing import TestClientProtocol

from app.api.guard import POLICY_VIOLATION
from app.clock import FakeClock
from app.settings import Settings
from tests.auth.helpers import add_user, csrf_of, hidden, login
from tests.conftest import FIREFOX, SITE, add_sites

OTHER = "other.example"
PAGE = {"Accept": "text/html"}


async def visit(client: TestClientProtocol, site: str, visitor: str) -> None:
    event = {"url": f"https://{site}/", "visitor_id": visitor}
    answer = await client.post("/api/collect", json=[event], headers={"User-Agent": FIREFOX})
    assert answer.status_code == 202


async def two_factor_on(client: TestClientProtocol, clock: FakeClock) -> None:
    """Through /account (the page a user who must enrol still reaches) and its API."""
    page = await (await client.get("/account", headers=PAGE)).get_data(as_text=True)
    csrf = {"X-CSRF-Token": hidden(page, "csrf-token")}
    begun = await (await client.post("/api/account/totp", headers=csrf)).get_json()
    assert begun["qr"].startswith("data:image/svg+xml")  # the QR code the account page shows
    code = pyotp.TOTP(begun["secret"]).at(clock.now_ms() // 1000)
    enabled = await client.post("/api/account/totp/enable", json={"code": code}, headers=csrf)
    assert enabled.status_code == 200


async def socket_refusal(client: TestClientProtocol) -> int:
    """The close code of /ws/live for this client (0: it sent a snapshot)."""
    try:
        async with client.websocket(f"/ws/live?site={SITE}") as ws:
            await asyncio.wait_for(ws.receive(), 3)
    except WebsocketDisconnectError as exc:
        return int(exc.args[0])
    return 0


async def test_overview_lists_readable_sites_with_their_visitors(
    migrated: Settings, make_app: object, clock: FakeClock
) -> None:
    await add_sites(migrated, OTHER)
    await add_user(migrated, "owner@example.com", admin=True)
    await add_user(migrated, "viewer@example.com", roles={SITE: "viewer"})
    app: Quart = make_app()  # type: ignore[operator]
    async with app.test_app():
        client = app.test_client()
        await visit(client, SITE, "a")
        await visit(client, SITE, "b")
        clock.advance(minutes=1)
        await visit(client, SITE, "a")
        await visit(client, OTHER, "c")

        admin = app.test_client()
        assert await login(admin, "owner@example.com") == 303
        # Two sites: `/` lands on the overview; ?site= still opens the dashboard.
        landing = await admin.get("/", headers=PAGE)
        assert (landing.status_code, landing.headers["Location"]) == (302, "/sites")
        assert (await admin.get(f"/?site={SITE}", headers=PAGE)).status_code == 200
        body = await (await admin.get("/api/v1/overview")).get_json()
        assert body["can_add"] is True
        by_site = {s["domain"]: s for s in body["sites"]}
        assert set(by_site) == {SITE, OTHER}
        assert by_site[SITE]["visitors_today"] == 2 and by_site[SITE]["visitors_7d"] == 2
        assert [d["visitors"] for d in by_site[SITE]["days"]] == [0, 0, 0, 0, 0, 0, 2]
        assert by_site[SITE]["days"][-1]["date"] == "2026-01-01"  # the fake clock's day
        assert by_site[OTHER]["visitors_today"] == 1

        viewer = app.test_client()
        assert await login(viewer, "viewer@example.com") == 303
        # One site: `/` is its dashboard; the overview shows that site only.
        assert (await viewer.get("/", headers=PAGE)).status_code == 200
        mine = await (await viewer.get("/api/v1/overview")).get_json()
        assert [s["domain"] for s in mine["sites"]] == [SITE]
        assert mine["sites"][0]["role"] == "viewer" and mine["can_add"] is False
        assert (await viewer.get(f"/sites/{OTHER}/settings", headers=PAGE)).status_code == 404


async def test_members_by_email(migrated: Settings, app: Quart) -> None:
    await add_user(migrated, "admin@example.com", admin=True)
    await add_user(migrated, "sam@example.com")
    owner = app.test_client()
    assert await login(owner, "admin@example.com") == 303
    csrf = {"X-CSRF-Token": await csrf_of(owner)}
    url = f"/api/admin/sites/{SITE}/members"
    given = await owner.put(url, json={"email": "Sam@Example.com", "role": "owner"}, headers=csrf)
    members = {m["email"]: m["role"] for m in (await given.get_json())["members"]}
    assert members == {"admin@example.com": "admin", "sam@example.com": "owner"}
    bad = await owner.put(url, json={"email": "sam@example.com", "role": "king"}, headers=csrf)
    assert bad.status_code == 400 and (await bad.get_json())["field"] == "role"
    unknown = await owner.put(url, json={"email": "x@example.com", "role": "viewer"}, headers=csrf)
    assert unknown.status_code == 400 and (await unknown.get_json())["field"] == "email"
    removed = await owner.put(url, json={"email": "sam@example.com", "role": None}, headers=csrf)
    assert [m["email"] for m in (await removed.get_json())["members"]] == ["admin@example.com"]


async def test_required_two_factor_sends_users_without_it_to_enrol(
    migrated: Settings, app: Quart, clock: FakeClock
) -> None:
    await add_user(migrated, "admin@example.com", admin=True)
    await add_user(migrated, "vera@example.com", roles={SITE: "viewer"})
    admin = app.test_client()
    assert await login(admin, "admin@example.com") == 303
    csrf = {"X-CSRF-Token": await csrf_of(admin)}
    on = {"require_two_factor": True}
    # The admin's own two-factor first: turning it on without would lock them out.
    refused = await admin.patch("/api/admin/instance", json=on, headers=csrf)
    assert refused.status_code == 400
    assert (await refused.get_json())["field"] == "require_two_factor"
    wrong_type = await admin.patch(
        "/api/admin/instance", json={"require_two_factor": "true"}, headers=csrf
    )
    assert wrong_type.status_code == 400
    await two_factor_on(admin, clock)
    changed = await admin.patch("/api/admin/instance", json=on, headers=csrf)
    assert (await changed.get_json())["require_two_factor"] is True

    vera = app.test_client()
    assert await login(vera, "vera@example.com") == 303
    sent = await vera.get(f"/?site={SITE}", headers=PAGE)
    assert (sent.status_code, sent.headers["Location"]) == (302, "/account?enrol=1")
    api = await vera.get(f"/api/v1/sites/{SITE}/summary")
    assert api.status_code == 403 and "two-factor" in (await api.get_json())["error"]
    assert await socket_refusal(vera) == POLICY_VIOLATION  # the live view too
    # What enrolling needs stays open: the account page, its API, /api/me.
    assert (await vera.get("/account?enrol=1", headers=PAGE)).status_code == 200
    assert (await vera.get("/api/me")).status_code == 200
    await two_factor_on(vera, clock)
    assert (await vera.get(f"/api/v1/sites/{SITE}/summary")).status_code == 200
    assert await socket_refusal(vera) == 0
    assert (await vera.get(f"/?site={SITE}", headers=PAGE)).status_code == 200
    # The admin (two-factor on) was never stopped.
    assert (await admin.get("/api/admin/instance")).status_code == 200
