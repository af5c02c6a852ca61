"""Plausible's periods as Pulse's ranges.

v1: `period` (day, 7d, 30d, month, 6mo, 12mo, custom) relative to `date` (default: today in the
site's zone; `custom` takes `date=A,B`). v2: `date_range` shortcuts (day, 24h, 7d, 28d, 30d,
91d, month, 6mo, 12mo, year, all) or a pair of ISO dates. Without a `date`, a shortcut Pulse has
itself is Pulse's range (today, 7d, 30d, ...: today and the days before it, cut at now); every
other one becomes a custom range of whole local days. `6mo`/`12mo` are this calendar month and
the 5/11 before it, as Pulse's `12mo`. Date-time pairs are refused: Pulse's custom ranges are
whole local days.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.statsapi.vocabulary import StatsApiError

V1_PERIODS = ("day", "7d", "30d", "month", "6mo", "12mo", "custom")
V2_SHORTCUTS = ("day", "24h", "7d", "28d", "30d", "91d", "month", "6mo", "12mo", "year", "all")
# Plausible's shortcut -> Pulse's range of the same meaning, when it is relative to today.
SAME_AS_PULSE = {
    "day": "today",
    "24h": "24h",
    "7d": "7d",
    "28d": "28d",
    "30d": "30d",
    "month": "month",
    "12mo": "12mo",
    "all": "all",
}
LAST_DAYS = {"7d": 7, "28d": 28, "30d": 30, "91d": 91}
MONTHS = {"6mo": 6, "12mo": 12}
V1_INTERVALS = {"date": "day", "day": "day", "hour": "hour", "week": "week", "month": "month"}


@dataclass(frozen=True)
class Range:
    """What `reports.scope_for` reads: a Pulse range name, a custom range's days, the bucket."""

    name: str
    first: date | None = None
    last: date | None = None
    interval: str | None = None

    def values(self, compare: bool) -> dict[str, Any]:
        return {
            "range": self.name,
            "from": self.first,
            "to": self.last,
            "interval": self.interval,
            "compare": "previous" if compare else "none",
            "filter": None,
        }


def today_in(tz: str, now_ms: int) -> date:
    return datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(ZoneInfo(tz)).date()


def _months_back(day: date, months: int) -> date:
    """The 1st of the month `months` - 1 before `day`'s (6mo of June: January 1st)."""
    year, month = divmod(day.year * 12 + day.month - 1 - (months - 1), 12)
    return date(year, month + 1, 1)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _iso_day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        if "T" in text or " " in text:
            message = f"{text!r}: Pulse answers whole local days; give dates (YYYY-MM-DD)"
        else:
            message = f"{text!r} is not a date (YYYY-MM-DD)"
        raise StatsApiError(message, field) from None


def relative(shortcut: str, anchor: date | None, today: date) -> Range:
    """A shortcut relative to `anchor` (None: today, and Pulse's own range where one exists)."""
    if anchor is None and shortcut in SAME_AS_PULSE:
        return Range(SAME_AS_PULSE[shortcut])
    day = anchor or today
    if shortcut == "day":
        return Range("custom", day, day)
    if shortcut in LAST_DAYS:
        return Range("custom", day - timedelta(days=LAST_DAYS[shortcut] - 1), day)
    if shortcut == "month":
        return Range("custom", day.replace(day=1), _month_end(day))
    if shortcut in MONTHS:
        last = _month_end(day) if anchor is not None else day
        return Range("custom", _months_back(day, MONTHS[shortcut]), last)
    if shortcut == "year":
        return Range("custom", day.replace(month=1, day=1), day)
    raise StatsApiError(f"{shortcut} cannot be given a date", "date")


def v1_range(period: str | None, date_text: str | None, interval: str | None, today: date) -> Range:
    period = period or "30d"
    if period not in V1_PERIODS:
        raise StatsApiError(f"period must be one of {', '.join(V1_PERIODS)}", "period")
    if period == "custom":
        parts = (date_text or "").split(",")
        if len(parts) != 2:
            raise StatsApiError("period=custom needs date=YYYY-MM-DD,YYYY-MM-DD", "date")
        found = Range("custom", _iso_day(parts[0], "date"), _iso_day(parts[1], "date"))
    else:
        anchor = _iso_day(date_text, "date") if date_text else None
        found = relative(period, anchor, today)
    return _with_interval(found, period, interval)


def _with_interval(found: Range, period: str, interval: str | None) -> Range:
    if interval is not None and interval not in V1_INTERVALS:
        raise StatsApiError(f"interval must be one of {', '.join(V1_INTERVALS)}", "interval")
    chosen = V1_INTERVALS[interval] if interval else _v1_default(period)
    return Range(found.name, found.first, found.last, chosen)


def _v1_default(period: str) -> str:
    """Plausible's default buckets: hours for a day, months for 6mo/12mo, else days."""
    return {"day": "hour", "6mo": "month", "12mo": "month"}.get(period, "day")


def v2_range(raw: object, today: date) -> Range:
    if isinstance(raw, str):
        if raw not in V2_SHORTCUTS:
            raise StatsApiError(
                f"date_range must be one of {', '.join(V2_SHORTCUTS)} or [from, to]", "date_range"
            )
        return relative(raw, None, today)
    if isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, str) for v in raw):
        return Range("custom", _iso_day(raw[0], "date_range"), _iso_day(raw[1], "date_range"))
    raise StatsApiError("date_range must be a shortcut or a pair of ISO dates", "date_range")
