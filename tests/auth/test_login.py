"""Login, logout, the one-time setup link, the login rate limit and CSRF (issue 6)."""

from __future__ import annotations

from quart import Quart
from quart.typing import TestClientProtocol

from app.clock import FakeClock
from app.settings import Settings
from tests.auth.helpers import PASSWORD, add_user, csrf_of, hidden, login
from tests.conftest import SITE, add_sites


async def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(
    migrated: Settings, client: TestClientProtocol
) -> None:
    await add_user(migrated, "ana@example.com", admin=True)
    page = await (await client.get("/login")).get_data(as_text=True)
    response = await client.post(
        "/login",
        form={
            "email": "Ana@Example.com",
            "password": PASSWORD,
            "csrf_token": hidden(page, "csrf_token"),
            "next": "/admin",
        },
    )
    assert response.status_code == 303 and response.location == "/admin"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "pulse_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert (await client.get(f"/api/v1/sites/{SITE}/summary")).status_code == 200
    token = await csrf_of(client)
    out = await client.post("/logout", form={"csrf_token": token})
    assert out.status_code == 303
    assert (await client.get(f"/api/v1/sites/{SITE}/summary")).status_code == 401


async def test_wrong_password_and_unknown_account_look_the_same(
    migrated: Settings, client: TestClientProtocol
) -> None:
    await add_user(migrated, "ana@example.com")
    assert await login(client, "ana@example.com", "wrong password!") == 401
    assert await login(client, "nobody@example.com", "wrong password!") == 401


async def test_an_open_redirect_is_not_possible(
    migrated: Settings, client: TestClientProtocol
) -> None:
    await add_user(migrated, "ana@example.com")
    page = await (await client.get("/login")).get_data(as_text=True)
    form = {"email": "ana@example.com", "password": PASSWORD, "next": "//evil.example/x"}
    response = await client.post("/login", form={**form, "csrf_token": hidden(page, "csrf_token")})
    assert response.location == "/"  # the dashboard, not the foreign host


async def test_login_is_limited_to_5_attempts_a_minute(
    migrated: Settings, client: TestClientProtocol, clock: FakeClock
) -> None:
    await add_user(migrated, "ana@example.com")
    for _ in range(5):
        assert await login(client, "ana@example.com", "wrong password!") == 401
    # the right password no longer helps within the minute ...
    page = await (await client.get("/login")).get_data(as_text=True)
    form = {"email": "ana@example.com", "password": PASSWORD}
    blocked = await client.post("/login", form={**form, "csrf_token": hidden(page, "csrf_token")})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    clock.advance(seconds=61)  # ... and works again after it
    assert await login(client, "ana@example.com") == 303


async def test_the_limit_is_per_account_across_addresses(
    migrated: Settings, app: Quart, clock: FakeClock
) -> None:
    await add_user(migrated, "ana@example.com")
    for i in range(5):
        client = app.test_client()
        page = await (await client.get("/login")).get_data(as_text=True)
        form = {"email": "ana@example.com", "password": "wrong password!"}
        await client.post(
            "/login",
            form={**form, "csrf_token": hidden(page, "csrf_token")},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        )
    assert await login(app.test_client(), "ana@example.com") == 429


async def test_login_without_the_csrf_token_is_refused(
    migrated: Settings, client: TestClientProtocol
) -> None:
    await add_user(migrated, "ana@example.com")
    await client.get("/login")
    form = {"email": "ana@example.com", "password": PASSWORD, "csrf_token": "forged"}
    assert (await client.post("/login", form=form)).status_code == 403


async def test_state_changes_need_the_session_csrf_token(
    migrated: Settings, client: TestClientProtocol
) -> None:
    await add_user(migrated, "ana@example.com", admin=True)
    assert await login(client, "ana@example.com") == 303
    body = {"domain": "new.example"}
    assert (await client.post("/api/admin/sites", json=body)).status_code == 403
    forged = {"X-CSRF-Token": "forged"}
    assert (await client.post("/api/admin/sites", json=body, headers=forged)).status_code == 403
    good = {"X-CSRF-Token": await csrf_of(client)}
    cross = {**good, "Origin": "https://evil.example"}
    assert (await client.post("/api/admin/sites", json=body, headers=cross)).status_code == 403
    assert (await client.post("/api/admin/sites", json=body, headers=good)).status_code == 200


async def test_the_setup_link_creates_the_first_admin_once(
    app: Quart, client: TestClientProtocol
) -> None:
    rt = app.extensions["pulse"]
    token = rt.auth.setup_token
    assert token and rt.auth.setup_url().endswith(f"/setup/{token}")
    page = await (await client.get(f"/setup/{token}")).get_data(as_text=True)
    form = {"email": "root@example.com", "password": PASSWORD}
    done = await client.post(
        f"/setup/{token}", form={**form, "csrf_token": hidden(page, "csrf_token")}
    )
    assert done.status_code == 303
    me = await (await client.get("/api/me")).get_json()
    assert me["admin"] and me["user"]["email"] == "root@example.com"
    assert (await app.test_client().get(f"/setup/{token}")).status_code == 404


async def test_no_setup_link_once_a_user_exists(migrated: Settings, make_app: object) -> None:
    await add_user(migrated, "ana@example.com")
    app = make_app()  # type: ignore[operator]
    async with app.test_app():
        assert app.extensions["pulse"].auth.setup_url() is None


async def test_me_lists_exactly_the_sites_the_caller_may_read(
    migrated: Settings, make_app: object
) -> None:
    await add_sites(migrated, "other.example", "third.example")
    await add_user(migrated, "viewer@example.com", roles={SITE: "viewer", "other.example": "owner"})
    await add_user(migrated, "root@example.com", admin=True)
    app = make_app()  # type: ignore[operator]
    async with app.test_app():
        viewer = app.test_client()
        assert await login(viewer, "viewer@example.com") == 303
        me = await (await viewer.get("/api/me")).get_json()
        assert [(s["domain"], s["role"]) for s in me["sites"]] == [
            (SITE, "viewer"),
            ("other.example", "owner"),
        ]
        root = app.test_client()
        assert await login(root, "root@example.com") == 303
        everything = await (await root.get("/api/me")).get_json()
        assert [s["domain"] for s in everything["sites"]] == [
            SITE,
            "other.example",
            "third.example",
        ]
