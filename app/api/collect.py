"""POST /api/collect: decode -> validate -> enrich -> queue; 202 without touching the database."""

from __future__ import annotations

from quart import Blueprint, Response, jsonify, request

from app.api.context import runtime
from app.api.cors import preflight_response
from app.api.errors import error_response
from app.api.ingest_request import Overloaded, RateLimited, ingest, request_context
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
    return preflight_response(CORS)


@bp.post("/api/collect")
async def collect() -> Response:
    rt = runtime()
    body = await request.get_data(cache=False, as_text=False, parse_form_data=False)
    try:
        outcome = await ingest(rt, decode(body, request.content_type or ""), request_context(rt))
    except WireError as exc:
        return _with_cors(error_response(400, exc.message, exc.field))
    except Overloaded:
        return _overloaded()
    except RateLimited as exc:
        return _rate_limited(exc)
    dropped = outcome.dropped
    response = jsonify({"accepted": len(outcome.accepted), "dropped": dict(dropped)})
    response.status_code = 202
    if dropped:
        response.headers[DROPPED_HEADER] = ",".join(f"{r}={n}" for r, n in sorted(dropped.items()))
    return _with_cors(response)


def _overloaded() -> Response:
    response = error_response(503, "ingest queue is full, retry shortly")
    response.headers["Retry-After"] = RETRY_AFTER_S
    return _with_cors(response)


def _rate_limited(exc: RateLimited) -> Response:
    response = error_response(429, "too many requests from this address, slow down")
    response.headers["Retry-After"] = exc.retry_after
    return _with_cors(response)


def _with_cors(response: Response) -> Response:
    response.headers.update(CORS)
    return response
