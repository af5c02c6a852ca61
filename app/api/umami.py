"""POST /api/send and /api/batch: Umami's collect API, so a site tagged for Umami only changes host.

Bodies are mapped onto Pulse's wire events (app/ingest/compat/umami.py) and take the same path
as /api/collect. Answers follow Umami, whose tracker reads the JSON answer and nothing else:
200 `{"sessionId", "visitId"}` (Pulse's random per-visit session id, as a UUID); a bot 200
`{"beep": "boop"}`; an unknown website 400 `{"error": {"message": "Website not found.", ...}}`;
invalid input 400 in the same shape (naming the field). Pulse counts the drops as always.
"""

from __future__ import annotations

import uuid
from typing import Any

from quart import Blueprint, Response, jsonify, request

from app.api.collect import _rate_limited
from app.api.context import runtime
from app.api.cors import preflight_response
from app.api.errors import error_response
from app.api.ingest_request import Overloaded, RateLimited, ingest, request_context
from app.events import DROP_BOT, DROP_UNKNOWN_SITE
from app.ingest.compat import umami
from app.ingest.wire import WireError, WireEvent
from app.runtime import Runtime
from app.sites import normalise_domain

bp = Blueprint("umami", __name__)

RETRY_AFTER_S = "1"
WEBSITE_NOT_FOUND = "Website not found."
# Like /api/collect: any origin, never credentials. Umami's tracker echoes the previous answer
# in `x-umami-cache` (Pulse ignores it), so the preflight must allow that header.
CORS = {"Access-Control-Allow-Origin": "*"}


@bp.route("/api/send", methods=["OPTIONS"])
@bp.route("/api/batch", methods=["OPTIONS"])
async def preflight() -> Response:
    return preflight_response(CORS, "Content-Type, x-umami-cache")


@bp.post("/api/send")
async def send() -> Response:
    rt = runtime()
    try:
        wire = umami.to_wire_event(umami.decode_one(await _body()))
        if wire is None:
            return _answer({})  # identify, performance, ...: accepted, nothing to record
        outcome = await ingest(rt, [wire], request_context(rt))
    except WireError as exc:
        return _bad_request(exc.message, umami.field_name(exc.field))
    except Overloaded:
        return _overloaded()
    except RateLimited as exc:
        return _with_cors(_rate_limited(exc))
    if outcome.dropped[DROP_UNKNOWN_SITE]:
        return _bad_request(WEBSITE_NOT_FOUND)
    if outcome.dropped[DROP_BOT] or not outcome.accepted:
        # Umami's own answer to a bot; also for events a site rule dropped (spam, excluded IP):
        # telling a spammer which rule caught it would only help them.
        return _answer({"beep": "boop"})
    visit = str(uuid.UUID(int=outcome.accepted[0].session_id))
    return _answer({"sessionId": visit, "visitId": visit})


@bp.post("/api/batch")
async def batch() -> Response:
    """Umami's batch answer: `{size, processed, errors, details: [{index, response}]}`. Invalid
    input fails the whole batch (Pulse keeps nothing of a bad request); unknown websites are
    per-message errors, as in Umami."""
    rt = runtime()
    try:
        messages = umami.decode_batch(await _body())
        indexed = [(i, umami.to_wire_event(m)) for i, m in enumerate(messages)]
        recorded = [(i, wire) for i, wire in indexed if wire is not None]
        if recorded:
            await ingest(rt, [wire for _, wire in recorded], request_context(rt))
    except WireError as exc:
        return _bad_request(exc.message, umami.field_name(exc.field))
    except Overloaded:
        return _overloaded()
    except RateLimited as exc:
        return _with_cors(_rate_limited(exc))
    details = [
        {"index": i, "response": _error_body(WEBSITE_NOT_FOUND)}
        for i, wire in recorded
        if _unknown(rt, wire)
    ]
    size = len(messages)
    summary = {"size": size, "processed": size - len(details), "errors": len(details)}
    return _answer({**summary, "details": details})


async def _body() -> bytes:
    return await request.get_data(cache=False, as_text=False, parse_form_data=False)


def _unknown(rt: Runtime, wire: WireEvent) -> bool:
    # The pipeline already reloaded the registry for unknown names, so this is its verdict.
    return rt.sites.lookup(normalise_domain(wire.site or "")) is None


def _error_body(message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "code": "bad-request", "status": 400}
    if field is not None:
        error["field"] = field
    return {"error": error}


def _bad_request(message: str, field: str | None = None) -> Response:
    response = jsonify(_error_body(message, field))
    response.status_code = 400
    return _with_cors(response)


def _answer(body: dict[str, Any]) -> Response:
    return _with_cors(jsonify(body))


def _overloaded() -> Response:
    response = error_response(503, "ingest queue is full, retry shortly")
    response.headers["Retry-After"] = RETRY_AFTER_S
    return _with_cors(response)


def _with_cors(response: Response) -> Response:
    response.headers.update(CORS)
    return response
