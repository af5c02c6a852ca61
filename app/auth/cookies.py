"""Cookie names and flags. Session and share cookies are HttpOnly, SameSite=Lax (sent on
top-level navigation from a link, never on cross-site subrequests or form posts) and Secure per
PULSE_COOKIE_SECURE:

- `auto` (default): Secure, except over plain http to a loopback host (localhost, 127.0.0.1,
  [::1]), so `make serve` works in a browser on the same machine. Over plain http to any other
  host the browser drops the Secure cookie and login does not stick: put TLS in front.
- `always`: Secure everywhere. `never`: for a trusted LAN without TLS (cookies go in clear).
"""

from __future__ import annotations

from quart import Response, request

from app.settings import Settings

SESSION = "pulse_session"
SHARE = "pulse_share"
CSRF = "pulse_csrf"
LOOPBACK = ("localhost", "127.0.0.1", "[::1]", "::1")


def secure(settings: Settings) -> bool:
    if settings.cookie_secure == "always":
        return True
    if settings.cookie_secure == "never":
        return False
    host = (request.host or "").lower()
    host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return not (request.scheme == "http" and host in LOOPBACK)


def set_cookie(
    response: Response, settings: Settings, name: str, value: str, max_age_s: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age_s,
        path="/",
        secure=secure(settings),
        httponly=True,
        samesite="Lax",
    )


def clear_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(name, path="/", secure=secure(settings), httponly=True, samesite="Lax")
