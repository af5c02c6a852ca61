"""The gate every request and websocket handshake passes before its handler: deny by default.

Only the endpoints in PUBLIC are open to anonymous clients (ingest, the tracker, health, login,
setup, share links, static assets). Everything else needs a credential here, so a route added
later is protected without anyone remembering to; the handlers then decide per site
(`app.api.access`: readable_site, managed_site, `@site_owner`) and per action (`@admin_only`).
Share links and read tokens are read-only: they never pass a state-changing method.
"""

from __future__ import annotations

from urllib.parse import quote

from quart import Quart, Response, redirect, request, websocket

from app.api import csrf
from app.api.context import runtime
from app.api.errors import error_response
from app.api.principal import Principal, current

# Whole blueprints that are public by nature: the ingest endpoints (CORS, no credentials), the
# tracker script, health checks, and the benchmark's empty route (registered only for it).
PUBLIC_BLUEPRINTS = frozenset({"collect", "plausible", "umami", "script", "health", "bench"})
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login_page",
        "auth.login",
        "auth.login_code",  # the second step: carries its own signed proof of the password
        "invitations.invite_page",  # the link is the credential
        "invitations.invite_accept",
        "email_reports.unsubscribe_page",  # the signed link is the credential
        "email_reports.unsubscribe",
        "resets.reset_request",  # answers the same for every address; rate-limited
        "resets.reset_page",  # the emailed link is the credential
        "resets.reset_password",
        "auth.setup_page",
        "auth.setup",
        "auth.asset",
        "share.open_share",
        "share.unlock",
        "embeds.live_card",  # the slug is the credential (issue 21)
        "embeds.counter",
        "embeds.embed_js",
        "embeds.kiosk",  # the token is the credential
        "pages.page_asset",  # the wall's CSS and JS: no data in them
        "pages.vendor",  # pinned npm libraries
        "openapi.openapi_json",  # the API's description; every answer it documents is guarded
        "metrics.metrics",  # checks its own credential: an admin or PULSE_METRICS_TOKEN
    }
)
# What a user who must turn two-factor on still reaches: their account page and its API, who
# they are, signing out, and the pages' files.
ENROLMENT = frozenset(
    {"account", "site_pages.account_page", "admin.me", "auth.logout", "pages.page_asset"}
)
# POSTs that only read: a read-only token may send them (Plausible's v2 query is a POST).
READING_POSTS = frozenset({"statsapi.query_v2"})
POLICY_VIOLATION = 1008  # RFC 6455 7.4.1


def is_public(endpoint: str | None) -> bool:
    if endpoint is None:  # no route matched: let the 404/405 through
        return True
    return endpoint in PUBLIC_ENDPOINTS or endpoint.split(".", 1)[0] in PUBLIC_BLUEPRINTS


def _wants_page() -> bool:
    accept = request.accept_mimetypes
    return (
        request.method == "GET"
        and not request.path.startswith("/api/")
        and accept.quality("text/html") >= max(accept.quality("application/json"), 0.01)
    )


def _unauthorized(principal: Principal) -> Response:
    if principal.kind != "bad_token" and _wants_page():
        target = request.full_path.rstrip("?")
        return redirect(f"/login?next={quote(target, safe='/')}")  # type: ignore[return-value]
    message = "invalid or revoked token" if principal.kind == "bad_token" else "log in first"
    response = error_response(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="pulse"'
    return response


async def check_request() -> Response | None:
    if is_public(request.endpoint):
        return None
    principal = await current()
    if not principal.authenticated:
        return _unauthorized(principal)
    if principal.user is not None and not principal.user.two_factor:
        refused = await _enrolment_required()
        if refused is not None:
            return refused
    if request.method in csrf.UNSAFE and request.endpoint not in READING_POSTS:
        if principal.read_only:
            return error_response(403, "read-only credential")
        # Cookie-authenticated changes need the session's CSRF token; Bearer ones do not.
        if principal.kind == "user" and not await csrf.valid(principal.csrf_token):
            return error_response(403, "missing or wrong CSRF token", csrf.FIELD)
    return None


async def _two_factor_required() -> bool:
    rt = runtime()
    return bool((await rt.auth.policy.values(rt.engine, rt.clock.now_ms()))["require_two_factor"])


async def _enrolment_required() -> Response | None:
    """Under the admin's "require two-factor" (app/auth/policy.py), a signed-in user without it
    reaches only what enrolling needs: their pages go to /account, the rest is a 403."""
    endpoint = request.endpoint or ""
    if endpoint in ENROLMENT or endpoint.split(".", 1)[0] in ENROLMENT:
        return None
    if not await _two_factor_required():
        return None
    if _wants_page():
        return redirect("/account?enrol=1")  # type: ignore[return-value]
    return error_response(403, "two-factor sign-in is required: turn it on at /account")


async def refuse_websocket(reason: str) -> str:
    """Accept, then close with 1008: a browser never sees the status of a refused handshake
    (only 1006), but it does see a close code, so the wall can tell 'not allowed' from 'down'."""
    await websocket.accept()
    await websocket.close(POLICY_VIOLATION, reason)
    return ""


async def check_websocket() -> str | None:
    if is_public(websocket.endpoint):
        return None
    principal = await current()
    if not principal.authenticated:
        return await refuse_websocket("credentials required")
    user = principal.user
    if user is not None and not user.two_factor and await _two_factor_required():
        return await refuse_websocket("two-factor sign-in is required")
    return None


def install(app: Quart) -> None:
    app.before_request(check_request)
    app.before_websocket(check_websocket)
