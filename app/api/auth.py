"""/login, /logout and the one-time /setup/<token> link (logged at start while no user exists).

GET  /login?next=/path        the form (sets the pre-login CSRF cookie)
POST /login                   email, password, csrf_token -> session cookie, redirect to next
POST /logout                  ends the session (CSRF-checked by the guard)
POST /login/totp              the second step when two-factor is on: a code or a recovery code
GET  /setup/<token>           form for the first (admin) account
POST /setup/<token>           creates it and logs in; the link then stops working
GET  /assets/auth/<file>      the pages' CSS and JS
"""

from __future__ import annotations

import functools

from quart import Blueprint, Response, redirect, request, send_from_directory
from werkzeug.exceptions import NotFound

from app.api import cookies, csrf
from app.api.context import runtime
from app.api.contract import ANY_MEDIA, HTML, TEXT, empty, errors, ok, responds
from app.api.errors import error_response
from app.api.render import FOLDER, render, safe_next
from app.auth import totp
from app.auth.passwords import PasswordError
from app.auth.ratelimit import retry_after_header
from app.auth.users import (
    SESSION_TTL_MS,
    UserError,
    authenticate,
    count_users,
    create_user,
    end_session,
    find_user_by_id,
    start_session,
)
from app.ingest.client_ip import client_ip

bp = Blueprint("auth", __name__)
CSRF_MAX_AGE_S = 3600


def request_ip() -> str:
    forwarded = ",".join(request.headers.getlist("X-Forwarded-For")) or None
    return client_ip(request.remote_addr, forwarded, runtime().settings.trusted_proxy_hops) or ""


def form_page(template: str, status: int = 200, **values: str) -> Response:
    token, fresh = csrf.form_token()
    response = render(template, status, csrf_token=token, **values)
    if fresh:
        cookies.set_cookie(response, runtime().settings, cookies.CSRF, token, CSRF_MAX_AGE_S)
    return response


@bp.get("/login")
@responds(ok(TEXT, "the sign-in form", media=HTML))
async def login_page() -> Response:
    return form_page("login.html", next=safe_next(request.args.get("next")), error="", email="")


@bp.post("/login")
@responds(
    empty(303, "signed in: a session cookie, on to `next`", headers={"Location": {"schema": TEXT}}),
    ok(TEXT, "the form again, saying what was wrong", status=401, media=HTML),
    ok(TEXT, "the form again, saying what was wrong", status=403, media=HTML),
    ok(TEXT, "too many attempts; see Retry-After", status=429, media=HTML),
)
async def login() -> Response:
    rt = runtime()
    form = await request.form
    email, target = form.get("email", "").strip().lower(), safe_next(form.get("next"))
    if not await csrf.form_valid():
        return form_page("login.html", 403, next=target, email=email, error="Reload and try again.")
    now, auth = rt.clock.now_ms(), rt.auth
    keys = ((auth.login_by_ip, request_ip()), (auth.login_by_account, email))
    wait = max(limit.retry_after(key, now) for limit, key in keys)
    if wait:
        response = form_page(
            "login.html", 429, next=target, email=email, error="Too many attempts."
        )
        response.headers["Retry-After"] = retry_after_header(wait)
        return response
    for limit, key in keys:
        limit.record(key, now)
    async with rt.engine.begin() as conn:
        user = await authenticate(conn, email, form.get("password", ""))
        second = user is not None and await totp.status(conn, user.id)
        raw = await start_session(conn, user, now) if user and not second else None
    if user is None:
        return form_page(
            "login.html", 401, next=target, email=email, error="Wrong email or password."
        )
    if raw is None:  # the password was right; now the authenticator's code
        pending = totp.pending_login(rt.auth.key, user.id, now)
        return form_page("totp.html", next=target, pending=pending, error="")
    return _logged_in(raw, target)


@bp.post("/login/totp")
@responds(
    empty(303, "signed in: a session cookie, on to `next`", headers={"Location": {"schema": TEXT}}),
    ok(
        TEXT,
        "the form again, saying what was wrong (or the login form: log in again)",
        status=401,
        media=HTML,
    ),
    ok(TEXT, "the form again: reload", status=403, media=HTML),
    ok(TEXT, "too many attempts; see Retry-After", status=429, media=HTML),
)
async def login_code() -> Response:
    """The second step: a 6-digit code from the app, or a recovery code."""
    rt = runtime()
    form = await request.form
    target, pending = safe_next(form.get("next")), form.get("pending", "")
    now = rt.clock.now_ms()
    user_id = totp.pending_user(rt.auth.key, pending, now)
    if user_id is None:
        return form_page("login.html", 401, next=target, email="", error="Log in again.")
    page = functools.partial(form_page, "totp.html", next=target, pending=pending)
    if not await csrf.form_valid():
        return page(403, error="Reload and try again.")
    limit, key = rt.auth.login_by_account, f"totp:{user_id}"
    if wait := limit.retry_after(key, now):
        response = page(429, error="Too many attempts.")
        response.headers["Retry-After"] = retry_after_header(wait)
        return response
    async with rt.engine.begin() as conn:
        ok = await totp.verify(conn, user_id, form.get("code", ""), now)
        found = await find_user_by_id(conn, user_id) if ok else None
        raw = await start_session(conn, found, now) if found else None
    if raw is None:
        limit.record(key, now)
        return page(401, error="That code does not work.")
    return _logged_in(raw, target)


def _logged_in(raw: str, target: str) -> Response:
    response: Response = redirect(target, 303)  # type: ignore[assignment]
    settings = runtime().settings
    cookies.set_cookie(response, settings, cookies.SESSION, raw, SESSION_TTL_MS // 1000)
    cookies.clear_cookie(response, settings, cookies.CSRF)
    return response


@bp.post("/logout")
@responds(empty(303, "signed out, on to /login", headers={"Location": {"schema": TEXT}}))
async def logout() -> Response:
    rt = runtime()
    if raw := request.cookies.get(cookies.SESSION):
        async with rt.engine.begin() as conn:
            await end_session(conn, raw, rt.clock.now_ms())
    response: Response = redirect("/login", 303)  # type: ignore[assignment]
    cookies.clear_cookie(response, rt.settings, cookies.SESSION)
    return response


async def setup_open(token: str) -> bool:
    """The link works while it is this process's and no account exists: once `pulse user
    create` (or another process) made one, the link is spent everywhere."""
    rt = runtime()
    if rt.auth.setup_token is None or rt.auth.setup_token != token:
        return False
    async with rt.engine.connect() as conn:
        if await count_users(conn):
            rt.auth.setup_token = None
            return False
    return True


@bp.get("/setup/<token>")
@responds(ok(TEXT, "the first account's form", media=HTML), *errors(404))
async def setup_page(token: str) -> Response:
    if not await setup_open(token):
        return error_response(404, "this setup link was used or has expired")
    return form_page("setup.html", token=token, error="", email="")


@bp.post("/setup/<token>")
@responds(
    empty(303, "signed in: a session cookie, on to `next`", headers={"Location": {"schema": TEXT}}),
    ok(TEXT, "the form again, saying what was wrong", status=400, media=HTML),
    ok(TEXT, "the form again, saying what was wrong", status=403, media=HTML),
    *errors(404),
)
async def setup(token: str) -> Response:
    rt = runtime()
    form = await request.form
    email = form.get("email", "")
    if not await setup_open(token):
        return error_response(404, "this setup link was used or has expired")
    if not await csrf.form_valid():
        return form_page("setup.html", 403, token=token, email=email, error="Reload and try again.")
    try:
        async with rt.engine.begin() as conn:
            if not rt.auth.use_setup_token(token) or await count_users(conn):
                rt.auth.setup_token = None
                return error_response(404, "this setup link was used or has expired")
            user = await create_user(
                conn, email, form.get("password", ""), is_admin=True, now_ms=rt.clock.now_ms()
            )
            raw = await start_session(conn, user, rt.clock.now_ms())
    except (UserError, PasswordError) as exc:
        rt.auth.setup_token = token  # nothing was created: the link stays usable
        return form_page("setup.html", 400, token=token, email=email, error=str(exc))
    return _logged_in(raw, "/admin")


@bp.get("/assets/auth/<path:name>")
@responds(ok(TEXT, "the file", media=ANY_MEDIA), *errors(404))
async def asset(name: str) -> Response:
    if name.endswith(".html"):
        return error_response(404, "not found")  # templates are rendered, never served raw
    try:
        response = await send_from_directory(FOLDER, name)
    except (FileNotFoundError, NotFound):
        return error_response(404, "not found")
    response.headers["Cache-Control"] = "no-cache"
    return response
