"""Today's totals in the site's time zone: local midnight, DST days, late events, the cap."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from app.live.today import Today, day_bounds
from app.live.windows import SiteWindow
from tests.live.conftest import event

HOUR = 3_600_000


def ms(text: str, zone: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp() * 1000)


def test_day_bounds_follow_the_zone_and_its_dst_changes() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start, end, date = day_bounds(berlin, ms("2026-03-29T12:00", "Europe/Berlin"))
    assert date == "2026-03-29" and end - start == 23 * HOUR  # clocks go forward
    start, end, date = day_bounds(berlin, ms("2026-10-25T00:30", "Europe/Berlin"))
    assert date == "2026-10-25" and end - start == 25 * HOUR  # and back
    assert start == ms("2026-10-25T00:00", "Europe/Berlin")
    kolkata = ZoneInfo("Asia/Kolkata")
    start, _, date = day_bounds(kolkata, ms("2026-01-01T00:00", "UTC"))
    assert date == "2026-01-01" and start == ms("2025-12-31T18:30", "UTC")


def test_totals_reset_at_local_midnight_not_utc() -> None:
    zone = "America/New_York"
    before = ms("2026-01-01T23:59:59", zone)
    today = Today(zone, before, cap=100)
    today.add(event(before, visitor=1))
    today.add(event(before, visitor=2, name="signup", session_start=False))
    assert (today.pageviews, today.sessions, today.visitors) == (1, 1, 2)
    midnight = ms("2026-01-02T00:00", zone)
    assert not today.roll_if_past(midnight - 1)
    assert today.roll_if_past(midnight)
    assert (today.date, today.pageviews, today.visitors) == ("2026-01-02", 0, 0)
    today.add(event(midnight - 5, visitor=3))  # yesterday's, arriving late: not today's
    today.add(event(midnight + 5, visitor=1, session_start=False))
    assert (today.pageviews, today.sessions, today.visitors) == (1, 0, 1)


def test_an_event_after_midnight_rolls_the_day_before_the_tick_does() -> None:
    zone = "UTC"
    start = ms("2026-01-01T23:59:00", zone)
    window = SiteWindow(start, zone, cap=100)
    window.add(event(start, visitor=1))
    window.add(event(ms("2026-01-02T00:00:01", zone), visitor=2))
    assert (window.today.date, window.today.visitors) == ("2026-01-02", 1)


def test_past_the_cap_a_visitor_counts_once_per_session() -> None:
    now = ms("2026-01-01T12:00", "UTC")
    today = Today("UTC", now, cap=2)
    for visitor in (1, 2, 3, 3):
        today.add(event(now, visitor=visitor, session_start=False))
    assert today.visitors == 2 and len(today.seen) == 2  # 3 is beyond the cap, no session start
    today.add(event(now, visitor=3, session_start=True))
    today.add(event(now, visitor=1, session_start=True))  # known: not again
    assert today.visitors == 3 and len(today.seen) == 2


def test_preload_adds_what_the_database_held_before_the_window() -> None:
    now = ms("2026-01-01T12:00", "UTC")
    today = Today("UTC", now, cap=3)
    today.preload(pageviews=10, sessions=4, visitors=5, ids=[7, 8, 9, 10, 11])
    assert (today.pageviews, today.sessions, today.visitors) == (10, 4, 5)
    assert today.seen == {7, 8, 9}
    today.add(event(now, visitor=7))
    assert today.visitors == 5
