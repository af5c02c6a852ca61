"""Fan-out to websocket subscribers through a one-frame mailbox per subscriber.

The hub offers each new snapshot to every subscriber of the site: offering stores the encoded
frame (shared, never copied) in the subscriber's single slot and wakes its sender. A subscriber
whose socket is slow still holds at most one unsent frame: a newer snapshot replaces it
(`skipped` counts those), so a slow wall display jumps to the latest picture instead of
replaying a backlog, and memory per subscriber stays one reference whatever the rate.

Keepalives go out after 20 s without a snapshot (the hub's default): under the idle timeouts of
common proxies (nginx proxy_read_timeout 60 s, AWS ALB 60 s, Heroku 55 s), under the issue's
25 s, and well under the wall page's 60-s watchdog.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from app.live.snapshot import Frames

CLOSE_GOING_AWAY = 1001  # RFC 6455 7.4.1: the server is going down
Send = Callable[[str | bytes], Awaitable[None]]


class Subscriber:
    __slots__ = (
        "site_id",
        "fmt",
        "lock",
        "pending",
        "seq",
        "wake",
        "closing",
        "skipped",
        "sent",
    )

    def __init__(self, site_id: int, fmt: str, lock: str = "") -> None:
        self.site_id = site_id
        self.fmt = fmt
        self.lock = lock  # the locked filter of its credential (app/live/hub.py's views)
        self.pending: str | bytes | None = None
        self.seq = 0  # of the latest snapshot offered
        self.wake = asyncio.Event()
        self.closing: int | None = None
        self.skipped = 0  # frames replaced before they were sent (slow client)
        self.sent = 0

    def offer(self, frame: str | bytes, seq: int) -> None:
        if seq <= self.seq:
            return  # already has it (it connected after this snapshot was built)
        self.seq = seq
        if self.pending is not None:
            self.skipped += 1
        self.pending = frame
        self.wake.set()

    def close(self, code: int = CLOSE_GOING_AWAY) -> None:
        self.closing = code
        self.wake.set()


async def pump(sub: Subscriber, send: Send) -> int:
    """Send the subscriber's frames until it is closed; return the close code. No timer per
    frame: keepalives are offered by the hub's tick like any frame (Channel.keepalive)."""
    while True:
        await sub.wake.wait()
        sub.wake.clear()
        if sub.closing is not None:
            return sub.closing
        frame, sub.pending = sub.pending, None
        if frame is not None:
            await send(frame)
            sub.sent += 1


class Channel:
    """A site's subscribers and the latest snapshot built for it."""

    __slots__ = (
        "subscribers",
        "frames",
        "sent_seq",
        "offered_at",
        "pushed_at_ms",
        "push_scheduled",
    )

    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.frames: Frames | None = None
        self.sent_seq = -1  # seq of the snapshot last offered to everyone
        self.offered_at = time.monotonic()  # when everyone was last offered a frame
        self.pushed_at_ms = 0  # the hub's clock when a new snapshot last went out
        self.push_scheduled = False  # an event's push is waiting for its moment

    def publish(self, frames: Frames) -> bool:
        """Offer `frames` to every subscriber: one encode per format, then a reference each.
        False when everyone has it already."""
        if frames.seq == self.sent_seq:
            return False
        self.sent_seq = frames.seq
        self.offered_at = time.monotonic()
        by_format: dict[str, str | bytes] = {}
        for sub in self.subscribers:
            frame = by_format.get(sub.fmt)
            if frame is None:
                frame = by_format[sub.fmt] = frames.encoded(sub.fmt)
            sub.offer(frame, frames.seq)
        return True

    def keepalive(self, frame: Callable[[str], str | bytes], every_s: float) -> None:
        """After `every_s` without a snapshot, offer a keepalive to whoever has nothing waiting
        (it never replaces a snapshot, and does not count as one)."""
        if time.monotonic() - self.offered_at < every_s:
            return
        self.offered_at = time.monotonic()
        by_format: dict[str, str | bytes] = {}
        for sub in self.subscribers:
            if sub.pending is None:
                if sub.fmt not in by_format:
                    by_format[sub.fmt] = frame(sub.fmt)
                sub.pending = by_format[sub.fmt]
                sub.wake.set()

    def close_all(self, code: int = CLOSE_GOING_AWAY) -> None:
        for sub in self.subscribers:
            sub.close(code)
