"""The live window on a fake clock: eviction at exactly 5 and 30 minutes, minutes rolling over,
distinct counts, late events, and the memory caps."""

from __future__ import annotations

from app.clock import FakeClock
from app.live.tally import OTHER, Tally
from app.live.windows import MINUTE_MS, SiteWindow
from tests.live.conftest import event

MIN = MINUTE_MS


def window_at(clock: FakeClock, cap: int = 1000) -> SiteWindow:
    return SiteWindow(clock.now_ms(), "UTC", cap)


def series(w: SiteWindow, name: str) -> list[int]:
    return [getattr(slot, name) for slot in w.minutes()]


def test_active_now_ends_exactly_five_minutes_after_the_last_event() -> None:
    clock = FakeClock()
    clock.advance(seconds=17.5)  # not minute-aligned: the cutoff falls inside a minute
    w = window_at(clock)
    w.add(event(clock.now_ms(), visitor=1))
    clock.advance(minutes=2)
    w.add(event(clock.now_ms(), visitor=2))
    last_of_1 = clock.now_ms() - 2 * MIN
    assert w.active_now(clock.now_ms()) == 2
    assert w.active_now(last_of_1 + 5 * MIN - 1) == 2
    assert w.active_now(last_of_1 + 5 * MIN) == 1
    assert w.active_now(clock.now_ms() + 5 * MIN - 1) == 1
    assert w.active_now(clock.now_ms() + 5 * MIN) == 0


def test_a_later_event_keeps_a_visitor_active() -> None:
    clock = FakeClock()
    w = window_at(clock)
    w.add(event(clock.now_ms(), visitor=1))
    clock.advance(minutes=4)
    w.add(event(clock.now_ms(), visitor=1, session_start=False, new_visitor=False))
    clock.advance(minutes=4)
    w.advance(clock.now_ms())
    assert w.active_now(clock.now_ms()) == 1
    assert sum(series(w, "visitors")) == 2  # one in each of its two minutes
    assert len(w.visitors) == 1


def test_a_minute_leaves_the_window_exactly_thirty_minutes_after_it_began() -> None:
    clock = FakeClock()  # minute-aligned: the event opens its minute
    w = window_at(clock)
    w.add(event(clock.now_ms(), visitor=1, pathname="/a"))
    w.advance(clock.now_ms() + 30 * MIN - 1)
    assert sum(series(w, "pageviews")) == 1
    assert len(w.visitors) == 1
    assert w.pages.counts == {"/a": 1}
    w.advance(clock.now_ms() + 30 * MIN)
    assert sum(series(w, "pageviews")) == 0
    assert len(w.visitors) == 0
    assert w.pages.counts == {} and w.sources.counts == {}


def test_minute_buckets_roll_over() -> None:
    clock = FakeClock()
    w = window_at(clock)
    w.add(event(clock.now_ms(), visitor=1))
    w.add(event(clock.now_ms() + 1, visitor=2))
    assert series(w, "pageviews")[-1] == 2
    clock.advance(minutes=1)
    w.add(event(clock.now_ms(), visitor=1, session_start=False, new_visitor=False))
    assert series(w, "pageviews")[-2:] == [2, 1]
    assert series(w, "visitors")[-2:] == [2, 1]
    assert series(w, "sessions")[-2:] == [2, 0]
    assert series(w, "new_visitors")[-2:] == [2, 0]
    assert w.minutes()[0].minute == clock.now_ms() // MIN - 29
    clock.advance(minutes=28)
    w.advance(clock.now_ms())
    assert series(w, "pageviews")[:2] == [2, 1]
    clock.advance(minutes=1)
    w.advance(clock.now_ms())
    assert series(w, "pageviews")[0] == 1 and sum(series(w, "pageviews")) == 1


def test_a_jump_of_more_than_thirty_minutes_empties_everything_once() -> None:
    clock = FakeClock()
    w = window_at(clock)
    for minute in range(30):
        w.add(event(clock.now_ms() + minute * MIN, visitor=minute, pathname=f"/{minute % 3}"))
    clock.advance(minutes=95)
    w.advance(clock.now_ms())
    assert sum(series(w, "pageviews")) == 0
    assert w.pages.counts == {} and len(w.visitors) == 0
    assert [slot.minute for slot in w.minutes()] == list(
        range(clock.now_ms() // MIN - 29, clock.now_ms() // MIN + 1)
    )


def test_late_events_land_in_their_own_minute_and_count_a_visitor_once() -> None:
    clock = FakeClock()
    w = window_at(clock)
    clock.advance(minutes=1)
    w.add(event(clock.now_ms() + 500, visitor=1))
    w.add(event(clock.now_ms() - 1000, visitor=1, session_start=False))  # previous minute
    w.add(event(clock.now_ms() - 2000, visitor=1, session_start=False))
    assert series(w, "visitors")[-2:] == [1, 1]
    assert series(w, "pageviews")[-2:] == [2, 1]
    # The latest event, not the last to arrive, decides how long the visitor stays active.
    assert w.active_now(clock.now_ms() + 500 + 5 * MIN - 1) == 1
    assert w.active_now(clock.now_ms() + 500 + 5 * MIN) == 0


def test_events_older_than_the_window_are_ignored() -> None:
    clock = FakeClock()
    w = window_at(clock)
    w.add(event(clock.now_ms() - 31 * MIN, visitor=1))
    assert sum(series(w, "pageviews")) == 0 and len(w.visitors) == 0
    assert not w.recent


def test_the_visitor_cap_bounds_memory_and_forgets_the_least_recent() -> None:
    clock = FakeClock()
    w = window_at(clock, cap=100)
    for n in range(1000):
        w.add(event(clock.now_ms(), visitor=n))
        clock.advance(ms=100)
    assert len(w.visitors) <= 100
    assert 999 in w.visitors and 0 not in w.visitors
    assert w.evicted == 1000 - len(w.visitors)
    assert sum(series(w, "pageviews")) == 1000  # what was counted stays counted
    assert sum(s.last_here for s in w.minutes()) == len(w.visitors)
    assert w.active_now(clock.now_ms()) == len(w.visitors)


def test_the_tally_cap_counts_new_keys_as_other() -> None:
    tally = Tally(cap=3)
    share: dict[str | None, int] = {}
    for key in ["/a", "/b", "/c", "/d", "/e", "/a"]:
        tally.add(share, key)
    assert tally.counts == {"/a": 2, "/b": 1, "/c": 1, OTHER: 2}
    items, other = tally.top(2)
    assert items == [("/a", 2), ("/b", 1)] and other == 3
    tally.subtract(share)
    assert tally.counts == {}


def test_the_feed_keeps_the_fifty_latest_and_carries_no_ids() -> None:
    from app.live.snapshot import build
    from app.sites.model import Site

    clock = FakeClock()
    w = window_at(clock)
    for n in range(60):
        w.add(event(clock.now_ms() + n, visitor=n, pathname=f"/p{n}", country="DE"))
    snap = build(w, Site(1, "example.com", "Example", "UTC", "local"), clock.now_ms() + 60, 1)
    assert [e["path"] for e in snap["recent"]] == [f"/p{n}" for n in range(59, 9, -1)]
    assert set(snap["recent"][0]) == {"ts", "name", "path", "source", "country", "device", "entry"}
