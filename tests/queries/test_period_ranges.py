"""The named ranges, week and month buckets in the site's zone across DST, and the compared period
covering the same elapsed span as a partial one (a fake "now")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.queries.period import PeriodError, make_period, previous, resolve

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3_600_000
DAY = 24 * HOUR


def at(text: str, zone: ZoneInfo = BERLIN) -> int:
    """Epoch ms of a local wall-clock time."""
    return int(datetime.fromisoformat(text).replace(tzinfo=zone).timestamp() * 1000)


def local(ms: int, zone: ZoneInfo = BERLIN) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")


NOW = at("2026-11-11 13:00")  # a Wednesday


@pytest.mark.parametrize(
    ("name", "first", "end", "interval"),
    [
        ("today", "2026-11-11 00:00", "2026-11-11 14:00", "hour"),
        ("yesterday", "2026-11-10 00:00", "2026-11-11 00:00", "hour"),
        ("24h", "2026-11-10 14:00", "2026-11-11 14:00", "hour"),
        ("7d", "2026-11-05 00:00", "2026-11-12 00:00", "day"),
        ("28d", "2026-10-15 00:00", "2026-11-12 00:00", "day"),
        ("30d", "2026-10-13 00:00", "2026-11-12 00:00", "day"),
        ("month", "2026-11-01 00:00", "2026-11-12 00:00", "day"),
        ("last_month", "2026-10-01 00:00", "2026-11-01 00:00", "day"),
        ("12mo", "2025-12-01 00:00", "2026-11-12 00:00", "month"),
    ],
)
def test_named_ranges_end_with_nows_bucket(name: str, first: str, end: str, interval: str) -> None:
    p = resolve(name, NOW, "Europe/Berlin")
    assert (local(p.start), local(p.end), p.interval) == (first, end, interval)
    finished = name in ("yesterday", "last_month")
    assert p.partial is not finished
    assert p.until == (None if finished else NOW)
    assert p.bounds[-2] <= NOW < p.bounds[-1] or finished


def test_all_starts_on_the_first_day_given_and_custom_checks_its_days() -> None:
    p = resolve("all", NOW, "Europe/Berlin", date_from=date(2026, 9, 2))
    assert (local(p.start), local(p.end), p.interval) == (
        "2026-09-02 00:00",
        "2026-11-12 00:00",
        "day",
    )
    empty = resolve("all", NOW, "Europe/Berlin")  # no session yet: today
    assert local(empty.start) == "2026-11-11 00:00"
    with pytest.raises(PeriodError) as bad:
        resolve("fortnight", NOW, "UTC")
    assert bad.value.field == "range"
    with pytest.raises(PeriodError) as late:
        resolve("custom", NOW, "UTC", date_from=date(2026, 2, 2), date_to=date(2026, 2, 1))
    assert late.value.field == "to"


def test_week_buckets_start_on_local_mondays_across_dst() -> None:
    # 2026-10-25 is a Sunday: Berlin falls back; the week holding it is 169 hours.
    p = make_period(at("2026-10-14 00:00"), at("2026-11-04 00:00"), "Europe/Berlin", "week")
    assert [local(b) for b in p.bounds] == [
        "2026-10-14 00:00",  # the range's own start (a Wednesday): a part week
        "2026-10-19 00:00",
        "2026-10-26 00:00",
        "2026-11-02 00:00",
        "2026-11-04 00:00",
    ]
    assert p.bounds[2] - p.bounds[1] == 169 * HOUR
    assert p.labels()[2] == "2026-10-26T00:00:00+01:00"


def test_month_buckets_start_on_the_local_first_across_dst() -> None:
    p = make_period(at("2026-01-01 00:00"), at("2027-01-01 00:00"), "Europe/Berlin", "month")
    assert len(p.bounds) == 13
    assert [local(b)[:10] for b in p.bounds[:4]] == [
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
        "2026-04-01",
    ]
    assert p.bounds[3] - p.bounds[2] == 31 * DAY - HOUR  # March loses the spring-forward hour
    assert p.bounds[10] - p.bounds[9] == 31 * DAY + HOUR  # October gains one
    assert p.labels()[3] == "2026-04-01T00:00:00+02:00"


def test_a_partial_week_is_compared_with_the_same_elapsed_span() -> None:
    week = resolve("7d", NOW, "Europe/Berlin")
    before = previous(week)
    # 6 days and 13 hours against 6 days and 13 hours, never against 7 whole days.
    assert (local(before.start), local(before.end)) == ("2026-10-29 00:00", "2026-11-04 13:00")
    assert len(before.bounds) == len(week.bounds)


def test_a_partial_day_across_dst_is_compared_with_the_same_wall_clock_hours() -> None:
    now = at("2026-10-26 13:00")  # the day after the fall-back night
    today = resolve("today", now, "Europe/Berlin")
    before = previous(today)
    assert (local(before.start), local(before.end)) == ("2026-10-25 00:00", "2026-10-25 13:00")
    assert before.end - before.start == 14 * HOUR  # that morning had a 25-hour day's extra hour
    assert today.bounds[-1] - today.bounds[-2] == HOUR and today.partial


def test_this_month_is_compared_month_for_month_and_a_year_back() -> None:
    month = resolve("month", at("2026-03-31 10:00"), "Europe/Berlin")
    before = previous(month)
    # March 1 .. 31 10:00 against February 1 .. 28 10:00 (the day clamped to February's length).
    assert (local(before.start), local(before.end)) == ("2026-02-01 00:00", "2026-02-28 10:00")
    yearly = resolve("month", at("2026-03-31 10:00"), "Europe/Berlin", compare="year")
    last_year = previous(yearly)
    assert (local(last_year.start), local(last_year.end)) == (
        "2025-03-01 00:00",
        "2025-03-31 10:00",
    )
    whole = previous(resolve("last_month", NOW, "Europe/Berlin"))
    assert (local(whole.start), local(whole.end)) == ("2026-09-01 00:00", "2026-10-01 00:00")


def test_24h_is_compared_hour_for_hour_up_to_the_same_minute() -> None:
    now = at("2026-11-11 13:25")
    day = resolve("24h", now, "Europe/Berlin")
    before = previous(day)
    assert before.start == day.start - DAY and before.end == now - DAY
    assert len(before.bounds) == len(day.bounds) == 25


def test_12_months_default_to_month_buckets_and_a_long_custom_range_too() -> None:
    p = resolve("12mo", NOW, "Europe/Berlin")
    assert len(p.bounds) - 1 == 12 and p.interval == "month"
    long = resolve("custom", NOW, "UTC", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert long.interval == "month" and not long.partial
    weekly = resolve("30d", NOW, "Europe/Berlin", interval="week")
    assert local(weekly.bounds[1]) == "2026-10-19 00:00" and weekly.partial


def test_a_custom_comparison_is_the_days_asked_whole() -> None:
    days = (date(2026, 10, 1), date(2026, 10, 7))
    week = resolve("7d", NOW, "Europe/Berlin", compare="custom", compare_days=days)
    chosen = previous(week)
    assert (local(chosen.start), local(chosen.end)) == ("2026-10-01 00:00", "2026-10-08 00:00")
    assert chosen.interval == "day" and len(chosen.bounds) == 8
    with pytest.raises(PeriodError) as missing:
        resolve("7d", NOW, "UTC", compare="custom")
    assert missing.value.field == "compare_from"
    with pytest.raises(PeriodError) as backwards:
        resolve("7d", NOW, "UTC", compare="custom", compare_days=(days[1], days[0]))
    assert backwards.value.field == "compare_to"
