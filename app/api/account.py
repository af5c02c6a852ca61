"""A signed-in user's own account: password and two-factor sign-in. Bearer tokens have no
account (403); cookie sessions are CSRF-checked by the guard like every state change.

    POST   /api/account/password       {"current_password", "new_password"}: ends the others
    GET    /api/account/totp           {"enabled": bool}
    POST   /api/account/totp           a new pending secret: {"secret", "uri"} (otpauth://)
    POST   /api/account/totp/enable    {"code"}: on, answers the ten recovery codes (once)
    DELETE /api/account/totp           {"password"}: off
"""

from __future__ import annotations

from typing import Any

import segno
from quart import Blueprint, Response, request

from app.api import cookies
from app.api.context import runtime
from app.api.contract import errors, json_response, ok, responds
from app.api.errors import Refusal, error_response
from app.api.principal import current
from app.api.schemas import accounts as bodies
from app.auth import totp
from app.auth.passwords import PasswordError
from app.auth.ratelimit import retry_after_header
from app.auth.users import SESSION_TTL_MS, User, authenticate, set_password, start_session

bp = Blueprint("account", __name__)


async def signed_in() -> User:
    user = (await current()).user
    if user is None:
        raise Refusal(403, "only a signed-in user has an account to change")
    return user


async def text_fields(*names: str) -> dict[str, str]:
    body: Any = await request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    for name in names:
        if not isinstance(body.get(name), str) or not body[name]:
            raise Refusal(400, f"{name} is required (a string)", name)
    return {name: body[name] for name in names}


async def password_checked(user: User, password: str, field: str) -> None:
    """The user's password, under the login limit (5 wrong a minute per account)."""
    rt = runtime()
    now, limit = rt.clock.now_ms(), rt.auth.login_by_account
    if wait := limit.retry_after(user.email, now):
        raise Refusal(429, f"too many attempts; retry in {retry_after_header(wait)} s", field)
    async with rt.engine.connect() as conn:
        ok = await authenticate(conn, user.email, password) is not None
    if not ok:
        limit.record(user.email, now)
        raise Refusal(403, "the password is wrong", field)


@bp.post("/api/account/password")
@responds(ok(bodies.PasswordChanged), *errors(400, 401, 403, 429))
async def change_password() -> Response:
    """A signed-in user's own password. Every other session of theirs ends; this browser gets
    a fresh session (cookie) and stays signed in."""
    rt, user = runtime(), await signed_in()
    fields = await text_fields("current_password", "new_password")
    await password_checked(user, fields["current_password"], "current_password")
    try:
        async with rt.engine.begin() as conn:
            await set_password(conn, user.id, fields["new_password"])
            raw = await start_session(conn, user, rt.clock.now_ms())
    except PasswordError as exc:
        return error_response(400, str(exc), "new_password")
    changed = {"changed": True, "other_sessions": "ended"}
    response = json_response(bodies.PasswordChanged, changed)
    cookies.set_cookie(response, rt.settings, cookies.SESSION, raw, SESSION_TTL_MS // 1000)
    return response


@bp.get("/api/account/totp")
@responds(ok(bodies.TwoFactor), *errors(401, 403))
async def totp_status() -> Response:
    user = await signed_in()
    async with runtime().engine.connect() as conn:
        enabled = await totp.status(conn, user.id)
    return json_response(bodies.TwoFactor, {"enabled": enabled})


@bp.post("/api/account/totp")
@responds(ok(bodies.TwoFactorSecret), *errors(401, 403, 409))
async def totp_begin() -> Response:
    user = await signed_in()
    try:
        async with runtime().engine.begin() as conn:
            secret, uri = await totp.begin(conn, user.id, user.email)
    except totp.TotpError as exc:
        return error_response(409, str(exc))
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, dark="#17202e", light="#ffffff")
    return json_response(bodies.TwoFactorSecret, {"secret": secret, "uri": uri, "qr": qr})


@bp.post("/api/account/totp/enable")
@responds(ok(bodies.TwoFactorEnabled), *errors(400, 401, 403))
async def totp_enable() -> Response:
    rt, user = runtime(), await signed_in()
    code = (await text_fields("code"))["code"]
    try:
        async with rt.engine.begin() as conn:
            codes = await totp.enable(conn, user.id, code, rt.clock.now_ms())
    except totp.TotpError as exc:
        return error_response(400, str(exc), "code")
    return json_response(bodies.TwoFactorEnabled, {"enabled": True, "recovery_codes": codes})


@bp.delete("/api/account/totp")
@responds(ok(bodies.TwoFactor), *errors(400, 401, 403, 429))
async def totp_disable() -> Response:
    user = await signed_in()
    await password_checked(user, (await text_fields("password"))["password"], "password")
    async with runtime().engine.begin() as conn:
        await totp.disable(conn, user.id)
    return json_response(bodies.TwoFactor, {"enabled": False})
