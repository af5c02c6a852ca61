"""The path every ingest endpoint shares (Pulse's own, and the drop-in Plausible/Umami ones):
request facts -> pipeline -> write queue -> runtime's bookkeeping. Endpoints differ only in how
they decode bodies and shape answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from quart import request

from app.events import Drop, Event
from app.ingest.client_ip import client_ip
from app.ingest.pipeline import RequestContext
from app.ingest.wire import WireEvent
from app.runtime import Runtime


class Overloaded(Exception):
    """The write queue has no room: answer 503 with Retry-After."""


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
    """Raises WireError (400) or Overloaded (503); nothing is kept in either case."""
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
