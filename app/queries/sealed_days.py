"""Rollup sums over sealed UTC days, remembered per process under the days' seal tokens.

A UTC day whose every hour with sessions is sealed (app/storage/columns.py) carries build
tokens that change whenever any of its sessions does: the writer deletes an hour's columns in
the same transaction that changes one of its sessions (and with it the hour's rollups and flow
links), and the sealer stores them again under a new random token. So a sum over a run of
sealed days, kept under the tuple of their hours' tokens, is never served once anything in
those days has changed: a changed day lists an open hour (not cached) or new tokens (a new
key). A sum read after the tokens were listed can only be newer than they say (each SELECT may
see a later commit), and such a change retires those tokens for good.

The sums live beside the Runtime's column cache (one per process, least recently used out
first past RESULT_BYTES); a report asked without a Runtime's cache remembers nothing.

`hours` lists a range's hours with sessions and their seal tokens (the rollups' sums here and
the columns' loads in columnar.py both start from it). Inside `listed_once()` (one report: the
API's handlers enter it) a range is listed once and its sub-ranges are answered from that list:
a 30-day listing costs ~4 ms of CPU at any size (~700 rows, each a lookup in
`session_columns`), which a breakdown with totals paid three times and a summary with its
previous period four. A list is only as old as its report; a load that finds an hour sealed
again since drops the site's lists (`forget`) before the planner's retry.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeAlias

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import HOURS_PER_DAY
from app.queries.column_cache import ColumnCache
from app.storage.columns import MARK
from app.storage.tables import rollup_hours, session_columns

RESULT_BYTES = 32 << 20


class SealedResults:
    """Least recently used first out, by an estimate of each result's size in bytes."""

    def __init__(self, max_bytes: int = RESULT_BYTES) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._items: OrderedDict[tuple[Any, ...], tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: tuple[Any, ...], value: Any, nbytes: int) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= old[1]
            self._items[key] = (value, nbytes)
            self.used += nbytes
            while self.used > self.max_bytes and len(self._items) > 1:
                _, (_, size) = self._items.popitem(last=False)
                self.used -= size


_BESIDE: weakref.WeakKeyDictionary[ColumnCache, SealedResults] = weakref.WeakKeyDictionary()
_BESIDE_LOCK = threading.Lock()


def results_beside(columns: ColumnCache | None) -> SealedResults | None:
    """The sealed-day results of the Runtime whose column cache is `columns` (None: none)."""
    if columns is None:
        return None
    with _BESIDE_LOCK:
        found = _BESIDE.get(columns)
        if found is None:
            found = _BESIDE[columns] = SealedResults()
        return found


# (hour, sessions, its seal token or None: open) for each hour with sessions, in order.
Listed: TypeAlias = list[tuple[int, int, "int | None"]]
# One report's lists: (site, first hour, end hour) -> the hours of that range.
_LISTS: ContextVar[dict[tuple[int, int, int], Listed] | None] = ContextVar(
    "pulse_listed_hours", default=None
)


@contextmanager
def listed_once() -> Iterator[None]:
    """Within the block (one report) each range's hours are listed at most once."""
    token = _LISTS.set({})
    try:
        yield
    finally:
        _LISTS.reset(token)


def forget(site_id: int) -> None:
    """Drops the site's lists of this report (an hour was found sealed again since)."""
    lists = _LISTS.get()
    if lists is not None:
        for key in [key for key in lists if key[0] == site_id]:
            del lists[key]


async def hours(conn: AsyncConnection, site_id: int, first_h: int, end_h: int) -> Listed:
    """The hours in [first_h, end_h) with sessions: their session counts and seal tokens."""
    lists = _LISTS.get()
    if lists is not None:
        for (site, a, b), found in lists.items():
            if site == site_id and a <= first_h and end_h <= b:
                lo = bisect_left(found, (first_h,))
                return found[lo : bisect_left(found, (end_h,), lo)]
    r, c = rollup_hours.c, session_columns.c
    marked = and_(c.site_id == r.site_id, c.hour == r.hour, c.name == MARK)
    query = (
        select(r.hour, r.sessions, c.built)
        .select_from(rollup_hours.outerjoin(session_columns, marked))
        .where(r.site_id == site_id, r.dim == "", r.value == "", r.sessions > 0)
        .where(r.hour >= first_h, r.hour < end_h)
        .order_by(r.hour)
    )
    listed: Listed = [
        (int(hour), int(n), None if built is None else int(built))
        for hour, n, built in await conn.execute(query)
    ]
    if lists is not None:
        lists[(site_id, first_h, end_h)] = listed
    return listed


async def sealed_run(
    conn: AsyncConnection, site_id: int, first_day: int, end_day: int
) -> tuple[int, tuple[tuple[int, int], ...]]:
    """The days [first_day, k) from `first_day` on whose every hour with sessions is sealed,
    as k and those hours' (hour, token) pairs."""
    tokens: list[tuple[int, int]] = []
    listed = await hours(conn, site_id, first_day * HOURS_PER_DAY, end_day * HOURS_PER_DAY)
    for hour, _, built in listed:
        if built is None:  # an open hour: its day and every later one are read as they are
            cut = hour // HOURS_PER_DAY
            return cut, tuple(pair for pair in tokens if pair[0] < cut * HOURS_PER_DAY)
        tokens.append((hour, built))
    return end_day, tuple(tokens)
