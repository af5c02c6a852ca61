"""Password reset by email (issue 19's item that needs the mailer):

POST /api/auth/reset  {"email"}   202 whatever the address (no account enumeration); emails a
                                  link with a single-use, 1-hour token to an existing account
GET  /reset/<token>               the form: choose a new password (public; the link is the
                                  credential)
POST /reset/<token>               sets it (the password policy), ends every session, -> /login

The email goes from a background task, so the answer takes as long for an unknown address as
for a known one. Limits: 5 requests per 15 minutes per client IP (429 + Retry-After), 3 emails
an hour per account (beyond: silently none)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from quart import Blueprint, Response, redirect, request

from app.api import csrf
from app.api.auth import form_page, request_ip
from app.api.context import runtime
from app.api.contract import HTML, TEXT, empty, errors, json_response, ok, responds
from app.api.errors import error_response
from app.api.schemas import accounts as bodies
from app.auth import resets
from app.auth.passwords import PasswordError
from app.auth.ratelimit import retry_after_header
from app.auth.users import User
from app.reports.sender import base_url

bp = Blueprint("resets", __name__)
log = logging.getLogger(__name__)
GONE = "this reset link was used or has expired: ask for a new one"
_sending: set[asyncio.Task[None]] = set()


async def _send(user: User, raw: str) -> None:
    rt = runtime()
    link = f"{base_url(rt.settings)}/reset/{raw}"
    text = (
        f"Someone (hopefully you) asked to reset the Pulse password of {user.email}.\n\n"
        f"Choose a new password within the hour: {link}\n\n"
        "If it was not you, ignore this email: the password stays as it is.\n"
    )
    html = (
        '<div style="font-family:system-ui,sans-serif;font-size:14px">'
        f"<p>Someone (hopefully you) asked to reset the Pulse password of {user.email}.</p>"
        f'<p><a href="{link}">Choose a new password</a> within the hour.</p>'
        "<p>If it was not you, ignore this email: the password stays as it is.</p></div>"
    )
    try:
        await rt.mailer.send(rt.mailer.compose(user.email, "Reset your Pulse password", text, html))
    except Exception:
        log.exception("password reset email not sent")


@bp.post("/api/auth/reset")
@responds(
    ok(bodies.ResetRequested, "accepted (an email goes out if the account exists)", status=202),
    *errors(400, 403, 429, 503),
)
async def reset_request() -> Response:
    rt = runtime()
    if csrf.cross_origin():
        return error_response(403, "cross-origin request refused")
    body: Any = await request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or not email.strip():
        return error_response(400, "email is required (a string)", "email")
    if not rt.mailer.configured:
        return error_response(503, "password reset by email needs the server's PULSE_SMTP_URL")
    now, auth, ip = rt.clock.now_ms(), rt.auth, request_ip()
    wait = auth.reset_by_ip.retry_after(ip, now)
    if wait:
        response = error_response(429, "too many reset requests; try again later")
        response.headers["Retry-After"] = retry_after_header(wait)
        return response
    auth.reset_by_ip.record(ip, now)
    email = email.strip().lower()
    if not auth.reset_by_account.retry_after(email, now):
        auth.reset_by_account.record(email, now)
        async with rt.engine.begin() as conn:
            issued = await resets.issue(conn, email, now)
        if issued is not None:
            task = asyncio.get_running_loop().create_task(_send(*issued))
            _sending.add(task)
            task.add_done_callback(_sending.discard)
    return json_response(bodies.ResetRequested, {"status": "accepted"}, status=202)


@bp.get("/reset/<token>")
@responds(ok(TEXT, "the form: choose a new password", media=HTML), *errors(404))
async def reset_page(token: str) -> Response:
    rt = runtime()
    async with rt.engine.connect() as conn:
        user = await resets.pending(conn, token, rt.clock.now_ms())
    if user is None:
        return error_response(404, GONE)
    return form_page("reset.html", token=token, email=user.email, error="")


@bp.post("/reset/<token>")
@responds(
    empty(303, "set, every session ended: on to sign in", headers={"Location": {"schema": TEXT}}),
    ok(TEXT, "the form again, saying what was wrong", status=400, media=HTML),
    ok(TEXT, "the form again: reload", status=403, media=HTML),
    *errors(404),
)
async def reset_password(token: str) -> Response:
    rt = runtime()
    form, now = await request.form, rt.clock.now_ms()
    async with rt.engine.connect() as conn:
        user = await resets.pending(conn, token, now)
    if user is None:
        return error_response(404, GONE)
    if not await csrf.form_valid():
        return form_page(
            "reset.html", 403, token=token, email=user.email, error="Reload and try again."
        )
    try:
        async with rt.engine.begin() as conn:
            done = await resets.use(conn, token, form.get("password", ""), now)
    except PasswordError as exc:
        return form_page("reset.html", 400, token=token, email=user.email, error=str(exc))
    if done is None:
        return error_response(404, GONE)
    return redirect("/login", 303)  # type: ignore[return-value]
