"""Decoded sealed columns kept in memory, one cache per Runtime (PULSE_COLUMN_CACHE_MB).

Keys are (site, UTC day, column name, the day's hours' build tokens): a day with an hour sealed
again is a new key, so nothing stale is ever served, across processes too. Least recently used
out first once the decoded arrays pass the budget.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from app.storage.columns import Column


class ColumnCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._items: OrderedDict[tuple[Any, ...], Column] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> Column | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: tuple[Any, ...], column: Column) -> None:
        if key in self._items:
            return
        self._items[key] = column
        self.used += column.nbytes
        while self.used > self.max_bytes and self._items:
            _, old = self._items.popitem(last=False)
            self.used -= old.nbytes


# A report asked outside a Runtime (tests, scripts) keeps its day blocks for that report only.
UNSHARED_BYTES = 64 << 20
