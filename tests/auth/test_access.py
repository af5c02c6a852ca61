"""Token scopes, roles, share links and the websocket's credentials (issue 6)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from quart import Quart
from quart.testing.connections import WebsocketDisconnectError, WebsocketResponseError
from quart.typing import TestClientProtocol

from app.api.guard import POLICY_VIOLATION
from app.settings import Settings
from tests.auth.helpers import add_user, csrf_of, hidden, login
from tests.conftest import SITE, add_sites, make_token

OTHER = "other.example"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def two_sites(migrated: Settings) -> Settings:
    await add_sites(migrated, OTHER)
    return migrated


async def test_a_site_token_reads_its_site_only(
    two_sites: Settings, client: TestClientProtocol
) -> None:
    token = bearer(await make_token(two_sites, SITE))
    assert (await client.get(f"/api/v1/sites/{SITE}/summary", headers=token)).status_code == 200
    assert (await client.get(f"/api/v1/sites/{OTHER}/summary", headers=token)).status_code == 404
    assert (await client.get(f"/api/v1/sites/{OTHER}/realtime", headers=token)).status_code == 404
    stats = f"/api/analytics/stats?site={OTHER}"
    assert (await client.get(stats, headers=token)).status_code == 404
    # read-only: no change, not even to its own site
    change = await client.post(f"/api/admin/sites/{SITE}/shares", json={}, headers=token)
    assert change.status_code == 403
    assert (await client.get("/api/admin/tokens", headers=token)).status_code == 403


async def test_an_admin_token_does_everything_and_revocation_is_immediate(
    two_sites: Settings, client: TestClientProtocol, admin_headers: dict[str, str]
) -> None:
    made = await client.post("/api/admin/tokens", json={"site": OTHER}, headers=admin_headers)
    token = (await made.get_json())["token"]
    assert (
        await client.get(f"/api/v1/sites/{OTHER}/summary", headers=bearer(token))
    ).status_code == 200
    listed = await (await client.get("/api/admin/tokens", headers=admin_headers)).get_json()
    assert all("token" not in t and "token_hash" not in t for t in listed)
    token_id = (await made.get_json())["id"]
    await client.delete(f"/api/admin/tokens/{token_id}", headers=admin_headers)
    assert (
        await client.get(f"/api/v1/sites/{OTHER}/summary", headers=bearer(token))
    ).status_code == 401


async def test_roles_per_site(two_sites: Settings, client: TestClientProtocol) -> None:
    await add_user(two_sites, "viewer@example.com", roles={SITE: "viewer", OTHER: "owner"})
    assert await login(client, "viewer@example.com") == 303
    assert (await client.get(f"/api/v1/sites/{SITE}/summary")).status_code == 200
    csrf = {"X-CSRF-Token": await csrf_of(client)}
    viewer = await client.post(f"/api/admin/sites/{SITE}/shares", json={}, headers=csrf)
    assert viewer.status_code == 403
    owner = await client.post(f"/api/admin/sites/{OTHER}/shares", json={}, headers=csrf)
    assert owner.status_code == 200
    assert (await client.get("/api/admin/users")).status_code == 403


async def _share(client: TestClientProtocol, headers: dict[str, str], **body: str) -> str:
    made = await client.post(f"/api/admin/sites/{SITE}/shares", json=body, headers=headers)
    return str((await made.get_json())["slug"])


async def test_a_share_link_opens_its_site_read_only_and_noindex(
    two_sites: Settings, app: Quart, admin_headers: dict[str, str]
) -> None:
    slug = await _share(app.test_client(), admin_headers)
    visitor = app.test_client()
    opened = await visitor.get(f"/share/{slug}")
    # Lands on a read-only view of the site: the dashboard (`/`) or the wall (`/live`).
    assert opened.status_code == 303
    assert opened.location in (f"/?site={SITE}", f"/live?site={SITE}"), opened.location
    assert "noindex" in opened.headers["X-Robots-Tag"]
    assert (await visitor.get(f"/api/v1/sites/{SITE}/realtime")).status_code == 200
    assert (await visitor.get(f"/api/v1/sites/{SITE}/summary")).status_code == 200
    assert (await visitor.get(f"/api/v1/sites/{OTHER}/summary")).status_code == 404
    assert (await visitor.post("/api/admin/sites", json={})).status_code == 403
    assert (await visitor.get(f"/live?site={SITE}")).status_code == 200


async def test_a_share_password_is_required_and_revocation_locks_out(
    migrated: Settings, app: Quart, admin_headers: dict[str, str]
) -> None:
    admin = app.test_client()
    slug = await _share(admin, admin_headers, password="open sesame!")
    visitor = app.test_client()
    page = await visitor.get(f"/share/{slug}")
    assert page.status_code == 200 and "noindex" in page.headers["X-Robots-Tag"]
    token = hidden(await page.get_data(as_text=True), "csrf_token")
    wrong = await visitor.post(f"/share/{slug}", form={"password": "nope", "csrf_token": token})
    assert wrong.status_code == 401
    assert (await visitor.get(f"/api/v1/sites/{SITE}/realtime")).status_code == 401
    right = await visitor.post(
        f"/share/{slug}", form={"password": "open sesame!", "csrf_token": token}
    )
    assert right.status_code == 303
    assert (await visitor.get(f"/api/v1/sites/{SITE}/realtime")).status_code == 200
    links = await (
        await admin.get(f"/api/admin/sites/{SITE}/shares", headers=admin_headers)
    ).get_json()
    await admin.delete(f"/api/admin/shares/{links[0]['id']}", headers=admin_headers)
    assert (await visitor.get(f"/api/v1/sites/{SITE}/realtime")).status_code == 401
    assert (await visitor.get(f"/share/{slug}")).status_code == 404


async def _first_frame(client: TestClientProtocol, headers: dict[str, str] | None = None) -> str:
    async with client.websocket(f"/ws/live?site={SITE}", headers=headers) as ws:
        frame = await asyncio.wait_for(ws.receive(), 3)
    return str(frame)


async def _refused(client: TestClientProtocol, headers: dict[str, str] | None = None) -> int:
    try:
        await _first_frame(client, headers)
    except WebsocketDisconnectError as exc:
        return int(exc.args[0])
    return 0


async def test_websocket_refused_without_credentials_accepted_with_each_kind(
    two_sites: Settings, app: Quart, admin_headers: dict[str, str]
) -> None:
    assert await _refused(app.test_client()) == POLICY_VIOLATION
    other = bearer(await make_token(two_sites, OTHER))
    # another site's token: the same 404 handshake answer as a site that does not exist
    with pytest.raises(WebsocketResponseError) as hidden:
        await _first_frame(app.test_client(), other)
    assert hidden.value.response.status_code == 404
    # a token
    site_token = bearer(await make_token(two_sites, SITE))
    assert '"snapshot"' in await _first_frame(app.test_client(), site_token)
    # a login session
    await add_user(two_sites, "ana@example.com", roles={SITE: "viewer"})
    session = app.test_client()
    assert await login(session, "ana@example.com") == 303
    assert '"snapshot"' in await _first_frame(session)
    # a share link
    slug = await _share(app.test_client(), admin_headers)
    shared = app.test_client()
    await shared.get(f"/share/{slug}")
    assert '"snapshot"' in await _first_frame(shared)
    # ... but never from another site's page, even with the visitor's cookies (Live's check)
    with pytest.raises(WebsocketResponseError) as refused:
        await _first_frame(shared, {"Origin": "https://evil.example"})
    assert refused.value.response.status_code == 403


def test_cli_prints_the_token_as_the_last_word(migrated: Settings) -> None:
    env_url = migrated.database_url
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "--database-url",
            env_url,
            "token",
            "create",
            "--site",
            SITE,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.split()[-1].startswith("pulse_")
    listed = subprocess.run(
        [sys.executable, "-m", "app.cli", "--database-url", env_url, "token", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert SITE in listed.stdout and run.stdout.split()[-1] not in listed.stdout
