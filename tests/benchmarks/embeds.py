"""Locked views benchmark (not a test): `.venv/bin/python tests/benchmarks/embeds.py`.

What a filter-locked share or kiosk link costs on the ingest path (issue 21): every event of
its site also passes that view's `LiveFilter` and, when admitted, its own `SiteWindow.add`.
Prints µs per event for the site's window alone, and with 1 and 10 locked views of the site
(half the events admitted), in process, on 200,000 events (BENCH_EVENTS)."""

from __future__ import annotations

import gc
import os
import time

from app.events import Event
from app.live.lock import LiveFilter
from app.live.windows import SiteWindow
from app.queries.filters import parse

EVENTS = int(os.environ.get("BENCH_EVENTS", "200000"))
NOW = 1_800_000_000_000


def events() -> list[Event]:
    made = []
    for n in range(EVENTS):
        visitor = n % 5_000
        made.append(
            Event(
                1,
                NOW + n * 5,
                "pageview",
                "example.com",
                f"/p/{n % 50}",
                visitor,
                visitor * 10 + n // 5_000,
                n < 5_000,
                n % 4 == 0,
                source="Google" if visitor % 2 else "Direct",
                country="DE" if visitor % 2 else "FR",
            )
        )
    return made


def run(views: int, stream: list[Event]) -> float:
    base = SiteWindow(NOW)
    locked = [
        (LiveFilter(tuple(parse(f"country==DE;page!=/x{k}"))), SiteWindow(NOW))
        for k in range(views)
    ]
    started = time.perf_counter()
    for e in stream:
        base.add(e)
        for live_filter, window in locked:
            if live_filter.admits(e):
                window.add(e)
    return (time.perf_counter() - started) / len(stream) * 1e6


def main() -> None:
    stream = events()
    gc.freeze()  # the 200,000 events are the benchmark's, not the server's: keep GC off them
    for views in (0, 1, 10):
        best = min(run(views, stream) for _ in range(3))
        print(f"{views:>2} locked views: {best:6.2f} µs per event")


if __name__ == "__main__":
    main()
