"""A period's sessions as columns: the day blocks and the kept rows' positions (`Frame`),
gathered per column when first asked, with the labels of several blocks merged into one
dictionary. `off_loop` runs array work in a worker thread."""

from __future__ import annotations

import asyncio
import functools
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
        by (label, visitor) from its remembered order, a code's runs from all blocks merged."""
        index: dict[Any, int] = {}
        segments: list[list[np.ndarray]] = []
        for block, kept in zip(self._blocks, self._kept, strict=True):
            column, visitor = block[dim], np.asarray(block["visitor"])
            assert isinstance(column, Labels)
            lookup = [index.setdefault(v, len(index)) for v in column.labels]
            segments.extend([] for _ in range(len(index) - len(segments)))
            if not len(kept):
                continue
            order, codes, values = _label_order(column.codes, visitor)
            if len(kept) < len(visitor):  # the kept rows' places in that order, in order
                places = np.sort(_ranks(order)[kept])
                codes, values = codes[places], values[places]
            bounds = np.searchsorted(codes, np.arange(len(column.labels) + 1)).tolist()
            for code, label_index in enumerate(lookup):
                if bounds[code] < bounds[code + 1]:
                    segments[label_index].append(values[bounds[code] : bounds[code + 1]])
        distinct = np.zeros(len(index), dtype=np.int64)
        runs = []
        for k, parts in enumerate(segments):
            if not parts:
                continue
            # One default (SIMD quicksort) sort: faster than a stable sort's merge of the runs.
            merged = parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts))
            distinct[k] = 1 + int(np.count_nonzero(merged[1:] != merged[:-1]))
            runs.append(merged)
        return distinct, np.concatenate(runs) if runs else np.zeros(0, dtype=np.int64)

    def whole(self) -> bool:
        """Every block's sessions kept (no filter narrowed the period)."""
        return all(
            len(k) == len(np.asarray(b["visitor"]))
            for b, k in zip(self._blocks, self._kept, strict=True)
        )

    def sums_by_label(self, dim: str) -> np.ndarray:
        """Per code of `labels(dim)`: sessions, pageviews, bounces and engagement of the kept
        sessions (int64, 4 rows); a whole block's sums per its own code remembered with its
        arrays (a cached day serves every later report), then added into the period's codes."""
        index: dict[Any, int] = {}
        parts = []
        for block, kept in zip(self._blocks, self._kept, strict=True):
            column = block[dim]
            assert isinstance(column, Labels)
            lookup = [index.setdefault(v, len(index)) for v in column.labels]
            if not len(kept) or not len(lookup):
                continue
            arrays = tuple(
                np.asarray(a)
                for a in (column.codes, block["pageviews"], block["bounce"], block["engagement"])
            )
            if len(kept) == len(arrays[0]):
                sums = _remembered(arrays, functools.partial(_sums_made, arrays, len(lookup)))[0]
            else:
                sums = _sums(tuple(a[kept] for a in arrays), len(lookup))
            parts.append((np.asarray(lookup, dtype=np.int64), sums))
        out = np.zeros((4, len(index)), dtype=np.int64)
        for places, summed in parts:
            out[:, places] += summed  # a block's labels are distinct: no repeated places
        return out

    def spans(self, positions: np.ndarray) -> dict[int, tuple[int, int]]:
        """session id -> (start, end) of the sessions at `positions`: what a read of their
        events needs (app/queries/session_events.py)."""
        start = self.numbers("start")[positions]
        end = start + self.numbers("duration")[positions]
        pairs = zip(start.tolist(), end.tolist(), strict=True)
        return dict(zip(self.numbers("session")[positions].tolist(), pairs, strict=True))


def _sums_made(arrays: tuple[np.ndarray, ...], n: int) -> tuple[np.ndarray, ...]:
    return (_sums(arrays, n),)


def _sums(arrays: tuple[np.ndarray, ...], n: int) -> np.ndarray:
    """Sessions and the summed pageviews, bounces, engagement per code 0..n-1 (float64 sums
    of ints, exact well below 2**53, as ints)."""
    codes = arrays[0]
    rows = [np.bincount(codes, minlength=n)[:n]]
    rows += [np.bincount(codes, weights=w, minlength=n)[:n].astype(np.int64) for w in arrays[1:]]
    return np.stack(rows).astype(np.int64, copy=False)


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


def _ranks(order: np.ndarray) -> np.ndarray:
    """Each row's place in `order` (its inverse), remembered while it lives: a filter's kept
    rows in a block's order are then a gather and a sort of the kept (measured ~4x less CPU
    than a mask over the block gathered through the order)."""

    def build() -> tuple[np.ndarray, ...]:
        ranks = np.empty(len(order), dtype=np.int64 if len(order) >= 1 << 31 else np.int32)
        ranks[order] = np.arange(len(order), dtype=ranks.dtype)
        return (ranks,)

    return _remembered((order,), build)[0]


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
