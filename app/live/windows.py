"""One site's live window: the last 30 minutes, minute by minute, fed event by event.

The window is minute-aligned: the current minute and the 29 before it (30 bars on the wall),
and every 30-minute number (visitors, top pages, ...) covers exactly those 30 buckets, so the
chart and the totals agree. "Active now" is exact to the millisecond: distinct visitors with an
event in the last 5 minutes (DESIGN.md).

Per event, `add` does O(1) work: a dict lookup for the visitor, a few counters, a dict update per
top list, an append to the feed. Nothing is scanned per event. Minutes leave the window when the
clock (an event's time or the hub's tick) passes them; that costs the leaving minute's size once.

Memory is bounded by `cap` tracked visitors per site: ~190 bytes each in the window (measured by
tests/benchmarks/live.py) plus 8 bytes per further minute a visitor is seen in, at most 30.
Past the cap, the least recently seen are forgotten first. A forgotten visitor who
comes back is counted again in the minute and in the 30-minute visitors (an overcount bounded by
the evictions, reported as `evicted`); everything already counted stays.
"""

from __future__ import annotations

from collections import deque

from app.events import PAGEVIEW, Event
from app.live.tally import KEY_CAP, Key, Tally
from app.live.today import Today

MINUTE_MS = 60_000
WINDOW_MINUTES = 30
ACTIVE_MS = 5 * MINUTE_MS
RECENT_EVENTS = 50
# A visitor's minutes seen, bit k = k minutes before its latest: 32 bits cover the 30 minutes.
MASK = (1 << 32) - 1
DEFAULT_CAP = 100_000


class Visitor:
    __slots__ = ("last_ts", "minute", "mask")

    def __init__(self, ts: int, minute: int) -> None:
        self.last_ts = ts
        self.minute = minute  # the latest minute with an event (the window's shared int)
        self.mask = 1


class Slot:
    """One minute: its counters, its share of each top list, and who was last seen in it."""

    __slots__ = (
        "minute",
        "pageviews",
        "visitors",
        "sessions",
        "new_visitors",
        "last_here",
        "vids",
        "shares",
    )

    def __init__(self, minute: int) -> None:
        self.minute = minute
        self.pageviews = self.visitors = self.sessions = self.new_visitors = 0
        self.last_here = 0  # tracked visitors whose latest minute is this one
        self.vids: list[int] = []  # every visitor whose latest minute became this one
        self.shares: tuple[dict[Key, int], ...] = ({}, {}, {}, {}, {})

    @property
    def empty(self) -> bool:
        return not (self.visitors or self.pageviews or self.sessions)


class SiteWindow:
    def __init__(self, now_ms: int, timezone: str = "UTC", cap: int = DEFAULT_CAP) -> None:
        self.cap = cap
        self.cur = now_ms // MINUTE_MS
        self.slots = [Slot(0)] * WINDOW_MINUTES
        for minute in range(self.cur - WINDOW_MINUTES + 1, self.cur + 1):
            self.slots[minute % WINDOW_MINUTES] = Slot(minute)
        self.visitors: dict[int, Visitor] = {}
        # pages (by page views); sources, channels, countries, devices (by sessions started)
        self.pages, self.sources, self.channels, self.countries, self.devices = (
            Tally(KEY_CAP) for _ in range(5)
        )
        self.recent: deque[Event] = deque(maxlen=RECENT_EVENTS)
        self.today = Today(timezone, now_ms, cap)
        self.version = 0  # bumped by every change a snapshot would show
        self.evicted = 0

    def add(self, e: Event) -> None:
        ts = e.ts
        minute = ts // MINUTE_MS
        if minute > self.cur:
            self._roll(minute)
        elif minute <= self.cur - WINDOW_MINUTES:
            return  # older than the window (a late event): nothing of it would show
        slot = self.slots[minute % WINDOW_MINUTES]
        self.version += 1
        self._touch(e.visitor_id, ts, slot)
        shares = slot.shares
        if e.name == PAGEVIEW:
            slot.pageviews += 1
            self.pages.add(shares[0], e.pathname)
        if e.session_start:  # the session's acquisition is its entry event's (DESIGN.md)
            slot.sessions += 1
            if e.new_visitor:
                slot.new_visitors += 1
            self.sources.add(shares[1], e.source)
            self.channels.add(shares[2], e.channel)
            self.countries.add(shares[3], e.country)
            self.devices.add(shares[4], e.device)
        self.recent.append(e)
        self.today.add(e)

    def _touch(self, vid: int, ts: int, slot: Slot) -> None:
        v = self.visitors.get(vid)
        if v is None:
            if len(self.visitors) >= self.cap:
                self._make_room()
            self.visitors[vid] = Visitor(ts, slot.minute)
            self._enter(slot, vid)
            return
        if ts > v.last_ts:
            v.last_ts = ts
        ago = slot.minute - v.minute
        if ago > 0:  # first event of this visitor in a later minute
            v.mask = ((v.mask << ago) | 1) & MASK
            self.slots[v.minute % WINDOW_MINUTES].last_here -= 1
            v.minute = slot.minute
            self._enter(slot, vid)
        elif ago < 0 and not v.mask & (bit := 1 << -ago):  # late event, first in its minute
            v.mask |= bit
            slot.visitors += 1

    @staticmethod
    def _enter(slot: Slot, vid: int) -> None:
        slot.visitors += 1
        slot.last_here += 1
        slot.vids.append(vid)

    def advance(self, now_ms: int) -> None:
        """Let minutes that the clock has passed leave the window (the hub calls it every tick)."""
        minute = now_ms // MINUTE_MS
        if minute > self.cur:
            self._roll(minute)
        if self.today.roll_if_past(now_ms):
            self.version += 1

    def _roll(self, minute: int) -> None:
        # Each entering minute takes the slot of the minute 30 before it, which leaves; on a jump
        # of 30 minutes or more every slot is replaced once.
        for new in range(max(self.cur + 1, minute - WINDOW_MINUTES + 1), minute + 1):
            i = new % WINDOW_MINUTES
            self._expire(self.slots[i])
            self.slots[i] = Slot(new)
        self.cur = minute

    def _expire(self, slot: Slot) -> None:
        visitors, minute = self.visitors, slot.minute
        for vid in slot.vids:
            v = visitors.get(vid)
            if v is not None and v.minute == minute:
                del visitors[vid]
        for tally, share in zip(self._tallies(), slot.shares, strict=True):
            tally.subtract(share)
        if not slot.empty:
            self.version += 1

    def _make_room(self) -> None:
        """Forget the least recently seen visitors: 1% of the cap at once, so the scan of the
        oldest minutes' lists is paid once per 1,000 new visitors at the default cap."""
        target = self.cap - max(1, self.cap // 100)
        visitors = self.visitors
        for minute in range(self.cur - WINDOW_MINUTES + 1, self.cur + 1):
            slot = self.slots[minute % WINDOW_MINUTES]
            vids = slot.vids
            while vids and len(visitors) > target:
                vid = vids.pop()
                v = visitors.get(vid)
                if v is not None and v.minute == minute:
                    del visitors[vid]
                    slot.last_here -= 1
                    self.evicted += 1
            if len(visitors) <= target:
                return

    def _tallies(self) -> tuple[Tally, ...]:
        return self.pages, self.sources, self.channels, self.countries, self.devices

    def active_now(self, now_ms: int) -> int:
        """Distinct visitors whose latest event is after now - 5 minutes (exact to the ms)."""
        return self.visitors_since(now_ms - ACTIVE_MS)

    def visitors_since(self, cutoff: int) -> int:
        """Distinct visitors whose latest event is after `cutoff` (exact to the ms, for any
        cutoff inside the window: active now, and the alerts' last N minutes)."""
        edge = cutoff // MINUTE_MS
        oldest = self.cur - WINDOW_MINUTES + 1
        total = sum(
            self.slots[m % WINDOW_MINUTES].last_here
            for m in range(max(edge + 1, oldest), self.cur + 1)
        )
        if oldest <= edge <= self.cur:  # the minute the cutoff falls in: look at each visitor
            visitors, counted = self.visitors, set()
            for vid in self.slots[edge % WINDOW_MINUTES].vids:
                v = visitors.get(vid)
                if v is not None and v.minute == edge and v.last_ts > cutoff and vid not in counted:
                    counted.add(vid)
            total += len(counted)
        return total

    def minutes(self) -> list[Slot]:
        """The window's 30 minutes, oldest first."""
        return [
            self.slots[m % WINDOW_MINUTES]
            for m in range(self.cur - WINDOW_MINUTES + 1, self.cur + 1)
        ]
