"""Time as an input: production reads the system clock, tests move a fake one."""

from __future__ import annotations

import time
from typing import Protocol

# Time units of epoch-ms instants, in one place (rollups are per UTC hour, sketches per UTC day
# and per block of 7 UTC days).
HOUR_MS = 3_600_000
HOURS_PER_DAY = 24
DAY_MS = HOURS_PER_DAY * HOUR_MS
DAYS_PER_WEEK = 7


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch, UTC."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class FakeClock:
    """A clock that only moves when told to (tests of sessions and windows)."""

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:  # 2026-01-01T00:00Z
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, *, ms: int = 0, seconds: float = 0, minutes: float = 0) -> int:
        self._now += ms + int(seconds * 1000) + int(minutes * 60_000)
        return self._now

    def set(self, ms: int) -> None:
        self._now = ms
