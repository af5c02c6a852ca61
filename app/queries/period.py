"""Report periods in the site's time zone: the range, its buckets, and the period compared with it.

Every bound is a UTC instant (epoch ms) computed from local wall-clock times with zoneinfo, so a
day that has 23 or 25 hours (a daylight-saving change) is one bucket of 23 or 25 hours, and the
hour buckets of that night are 1 hour each, with the repeated local hour shown twice. Week
buckets start on local Mondays, month buckets on the local 1st.

A period that holds "now" ends with now's bucket (no empty future buckets) and is partial: its
data stops at `until`. The period it is compared with covers the same elapsed span (the same
wall-clock instant one step back), never a whole period against a half-finished one.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

HOUR_MS = 3_600_000
DAY_RANGES = {"7d": 7, "28d": 28, "30d": 30}
RANGES = ("today", "yesterday", "24h", *DAY_RANGES, "month", "last_month", "12mo", "all", "custom")
INTERVALS = ("hour", "day", "week", "month")
COMPARES = ("previous", "year", "custom", "none")
# Default buckets: hourly up to 48 hours (DESIGN.md, time buckets), daily up to a quarter
# (92 days: ~90 points still read on a chart), monthly beyond.
HOURLY_UP_TO_MS = 48 * HOUR_MS
DAILY_UP_TO_MS = 92 * 24 * HOUR_MS
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
    until: int | None = None  # "now" when it falls inside: data stops here, the last bucket too
    months: int = 0  # a calendar-month range (month, last_month, 12mo): compared month for month
    days: int = 0  # whole local days the range spans before the cut at now: compared day for day
    compare: str = "previous"  # previous | year | custom: what `previous()` answers
    compare_span: tuple[int, int] | None = None  # compare=custom: its [start, end) in UTC ms

    @property
    def partial(self) -> bool:
        return self.until is not None and self.until < self.end

    def labels(self) -> list[str]:
        zone = ZoneInfo(self.tz)
        return [_local(ms, zone).isoformat() for ms in self.bounds[:-1]]


def _local(ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)


def _wall(ms: int, zone: ZoneInfo) -> datetime:
    """The local wall-clock time, naive (so arithmetic on it is calendar arithmetic)."""
    return _local(ms, zone).replace(tzinfo=None)


def _ms(wall: datetime, zone: ZoneInfo) -> int:
    return int(wall.replace(tzinfo=zone).timestamp() * 1000)


def _midnight_ms(day: date, zone: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() * 1000)


def _months_back(wall: datetime, months: int) -> datetime:
    """The same wall-clock time `months` months earlier, the day clamped to the month's length."""
    year, month = divmod(wall.year * 12 + wall.month - 1 - months, 12)
    day = min(wall.day, calendar.monthrange(year, month + 1)[1])
    return wall.replace(year=year, month=month + 1, day=day)


def _next_bound(day: date, interval: str) -> date:
    """The first local day after `day` on which a bucket of `interval` starts."""
    if interval == "week":
        return day + timedelta(days=7 - day.weekday())  # the next Monday
    if interval == "month":
        return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return day + timedelta(days=1)


def default_interval(start: int, end: int) -> str:
    if end - start <= HOURLY_UP_TO_MS:
        return "hour"
    return "day" if end - start <= DAILY_UP_TO_MS else "month"


def make_period(start: int, end: int, tz: str, interval: str | None = None) -> Period:
    """Bounds: the start, every local hour (midnight, Monday, 1st) strictly inside, and the end."""
    interval = interval or default_interval(start, end)
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
        day = _next_bound(_local(start, zone).date(), interval)
        while (ms := _midnight_ms(day, zone)) < end:
            bounds.append(ms)
            day = _next_bound(day, interval)
    bounds.append(end)
    return Period(start, end, interval, tz, tuple(bounds))


def _cut_at(period: Period, now_ms: int) -> Period:
    """A period holding `now_ms` ends with now's bucket, and its data stops at now."""
    if not period.start <= now_ms < period.end:
        return period
    last = next(i for i, bound in enumerate(period.bounds) if bound > now_ms)
    bounds = period.bounds[: last + 1]
    return replace(period, end=bounds[-1], bounds=bounds, until=now_ms)


def _span(
    range_name: str, now_ms: int, zone: ZoneInfo, first: date | None, last: date | None
) -> tuple[int, int, int]:
    """(start, end, calendar months) of a named range; `first`/`last` are a custom range's days
    (for "all", `first` is the day of the site's first session)."""
    today = _local(now_ms, zone).date()
    if range_name == "24h":
        hour = _local(now_ms, zone).replace(minute=0, second=0, microsecond=0)
        end = int(hour.timestamp() * 1000) + HOUR_MS
        return end - 24 * HOUR_MS, end, 0
    month = today.replace(day=1)
    days: dict[str, tuple[date, date, int]] = {
        "today": (today, today, 0),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1), 0),
        "month": (month, today, 1),
        "last_month": (
            _months_back(datetime(month.year, month.month, 1), 1).date(),
            month - timedelta(days=1),
            1,
        ),
        "12mo": (_months_back(datetime(month.year, month.month, 1), 11).date(), today, 12),
        "all": (min(first or today, today), today, 0),
        **{name: (today - timedelta(days=n - 1), today, 0) for name, n in DAY_RANGES.items()},
    }
    if range_name == "custom":
        days["custom"] = _custom(first, last)
    if range_name not in days:
        raise PeriodError(f"range must be one of {', '.join(RANGES)}", "range")
    lo, hi, months = days[range_name]
    return _midnight_ms(lo, zone), _midnight_ms(hi + timedelta(days=1), zone), months


def _custom(first: date | None, last: date | None) -> tuple[date, date, int]:
    if first is None or last is None:
        raise PeriodError("a custom range needs from and to (YYYY-MM-DD)", "from")
    if last < first or (last - first).days >= MAX_CUSTOM_DAYS:
        raise PeriodError(f"to must be on or after from, at most {MAX_CUSTOM_DAYS} days", "to")
    return first, last, 0


def resolve(
    range_name: str,
    now_ms: int,
    tz: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    interval: str | None = None,
    compare: str = "previous",
    compare_days: tuple[date | None, date | None] = (None, None),
) -> Period:
    """today / yesterday: local days; 24h: the current local hour and the 23 before it; 7d / 28d
    / 30d: today and the days before it; month: this month; last_month; 12mo: this month and the
    11 before; all: from `date_from` (the site's first day) to today; custom: from..to, local
    dates, both included. Cut at now when it falls inside."""
    zone = ZoneInfo(tz)
    start, end, months = _span(range_name, now_ms, zone, date_from, date_to)
    period = make_period(start, end, tz, interval)
    span = _compare_span(compare_days, zone) if compare == "custom" else None
    compare = compare if compare in ("previous", "year", "custom") else "previous"
    whole = replace(
        period, months=months, days=_whole_days(period), compare=compare, compare_span=span
    )
    return _cut_at(whole, now_ms)


def _compare_span(days: tuple[date | None, date | None], zone: ZoneInfo) -> tuple[int, int]:
    """compare=custom: compare_from..compare_to, local days, both included."""
    first, last = days
    if first is None or last is None:
        raise PeriodError("compare=custom needs compare_from and compare_to", "compare_from")
    if last < first or (last - first).days >= MAX_CUSTOM_DAYS:
        raise PeriodError(
            f"compare_to must be on or after compare_from, at most {MAX_CUSTOM_DAYS} days",
            "compare_to",
        )
    return _midnight_ms(first, zone), _midnight_ms(last + timedelta(days=1), zone)


def _whole_days(period: Period) -> int:
    """How many local days the period spans when it runs midnight to midnight, else 0."""
    zone = ZoneInfo(period.tz)
    start, end = _wall(period.start, zone), _wall(period.end, zone)
    if start.time() == end.time() == datetime.min.time():
        return (end.date() - start.date()).days
    return 0


def previous(period: Period) -> Period:
    """The period compared with this one, bucket by bucket: every bound moved back one step.
    `year`: a year. `previous`: as many months for a calendar-month range, as many local days
    for whole local days (a week with a DST change is compared with the 7 days before, 168 or
    169 hours), else as many hours. A partial period's comparison stops at the same elapsed
    point: `until` moved back by the same step (a month's day clamped to its length)."""
    if period.compare == "custom" and period.compare_span is not None:
        return make_period(*period.compare_span, period.tz, period.interval)  # as asked, whole
    zone = ZoneInfo(period.tz)
    months = 12 if period.compare == "year" else period.months
    days = period.days or _whole_days(period)
    length = period.end - period.start

    def back(ms: int) -> int:
        if months:
            return _ms(_months_back(_wall(ms, zone), months), zone)
        if days:
            return _ms(_wall(ms, zone) - timedelta(days=days), zone)
        return ms - length

    bounds = [back(bound) for bound in period.bounds]
    if period.partial and period.until is not None:
        bounds[-1] = max(bounds[-2], min(bounds[-1], back(period.until)))
    return Period(bounds[0], bounds[-1], period.interval, period.tz, tuple(bounds))


def mark_partial(series: dict[str, Any], period: Period) -> dict[str, Any]:
    """Every point of a series gets `partial`: true only for the unfinished bucket (the last)."""
    points = series["points"]
    for i, point in enumerate(points):
        point["partial"] = period.partial and i == len(points) - 1
    return series
