"""Who may watch a site's live view, and which pages may open its websocket.

`may_watch` is the single decision point for the websocket and the REST snapshot: the same
rights as reading the site's reports (admin, a role on the site, the site's read token or share
link). A refused websocket is accepted and closed with 1008 (policy violation), the code a
browser can see; the handler's 403 answer after that is never sent.

`origin_allowed` guards the websocket against cross-site use: a browser always sends `Origin` on
a websocket handshake (RFC 6455 4.1) and never enforces CORS there, so without this check any
page on the web could read a site's live numbers with its visitor's cookies once Accounts exists.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from quart.wrappers import Request, Websocket

from app.sites import Site


async def may_watch(site: Site, request: Request | Websocket) -> bool:
    from app.auth.guard import refuse_websocket  # imported late: auth reaches the runtime
    from app.auth.principal import current

    if (await current()).can_read(site.id):
        return True
    if isinstance(request, Websocket):
        await refuse_websocket("not allowed to watch this site")
    return False


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """Same origin as the server (Origin's host:port equals the Host header), an origin listed
    in PULSE_LIVE_ORIGINS (`*` allows any), or no Origin at all (a non-browser client)."""
    if not origin:
        return True
    origin = origin.strip().lower().rstrip("/")
    if "*" in allowed or origin in allowed:
        return True
    if origin == "null":  # sandboxed iframes and file:// pages
        return False
    return bool(host) and urlsplit(origin).netloc == (host or "").strip().lower()
