"""Counts per key (page, source, country, ...) over the live window, with a cap on distinct keys.

Each minute of the window keeps its own share (a plain dict) next to the window's running
totals, so when the minute leaves the window its share is subtracted: the totals stay exact and
the snapshot never sums 30 dicts. Adding is two dict updates, O(1).

The cap bounds memory against a flood of unique keys (random paths): past `cap` distinct keys in
the window, new keys count under OTHER until old ones leave. 2,000 keys of at most 2,000
characters (the ingest limit for paths) is at most ~4 MB per dimension and site.
"""

from __future__ import annotations

import heapq

# Counted in "other": a key that arrived while the tally was full. Never a real key: paths start
# with "/", and sources, channels, countries and devices never hold a NUL.
OTHER = "\x00other"
KEY_CAP = 2_000
TOP_N = 10

Key = str | None  # country is None when unknown


class Tally:
    __slots__ = ("counts", "cap")

    def __init__(self, cap: int = KEY_CAP) -> None:
        self.counts: dict[Key, int] = {}
        self.cap = cap

    def add(self, share: dict[Key, int], key: Key) -> None:
        """Count one for `key` in the totals and in the minute's `share`."""
        counts = self.counts
        n = counts.get(key)
        if n is None:
            if len(counts) >= self.cap:
                key = OTHER
                n = counts.get(OTHER, 0)
            else:
                n = 0
        counts[key] = n + 1
        share[key] = share.get(key, 0) + 1

    def subtract(self, share: dict[Key, int]) -> None:
        """A minute left the window: take its share out; keys that reach zero go."""
        counts = self.counts
        for key, n in share.items():
            left = counts[key] - n
            if left:
                counts[key] = left
            else:
                del counts[key]

    def top(self, n: int = TOP_N) -> tuple[list[tuple[Key, int]], int]:
        """The `n` largest (count descending, then key for a stable order) and the rest's sum."""
        total = sum(self.counts.values())
        real = ((k, c) for k, c in self.counts.items() if k != OTHER)
        best = heapq.nsmallest(n, real, key=_rank)
        return best, total - sum(c for _, c in best)


def _rank(item: tuple[Key, int]) -> tuple[int, str]:
    return -item[1], item[0] or ""
