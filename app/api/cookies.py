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
    proto = forwarded_proto(request.headers.get("X-Forwarded-Proto"), settings.trusted_proxy_hops)
    if proto is not None:  # a trusted proxy says how the browser reached it
        return proto == "https"
    host = (request.host or "").lower()
    host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return not (request.scheme == "http" and host in LOOPBACK)


def forwarded_proto(header: str | None, trusted_hops: int) -> str | None:
    """The scheme the outermost trusted proxy saw (the entry X-Forwarded-For's rule picks:
    `trusted_hops` from the end), or None without a trusted proxy or a usable value."""
    if trusted_hops <= 0 or not header:
        return None
    entries = header.rsplit(",", trusted_hops)
    chosen = (entries[-trusted_hops] if len(entries) > trusted_hops else entries[0]).strip()
    return chosen.lower() if chosen.lower() in ("http", "https") else None


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
