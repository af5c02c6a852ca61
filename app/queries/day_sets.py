"""Visitor sets of a period as sorted unique arrays, one per cached day, remembered with the
day and merged per period: a 30-day goal report at 10M events sorted ~1M visitor ids afresh
for each goal on every request (~20 ms each, and the boolean picks per day ~30 ms).

A day's result is remembered in its column's `memo` with the kept rows it was computed for and
reused only for the same kept rows (np.array_equal: the period, every filter and the sessions
read from events all decided them), so nothing is assumed about why they are equal. The union
of every day but the last is remembered while those days' arrays live (keyed by their
identities, checked through weak references), the most recently used up to UNION_BYTES: the
open hours' block, fresh on each request, and the last day are merged into it by one search of
their few ids.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from app.queries.column_filters import remember
from app.storage.columns import Ragged

T = TypeVar("T")

# Unions of the sealed days' visitor sets: a 30-day page breakdown's ~50 pages at 10M events
# hold ~25 MB of ids, a goal report's three goals ~10 MB.
UNION_BYTES = 64 << 20
_UNIONS: OrderedDict[tuple[int, ...], tuple[tuple[weakref.ref[np.ndarray], ...], np.ndarray]]
_UNIONS = OrderedDict()
_USED = [0]
_LOCK = threading.Lock()

# Day results kept per cached column (each a goal's visitors, or a breakdown's per-value sets of
# one filter combination: up to ~0.8 MB a day at 10M events a month), within its MEMO_KEYS.
DAY_KEYS = 8
DAY_SETS = "day_sets"


def per_day(run: Ragged, key: tuple[object, ...], kept: np.ndarray, build: Callable[[], T]) -> T:
    """`build()` for a cached day's kept rows (ascending positions, as Frame keeps them),
    remembered with the day's column `run` (one row per session) beside the kept rows as a
    bit mask (~9 KB a day at 10M events a month); at most DAY_KEYS such results a column."""
    mask = np.zeros(len(run.offsets) - 1, dtype=bool)
    mask[kept] = True
    bits = np.packbits(mask)
    slot = (DAY_SETS, *key)
    found = run.memo.get(slot)
    if found is not None and np.array_equal(found[0], bits):
        return found[1]  # type: ignore[no-any-return]
    made = build()
    keys = list(run.memo)  # one C call: no other thread's insert can interleave
    mine = [k for k in keys if isinstance(k, tuple) and k[:1] == (DAY_SETS,)]
    for old in mine[: max(0, len(mine) - DAY_KEYS + 1)]:
        run.memo.pop(old, None)
    remember(run, slot, (bits, made))
    return made


def unique_sorted(ids: np.ndarray, merge: bool = False) -> np.ndarray:
    """The distinct values of `ids`, ascending: a sort and a mask (np.unique hashes, 8x slower
    on random 63-bit visitor ids). `merge`: `ids` are sorted runs one after another, which a
    stable sort (timsort) merges instead of sorting afresh."""
    return deduped(np.sort(ids, kind="stable" if merge else None))


def distinct(runs: Sequence[np.ndarray], extra: np.ndarray | None = None) -> int:
    """How many distinct ids in the sorted unique `runs` (one per day) and `extra` (any ids)."""
    if not runs:
        return len(unique_sorted(extra)) if extra is not None else 0
    head = _union(tuple(runs[:-1])) if len(runs) > 1 else runs[0][:0]
    tail = runs[-1] if len(runs) > 1 else runs[0]
    if extra is not None and len(extra):
        tail = unique_sorted(np.concatenate([tail, extra]))
    if not len(head):
        return len(tail)
    at = np.minimum(np.searchsorted(head, tail), len(head) - 1)
    return len(head) + int(np.count_nonzero(head[at] != tail))


def _union(runs: tuple[np.ndarray, ...]) -> np.ndarray:
    """The distinct ids of sorted unique `runs`, remembered while they live."""
    key = tuple(id(run) for run in runs)
    with _LOCK:
        found = _UNIONS.get(key)
        if found is not None and all(r() is a for r, a in zip(found[0], runs, strict=True)):
            _UNIONS.move_to_end(key)
            return found[1]
    made = unique_sorted(np.concatenate(runs), merge=True)
    with _LOCK:
        old = _UNIONS.pop(key, None)
        if old is not None:
            _USED[0] -= old[1].nbytes
        _UNIONS[key] = (tuple(weakref.ref(run) for run in runs), made)
        _USED[0] += made.nbytes
        while _USED[0] > UNION_BYTES and len(_UNIONS) > 1:
            _, (_, gone) = _UNIONS.popitem(last=False)
            _USED[0] -= gone.nbytes
    return made


def deduped(ordered: np.ndarray) -> np.ndarray:
    """A sorted array without its repeats."""
    if len(ordered) < 2:
        return ordered
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first]
