"""POST /api/collect: decode -> validate -> enrich -> queue; 202 without touching the database."""

from __future__ import annotations

from collections import Counter

from quart import Blueprint, Response, jsonify, request

from app.api.context import runtime
from app.api.errors import error_response
from app.events import Drop
from app.ingest.client_ip import client_ip
from app.ingest.pipeline import RequestContext
from app.ingest.wire import WireError, decode

bp = Blueprint("collect", __name__)

DROPPED_HEADER = "X-Pulse-Dropped"
RETRY_AFTER_S = "1"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": DROPPED_HEADER,
}


@bp.route("/api/collect", methods=["OPTIONS"])
async def preflight() -> Response:
    response = Response("", status=204)
    response.headers.update(CORS)
    response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.post("/api/collect")
async def collect() -> Response:
    rt = runtime()
    body = await request.get_data(cache=False)
    try:
        wires = decode(body, request.content_type or "")
    except WireError as exc:
        return _with_cors(error_response(400, exc.message, exc.field))
    if not rt.writer.has_room(len(wires)):
        return _overloaded()
    ctx = RequestContext(
        ip=client_ip(
            request.remote_addr,
            request.headers.get("X-Forwarded-For"),
            rt.settings.trusted_proxy_hops,
        ),
        user_agent=request.headers.get("User-Agent", ""),
        headers=request.headers,
        now_ms=rt.clock.now_ms(),
    )
    try:
        results = await rt.pipeline.run(wires, ctx)
    except WireError as exc:
        return _with_cors(error_response(400, exc.message, exc.field))
    if not rt.writer.offer(results):
        return _overloaded()
    rt.record(results)
    dropped = Counter(item.reason for item in results if isinstance(item, Drop))
    response = jsonify({"accepted": len(results) - dropped.total(), "dropped": dict(dropped)})
    response.status_code = 202
    if dropped:
        response.headers[DROPPED_HEADER] = ",".join(f"{r}={n}" for r, n in sorted(dropped.items()))
    return _with_cors(response)


def _overloaded() -> Response:
    response = error_response(503, "ingest queue is full, retry shortly")
    response.headers["Retry-After"] = RETRY_AFTER_S
    return _with_cors(response)


def _with_cors(response: Response) -> Response:
    response.headers.update(CORS)
    return response
