"""Session metrics over a Frame: counts are bincounts per group, distinct visitors one sort
of each group's visitor ids, new / returning visitors a visitor's sessions folded (as
scope.metrics_query does in SQL)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.queries.column_frame import Frame
from app.queries.rollup_reads import Counts

# Below this many groups, visitors are counted group by group (one sort each); above, by one
# sort of all (group, visitor) pairs.
FEW_GROUPS = 64


def totals(frame: Frame, visitor_types: bool = True) -> Counts:
    return _counted(frame, np.zeros(frame.size, dtype=np.uint8), 1, visitor_types)[0][0]


def buckets(frame: Frame, bounds: Sequence[int]) -> list[Counts]:
    """Counts per bucket [bounds[i], bounds[i + 1])."""
    edges = np.asarray(bounds, dtype=np.int64)
    group = np.searchsorted(edges, frame.numbers("start"), side="right") - 1
    return _counted(frame, group, len(bounds) - 1, True)[0]


def by_label(
    frame: Frame, dimension: str, with_totals: bool = False
) -> tuple[list[tuple[str | None, Counts]], Counts | None]:
    """Counts per value of a session dimension (visitor_type: "new" / "returning"), and the
    totals if asked (their visitors from one sort of the groups' visitor ids: numpy's default
    sort, SIMD quicksort, beats a stable sort's merge of the sorted runs ~2.5x; ints alike are
    indistinguishable, so the order is the same)."""
    if dimension == "visitor_type":
        labels: list[str | None] = ["returning", "new"]
        group = frame.numbers("new")
        counts, runs = _counted(frame, group, len(labels), False)
    else:
        found = frame.labels(dimension)
        labels, group = found.labels, found.codes
        # Visitors per label from each cached day's sessions sorted by (label, visitor).
        grouped = frame.visitors_by_label(dimension)
        # Unfiltered: each cached day's sums per label, remembered, instead of 4 bincounts of all.
        sums = frame.sums_by_label(dimension) if frame.whole() else None
        counts, runs = _counted(frame, group, len(labels), False, grouped, sums)
    rows = [(labels[i], c) for i, c in enumerate(counts) if c.sessions]
    if not with_totals:
        return rows, None
    return rows, summed(rows, _distinct(np.sort(runs)))


def summed(rows: list[tuple[str | None, Counts]], visitors: int) -> Counts:
    """A breakdown's totals: its rows' session counters summed (each session has one label),
    with the period's distinct `visitors`."""
    total = Counts(visitors=visitors)
    for _, c in rows:
        total.sessions += c.sessions
        total.pageviews += c.pageviews
        total.bounces += c.bounces
        total.engagement_ms += c.engagement_ms
    return total


def _counted(
    frame: Frame,
    group: np.ndarray,
    n: int,
    visitor_types: bool,
    grouped: tuple[np.ndarray, np.ndarray] | None = None,
    sums: np.ndarray | None = None,
) -> tuple[list[Counts], np.ndarray]:
    """Session metrics per group 0..n-1 (new / returning visitors only if `visitor_types`),
    and the visitor ids grouped, sorted within each group (`grouped`: the distinct visitors
    per group and those ids, already counted; `sums`: sessions, pageviews, bounces and
    engagement per group, already summed)."""
    group = group.astype(np.uint16 if n < 65536 else np.int64, copy=False)
    if sums is None:
        sessions_n = np.bincount(group, minlength=n)
        pageviews = np.bincount(group, weights=frame.numbers("pageviews"), minlength=n)
        bounces = np.bincount(group, weights=frame.numbers("bounce"), minlength=n)
        engagement = np.bincount(group, weights=frame.numbers("engagement"), minlength=n)
    else:
        sessions_n, pageviews, bounces, engagement = sums
    new = frame.numbers("new") if visitor_types else None
    if grouped is None:
        folded, runs = _visitors(group, n, frame.numbers("visitor"), new)
    else:
        zero = np.zeros(n, dtype=np.int64)
        folded, runs = [grouped[0], zero, zero], grouped[1]
    # Whole columns to Python ints at once (.tolist()), not n numpy scalars per column.
    columns = zip(
        folded[0].tolist(),
        sessions_n.tolist(),
        pageviews.astype(np.int64).tolist(),
        bounces.astype(np.int64).tolist(),
        engagement.astype(np.int64).tolist(),
        folded[1].astype(np.int64).tolist(),
        folded[2].astype(np.int64).tolist(),
        strict=True,
    )
    counts = [
        Counts(
            visitors=v,
            sessions=s,
            pageviews=p,
            bounces=b,
            engagement_ms=e,
            new_visitors=nv,
            returning_visitors=rv,
        )
        for v, s, p, b, e, nv, rv in columns
    ]
    return counts, runs


def _visitors(
    group: np.ndarray, n: int, visitor: np.ndarray, new: np.ndarray | None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Per group: distinct visitors, and (with `new`) the visitors with a new session and those
    with a returning one (a visitor's sessions folded, as scope.metrics_query does); and the
    visitor ids in group order, sorted within each group."""
    counts = [np.zeros(n, dtype=np.int64) for _ in range(3)]
    if not len(group):
        return counts, visitor
    if n <= FEW_GROUPS:  # one sort per group
        order = np.argsort(group, kind="stable")
        edges = np.searchsorted(group[order], np.arange(n + 1))
        runs = []
        for k in range(n):
            if edges[k] == edges[k + 1]:
                continue
            chosen = order[edges[k] : edges[k + 1]]
            ordered, result = _fold(visitor[chosen], None if new is None else new[chosen])
            runs.append(ordered)
            for i in range(3):
                counts[i][k] = result[i]
        return counts, np.concatenate(runs)
    by_visitor = np.argsort(visitor)  # one sort of all, then a stable (radix) sort by group
    order = by_visitor[np.argsort(group[by_visitor], kind="stable")]
    g, v = group[order], visitor[order]
    first = np.ones(len(g), dtype=bool)
    first[1:] = (g[1:] != g[:-1]) | (v[1:] != v[:-1])
    starts = np.flatnonzero(first)
    owners = g[starts]
    counts[0] = np.bincount(owners, minlength=n)
    if new is not None:
        flags = new[order]
        counts[1] = np.bincount(owners, weights=np.maximum.reduceat(flags, starts), minlength=n)
        returning = 1 - np.minimum.reduceat(flags, starts).astype(np.int64)
        counts[2] = np.bincount(owners, weights=returning, minlength=n)
    return counts, v


def distinct_by_group(
    group: np.ndarray, n: int, visitor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct visitors per group 0..n-1, and the visitor ids grouped (sorted within each
    group, repeats kept)."""
    if not len(group):
        return np.zeros(n, dtype=np.int64), visitor
    group = group.astype(np.uint16 if n < 65536 else np.int64, copy=False)
    found, runs = _visitors(group, n, visitor, None)
    return found[0], runs


def _distinct(ordered: np.ndarray) -> int:
    return 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1])) if len(ordered) else 0


def _fold(visitor: np.ndarray, new: np.ndarray | None) -> tuple[np.ndarray, tuple[int, int, int]]:
    """One group's visitor ids sorted, and its visitors, new and returning visitors."""
    if new is None:
        ordered = np.sort(visitor)
        return ordered, (_distinct(ordered), 0, 0)
    if len(visitor) and visitor.min() < 0:  # not a server-made 63-bit id: argsort
        order = np.lexsort((new, visitor))
        ordered, flags = visitor[order], new[order]
    else:  # (id, new) in one unsigned key: a sort, not an argsort and two gathers
        keys = np.sort((visitor.astype(np.uint64) << np.uint64(1)) | new.astype(np.uint64))
        ordered, flags = (keys >> np.uint64(1)).astype(np.int64), (keys & np.uint64(1))
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    last = np.ones(len(ordered), dtype=bool)
    last[:-1] = first[1:]
    # Sorted by (visitor, new): a visitor's last flag is its max, its first flag its min.
    any_new = int(np.count_nonzero(flags[last]))
    all_new = int(np.count_nonzero(flags[first]))
    visitors = int(np.count_nonzero(first))
    return ordered, (visitors, any_new, visitors - all_new)
