"""When a report is due, in the site's time zone.

A weekly report covers a local week, Monday 00:00 to Monday 00:00, and goes out on the Monday
after it at the chosen local hour; a monthly report covers a calendar month and goes out on the
1st at that hour. Send times are local wall-clock times turned into UTC instants with zoneinfo,
so 08:00 Europe/Berlin is 07:00 UTC in summer and 08:00 UTC in winter: the report keeps its
local hour across a daylight-saving change. (Mondays and 1sts are never the night of a change
in the zones that change on Sundays; where an hour does not exist zoneinfo moves it forward.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKLY, MONTHLY = "weekly", "monthly"
INTERVALS = (WEEKLY, MONTHLY)


def _at(day: date, hour: int, zone: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=zone).timestamp() * 1000)


def _month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _boundaries(interval: str, today: date) -> tuple[date, date, date]:
    """(the period before last's start, the last period's start, the current period's start)."""
    if interval == WEEKLY:
        current = today - timedelta(days=today.weekday())
        return current - timedelta(days=14), current - timedelta(days=7), current
    current = today.replace(day=1)
    last = _month_before(current)
    return _month_before(last), last, current


def latest_due(interval: str, hour: int, tz: str, now_ms: int) -> tuple[int, int]:
    """[start, end) in UTC ms of the newest period whose send time has come by `now_ms`."""
    zone = ZoneInfo(tz)
    today = datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(zone).date()
    before, last, current = _boundaries(interval, today)
    if now_ms >= _at(current, hour, zone):
        return _at(last, 0, zone), _at(current, 0, zone)
    return _at(before, 0, zone), _at(last, 0, zone)


def next_send(interval: str, hour: int, tz: str, now_ms: int) -> int:
    """The next send time after `now_ms` (UTC ms): shown in listings."""
    zone = ZoneInfo(tz)
    today = datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(zone).date()
    _, _, current = _boundaries(interval, today)
    at = _at(current, hour, zone)
    if at > now_ms:
        return at
    following = current + timedelta(days=7) if interval == WEEKLY else _next_month(current)
    return _at(following, hour, zone)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
