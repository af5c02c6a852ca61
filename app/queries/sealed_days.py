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
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

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


async def sealed_run(
    conn: AsyncConnection, site_id: int, first_day: int, end_day: int
) -> tuple[int, tuple[tuple[int, int], ...]]:
    """The days [first_day, k) from `first_day` on whose every hour with sessions is sealed,
    as k and those hours' (hour, token) pairs."""
    r, c = rollup_hours.c, session_columns.c
    marked = and_(c.site_id == r.site_id, c.hour == r.hour, c.name == MARK)
    query = (
        select(r.hour, c.built)
        .select_from(rollup_hours.outerjoin(session_columns, marked))
        .where(r.site_id == site_id, r.dim == "", r.value == "", r.sessions > 0)
        .where(r.hour >= first_day * HOURS_PER_DAY, r.hour < end_day * HOURS_PER_DAY)
        .order_by(r.hour)
    )
    tokens: list[tuple[int, int]] = []
    for hour, built in await conn.execute(query):
        if built is None:  # an open hour: its day and every later one are read as they are
            cut = hour // HOURS_PER_DAY
            return cut, tuple(pair for pair in tokens if pair[0] < cut * HOURS_PER_DAY)
        tokens.append((int(hour), int(built)))
    return end_day, tuple(tokens)
