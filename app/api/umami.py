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

from quart import Blueprint, Response

from app.api.context import runtime
from app.api.contract import empty, errors, json_response, ok, responds
from app.api.cors import preflight_response
from app.api.ingest_request import NOTHING, handle
from app.api.schemas.service import UmamiBatch, UmamiErrorBody, UmamiSent
from app.events import DROP_BOT, DROP_UNKNOWN_SITE
from app.ingest.compat import umami
from app.ingest.intake import Outcome
from app.ingest.wire import WireError, WireEvent
from app.sites.model import normalise_domain

bp = Blueprint("umami", __name__)

WEBSITE_NOT_FOUND = "Website not found."
# Umami's tracker echoes the previous answer in `x-umami-cache` (Pulse ignores it), so the
# preflight must allow that header.
ALLOW_HEADERS = "Content-Type, x-umami-cache"


@bp.route("/api/send", methods=["OPTIONS"])
@bp.route("/api/batch", methods=["OPTIONS"])
@responds(empty(204, "CORS preflight: allowed methods and headers"))
async def preflight() -> Response:
    return preflight_response(ALLOW_HEADERS)


@bp.post("/api/send")
@responds(
    ok(UmamiSent, "recorded (ids), a bot (beep) or nothing to record ({})"),
    ok(UmamiErrorBody, "unknown website or invalid input, Umami's shape", status=400),
    *errors(413, 429, 503),
)
async def send() -> Response:
    return await handle(_decode_one, _answer_one, _invalid)


def _decode_one(body: bytes) -> list[WireEvent]:
    wire = umami.to_wire_event(umami.decode_one(body))
    return [] if wire is None else [wire]  # identify, performance, ...: nothing to record


def _answer_one(outcome: Outcome) -> Response:
    if outcome is NOTHING:
        return json_response(UmamiSent, {})
    if outcome.dropped[DROP_UNKNOWN_SITE]:
        return _bad_request(WEBSITE_NOT_FOUND)
    if outcome.dropped[DROP_BOT] or not outcome.accepted:
        # Umami's own answer to a bot; also for events a site rule dropped (spam, excluded IP):
        # telling a spammer which rule caught it would only help them.
        return json_response(UmamiSent, {"beep": "boop"})
    visit = str(uuid.UUID(int=outcome.accepted[0].session_id))
    return json_response(UmamiSent, {"sessionId": visit, "visitId": visit})


@bp.post("/api/batch")
@responds(
    ok(UmamiBatch, "per-message outcome"),
    ok(UmamiErrorBody, "invalid input, Umami's shape", status=400),
    *errors(413, 429, 503),
)
async def batch() -> Response:
    """Umami's batch answer: `{size, processed, errors, details: [{index, response}]}`. Invalid
    input fails the whole batch (Pulse keeps nothing of a bad request); unknown websites are
    per-message errors, as in Umami."""
    request_batch = _Batch()
    return await handle(request_batch.decode, request_batch.answer, _invalid)


class _Batch:
    """One /api/batch request: the decoder keeps each message's index for the answer."""

    def __init__(self) -> None:
        self.size = 0
        self.recorded: list[tuple[int, WireEvent]] = []

    def decode(self, body: bytes) -> list[WireEvent]:
        messages = umami.decode_batch(body)
        self.size = len(messages)
        indexed = [(i, umami.to_wire_event(m)) for i, m in enumerate(messages)]
        self.recorded = [(i, wire) for i, wire in indexed if wire is not None]
        return [wire for _, wire in self.recorded]

    def answer(self, _outcome: Outcome) -> Response:
        details = [
            {"index": i, "response": _error_body(WEBSITE_NOT_FOUND)}
            for i, wire in self.recorded
            if _unknown(wire)
        ]
        errors = len(details)
        summary = {"size": self.size, "processed": self.size - errors, "errors": errors}
        return json_response(UmamiBatch, {**summary, "details": details})


def _unknown(wire: WireEvent) -> bool:
    # The pipeline already reloaded the registry for unknown names, so this is its verdict.
    return runtime().sites.lookup(normalise_domain(wire.site or "")) is None


def _error_body(message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "code": "bad-request", "status": 400}
    if field is not None:
        error["field"] = field
    return {"error": error}


def _bad_request(message: str, field: str | None = None) -> Response:
    return json_response(UmamiErrorBody, _error_body(message, field), status=400)


def _invalid(exc: WireError) -> Response:
    return _bad_request(exc.message, umami.field_name(exc.field))
