"""A period's sessions as columns: the day blocks and the kept rows' positions (`Frame`),
gathered per column when first asked, with the labels of several blocks merged into one
dictionary. `off_loop` runs array work in a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from app.storage import columns
from app.storage.columns import Column, Labels, Ragged

T = TypeVar("T")


Block = dict[str, Column]  # columns by name: one UTC day's sealed hours, or the open hours


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
            chunks = [np.asarray(b[name])[k] for b, k in zip(self._blocks, self._kept, strict=True)]
            empty = np.zeros(0, np.int64 if name == "start" else columns.NUMERIC[name].lstrip("<"))
            found = np.concatenate(chunks) if chunks else empty
            self._gathered[name] = found
        return found

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
            parts.append((column.labels, column.codes[kept]))
        labels, codes = _one_dictionary(parts)
        return Labels(labels, codes)

    def spans(self, positions: np.ndarray) -> dict[int, tuple[int, int]]:
        """session id -> (start, end) of the sessions at `positions`: what a read of their
        events needs (app/queries/session_events.py)."""
        start = self.numbers("start")[positions]
        end = start + self.numbers("duration")[positions]
        pairs = zip(start.tolist(), end.tolist(), strict=True)
        return dict(zip(self.numbers("session")[positions].tolist(), pairs, strict=True))


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


def _take(run: Ragged, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kept sessions' run lengths and their items' codes, in order."""
    starts = run.offsets[kept]
    sizes = run.offsets[kept + 1] - starts
    total = int(sizes.sum())
    if not total:
        return sizes, run.codes[:0]
    first = np.cumsum(sizes) - sizes  # where each kept run begins in the output
    return sizes, run.codes[np.repeat(starts - first, sizes) + np.arange(total)]
