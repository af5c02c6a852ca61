"""The live view's endpoints: the websocket the wall display holds open, and the same snapshot
over REST (the wall's fallback when a proxy blocks websockets, and any script's).

    GET /ws/live?site=example.com[&format=msgpack]   websocket: snapshot on connect, then at most
                                                      one a second when it changed; keepalives;
                                                      closed 1008 when its credential is revoked,
                                                      refused 1013 past a cap (app/live/sockets.py)
    GET /api/v1/sites/{site}/realtime                 the snapshot as JSON
    GET /api/v1/sites/{site}/lock                     the filter the caller's link holds every
                                                      answer to (the wall's "Only: ..." chip)
"""

from __future__ import annotations

import asyncio
import contextlib

from quart import Blueprint, Response, websocket

from app.api.access import linked_site, visible_site
from app.api.context import runtime
from app.api.contract import empty, errors, json_response, ok, responds
from app.api.errors import error_response
from app.api.live_origins import origin_allowed
from app.api.principal import credentials_of, current
from app.api.schemas import examples
from app.api.schemas.service import LiveSnapshot, LockedFilter
from app.auth.embeds import parsed_lock
from app.dimensions import lookup
from app.ingest.client_ip import client_ip
from app.live.broadcaster import pump
from app.live.snapshot import FORMATS
from app.live.sockets import TRY_AGAIN_LATER

bp = Blueprint("live", __name__)


@bp.websocket("/ws/live")
@responds(
    empty(101, "websocket: LiveSnapshot frames (JSON text or msgpack binary)"),
    *errors(400, 401, 403, 404, 503),
)
async def live_socket() -> Response | None:
    rt = runtime()
    name = websocket.args.get("site")
    site = await visible_site(name) if name else await linked_site()
    fmt = websocket.args.get("format", "json")
    # Refusals are HTTP answers to the handshake (before accept), so clients see a status.
    if site is None:
        return error_response(404, "unknown site", "site")
    if fmt not in FORMATS:
        return error_response(400, f"format must be one of {', '.join(FORMATS)}", "format")
    principal = await current()
    origin = websocket.headers.get("Origin")
    allowed = (*rt.settings.live_origins, *principal.embed_origins(site.id))
    if not origin_allowed(origin, websocket.headers.get("Host"), allowed):
        return error_response(403, "origin not allowed: set PULSE_LIVE_ORIGINS", "origin")
    if rt.live.closing:
        return error_response(503, "shutting down")
    # A locked link watches its own filtered view; no query parameter can name another.
    lock = principal.lock_for(site.id)
    await rt.live.open_view(rt.engine, site, lock)
    credentials = credentials_of(websocket)
    forwarded = ",".join(websocket.headers.getlist("X-Forwarded-For")) or None
    ip = client_ip(websocket.remote_addr, forwarded, rt.settings.trusted_proxy_hops)
    await websocket.accept()
    if reason := rt.sockets.refusal(credentials, ip or ""):
        await websocket.close(TRY_AGAIN_LATER, reason)
        return None
    sub = rt.live.subscribe(site, fmt, lock)
    rt.sockets.add(sub, credentials, ip or "")
    # Client frames are read and dropped, so a chatty client cannot fill Quart's inbound queue.
    reader = asyncio.create_task(_discard_incoming())
    try:
        code = await pump(sub, websocket.send)
        await websocket.close(code)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        rt.sockets.remove(sub)
        rt.live.unsubscribe(sub)
    return None


async def _discard_incoming() -> None:
    while True:
        await websocket.receive()


@bp.get("/api/v1/sites/<site_name>/realtime")
@responds(ok(LiveSnapshot, "the live snapshot", example=examples.REALTIME), *errors(401, 403, 404))
async def realtime(site_name: str) -> Response:
    rt = runtime()
    site = await visible_site(site_name)
    if site is None:
        return error_response(404, "unknown site", "site")
    lock = (await current()).lock_for(site.id)
    await rt.live.open_view(rt.engine, site, lock)
    body = rt.live.current(site, lock).encoded("json")
    return Response(body, content_type="application/json", headers={"Cache-Control": "no-store"})


@bp.get("/api/v1/sites/<site_name>/lock")
@responds(ok(LockedFilter, "the caller's locked filter ('' and [] for none)"), *errors(401, 404))
async def locked_filter(site_name: str) -> Response:
    """A kiosk or share link locked to `country==DE` watches only Germany: the page must say
    so (issue 21). An account or a token reads the whole site: no lock."""
    site = await visible_site(site_name)
    if site is None:
        return error_response(404, "unknown site", "site")
    text = (await current()).lock_for(site.id)
    parts = [
        {"dimension": f.dim, "label": _label(f.dim), "op": f.op, "value": f.value}
        for f in parsed_lock(text)
    ]
    return json_response(LockedFilter, {"filter": text, "filters": parts})


def _label(name: str) -> str:
    found = lookup(name)
    return found.label if found else name
