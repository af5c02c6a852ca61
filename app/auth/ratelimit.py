"""In-memory rate limits with time as an input (the app's clock), so tests step through them.

- `TokenBucket`: the ingest limit per client IP (default 30 requests/s, bursts of one second's
  worth). A dict lookup and a little arithmetic per request: it sits on the ingest hot path.
- `WindowLimit`: at most N attempts per key in a sliding window (login: 5 a minute per IP and
  per account; share-link passwords likewise).

Both cap the number of keys they remember (oldest dropped first), so a flood of spoofed or
rotating addresses costs bounded memory: 100,000 keys is a few MB.
"""

from __future__ import annotations

import math
from collections import deque

MAX_KEYS = 100_000


class TokenBucket:
    def __init__(self, rate_per_s: float, burst: float | None = None, max_keys: int = MAX_KEYS):
        self.rate = rate_per_s / 1000.0  # tokens per ms
        self.burst = burst if burst is not None else max(1.0, rate_per_s)
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, int]] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def hit(self, key: str, now_ms: int) -> float:
        """Take one token: 0.0 when allowed, else the seconds until one is available."""
        if not self.enabled:
            return 0.0
        tokens, last = self._buckets.pop(key, (self.burst, now_ms))
        tokens = min(self.burst, tokens + max(0, now_ms - last) * self.rate)
        if tokens >= 1.0:
            tokens -= 1.0
            wait = 0.0
        else:
            wait = (1.0 - tokens) / self.rate / 1000.0
        self._buckets[key] = (tokens, now_ms)  # re-inserted last: dict order is recency
        if len(self._buckets) > self.max_keys:
            del self._buckets[next(iter(self._buckets))]
        return wait


class WindowLimit:
    def __init__(self, attempts: int, window_ms: int, max_keys: int = MAX_KEYS) -> None:
        self.attempts = attempts
        self.window_ms = window_ms
        self.max_keys = max_keys
        self._seen: dict[str, deque[int]] = {}

    def retry_after(self, key: str, now_ms: int) -> int:
        """Seconds until `key` may try again (0: it may now). Does not count an attempt."""
        times = self._seen.get(key)
        if not times:
            return 0
        while times and now_ms - times[0] >= self.window_ms:
            times.popleft()
        if len(times) < self.attempts:
            return 0
        return max(1, math.ceil((times[0] + self.window_ms - now_ms) / 1000))

    def record(self, key: str, now_ms: int) -> None:
        times = self._seen.pop(key, None) or deque(maxlen=self.attempts)
        times.append(now_ms)
        self._seen[key] = times
        if len(self._seen) > self.max_keys:
            del self._seen[next(iter(self._seen))]

    def reset(self, key: str) -> None:
        self._seen.pop(key, None)


def retry_after_header(seconds: float) -> str:
    """Retry-After takes whole seconds; never 0, or clients retry at once."""
    return str(max(1, math.ceil(seconds)))
