"""Report periods in the site's time zone: the range, its buckets, and the period before it.

Every bound is a UTC instant (epoch ms) computed from local wall-clock times with zoneinfo, so a
day that has 23 or 25 hours (a daylight-saving change) is one bucket of 23 or 25 hours, and the
hour buckets of that night are 1 hour each, with the repeated local hour shown twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

HOUR_MS = 3_600_000
RANGES = ("24h", "7d", "30d", "custom")
INTERVALS = ("hour", "day")
# Hourly buckets for periods up to 48 hours, daily beyond (DESIGN.md, time buckets).
HOURLY_UP_TO_MS = 48 * HOUR_MS
MAX_HOURLY_BUCKETS = 24 * 31
MAX_CUSTOM_DAYS = 3 * 366


class PeriodError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    start: int  # UTC ms, inclusive
    end: int  # UTC ms, exclusive
    interval: str
    tz: str
    bounds: tuple[int, ...]  # bucket boundaries: start, ..., end

    def labels(self) -> list[str]:
        zone = ZoneInfo(self.tz)
        return [_local(ms, zone).isoformat() for ms in self.bounds[:-1]]


def _local(ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)


def _midnight_ms(day: date, zone: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() * 1000)


def make_period(start: int, end: int, tz: str, interval: str | None = None) -> Period:
    """Bounds: the start, every local hour (or midnight) strictly inside, and the end."""
    interval = interval or ("hour" if end - start <= HOURLY_UP_TO_MS else "day")
    zone = ZoneInfo(tz)
    bounds = [start]
    if interval == "hour":
        if (end - start) // HOUR_MS > MAX_HOURLY_BUCKETS:
            raise PeriodError(
                f"hourly buckets cover at most {MAX_HOURLY_BUCKETS} hours", "interval"
            )
        local = _local(start, zone).replace(minute=0, second=0, microsecond=0)
        ms = int(local.timestamp() * 1000) + HOUR_MS
        while ms < end:
            bounds.append(ms)
            ms += HOUR_MS  # local hours are one real hour apart, DST or not
    else:
        day = _local(start, zone).date() + timedelta(days=1)
        while (ms := _midnight_ms(day, zone)) < end:
            bounds.append(ms)
            day += timedelta(days=1)
    bounds.append(end)
    return Period(start, end, interval, tz, tuple(bounds))


def resolve(
    range_name: str,
    now_ms: int,
    tz: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    interval: str | None = None,
) -> Period:
    """24h: the current local hour and the 23 before it; 7d / 30d: today and the days before it;
    custom: from..to, local dates, both included."""
    zone = ZoneInfo(tz)
    if range_name == "24h":
        hour = _local(now_ms, zone).replace(minute=0, second=0, microsecond=0)
        end = int(hour.timestamp() * 1000) + HOUR_MS
        return make_period(end - 24 * HOUR_MS, end, tz, interval)
    if range_name in ("7d", "30d"):
        today = _local(now_ms, zone).date()
        days = int(range_name[:-1])
        first = today - timedelta(days=days - 1)
        end = _midnight_ms(today + timedelta(days=1), zone)
        return make_period(_midnight_ms(first, zone), end, tz, interval)
    if range_name != "custom":
        raise PeriodError(f"range must be one of {', '.join(RANGES)}", "range")
    if date_from is None or date_to is None:
        raise PeriodError("a custom range needs from and to (YYYY-MM-DD)", "from")
    if date_to < date_from or (date_to - date_from).days >= MAX_CUSTOM_DAYS:
        raise PeriodError(f"to must be on or after from, at most {MAX_CUSTOM_DAYS} days", "to")
    start = _midnight_ms(date_from, zone)
    end = _midnight_ms(date_to + timedelta(days=1), zone)
    return make_period(start, end, tz, interval)


def previous(period: Period) -> Period:
    """The period just before: as many local days when the period is whole local days (a week
    with a DST change is compared with the 7 days before, 168 or 169 hours), else as many hours."""
    zone = ZoneInfo(period.tz)
    first = _local(period.start, zone).date()
    last = _local(period.end - 1, zone).date()
    whole_days = _midnight_ms(first, zone) == period.start and period.end == _midnight_ms(
        last + timedelta(days=1), zone
    )
    if period.interval == "day" and whole_days:
        days = (last - first).days + 1
        start = _midnight_ms(first - timedelta(days=days), zone)
        return make_period(start, period.start, period.tz, period.interval)
    length = period.end - period.start
    return make_period(period.start - length, period.start, period.tz, period.interval)
