"""Accepting events, in one direction: rate limit -> admission -> pipeline -> durable write ->
live fan-out -> broker publish. Handed its sinks at construction; knows no HTTP.

Every ingest endpoint (Pulse's own, Plausible's, Umami's send and batch) calls `accept` and only
decodes bodies and shapes answers around it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from app.events import Drop, Event
from app.ingest.pipeline import Pipeline, RequestContext
from app.ingest.wire import WireEvent
from app.storage.writer import Writer, WriterClosed


class Overloaded(Exception):
    """No room to wait for the writer (or it could not make the events durable): 503."""


class RateLimited(Exception):
    """The client IP sent more than its requests a second: 429 after `retry_after_s`."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(retry_after_s)
        self.retry_after_s = retry_after_s


class Limiter(Protocol):
    def hit(self, key: str, now_ms: int) -> float: ...


class Publisher(Protocol):
    def publish(self, events: list[Event]) -> None: ...


@dataclass
class Counters:
    accepted: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class Outcome:
    accepted: list[Event]
    dropped: Counter[str]


class Intake:
    def __init__(
        self,
        limiter: Limiter,
        pipeline: Pipeline,
        writer: Writer,
        live: Callable[[Event], None],
        broker: Publisher | None = None,
    ) -> None:
        self.limiter = limiter
        self.pipeline = pipeline
        self.writer = writer
        self.live = live
        self.broker = broker
        self.counters = Counters()

    def admit(self, n: int) -> None:
        """Raises Overloaded before any work when the writer has no room for n more events:
        the cheapest refusal (no decoding, no enrichment, the session index untouched)."""
        if not self.writer.has_room(n):
            raise Overloaded

    async def accept(self, wires: list[WireEvent], ctx: RequestContext) -> Outcome:
        """Raises RateLimited (429) or Overloaded (503); nothing is kept then. Returns once
        every event of the request is durable."""
        wait = self.limiter.hit(ctx.ip or "", ctx.now_ms)
        if wait:
            raise RateLimited(wait)
        self.admit(len(wires))
        results = await self.pipeline.run(wires, ctx)
        try:
            durable = self.writer.submit(results)
        except WriterClosed:
            raise Overloaded from None
        outcome = _outcome(results)  # split once: the answer and the fan-out share it
        # Fan-out runs when the batch is durable, even if this request's client went away
        # meanwhile (its task cancelled): what is on disk is what the live view shows.
        durable.add_done_callback(lambda done: self._after_commit(done, outcome))
        try:
            await asyncio.shield(durable)
        except Exception as exc:  # neither the database nor the spill file: not acknowledged
            raise Overloaded from exc
        return outcome

    def _after_commit(self, done: asyncio.Future[None], outcome: Outcome) -> None:
        if not done.cancelled() and done.exception() is None:
            self._record(outcome)

    def _record(self, outcome: Outcome) -> None:
        self.counters.dropped.update(outcome.dropped)
        for event in outcome.accepted:
            self.live(event)
        self.counters.accepted += len(outcome.accepted)
        if self.broker is not None and outcome.accepted:  # one stream entry per request
            self.broker.publish(outcome.accepted)


def _outcome(results: Sequence[Event | Drop]) -> Outcome:
    accepted = [item for item in results if isinstance(item, Event)]
    dropped = Counter(item.reason for item in results if isinstance(item, Drop))
    return Outcome(accepted, dropped)
