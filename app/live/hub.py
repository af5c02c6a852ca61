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

Locked views (issue 21): a share or kiosk link with a locked filter watches a window of its own,
fed only the events its filter admits (app/live/lock.py), keyed by (site, filter text), so every
screen on one link shares one window and one snapshot a push like any site's subscribers. It
is built from the stored events on first use (`open_view`: events arriving meanwhile are held
and applied after, those replayed too dropped), and dropped 5 minutes after its last watcher.
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
from app.live.lock import LiveFilter
from app.live.snapshot import Frames, build, keepalive
from app.live.windows import SiteWindow
from app.queries.filters import parse
from app.sites.model import Site
from app.sites.registry import SiteRegistry

log = logging.getLogger(__name__)
STOP_GRACE_S = 2.0  # how long stop() waits for sockets to send their 1001 close
CallLater = Callable[[float, Callable[[], None]], object]
ViewKey = tuple[int, str]  # (site id, locked filter text; '' for the whole site)
VIEW_IDLE_S = 300.0  # a locked view nobody watched for this long is dropped


class LockedView:
    __slots__ = ("filter", "window", "ready", "held", "idle_since")

    def __init__(self, live_filter: LiveFilter, window: SiteWindow) -> None:
        self.filter = live_filter
        self.window = window
        self.ready = asyncio.Event()
        self.held: list[Event] | None = []  # events that arrived while it was being built
        self.idle_since = time.monotonic()


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
        self.locked: dict[ViewKey, LockedView] = {}
        self.channels: dict[ViewKey, Channel] = {}
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
        self._changed((event.site_id, ""))
        if self.locked:
            self._feed_locked(event)

    def _feed_locked(self, event: Event) -> None:
        for key, view in self.locked.items():
            if key[0] != event.site_id:
                continue
            if view.held is not None:
                view.held.append(event)
            elif view.filter.admits(event):
                view.window.add(event)
                self._changed(key)

    def _changed(self, key: ViewKey) -> None:
        channel = self.channels.get(key)
        if channel is not None and channel.subscribers and not channel.push_scheduled:
            self._schedule_push(key, channel)

    def _schedule_push(self, key: ViewKey, channel: Channel) -> None:
        """At once after a quiet tick; else when a tick has passed since the last push."""
        since = self.clock.now_ms() - channel.pushed_at_ms
        delay_s = max(0.0, self.tick_s - since / 1000)
        channel.push_scheduled = True
        self.call_later(delay_s, lambda: self._push(key, channel))

    def _push(self, key: ViewKey, channel: Channel) -> None:
        channel.push_scheduled = False
        if not self.closing and channel.subscribers:
            self._publish(key, channel, self.clock.now_ms())

    def window(self, site_id: int) -> SiteWindow:
        window = self.windows.get(site_id)
        if window is None:
            site = self.site(site_id)
            timezone = site.timezone if site is not None else "UTC"
            window = SiteWindow(self.clock.now_ms(), timezone, self.visitor_cap)
            self.windows[site_id] = window
        return window

    def _window(self, key: ViewKey) -> SiteWindow:
        site_id, lock = key
        if not lock:
            return self.window(site_id)
        view = self.locked.get(key)
        if view is None:  # its build failed: an empty window, filled by what comes
            view = self._new_view(key)
            view.held = None
            view.ready.set()
        return view.window

    def _new_view(self, key: ViewKey) -> LockedView:
        site = self.site(key[0])
        window = SiteWindow(self.clock.now_ms(), site.timezone if site else "UTC", self.visitor_cap)
        view = self.locked[key] = LockedView(LiveFilter(tuple(parse(key[1]))), window)
        return view

    async def open_view(self, engine: AsyncEngine, site: Site, lock: str) -> None:
        """Make sure the locked view (site, lock) exists and is built; '' needs nothing."""
        if not lock:
            return
        key = (site.id, lock)
        view = self.locked.get(key)
        if view is None:
            view = self._new_view(key)
            try:
                recent = await warm.fill_locked(
                    engine, site.id, view.window, view.filter.admits, self.clock.now_ms()
                )
            except BaseException:
                del self.locked[key]
                view.ready.set()
                raise
            for e in view.held or ():
                if warm.key_of(e) not in recent and view.filter.admits(e):
                    view.window.add(e)
            view.held = None
            view.ready.set()
        view.idle_since = time.monotonic()
        await view.ready.wait()

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

    def current(self, site: Site, lock: str = "") -> Frames:
        """The site's latest snapshot (under `lock`: its locked view's, `open_view` first):
        reused while younger than a tick, else rebuilt if the picture changed since (new
        connections and REST polls never build more often)."""
        frames = self._channel((site.id, lock)).frames
        if frames is not None and time.monotonic() - frames.built_at < self.tick_s:
            return frames
        return self._fresh(site, self.clock.now_ms(), lock, reuse_young=True)

    def subscribe(self, site: Site, fmt: str, lock: str = "") -> Subscriber:
        """A new subscriber, with the current snapshot already waiting in its mailbox."""
        sub = Subscriber(site.id, fmt, lock)
        frames = self.current(site, lock)
        sub.offer(frames.encoded(fmt), frames.seq)
        self._channel((site.id, lock)).subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        key = (sub.site_id, sub.lock)
        channel = self.channels.get(key)
        if channel is not None:
            channel.subscribers.discard(sub)
        view = self.locked.get(key)
        if view is not None:
            view.idle_since = time.monotonic()
        if self.closing and not self.subscribers():
            self._drained.set()

    def subscribers(self) -> int:
        return sum(len(c.subscribers) for c in self.channels.values())

    def keepalive(self, fmt: str) -> str | bytes:
        return keepalive(fmt, self.clock.now_ms())

    def _channel(self, key: ViewKey) -> Channel:
        channel = self.channels.get(key)
        if channel is None:
            channel = self.channels[key] = Channel()
        return channel

    def _fresh(self, site: Site, now: int, lock: str = "", reuse_young: bool = False) -> Frames:
        """The cached snapshot if nothing it shows has changed (or, for REST and new sockets,
        if it is younger than a tick), else a new one (seq + 1)."""
        key = (site.id, lock)
        channel, window = self._channel(key), self._window(key)
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
        for view in self.locked.values():
            view.window.advance(now)
        self._drop_idle_views()
        if self.on_tick is not None:
            try:
                self.on_tick(now)
            except Exception:  # alerts must not stop the wall
                log.exception("alert evaluation failed")
        for key, channel in self.channels.items():
            if not channel.subscribers:
                continue
            # What time changed goes out now unless a push is due anyway or one went out
            # less than a tick ago (90%: timer jitter), keeping at most one a second.
            if not channel.push_scheduled and now - channel.pushed_at_ms >= 900 * self.tick_s:
                self._publish(key, channel, now)
            channel.keepalive(self.keepalive, self.keepalive_s)

    def _drop_idle_views(self) -> None:
        idle_since = time.monotonic() - VIEW_IDLE_S
        for key, view in list(self.locked.items()):
            channel = self.channels.get(key)
            watched = channel is not None and channel.subscribers
            if not watched and view.held is None and view.idle_since < idle_since:
                del self.locked[key]
                self.channels.pop(key, None)

    def _publish(self, key: ViewKey, channel: Channel, now: int) -> None:
        site = self.site(key[0])
        if site is not None and channel.publish(self._fresh(site, now, key[1])):
            channel.pushed_at_ms = now
