"""Buckets in the site's zone across daylight-saving changes, and the previous period."""

from __future__ import annotations

from datetime import date

from app.queries.period import make_period, previous, resolve

HOUR = 3_600_000
SPRING = 1_774_742_400_000  # 2026-03-29T00:00Z; Berlin springs forward at 01:00Z


def test_a_day_with_spring_forward_is_23_hours() -> None:
    p = resolve(
        "custom", 0, "Europe/Berlin", date_from=date(2026, 3, 28), date_to=date(2026, 3, 30)
    )
    sizes = [(b - a) // HOUR for a, b in zip(p.bounds, p.bounds[1:], strict=False)]
    assert sizes == [24, 23, 24]
    assert p.labels()[1] == "2026-03-29T00:00:00+01:00"
    assert p.labels()[2] == "2026-03-30T00:00:00+02:00"


def test_hour_buckets_skip_the_missing_local_hour() -> None:
    p = make_period(SPRING, SPRING + 3 * HOUR, "Europe/Berlin", "hour")
    assert p.labels() == [
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T04:00:00+02:00",
    ]


def test_fall_back_shows_the_repeated_hour_twice() -> None:
    start = 1_792_886_400_000  # 2026-10-25T00:00Z; Berlin falls back at 01:00Z
    labels = make_period(start, start + 3 * HOUR, "Europe/Berlin", "hour").labels()
    assert labels == [
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
        "2026-10-25T03:00:00+01:00",
    ]


def test_24h_is_hourly_and_7d_daily_and_previous_stops_at_the_same_elapsed_point() -> None:
    now = SPRING + 30 * 60_000
    day = resolve("24h", now, "UTC")
    assert (day.interval, len(day.bounds) - 1, day.end - day.start) == ("hour", 24, 24 * HOUR)
    week = resolve("7d", now, "Europe/Berlin")
    assert (week.interval, len(week.bounds) - 1) == ("day", 7)
    before = previous(week)
    assert week.partial and week.until == now and len(before.bounds) - 1 == 7
    assert week.end - week.start == 167 * HOUR  # the week holding the change is an hour short
    # 01:30 on the 7th day, before the change: 6 days and 1.5 hours, one week back.
    assert before.start == week.start - 7 * 24 * HOUR
    assert before.end - before.start == 6 * 24 * HOUR + 90 * 60_000


def test_empty_range_answers_zeros_in_every_bucket() -> None:
    p = make_period(0, 2 * HOUR, "UTC")
    assert len(p.bounds) == 3 and p.interval == "hour"
