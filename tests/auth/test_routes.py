"""Every route that is not explicitly public refuses anonymous clients (issue 6).

Routes are discovered from the app's url_map, so a route added later by anyone is walked too;
the public ones are an explicit allow-list here, independent of the guard's own list."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from quart import Quart
from quart.testing.connections import WebsocketDisconnectError, WebsocketResponseError
from quart.typing import TestClientProtocol

from app.api.guard import POLICY_VIOLATION
from app.settings import Settings
from tests.conftest import SITE, add_sites

OPENAPI = "/openapi.json"
PUBLIC = {
    "/api/collect",
    "/api/event",
    "/api/send",
    "/api/batch",
    "/sdk.js",
    "/js/pulse.js",
    "/js/script.js",
    "/script.js",
    "/healthz",
    "/readyz",
    "/login",
    "/login/totp",  # the second step: needs the signed proof the password was right
    "/setup/<token>",
    "/invite/<token>",
    "/unsubscribe/<token>",  # the signed link is the credential (app/reports/tokens.py)
    "/api/auth/reset",  # the same 202 for any address, rate-limited
    "/reset/<token>",  # the emailed link is the credential
    "/share/<slug>",
    # Issue 21: the link is the credential (a frame elsewhere, a TV: no cookie); the widget
    # pages answer only for a live link without a password (tests/embeds).
    "/share/<slug>/live-card",
    "/share/<slug>/counter",
    "/embed.js",
    "/kiosk/<token>",
    # Public by decision (ARCHITECTURE.md, "Accounts"): the API's description, the same for
    # every instance of this code, like Plausible's public API docs; it names no site and no
    # number, and every route it documents is guarded. Proven below.
    OPENAPI,
    "/bench/empty",
}
PUBLIC_PREFIXES = ("/assets/",)  # static files: CSS, JS, pinned libraries
ARGS = {"site": SITE, "site_name": SITE, "domain": SITE, "dimension": "page"}


def concrete(rule: str) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        return ARGS.get(name, "1")

    return re.sub(r"<([^>]+)>", fill, rule) + f"?site={SITE}"


def is_public(rule: str) -> bool:
    return rule in PUBLIC or rule.startswith(PUBLIC_PREFIXES)


def protected_rules(app: Quart) -> list[tuple[str, str, bool]]:
    found = []
    for rule in app.url_map.iter_rules():
        if is_public(rule.rule):
            continue
        for method in sorted((rule.methods or {"GET"}) - {"HEAD", "OPTIONS"}):
            found.append((rule.rule, method, bool(rule.websocket)))
    return found


async def test_every_non_public_route_refuses_anonymous_access(
    app: Quart, client: TestClientProtocol
) -> None:
    walked = protected_rules(app)
    assert len(walked) >= 20, walked  # reports, live, admin, ... are all in the map
    for rule, method, is_websocket in walked:
        path = concrete(rule)
        if is_websocket:
            await assert_websocket_refused(client, path)
            continue
        response = await client.open(path, method=method, headers={"Accept": "application/json"})
        assert response.status_code in (401, 403), (method, rule, response.status_code)
        if method == "GET":
            page = await client.get(path, headers={"Accept": "text/html"})
            assert page.status_code in (401, 403) or (
                page.status_code in (302, 303) and page.location.startswith("/login")
            ), (rule, page.status_code)


async def assert_websocket_refused(client: TestClientProtocol, path: str) -> None:
    try:
        async with client.websocket(path) as ws:
            await ws.receive()
    except WebsocketDisconnectError as exc:
        assert exc.args[0] == POLICY_VIOLATION, path
    except WebsocketResponseError as exc:  # an HTTP refusal is also a refusal
        assert exc.response.status_code in (401, 403), path
    else:
        pytest.fail(f"{path} accepted an anonymous websocket")


async def test_a_page_sends_anonymous_browsers_to_login(client: TestClientProtocol) -> None:
    response = await client.get(f"/live?site={SITE}", headers={"Accept": "text/html"})
    assert response.status_code in (302, 303)
    assert response.location == f"/login?next=/live%3Fsite%3D{SITE}"


async def test_a_bad_token_is_refused_even_on_read(client: TestClientProtocol) -> None:
    response = await client.get(
        f"/api/v1/sites/{SITE}/summary", headers={"Authorization": "Bearer pulse_nope"}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_public_routes_stay_open(client: TestClientProtocol) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/login")).status_code == 200
    assert (await client.get("/assets/auth/auth.css")).status_code == 200
    assert (await client.get("/assets/auth/login.html")).status_code == 404  # templates


async def test_openapi_is_public_and_reveals_no_site(
    migrated: Settings, make_app: Callable[..., Quart]
) -> None:
    """The decision, stated: anonymous clients read /openapi.json; it describes the guarded
    routes without naming any site of this instance."""
    await add_sites(migrated, "private-shop.example")
    app = make_app()
    async with app.test_app():
        response = await app.test_client().get(OPENAPI)
        assert response.status_code == 200
        spec = await response.get_data(as_text=True)
        paths = (await response.get_json())["paths"]
        anonymous = await app.test_client().get(f"/api/v1/sites/{SITE}/summary")
    assert "/api/v1/sites/{site}/summary" in paths  # it describes the guarded reports ...
    assert anonymous.status_code == 401  # ... which stay closed
    assert "private-shop.example" not in spec and SITE not in spec  # and names no site
