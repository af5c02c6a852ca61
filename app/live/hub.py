"""The live hub: every site's window, the 1-second tick, and the subscribers' channels.

Ingest calls `add` for each accepted event (via Runtime.record): a dict lookup and the window's
O(1) update, no I/O. The tick task, once a second, lets old minutes leave every window (so memory
follows the clock even for sites nobody watches) and, for watched sites whose picture changed
(an event, a minute leaving, the active-now count decaying), builds one snapshot and offers it to
every subscriber. REST and new connections reuse the latest snapshot when it is younger than a
tick, so a site's snapshot is built at most once a second however many clients ask.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

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


class LiveHub:
    def __init__(
        self,
        clock: Clock,
        sites: SiteRegistry,
        visitor_cap: int,
        tick_s: float = 1.0,
        keepalive_s: float = 20.0,
    ) -> None:
        self.clock = clock
        self.sites = sites
        self.visitor_cap = visitor_cap
        self.tick_s = tick_s
        self.keepalive_s = keepalive_s
        self.windows: dict[int, SiteWindow] = {}
        self.channels: dict[int, Channel] = {}
        self._sites_by_id: dict[int, Site] = {}
        self._task: asyncio.Task[None] | None = None
        self.closing = False
        self._drained = asyncio.Event()  # set when the last subscriber leaves while closing

    # --- ingest (hot path) -------------------------------------------------------------------

    def add(self, event: Event) -> None:
        window = self.windows.get(event.site_id)
        if window is None:
            window = self.window(event.site_id)
        window.add(event)

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
        return self._fresh(site, self.clock.now_ms())

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

    def _fresh(self, site: Site, now: int) -> Frames:
        """The cached snapshot if nothing it shows has changed, else a new one (seq + 1)."""
        channel, window = self._channel(site.id), self.window(site.id)
        window.advance(now)
        frames = channel.frames
        if frames is not None and (
            # A REST poll rebuilt it less than a tick ago (90%: the tick's own jitter is ms)
            time.monotonic() - frames.built_at < 0.9 * self.tick_s
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
        for site_id, channel in self.channels.items():
            if channel.subscribers:
                self._publish(site_id, channel, now)
                channel.keepalive(self.keepalive, self.keepalive_s)

    def _publish(self, site_id: int, channel: Channel, now: int) -> None:
        site = self.site(site_id)
        if site is not None:
            channel.publish(self._fresh(site, now))
