"""POST /api/event: Plausible's Events API, so a site tagged for Plausible only changes host.

The body is mapped onto Pulse's wire events (app/ingest/compat/plausible.py) and then takes the
same path as /api/collect: same enrichment, same identity, same counters. Answers follow
Plausible: `202 ok`; dropped events still 202, with `x-plausible-dropped: <count>` (and Pulse's
own `X-Pulse-Dropped: reason=n`); invalid input `400 {"errors": {"field": ["message"]}}`.
"""

from __future__ import annotations

from quart import Blueprint, Response

from app.api.contract import TEXT, empty, errors, json_response, ok, responds
from app.api.cors import preflight_response
from app.api.ingest_request import dropped_header, handle
from app.api.schemas.service import PlausibleErrors
from app.ingest.compat import plausible
from app.ingest.intake import Outcome
from app.ingest.wire import WireError

bp = Blueprint("plausible", __name__)

DROPPED_HEADER = "x-plausible-dropped"
PULSE_DROPPED_HEADER = "X-Pulse-Dropped"
EXPOSE = f"{DROPPED_HEADER}, {PULSE_DROPPED_HEADER}"


@bp.route("/api/event", methods=["OPTIONS"])
@responds(empty(204, "CORS preflight: allowed methods and headers"))
async def preflight() -> Response:
    """Plausible's script posts text/plain (no preflight); the Events API's documented
    examples and the npm tracker post application/json, which needs one."""
    return preflight_response(expose=EXPOSE)


@bp.post("/api/event")
@responds(
    ok(TEXT, "`ok`, as Plausible answers", status=202, media="text/plain"),
    ok(PlausibleErrors, "invalid input, by field", status=400),
    *errors(413, 429, 503),
)
async def event() -> Response:
    return await handle(plausible.to_wires, _answer, _invalid, expose=EXPOSE)


def _answer(outcome: Outcome) -> Response:
    response = Response("ok", status=202, content_type="text/plain; charset=utf-8")
    dropped = outcome.dropped
    if dropped:
        response.headers[DROPPED_HEADER] = str(sum(dropped.values()))
        response.headers[PULSE_DROPPED_HEADER] = dropped_header(dropped)
    return response


def _invalid(exc: WireError) -> Response:
    body = {"errors": {plausible.field_name(exc.field): [exc.message]}}
    return json_response(PlausibleErrors, body, status=400)
