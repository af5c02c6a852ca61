"""POST /api/event: Plausible's Events API, so a site tagged for Plausible only changes host.

The body is mapped onto Pulse's wire events (app/ingest/compat/plausible.py) and then takes the
same path as /api/collect: same enrichment, same identity, same counters. Answers follow
Plausible: `202 ok`; dropped events still 202, with `x-plausible-dropped: <count>` (and Pulse's
own `X-Pulse-Dropped: reason=n`); invalid input `400 {"errors": {"field": ["message"]}}`.
"""

from __future__ import annotations

from quart import Blueprint, Response, jsonify, request

from app.api.collect import _rate_limited
from app.api.context import runtime
from app.api.cors import preflight_response
from app.api.errors import error_response
from app.api.ingest_request import Overloaded, RateLimited, ingest, request_context
from app.ingest.compat import plausible
from app.ingest.wire import WireError

bp = Blueprint("plausible", __name__)

DROPPED_HEADER = "x-plausible-dropped"
PULSE_DROPPED_HEADER = "X-Pulse-Dropped"
RETRY_AFTER_S = "1"
# Like /api/collect: any origin, never credentials (the trackers send none).
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": f"{DROPPED_HEADER}, {PULSE_DROPPED_HEADER}",
}


@bp.route("/api/event", methods=["OPTIONS"])
async def preflight() -> Response:
    """Plausible's script posts text/plain (no preflight); the Events API's documented
    examples and the npm tracker post application/json, which needs one."""
    return preflight_response(CORS)


@bp.post("/api/event")
async def event() -> Response:
    rt = runtime()
    body = await request.get_data(cache=False, as_text=False, parse_form_data=False)
    try:
        outcome = await ingest(rt, plausible.to_wires(body), request_context(rt))
    except WireError as exc:
        return _invalid(exc)
    except Overloaded:
        response = error_response(503, "ingest queue is full, retry shortly")
        response.headers["Retry-After"] = RETRY_AFTER_S
        return _with_cors(response)
    except RateLimited as exc:
        return _with_cors(_rate_limited(exc))
    response = Response("ok", status=202, content_type="text/plain; charset=utf-8")
    dropped = outcome.dropped
    if dropped:
        response.headers[DROPPED_HEADER] = str(sum(dropped.values()))
        reasons = ",".join(f"{r}={n}" for r, n in sorted(dropped.items()))
        response.headers[PULSE_DROPPED_HEADER] = reasons
    return _with_cors(response)


def _invalid(exc: WireError) -> Response:
    response = jsonify({"errors": {plausible.field_name(exc.field): [exc.message]}})
    response.status_code = 400
    return _with_cors(response)


def _with_cors(response: Response) -> Response:
    response.headers.update(CORS)
    return response
