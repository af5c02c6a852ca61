"""Invitations (issue 19): an admin or a site's owner invites an address with a role; the link
creates that account with that role once; it expires, can be revoked, never takes over an
existing account, and a viewer cannot invite."""

from __future__ import annotations

from quart import Quart
from quart.typing import TestClientProtocol

from app.clock import FakeClock
from app.settings import Settings
from tests.auth.helpers import add_user, login
from tests.conftest import SITE, add_sites, make_token

OTHER = "other.example"
NEW = "a brand new passphrase"


async def accept(client: TestClientProtocol, path: str, password: str = NEW) -> int:
    page = await client.get(path)
    if page.status_code != 200:
        return page.status_code
    text = await page.get_data(as_text=True)
    token = text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = await client.post(path, form={"csrf_token": token, "password": password})
    return answer.status_code


async def test_an_invitation_creates_the_account_with_its_role_once(
    migrated: Settings, app: Quart, admin_headers: dict[str, str]
) -> None:
    await add_sites(migrated, OTHER)
    client = app.test_client()
    body = {"email": "Bea@Example.com", "site": SITE, "role": "viewer"}
    made = await client.post("/api/admin/invitations", json=body, headers=admin_headers)
    assert made.status_code == 201
    invitation = await made.get_json()
    assert invitation["email"] == "bea@example.com" and invitation["path"].startswith("/invite/")
    listed = await (await client.get("/api/admin/invitations", headers=admin_headers)).get_json()
    assert [i["email"] for i in listed["invitations"]] == ["bea@example.com"]
    assert "path" not in listed["invitations"][0]  # the link was shown once

    guest = app.test_client()
    page = await (await guest.get(invitation["path"])).get_data(as_text=True)
    assert "bea@example.com" in page and "viewer" in page
    assert await accept(guest, invitation["path"], "password123") == 400  # the policy applies
    assert await accept(guest, invitation["path"]) == 303
    assert (await guest.get(f"/api/v1/sites/{SITE}/summary")).status_code == 200
    assert (await guest.get(f"/api/v1/sites/{OTHER}/summary")).status_code == 404
    me = await (await guest.get("/api/me")).get_json()
    assert me["user"]["email"] == "bea@example.com" and me["admin"] is False
    assert [(s["domain"], s["role"]) for s in me["sites"]] == [(SITE, "viewer")]
    # Spent: the link does nothing more, and the list no longer shows it.
    assert await accept(app.test_client(), invitation["path"]) == 404
    listed = await (await client.get("/api/admin/invitations", headers=admin_headers)).get_json()
    assert listed["invitations"] == []
    assert await login(app.test_client(), "bea@example.com", NEW) == 303


async def test_expired_revoked_and_existing_accounts(
    migrated: Settings, app: Quart, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    client = app.test_client()

    async def invite(email: str, **extra: object) -> dict[str, object]:
        body = {"email": email, "site": SITE, "role": "owner", **extra}
        answer = await client.post("/api/admin/invitations", json=body, headers=admin_headers)
        return {"status": answer.status_code, **(await answer.get_json())}

    soon = await invite("cat@example.com", expires_days=1)
    later = await invite("dan@example.com")
    clock.advance(seconds=86_401)
    assert await accept(app.test_client(), str(soon["path"])) == 404  # expired
    gone = await client.delete(f"/api/admin/invitations/{later['id']}", headers=admin_headers)
    assert gone.status_code == 204
    assert await accept(app.test_client(), str(later["path"])) == 404  # revoked
    again = await client.delete(f"/api/admin/invitations/{later['id']}", headers=admin_headers)
    assert again.status_code == 404
    await add_user(migrated, "eve@example.com")
    taken = await invite("eve@example.com")
    assert taken["status"] == 400 and taken["field"] == "email"
    for bad, field in (({"role": "king"}, "role"), ({"expires_days": 0}, "expires_days")):
        answer = await invite("fay@example.com", **bad)
        assert answer["status"] == 400 and answer["field"] == field
    missing = await invite("fay@example.com", site="nowhere.example")
    assert missing["status"] == 404


async def test_owners_invite_to_their_site_and_viewers_cannot(
    migrated: Settings, app: Quart
) -> None:
    await add_sites(migrated, OTHER)
    await add_user(migrated, "owner@example.com", roles={SITE: "owner", OTHER: "viewer"})
    owner = app.test_client()
    assert await login(owner, "owner@example.com") == 303
    page = await (await owner.get("/admin")).get_data(as_text=True)
    csrf = {"X-CSRF-Token": page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]}
    body = {"email": "gus@example.com", "site": SITE, "role": "viewer"}
    made = await owner.post("/api/admin/invitations", json=body, headers=csrf)
    assert made.status_code == 201
    refused = await owner.post("/api/admin/invitations", json={**body, "site": OTHER}, headers=csrf)
    assert refused.status_code == 403
    reader = {"Authorization": f"Bearer {await make_token(migrated, SITE)}"}
    assert (
        await owner.post("/api/admin/invitations", json=body, headers=reader)
    ).status_code == 403
