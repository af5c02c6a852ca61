"""A period's sessions as columns: the day blocks and the kept rows' positions (`Frame`),
gathered per column when first asked, with the labels of several blocks merged into one
dictionary. `off_loop` runs array work in a worker thread."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from app.storage import columns
from app.storage.columns import Column, Labels, Ragged

T = TypeVar("T")


Block = dict[str, Column]  # columns by name: one UTC day's sealed hours, or the open hours

# Sort orders of blocks' columns (a cached day's visitor ids; its sessions by label, then
# visitor), kept while the arrays live, the most recently used up to ORDER_BYTES: a period's
# order is then a merge of sorted runs, not a fresh sort of all its sessions.
ORDER_BYTES = 96 << 20
_Refs = tuple[weakref.ref[np.ndarray], ...]
_ORDERS: OrderedDict[tuple[int, ...], tuple[_Refs, tuple[np.ndarray, ...]]] = OrderedDict()
_ORDERS_USED = [0]
_ORDERS_LOCK = threading.Lock()


class Frame:
    """The period's sessions that pass the filters: per block the kept rows' positions, each
    column gathered (and its labels merged across blocks) when first asked."""

    def __init__(self, blocks: list[Block], kept: list[np.ndarray]) -> None:
        self._blocks = blocks
        self._kept = kept
        self._gathered: dict[str, np.ndarray] = {}
        self.size = sum(len(k) for k in kept)

    def parts(self) -> list[tuple[Block, np.ndarray]]:
        """Each block with its kept rows' positions: for work per cached day (a result
        remembered with the day's column serves every later report)."""
        return list(zip(self._blocks, self._kept, strict=True))

    def numbers(self, name: str) -> np.ndarray:
        found = self._gathered.get(name)
        if found is None:
            chunks = [_kept_of(b[name], k) for b, k in zip(self._blocks, self._kept, strict=True)]
            empty = np.zeros(0, np.int64 if name == "start" else columns.NUMERIC[name].lstrip("<"))
            found = np.concatenate(chunks) if chunks else empty
            self._gathered[name] = found
        return found

    def order(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the kept sessions sorted by numeric column `name`, ties in frame order
        (`np.argsort(self.numbers(name), kind="stable")`), and the column in that order: each
        block's sorted run (from the block's whole order, remembered with its array), then one
        merge of the runs."""
        values, positions = [], []
        offset = 0
        for block, kept in zip(self._blocks, self._kept, strict=True):
            column = np.asarray(block[name])
            whole, ordered = _block_order(column)
            if len(kept) == len(column):
                order, chosen = whole, ordered
            else:  # the kept rows in the whole order, renumbered as places in `kept`
                mask = np.zeros(len(column), dtype=bool)
                mask[kept] = True
                inside = mask[whole]
                place = np.cumsum(mask) - 1
                order, chosen = place[whole[inside]], ordered[inside]
            values.append(chosen)
            positions.append(order + offset)
            offset += len(kept)
        if not values:
            return np.zeros(0, dtype=np.int64), self.numbers(name)
        joined = np.concatenate(values)
        merge = np.argsort(joined, kind="stable")  # a merge of sorted runs
        return np.concatenate(positions).astype(np.int64, copy=False)[merge], joined[merge]

    def ragged(self, name: str) -> Ragged:
        """A ragged column of the kept sessions: one dictionary for the period."""
        runs, sizes, codes = [], [], []
        for block, kept in zip(self._blocks, self._kept, strict=True):
            column = block[name]
            assert isinstance(column, Ragged)
            size, chosen = _take(column, kept)
            runs.append(column)
            sizes.append(size)
            codes.append(chosen)
        return _join_ragged(runs, sizes, codes)

    def labels(self, dim: str) -> Labels:
        """The dimension's values: one dictionary for the period, each block's codes mapped."""
        parts = []
        for block, kept in zip(self._blocks, self._kept, strict=True):
            column = block[dim]
            assert isinstance(column, Labels)
            parts.append((column.labels, _kept_of(column.codes, kept)))
        labels, codes = _one_dictionary(parts)
        return Labels(labels, codes)

    def visitors_by_label(self, dim: str) -> tuple[np.ndarray, np.ndarray]:
        """Per code of `labels(dim)` the distinct visitors of its kept sessions, and their
        visitor ids grouped by code (sorted within a code, repeats kept): each block's sessions
        by (label, visitor) from its remembered order, mapped to the period's codes; then one
        stable (radix) sort by code and, within a code, one sort of its blocks' runs."""
        index: dict[Any, int] = {}
        codes_of, values_of = [], []
        for block, kept in zip(self._blocks, self._kept, strict=True):
            column, visitor = block[dim], np.asarray(block["visitor"])
            assert isinstance(column, Labels)
            lookup = np.array([index.setdefault(v, len(index)) for v in column.labels], np.int64)
            if not len(kept):
                continue
            order, codes, values = _label_order(column.codes, visitor)
            if len(kept) < len(visitor):
                mask = np.zeros(len(visitor), dtype=bool)
                mask[kept] = True
                inside = mask[order]
                codes, values = codes[inside], values[inside]
            codes_of.append(lookup[codes])
            values_of.append(values)
        n = len(index)
        if not codes_of:
            return np.zeros(n, dtype=np.int64), np.zeros(0, dtype=np.int64)
        code = np.concatenate(codes_of).astype(np.uint16 if n < 65536 else np.int64)
        by_code = np.argsort(code, kind="stable")  # a radix sort: blocks' runs kept in order
        code, values = code[by_code], np.concatenate(values_of)[by_code]
        edges = np.searchsorted(code, np.arange(n + 1)).tolist()
        one_run = len(codes_of) == 1
        for k in range(n):
            if not one_run and edges[k + 1] - edges[k] > 1:
                values[edges[k] : edges[k + 1]].sort()  # in place: numpy's SIMD quicksort
        first = np.ones(len(values), dtype=bool)
        first[1:] = (code[1:] != code[:-1]) | (values[1:] != values[:-1])
        distinct = np.bincount(code[first], minlength=n).astype(np.int64, copy=False)
        return distinct, values

    def spans(self, positions: np.ndarray) -> dict[int, tuple[int, int]]:
        """session id -> (start, end) of the sessions at `positions`: what a read of their
        events needs (app/queries/session_events.py)."""
        start = self.numbers("start")[positions]
        end = start + self.numbers("duration")[positions]
        pairs = zip(start.tolist(), end.tolist(), strict=True)
        return dict(zip(self.numbers("session")[positions].tolist(), pairs, strict=True))


def _block_order(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.argsort(column, kind="stable")` and the sorted column, remembered while the array
    lives (a cached day's column serves every later report)."""

    def build() -> tuple[np.ndarray, ...]:
        order = _narrow(np.argsort(column, kind="stable"))
        return order, column[order]

    order, ordered = _remembered((column,), build)
    return order, ordered


def _label_order(codes: np.ndarray, visitor: np.ndarray) -> tuple[np.ndarray, ...]:
    """A block's positions sorted by label code, then visitor id (the visitor order, then a
    stable radix sort of the codes), with the codes and visitor ids in that order; remembered
    while the arrays live."""

    def build() -> tuple[np.ndarray, ...]:
        by_visitor = _block_order(visitor)[0]
        order = _narrow(by_visitor[np.argsort(codes[by_visitor], kind="stable")])
        return order, codes[order], visitor[order]

    return _remembered((codes, visitor), build)


def _narrow(order: np.ndarray) -> np.ndarray:
    return order.astype(np.int32) if len(order) < 1 << 31 else order


def _remembered(
    arrays: tuple[np.ndarray, ...], build: Callable[[], tuple[np.ndarray, ...]]
) -> tuple[np.ndarray, ...]:
    """What `build` derives from `arrays`, kept while they live (keyed by their identities,
    checked through weak references: an id reused by a new array is not a hit)."""
    key = tuple(id(a) for a in arrays)
    with _ORDERS_LOCK:
        found = _ORDERS.get(key)
        if found is not None and all(r() is a for r, a in zip(found[0], arrays, strict=True)):
            _ORDERS.move_to_end(key)
            return found[1]
    made = build()
    with _ORDERS_LOCK:
        old = _ORDERS.pop(key, None)
        if old is not None:
            _ORDERS_USED[0] -= sum(a.nbytes for a in old[1])
        _ORDERS[key] = (tuple(weakref.ref(a) for a in arrays), made)
        _ORDERS_USED[0] += sum(a.nbytes for a in made)
        while _ORDERS_USED[0] > ORDER_BYTES and len(_ORDERS) > 1:
            _, (_, gone) = _ORDERS.popitem(last=False)
            _ORDERS_USED[0] -= sum(a.nbytes for a in gone)
    return made


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Array work in a worker thread: numpy releases the GIL while it sorts and gathers, so
    ingest and websockets go on meanwhile (on the event loop, a 30-day retention stalled it
    ~410 ms)."""
    return await asyncio.to_thread(fn, *args)


def concat(chunks: list[Column]) -> Column:
    if isinstance(chunks[0], Ragged):
        runs = [chunk for chunk in chunks if isinstance(chunk, Ragged)]
        return _join_ragged(runs, [np.diff(r.offsets) for r in runs], [r.codes for r in runs])
    if isinstance(chunks[0], Labels):
        coded = [chunk for chunk in chunks if isinstance(chunk, Labels)]
        labels, codes = _one_dictionary([(chunk.labels, chunk.codes) for chunk in coded])
        return Labels(labels, codes.astype(_width(labels)))
    return np.concatenate([np.asarray(chunk) for chunk in chunks])


def _one_dictionary(parts: Sequence[tuple[list[Any], np.ndarray]]) -> tuple[list[Any], np.ndarray]:
    """Codes into several dictionaries as codes into one: each part's codes mapped through a
    lookup table of its labels' places in the merged dictionary."""
    index: dict[Any, int] = {}
    mapped = []
    for labels, codes in parts:
        lookup = np.array([index.setdefault(v, len(index)) for v in labels], np.int32)
        mapped.append(lookup[codes] if len(labels) else codes.astype(np.int32))
    return list(index), np.concatenate(mapped) if mapped else np.zeros(0, np.int32)


def _width(labels: list[Any]) -> type[np.integer[Any]]:
    return np.uint16 if len(labels) < 65536 else np.int32


def _join_ragged(
    runs: Sequence[Ragged], sizes: Sequence[np.ndarray], codes: Sequence[np.ndarray]
) -> Ragged:
    """One Ragged of several: each run's (chosen) codes mapped into one dictionary."""
    labels, joined = _one_dictionary([(r.labels, c) for r, c in zip(runs, codes, strict=True)])
    lengths = np.concatenate(sizes) if sizes else np.zeros(0, np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return Ragged(labels, offsets, joined.astype(_width(labels)))


def _kept_of(column: Any, kept: np.ndarray) -> np.ndarray:
    """The kept rows of a block's array: the array itself when every row is kept (`kept` is
    then 0..n-1; the gather would copy it only for the caller to copy it again)."""
    values = np.asarray(column)
    return values if len(kept) == len(values) else values[kept]


def _take(run: Ragged, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kept sessions' run lengths and their items' codes, in order."""
    if len(kept) == len(run.offsets) - 1:  # every session: the run as it is
        return np.diff(run.offsets), run.codes
    starts = run.offsets[kept]
    sizes = run.offsets[kept + 1] - starts
    total = int(sizes.sum())
    if not total:
        return sizes, run.codes[:0]
    first = np.cumsum(sizes) - sizes  # where each kept run begins in the output
    return sizes, run.codes[np.repeat(starts - first, sizes) + np.arange(total)]
