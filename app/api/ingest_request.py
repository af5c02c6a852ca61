"""The path every ingest endpoint shares (Pulse's own, and the drop-in Plausible/Umami ones):
request facts -> pipeline -> write queue -> runtime's bookkeeping. Endpoints differ only in how
they decode bodies and shape answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from quart import request

from app.auth.ratelimit import retry_after_header
from app.events import Drop, Event
from app.ingest.client_ip import client_ip
from app.ingest.pipeline import RequestContext
from app.ingest.wire import WireEvent
from app.runtime import Runtime


class Overloaded(Exception):
    """The write queue has no room: answer 503 with Retry-After."""


class RateLimited(Exception):
    """The client IP sent more than PULSE_INGEST_RATE_LIMIT requests a second: answer 429."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(retry_after_s)
        self.retry_after = retry_after_header(retry_after_s)


def check_rate(rt: Runtime, ip: str | None, now_ms: int) -> None:
    """Raises RateLimited. Counted per request, however many events it carries."""
    wait = rt.ingest_limit.hit(ip or "", now_ms)
    if wait:
        raise RateLimited(wait)


@dataclass(slots=True)
class Outcome:
    accepted: list[Event]
    dropped: Counter[str]


def request_context(rt: Runtime) -> RequestContext:
    forwarded = ",".join(request.headers.getlist("X-Forwarded-For")) or None
    return RequestContext(
        # Every X-Forwarded-For line: a proxy may append its own line below the client's.
        ip=client_ip(request.remote_addr, forwarded, rt.settings.trusted_proxy_hops),
        user_agent=request.headers.get("User-Agent", ""),
        headers=request.headers,  # type: ignore[arg-type]
        now_ms=rt.clock.now_ms(),
    )


async def ingest(rt: Runtime, wires: list[WireEvent], ctx: RequestContext) -> Outcome:
    """Raises RateLimited (429), WireError (400) or Overloaded (503); nothing is kept then."""
    check_rate(rt, ctx.ip, ctx.now_ms)
    # Room is checked before enriching, so a refused request never touches the session index.
    if not rt.writer.has_room(len(wires)):
        raise Overloaded
    results = await rt.pipeline.run(wires, ctx)
    if not rt.writer.offer(results):
        raise Overloaded
    rt.record(results)
    accepted = [item for item in results if isinstance(item, Event)]
    dropped = Counter(item.reason for item in results if isinstance(item, Drop))
    return Outcome(accepted, dropped)
