"""Today's totals in the site's time zone: page views, sessions and distinct visitors since the
site's local midnight, reset when the next midnight passes (on an event or the hub's tick).

Distinct visitors need memory: a set of today's visitor ids, capped like the window (an id costs
~42 bytes in the set, measured). Past the cap, a visitor not in the set counts once per session
it starts: an upper bound that stays close when most of the day's visitors came once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.events import PAGEVIEW, Event


def day_bounds(zone: ZoneInfo, ts_ms: int) -> tuple[int, int, str]:
    """The local day holding `ts_ms`: [start, end) in ms since the epoch, and its ISO date."""
    local = datetime.fromtimestamp(ts_ms / 1000, zone)
    start = datetime(local.year, local.month, local.day, tzinfo=zone)
    # Midnight + 1 day in wall time, then back to UTC: 23 or 25 hours on a DST change.
    following = start.date() + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000), start.date().isoformat()


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # validated when the site was added; a removed zone falls back


class Today:
    __slots__ = ("zone", "start", "end", "date", "pageviews", "sessions", "visitors", "seen", "cap")

    def __init__(self, timezone: str, now_ms: int, cap: int) -> None:
        self.zone = zone_of(timezone)
        self.cap = cap
        self.seen: set[int] = set()
        self._reset(now_ms)

    def _reset(self, ts_ms: int) -> None:
        self.start, self.end, self.date = day_bounds(self.zone, ts_ms)
        self.pageviews = self.sessions = self.visitors = 0
        self.seen = set()

    def roll_if_past(self, now_ms: int) -> bool:
        """A new local day began: start from zero. True when it did."""
        if now_ms < self.end:
            return False
        self._reset(now_ms)
        return True

    def add(self, e: Event) -> None:
        if e.ts >= self.end:
            self._reset(e.ts)
        elif e.ts < self.start:
            return  # a late event from yesterday
        if e.name == PAGEVIEW:
            self.pageviews += 1
        if e.session_start:
            self.sessions += 1
        vid = e.visitor_id
        if vid not in self.seen:
            if len(self.seen) < self.cap:
                self.seen.add(vid)
                self.visitors += 1
            elif e.session_start:
                self.visitors += 1

    def preload(self, pageviews: int, sessions: int, visitors: int, ids: list[int]) -> None:
        """Warm start: what the database holds for today before the replayed window."""
        self.pageviews += pageviews
        self.sessions += sessions
        self.visitors += visitors
        self.seen.update(ids[: max(0, self.cap - len(self.seen))])
