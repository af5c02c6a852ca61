"""A session dimension's counts per value over a Frame, summed from each cached day's own
counts (column_counts.by_label's numbers exactly): per day, per label, the kept sessions'
sessions, page views, bounces, engagement and distinct visitors (sorted), remembered with the
day for the same kept rows (app/queries/day_sets.py); per period, added by label and the
visitor sets merged. Used for goal-filtered breakdowns, whose frame (the goal's completing
sessions) is the same request after request: a 30-day country breakdown filtered by a page goal
at 10M events bincounted and sorted ~1M kept sessions on each one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.queries import column_counts, day_sets
from app.queries.column_frame import Block, Frame
from app.queries.rollup_reads import Counts
from app.storage.columns import Labels, Ragged

_SUMS = ("pageviews", "bounce", "engagement")


@dataclass(frozen=True)
class DayCounts:
    """Per label with sessions: [sessions, pageviews, bounces, engagement ms], its distinct
    visitors (sorted); and every kept session's distinct visitors."""

    sums: dict[str | None, list[int]]
    visitors: dict[str | None, np.ndarray]
    everyone: np.ndarray


def by_label(
    frame: Frame, dimension: str, with_totals: bool, filters: tuple[object, ...]
) -> tuple[list[tuple[str | None, Counts]], Counts | None]:
    """column_counts.by_label for a dimension other than visitor_type (`filters`: the
    request's, to tell its days' results from other requests')."""
    sums: dict[str | None, list[int]] = {}
    runs: dict[str | None, list[np.ndarray]] = {}
    everyone = []
    for block, kept in frame.parts():
        day = _day(block, kept, dimension, filters)
        for label, values in day.sums.items():
            into = sums.setdefault(label, [0, 0, 0, 0])
            for i, v in enumerate(values):
                into[i] += v
            runs.setdefault(label, []).append(day.visitors[label])
        everyone.append(day.everyone)
    rows = [
        (label, Counts(visitors=day_sets.distinct(runs[label]), sessions=v[0], pageviews=v[1],
                       bounces=v[2], engagement_ms=v[3]))
        for label, v in sums.items()
    ]  # fmt: skip
    if not with_totals:
        return rows, None
    return rows, column_counts.summed(rows, day_sets.distinct(everyone))


def _day(block: Block, kept: np.ndarray, dimension: str, filters: tuple[object, ...]) -> DayCounts:
    column, holder = block[dimension], block["journey"]
    assert isinstance(column, Labels) and isinstance(holder, Ragged)

    def build() -> DayCounts:
        n = len(column.labels)
        codes = np.asarray(column.codes)[kept].astype(np.int64)
        found = [np.bincount(codes, minlength=n)]
        for name in _SUMS:
            found.append(np.bincount(codes, weights=np.asarray(block[name])[kept], minlength=n))
        visitor = np.asarray(block["visitor"])[kept]
        order = np.lexsort((visitor, codes))
        by_code, ordered = codes[order], visitor[order]
        bounds = np.searchsorted(by_code, np.arange(n + 1)).tolist()
        sums: dict[str | None, list[int]] = {}
        visitors: dict[str | None, np.ndarray] = {}
        for code in np.flatnonzero(found[0]).tolist():
            label = column.labels[code]
            seen = day_sets.deduped(ordered[bounds[code] : bounds[code + 1]])
            if label in sums:  # a label coded twice: one row, as Frame.labels merges them
                sums[label] = [a + int(f[code]) for a, f in zip(sums[label], found, strict=True)]
                seen = day_sets.unique_sorted(np.concatenate([visitors[label], seen]))
            else:
                sums[label] = [int(f[code]) for f in found]
            visitors[label] = seen
        return DayCounts(sums, visitors, day_sets.unique_sorted(visitor))

    return day_sets.per_day(holder, ("labels", dimension, filters), kept, build)
