"""The live hub: every site's window, the push schedule, and the subscribers' channels.

Ingest calls `add` for each durable event (app/ingest/intake.py): a dict lookup and the window's
O(1) update, no I/O. Pushes are on the leading edge: the first event after a quiet second is
pushed at once (a callback on the loop, not the next tick: before, the first visitor after a
quiet minute reached the wall 0.6-1.4 s after the POST); events within the following second
are coalesced into one push at its end, so a site gets at most one update a second however fast
events come. The tick, once a second, lets old minutes leave every window (so memory follows
the clock even for sites nobody watches) and pushes what only time changed (a minute leaving,
active-now decaying). Each push builds one snapshot, encoded once per format for every
subscriber. REST and new connections reuse the latest snapshot when it is younger than a tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from app.clock import Clock
from app.events import Event
from app.live import warm
from app.live.broadcaster import CLOSE_GOING_AWAY, Channel, Subscriber
from app.live.snapshot import Frames, build, keepalive
from app.live.windows import SiteWindow
from app.sites import Site, SiteRegistry

log = logging.getLogger(__name__)
STOP_GRACE_S = 2.0  # how long stop() waits for sockets to send their 1001 close
CallLater = Callable[[float, Callable[[], None]], object]


def _loop_call_later(delay_s: float, callback: Callable[[], None]) -> object:
    return asyncio.get_running_loop().call_later(delay_s, callback)


class LiveHub:
    def __init__(
        self,
        clock: Clock,
        sites: SiteRegistry,
        visitor_cap: int,
        tick_s: float = 1.0,
        keepalive_s: float = 20.0,
        call_later: CallLater = _loop_call_later,
    ) -> None:
        self.clock = clock
        self.sites = sites
        self.visitor_cap = visitor_cap
        self.tick_s = tick_s
        self.keepalive_s = keepalive_s
        self.call_later = call_later  # tests drive pushes on a fake clock
        self.windows: dict[int, SiteWindow] = {}
        self.channels: dict[int, Channel] = {}
        self._sites_by_id: dict[int, Site] = {}
        self._task: asyncio.Task[None] | None = None
        self.closing = False
        self._drained = asyncio.Event()  # set when the last subscriber leaves while closing
        # The alerts' hooks (app/alerts/engine.py): each event as it is added, and each tick
        # after the windows have moved on. None: nothing is called.
        self.on_event: Callable[[Event], None] | None = None
        self.on_tick: Callable[[int], None] | None = None

    # --- ingest (hot path) -------------------------------------------------------------------

    def add(self, event: Event) -> None:
        window = self.windows.get(event.site_id)
        if window is None:
            window = self.window(event.site_id)
        window.add(event)
        if self.on_event is not None:
            self.on_event(event)
        channel = self.channels.get(event.site_id)
        if channel is not None and channel.subscribers and not channel.push_scheduled:
            self._schedule_push(event.site_id, channel)

    def _schedule_push(self, site_id: int, channel: Channel) -> None:
        """At once after a quiet tick; else when a tick has passed since the last push."""
        since = self.clock.now_ms() - channel.pushed_at_ms
        delay_s = max(0.0, self.tick_s - since / 1000)
        channel.push_scheduled = True
        self.call_later(delay_s, lambda: self._push(site_id, channel))

    def _push(self, site_id: int, channel: Channel) -> None:
        channel.push_scheduled = False
        if not self.closing and channel.subscribers:
            self._publish(site_id, channel, self.clock.now_ms())

    def window(self, site_id: int) -> SiteWindow:
        window = self.windows.get(site_id)
        if window is None:
            site = self.site(site_id)
            timezone = site.timezone if site is not None else "UTC"
            window = SiteWindow(self.clock.now_ms(), timezone, self.visitor_cap)
            self.windows[site_id] = window
        return window

    def site(self, site_id: int) -> Site | None:
        site = self._sites_by_id.get(site_id)
        if site is None:  # added since the last look (the registry reloads on unknown domains)
            self._sites_by_id = {s.id: s for s in self.sites.all()}
            site = self._sites_by_id.get(site_id)
        return site

    # --- lifecycle ---------------------------------------------------------------------------

    async def warm_start(self, engine: AsyncEngine) -> int:
        """Rebuild every site's window from the stored events of the last 30 minutes."""
        now = self.clock.now_ms()
        replayed = 0
        for site in self.sites.all():
            self._sites_by_id[site.id] = site
            window = self.windows[site.id] = SiteWindow(now, site.timezone, self.visitor_cap)
            replayed += await warm.fill(engine, site.id, window, now)
        return replayed

    def start(self) -> None:
        self._task = asyncio.create_task(self._tick_loop(), name="pulse-live-tick")

    async def stop(self) -> None:
        """Close every socket with 1001 and wait (briefly) until their handlers are gone."""
        self.closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for channel in self.channels.values():
            channel.close_all(CLOSE_GOING_AWAY)
        if self.subscribers():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_GRACE_S):
                    await self._drained.wait()

    # --- snapshots and subscribers -----------------------------------------------------------

    def current(self, site: Site) -> Frames:
        """The site's latest snapshot: reused while younger than a tick, else rebuilt if the
        picture changed since (new connections and REST polls never build more often)."""
        frames = self._channel(site.id).frames
        if frames is not None and time.monotonic() - frames.built_at < self.tick_s:
            return frames
        return self._fresh(site, self.clock.now_ms(), reuse_young=True)

    def subscribe(self, site: Site, fmt: str) -> Subscriber:
        """A new subscriber, with the current snapshot already waiting in its mailbox."""
        sub = Subscriber(site.id, fmt)
        frames = self.current(site)
        sub.offer(frames.encoded(fmt), frames.seq)
        self._channel(site.id).subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        channel = self.channels.get(sub.site_id)
        if channel is not None:
            channel.subscribers.discard(sub)
        if self.closing and not self.subscribers():
            self._drained.set()

    def subscribers(self) -> int:
        return sum(len(c.subscribers) for c in self.channels.values())

    def keepalive(self, fmt: str) -> str | bytes:
        return keepalive(fmt, self.clock.now_ms())

    def _channel(self, site_id: int) -> Channel:
        channel = self.channels.get(site_id)
        if channel is None:
            channel = self.channels[site_id] = Channel()
        return channel

    def _fresh(self, site: Site, now: int, reuse_young: bool = False) -> Frames:
        """The cached snapshot if nothing it shows has changed (or, for REST and new sockets,
        if it is younger than a tick), else a new one (seq + 1)."""
        channel, window = self._channel(site.id), self.window(site.id)
        window.advance(now)
        frames = channel.frames
        if frames is not None and (
            # 90%: the tick's own jitter is milliseconds
            (reuse_young and time.monotonic() - frames.built_at < 0.9 * self.tick_s)
            or (frames.version == window.version and frames.active == window.active_now(now))
        ):
            return frames
        seq = frames.seq + 1 if frames is not None else 1
        channel.frames = Frames(build(window, site, now, seq), window.version)
        return channel.frames

    # --- the tick ----------------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += self.tick_s
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            try:
                self.tick()
            except Exception:  # one bad tick must not stop the wall for good
                log.exception("live tick failed")
            if loop.time() > next_at + self.tick_s:
                next_at = loop.time()  # fell behind (a stalled loop): don't burst to catch up

    def tick(self) -> None:
        now = self.clock.now_ms()
        for window in self.windows.values():
            window.advance(now)
        if self.on_tick is not None:
            try:
                self.on_tick(now)
            except Exception:  # alerts must not stop the wall
                log.exception("alert evaluation failed")
        for site_id, channel in self.channels.items():
            if not channel.subscribers:
                continue
            # What time changed goes out now unless a push is due anyway or one went out
            # less than a tick ago (90%: timer jitter), keeping at most one a second.
            if not channel.push_scheduled and now - channel.pushed_at_ms >= 900 * self.tick_s:
                self._publish(site_id, channel, now)
            channel.keepalive(self.keepalive, self.keepalive_s)

    def _publish(self, site_id: int, channel: Channel, now: int) -> None:
        site = self.site(site_id)
        if site is not None and channel.publish(self._fresh(site, now)):
            channel.pushed_at_ms = now
