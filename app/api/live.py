"""The live view's endpoints: the websocket the wall display holds open, and the same snapshot
over REST (the wall's fallback when a proxy blocks websockets, and any script's).

    GET /ws/live?site=example.com[&format=msgpack]   websocket: snapshot on connect, then at most
                                                      one a second when it changed; keepalives
    GET /api/v1/sites/{site}/realtime                 the snapshot as JSON
"""

from __future__ import annotations

import asyncio
import contextlib

from quart import Blueprint, Response, request, websocket

from app.api.context import runtime
from app.api.errors import error_response
from app.live.access import may_watch, origin_allowed
from app.live.broadcaster import pump
from app.live.snapshot import FORMATS
from app.sites import Site, normalise_domain

bp = Blueprint("live", __name__)


def _site(name: str) -> Site | None:
    return runtime().sites.lookup(normalise_domain(name)) if name else None


@bp.websocket("/ws/live")
async def live_socket() -> Response | None:
    rt = runtime()
    site = _site(websocket.args.get("site", ""))
    fmt = websocket.args.get("format", "json")
    # Refusals are HTTP answers to the handshake (before accept), so clients see a status.
    if site is None:
        return error_response(404, "unknown site", "site")
    if fmt not in FORMATS:
        return error_response(400, f"format must be one of {', '.join(FORMATS)}", "format")
    origin = websocket.headers.get("Origin")
    if not origin_allowed(origin, websocket.headers.get("Host"), rt.settings.live_origins):
        return error_response(403, "origin not allowed: set PULSE_LIVE_ORIGINS", "origin")
    if not await may_watch(site, websocket._get_current_object()):  # type: ignore[attr-defined]
        return error_response(403, "not allowed to watch this site")
    if rt.live.closing:
        return error_response(503, "shutting down")
    await websocket.accept()
    sub = rt.live.subscribe(site, fmt)
    # Client frames are read and dropped, so a chatty client cannot fill Quart's inbound queue.
    reader = asyncio.create_task(_discard_incoming())
    try:
        code = await pump(sub, websocket.send)
        await websocket.close(code)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        rt.live.unsubscribe(sub)
    return None


async def _discard_incoming() -> None:
    while True:
        await websocket.receive()


@bp.get("/api/v1/sites/<site_name>/realtime")
async def realtime(site_name: str) -> Response:
    rt = runtime()
    site = _site(site_name)
    if site is None:
        return error_response(404, "unknown site", "site")
    if not await may_watch(site, request._get_current_object()):  # type: ignore[attr-defined]
        return error_response(403, "not allowed to watch this site")
    body = rt.live.current(site).encoded("json")
    return Response(body, content_type="application/json", headers={"Cache-Control": "no-store"})
