"""Pushes on the leading edge, on a fake clock: the first event after a quiet second goes out at
once, later ones are coalesced to one push a second per site, each push encoded once per
format for every subscriber."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from app.clock import FakeClock
from app.live.broadcaster import Subscriber
from app.live.hub import LiveHub
from app.sites.model import Site
from tests.live.conftest import event

SITE = Site(1, "example.com", "Example", "UTC", "local")


class Registry:
    def all(self) -> list[Site]:
        return [SITE]


class FakeTimers:
    """call_later on the fake clock: callbacks run when the test says time has come."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.pending: list[tuple[int, Callable[[], None]]] = []
        self.delays: list[float] = []

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> None:
        self.delays.append(delay_s)
        self.pending.append((self.clock.now_ms() + round(delay_s * 1000), callback))

    def run_due(self) -> None:
        due = [c for at, c in self.pending if at <= self.clock.now_ms()]
        self.pending = [(at, c) for at, c in self.pending if at > self.clock.now_ms()]
        for callback in due:
            callback()


def setup() -> tuple[FakeClock, FakeTimers, LiveHub]:
    clock = FakeClock()
    timers = FakeTimers(clock)
    hub = LiveHub(clock, Registry(), 1000, tick_s=1.0, call_later=timers.call_later)  # type: ignore[arg-type]
    return clock, timers, hub


def take(sub: Subscriber) -> dict[str, Any] | None:
    frame, sub.pending = sub.pending, None
    return None if frame is None else msgspec.json.decode(frame)


def test_first_event_after_quiet_is_pushed_at_once_then_coalesced() -> None:
    clock, timers, hub = setup()
    sub = hub.subscribe(SITE, "json")
    assert take(sub)["last_30m"]["pageviews"] == 0  # type: ignore[index]
    clock.advance(seconds=10)  # ten quiet seconds
    hub.add(event(clock.now_ms(), 1))
    assert timers.delays == [0.0]  # pushed on the leading edge, not at the next tick
    timers.run_due()
    first = take(sub)
    assert first is not None and first["last_30m"]["pageviews"] == 1
    clock.advance(ms=200)
    hub.add(event(clock.now_ms(), 2))
    clock.advance(ms=300)
    hub.add(event(clock.now_ms(), 3))
    assert timers.delays == [0.0, 0.8]  # one push scheduled for both, a second after the first
    timers.run_due()
    assert take(sub) is None  # 500 ms after the first push: nothing yet
    clock.advance(ms=500)
    timers.run_due()
    second = take(sub)
    assert second is not None and second["last_30m"]["pageviews"] == 3
    assert second["seq"] == first["seq"] + 1


def test_the_tick_does_not_push_twice_within_a_second() -> None:
    clock, timers, hub = setup()
    sub = hub.subscribe(SITE, "json")
    take(sub)
    clock.advance(seconds=5)
    hub.add(event(clock.now_ms(), 1))
    timers.run_due()
    assert take(sub) is not None
    clock.advance(ms=400)
    hub.add(event(clock.now_ms(), 2))  # scheduled for +600 ms
    hub.tick()  # a tick now must not jump the queue
    assert take(sub) is None
    clock.advance(ms=600)
    timers.run_due()
    assert take(sub)["last_30m"]["pageviews"] == 2  # type: ignore[index]


def test_one_encoding_per_format_shared_by_every_subscriber() -> None:
    clock, timers, hub = setup()
    subs = [hub.subscribe(SITE, fmt) for fmt in ("json", "msgpack") * 50]
    for sub in subs:
        sub.pending = None
    clock.advance(seconds=2)
    hub.add(event(clock.now_ms(), 1))
    timers.run_due()
    frames = {id(sub.pending) for sub in subs}
    assert len(frames) == 2  # one JSON text and one msgpack bytes object, shared by all 100
    assert all(sub.pending is not None for sub in subs)
