"""Which pages may open a site's live websocket. (Who may watch is who may read the site's
reports: app/api/access.py decides both.)

`origin_allowed` guards the websocket against cross-site use: a browser always sends `Origin` on
a websocket handshake (RFC 6455 4.1) and never enforces CORS there, so without this check any
page on the web could read a site's live numbers with its visitor's cookies once Accounts exists.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app.auth.embeds import origin_matches


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """Same origin as the server (Origin's host:port equals the Host header), an origin listed
    in PULSE_LIVE_ORIGINS (`*` allows any) or in the embed origins of the link the socket
    presents (`https://*.example.com` for its subdomains), or no Origin at all (a non-browser
    client)."""
    if not origin:
        return True
    origin = origin.strip().lower().rstrip("/")
    if "*" in allowed or origin_matches(origin, allowed):
        return True
    if origin == "null":  # sandboxed iframes and file:// pages
        return False
    return bool(host) and urlsplit(origin).netloc == (host or "").strip().lower()
