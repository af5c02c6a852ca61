"""POST /api/collect: decode -> validate -> enrich -> durable -> 202 (app/ingest/intake.py)."""

from __future__ import annotations

from quart import Blueprint, Response, request

from app.api.contract import empty, errors, json_response, ok, responds
from app.api.cors import preflight_response
from app.api.errors import error_response
from app.api.ingest_request import dropped_header, handle
from app.api.schemas.service import Accepted
from app.ingest.intake import Outcome
from app.ingest.wire import WireError, WireEvent, decode

bp = Blueprint("collect", __name__)

DROPPED_HEADER = "X-Pulse-Dropped"


@bp.route("/api/collect", methods=["OPTIONS"])
@responds(empty(204, "CORS preflight: allowed methods and headers"))
async def preflight() -> Response:
    return preflight_response(expose=DROPPED_HEADER)


@bp.post("/api/collect")
@responds(
    ok(Accepted, "durable: accepted and dropped events (X-Pulse-Dropped says why)", status=202),
    *errors(400, 413, 429, 503),
)
async def collect() -> Response:
    return await handle(_decode, _answer, _invalid, expose=DROPPED_HEADER)


def _decode(body: bytes) -> list[WireEvent]:
    return decode(body, request.content_type or "")


def _answer(outcome: Outcome) -> Response:
    dropped = outcome.dropped
    counts = {"accepted": len(outcome.accepted), "dropped": dict(dropped)}
    response = json_response(Accepted, counts, status=202)
    if dropped:
        response.headers[DROPPED_HEADER] = dropped_header(dropped)
    return response


def _invalid(exc: WireError) -> Response:
    return error_response(400, exc.message, exc.field)
