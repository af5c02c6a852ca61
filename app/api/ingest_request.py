"""The HTTP side every ingest endpoint shares (Pulse's own, and the drop-in Plausible/Umami
ones): request facts, the Intake call, one error mapping (400 / 429 / 503) and CORS. Endpoints
differ only in how they decode bodies and shape answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from quart import request
from quart.wrappers import Response

from app.api.context import runtime
from app.api.cors import with_cors
from app.api.errors import error_response
from app.auth.ratelimit import retry_after_header
from app.ingest.client_ip import client_ip
from app.ingest.intake import Outcome, Overloaded, RateLimited
from app.ingest.pipeline import RequestContext
from app.ingest.wire import WireError, WireEvent
from app.runtime import Runtime

# A full queue drains in well under a second at the writer's rate (PULSE_QUEUE_BOUND).
RETRY_AFTER_S = "1"
NOTHING = Outcome([], Counter())

Decode = Callable[[bytes], list[WireEvent]]
Answer = Callable[[Outcome], Response]
Invalid = Callable[[WireError], Response]


def request_context(rt: Runtime) -> RequestContext:
    forwarded = ",".join(request.headers.getlist("X-Forwarded-For")) or None
    return RequestContext(
        # Every X-Forwarded-For line: a proxy may append its own line below the client's.
        ip=client_ip(request.remote_addr, forwarded, rt.settings.trusted_proxy_hops),
        user_agent=request.headers.get("User-Agent", ""),
        headers=request.headers,  # type: ignore[arg-type]
        now_ms=rt.clock.now_ms(),
    )


async def handle(decode: Decode, answer: Answer, invalid: Invalid, expose: str = "") -> Response:
    """Read and decode the body, accept its events (waiting until they are durable), answer.
    A decoder returning no events (an Umami `identify`) is answered without the intake."""
    rt = runtime()
    try:
        rt.intake.admit(1)  # a full queue refuses before the body is even read
        body = await request.get_data(cache=False, as_text=False, parse_form_data=False)
        wires = decode(body)
        outcome = await rt.intake.accept(wires, request_context(rt)) if wires else NOTHING
    except WireError as exc:
        response = invalid(exc)
    except Overloaded:
        response = error_response(503, "ingest queue is full, retry shortly")
        response.headers["Retry-After"] = RETRY_AFTER_S
    except RateLimited as exc:
        response = error_response(429, "too many requests from this address, slow down")
        response.headers["Retry-After"] = retry_after_header(exc.retry_after_s)
    else:
        response = answer(outcome)
    return with_cors(response, expose)


def dropped_header(dropped: Counter[str]) -> str:
    """`reason=n,...` for X-Pulse-Dropped, sorted by reason."""
    return ",".join(f"{reason}={n}" for reason, n in sorted(dropped.items()))
