"""Every refusal of the admin and site-management routes, answered exactly: status, JSON body
(bytes) and headers. The checks live in app/api/access.py (`admin_only`, `site_owner`, the
row owner check); this pins what they answer so moving a check cannot change a byte."""

from __future__ import annotations

import json
from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from app.settings import Settings
from tests.auth.helpers import add_user, csrf_of, login
from tests.conftest import SITE, add_sites

OTHER = "other.example"  # the caller owns it
THIRD = "third.example"  # the caller has no role on it
MISSING = "nosuch.example"
NOT_ALLOWED = {"error": "not allowed"}


def owners(action: str) -> dict[str, str]:
    return {"error": f"only the site's owners and admins {action}", "field": "site"}


def no_site(domain: str) -> dict[str, str]:
    return {"error": f"no site {domain}", "field": "site"}


async def assert_refused(
    client: TestClientProtocol,
    method: str,
    path: str,
    status: int,
    expected: dict[str, str],
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> None:
    response = await client.open(path, method=method, json=body, headers=headers or {})
    data = await response.get_data()
    # Quart's JSON provider: sorted keys, ASCII, one final newline (app/api/errors.py).
    assert (response.status_code, data) == (
        status,
        (json.dumps(expected, sort_keys=True, separators=(",", ":")) + "\n").encode(),
    ), (method, path)
    got = {k.lower(): v for k, v in response.headers.items() if k.lower() != "date"}
    assert got == {
        "content-type": "application/json",
        "content-length": str(len(data)),
        "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
        "cross-origin-opener-policy": "same-origin",
        "referrer-policy": "strict-origin-when-cross-origin",
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
    }, (method, path)


@pytest.fixture
async def sites(migrated: Settings) -> Settings:
    await add_sites(migrated, OTHER, THIRD)
    await add_user(migrated, "owner@example.com", roles={SITE: "viewer", OTHER: "owner"})
    return migrated


@pytest.fixture
async def owner(sites: Settings, app: Quart) -> tuple[TestClientProtocol, dict[str, str]]:
    """A signed-in owner of OTHER who only views SITE, with the session's CSRF header."""
    client = app.test_client()
    assert await login(client, "owner@example.com") == 303
    return client, {"X-CSRF-Token": await csrf_of(client)}


ADMIN_ONLY = [
    ("GET", "/api/admin/users", None),
    ("POST", "/api/admin/users", {"email": "x@example.com", "password": "long enough pass"}),
    ("PUT", f"/api/admin/users/1/roles/{SITE}", {"role": "viewer"}),
    ("DELETE", "/api/admin/users/1", None),
    ("GET", "/api/admin/tokens", None),
    ("POST", "/api/admin/tokens", {}),
    ("DELETE", "/api/admin/tokens/1", None),
    ("POST", "/api/admin/sites", {"domain": "new.example"}),
    ("DELETE", f"/api/admin/sites/{OTHER}", None),  # owning a site is not removing it
    ("GET", "/api/admin/instance", None),
    ("PATCH", "/api/admin/instance", {"require_two_factor": False}),
    ("POST", "/api/admin/instance/test-email", {}),
]


async def test_admin_routes_refuse_everyone_else_alike(
    owner: tuple[TestClientProtocol, dict[str, str]],
) -> None:
    client, csrf = owner
    for method, path, body in ADMIN_ONLY:
        await assert_refused(client, method, path, 403, NOT_ALLOWED, body, csrf)


def site_routes(domain: str) -> list[tuple[str, str, str, Any]]:
    """(method, path, the refusal's action, body) of every route only owners and admins use."""
    admin, v1 = f"/api/admin/sites/{domain}", f"/api/v1/sites/{domain}"
    return [
        ("PATCH", admin, "change the site", {"name": "renamed"}),
        ("GET", f"{admin}/shares", "see share links", None),
        ("POST", f"{admin}/shares", "create share links", {}),
        ("GET", f"{admin}/kiosks", "see kiosk links", None),
        ("POST", f"{admin}/kiosks", "create kiosk links", {}),
        ("GET", f"{admin}/members", "see the members", None),
        ("PUT", f"{admin}/members", "change the members", {"email": "a@example.com"}),
        ("POST", f"{v1}/goals", "change goals", {"name": "Signup", "page": "/signup"}),
        ("DELETE", f"{v1}/goals/1", "change goals", None),
        ("POST", f"{v1}/alerts", "change alerts", {}),
        ("DELETE", f"{v1}/alerts/1", "change alerts", None),
        ("GET", f"{v1}/alerts/1/deliveries", "change alerts", None),
        ("POST", f"{v1}/alerts/1/test", "change alerts", None),
        ("POST", f"{v1}/annotations", "add annotations", {"text": "x", "date": "2026-01-01"}),
        ("DELETE", f"{v1}/annotations/1", "remove annotations", None),
        ("GET", f"{v1}/imports", "see imports", None),
        ("POST", f"{v1}/imports", "import history", None),
        ("DELETE", f"{v1}/imports/1", "remove imports", None),
        ("GET", f"{v1}/email-reports", "manage email reports", None),
        ("POST", f"{v1}/email-reports", "manage email reports", {"email": "a@example.com"}),
        ("DELETE", f"{v1}/email-reports/1", "manage email reports", None),
    ]


async def test_site_routes_refuse_a_viewer_and_hide_other_sites(
    owner: tuple[TestClientProtocol, dict[str, str]],
) -> None:
    client, csrf = owner
    for method, path, action, body in site_routes(SITE):  # a viewer: 403 naming the action
        await assert_refused(client, method, path, 403, owners(action), body, csrf)
    for domain in (THIRD, MISSING):  # no role, no site: the same 404
        for method, path, _, body in site_routes(domain):
            await assert_refused(client, method, path, 404, no_site(domain), body, csrf)


async def test_a_link_or_invitation_of_a_site_the_caller_does_not_own(
    sites: Settings,
    app: Quart,
    owner: tuple[TestClientProtocol, dict[str, str]],
    admin_headers: dict[str, str],
) -> None:
    admin = app.test_client()
    made = await admin.post(f"/api/admin/sites/{SITE}/shares", json={}, headers=admin_headers)
    share_id = (await made.get_json())["id"]
    made = await admin.post(f"/api/admin/sites/{SITE}/kiosks", json={}, headers=admin_headers)
    kiosk_id = (await made.get_json())["kiosk"]["id"]
    invite = {"email": "new@example.com", "site": SITE, "role": "viewer"}
    made = await admin.post("/api/admin/invitations", json=invite, headers=admin_headers)
    invitation_id = (await made.get_json())["id"]
    client, csrf = owner
    for method, path, body in [
        ("DELETE", f"/api/admin/shares/{share_id}", None),
        ("PATCH", f"/api/admin/shares/{share_id}", {"filter": ""}),
        ("DELETE", "/api/admin/shares/999999", None),  # a missing one alike: ids do not probe
        ("DELETE", f"/api/admin/kiosks/{kiosk_id}", None),
        ("DELETE", "/api/admin/kiosks/999999", None),
    ]:
        await assert_refused(client, method, path, 403, NOT_ALLOWED, body, csrf)
    gone = {"error": f"no invitation {invitation_id}", "field": "id"}
    path = f"/api/admin/invitations/{invitation_id}"
    await assert_refused(client, "DELETE", path, 404, gone, headers=csrf)
    # None of them changed: the admin still sees the link, the kiosk and the invitation.
    shares = await (
        await admin.get(f"/api/admin/sites/{SITE}/shares", headers=admin_headers)
    ).get_json()
    assert [s["id"] for s in shares] == [share_id] and shares[0]["revoked_at"] is None
    kiosks = await (
        await admin.get(f"/api/admin/sites/{SITE}/kiosks", headers=admin_headers)
    ).get_json()
    assert [k["id"] for k in kiosks] == [kiosk_id]
    pending = await (await admin.get("/api/admin/invitations", headers=admin_headers)).get_json()
    assert [i["id"] for i in pending["invitations"]] == [invitation_id]


async def test_admins_get_the_site_lookups_answers(
    sites: Settings, app: Quart, admin_headers: dict[str, str]
) -> None:
    admin = app.test_client()
    role = {"role": "viewer"}
    path = f"/api/admin/users/1/roles/{MISSING}"
    await assert_refused(admin, "PUT", path, 404, no_site(MISSING), role, admin_headers)
    token = {"site": MISSING}
    unknown = {"error": "no such site", "field": "site"}
    await assert_refused(admin, "POST", "/api/admin/tokens", 400, unknown, token, admin_headers)


async def test_an_admin_cannot_delete_their_own_account(sites: Settings, app: Quart) -> None:
    user_id = await add_user(sites, "root@example.com", admin=True)
    client = app.test_client()
    assert await login(client, "root@example.com") == 303
    csrf = {"X-CSRF-Token": await csrf_of(client)}
    path = f"/api/admin/users/{user_id}"
    await assert_refused(client, "DELETE", path, 403, NOT_ALLOWED, headers=csrf)
    assert (await client.get("/api/me")).status_code == 200  # still signed in: not deleted
