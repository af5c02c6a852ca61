"""CSRF protection for state-changing browser requests.

A logged-in session has its own random token (stored with the session); pages carry it in a
`<meta name="csrf-token">` and scripts send it as `X-CSRF-Token`, forms as `csrf_token`. Forms
used before login (login, setup, share password) use a double-submit cookie (`pulse_csrf`)
instead. Either way an `Origin` header from another site is refused outright: every browser
sends Origin on cross-site POSTs, so this alone stops the classic attack, and the token covers
old browsers and same-site subdomains. Bearer-token requests are exempt: no ambient credential.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from quart import request

from app.api import cookies

HEADER = "X-CSRF-Token"
FIELD = "csrf_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def cross_origin() -> bool:
    origin = request.headers.get("Origin")
    if origin == "null":
        # Browsers also send "null" for a form posted to its own origin from a page whose
        # Referrer-Policy is no-referrer (the share-link password page, so the slug never
        # leaks): Fetch Metadata (Chrome 76, Firefox 90, Safari 16.4) then says where it came
        # from. Without it a "null" origin (sandboxed frame, data: URL) stays refused.
        return request.headers.get("Sec-Fetch-Site") != "same-origin"
    if not origin:
        return False
    return urlsplit(origin).netloc.lower() != (request.host or "").lower()


async def submitted() -> str:
    value = request.headers.get(HEADER)
    if value is None and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        value = (await request.form).get(FIELD)
    return value or ""


async def valid(expected: str | None) -> bool:
    """The request is same-origin (or says nothing) and carries the expected token."""
    if cross_origin() or not expected:
        return False
    return secrets.compare_digest((await submitted()).encode(), expected.encode())


def form_token() -> tuple[str, bool]:
    """The pre-login double-submit token: (value, whether the cookie must be set)."""
    existing = request.cookies.get(cookies.CSRF)
    if existing and 20 <= len(existing) <= 64:
        return existing, False
    return secrets.token_urlsafe(24), True


async def form_valid() -> bool:
    return await valid(request.cookies.get(cookies.CSRF))
