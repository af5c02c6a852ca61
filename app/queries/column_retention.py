"""Retention cells over Frames (app/queries/retention.py's definitions): cohort visitors get
dense numbers, so the distinct visitors of an active period are marks in one boolean array."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.queries import column_counts
from app.queries.column_frame import Frame


def retention_cells(
    first: Frame, everyone: Frame, bounds: Sequence[int]
) -> dict[tuple[int, int], int]:
    """(cohort period, active period) -> visitors, as app/queries/retention.py defines them:
    a visitor's cohort is the start of their first new session in `first` (the filtered
    sessions); they are active in the period of each of their sessions in `everyone` from then
    on. Cohort visitors get dense numbers, so distinct visitors per active period are marks in
    one array (a sort otherwise)."""
    if first is everyone:  # unfiltered: one sort by visitor numbers everyone
        cohort_visitor, first_ts, at = _first_new_sessions(everyone)
    else:
        new = first.numbers("new").astype(bool)
        found, first_ts, _ = _first_new_sessions(first, new)
        cohort_visitor = found
        # Each session's visitor looked up in the sorted cohort list in visitor order: sorted
        # keys make the binary searches cache-friendly (in frame order, ~8x slower).
        order, later = everyone.order("visitor")
        ordered_at = np.minimum(np.searchsorted(found, later), max(len(found) - 1, 0))
        if len(found):
            ordered_at[found[ordered_at] != later] = -1
        at = np.empty_like(ordered_at)
        at[order] = ordered_at
    if not len(cohort_visitor):
        return {}
    later_ts = everyone.numbers("start")
    mine = (at >= 0) & (later_ts >= first_ts[np.maximum(at, 0)])
    edges = np.asarray(bounds, dtype=np.int64)
    periods, people = len(bounds) - 1, len(cohort_visitor)
    cohort_of = np.searchsorted(edges, first_ts, side="right") - 1  # per cohort visitor
    dense = at[mine]
    active = np.searchsorted(edges, later_ts[mine], side="right") - 1
    cells: dict[tuple[int, int], int] = {}
    if periods > column_counts.FEW_GROUPS:  # distinct (active, visitor) keys by one sort
        keys = np.sort(active.astype(np.int64) * people + dense)
        first_key = np.ones(len(keys), dtype=bool)
        first_key[1:] = keys[1:] != keys[:-1]
        keys = keys[first_key]
        flat = np.bincount(cohort_of[keys % people] * periods + keys // people)
        return {divmod(int(i), periods): int(flat[i]) for i in np.flatnonzero(flat)}
    by_period = np.argsort(active.astype(np.uint16), kind="stable")  # a radix sort
    limits = np.searchsorted(active[by_period], np.arange(periods + 1))
    stamp = np.empty(people, dtype=np.int64)
    for a in range(periods):
        if limits[a] == limits[a + 1]:
            continue
        ids = dense[by_period[limits[a] : limits[a + 1]]]
        # Distinct ids without a pass over everyone: each id's slot keeps the mark of one of
        # its places (whichever write lands), and exactly that place reads its own mark back.
        marks = np.arange(len(ids))
        stamp[ids] = marks
        per_cohort = np.bincount(cohort_of[ids[stamp[ids] == marks]], minlength=periods)
        for c in np.flatnonzero(per_cohort).tolist():
            cells[(c, a)] = int(per_cohort[c])
    return cells


def _first_new_sessions(
    frame: Frame, chosen: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The visitors with a new session among the frame's (or its `chosen`) sessions, sorted;
    the start of each one's first new session; and per frame session its visitor's number in
    that list (-1: none, or not chosen)."""
    start = frame.numbers("start")
    new = frame.numbers("new").astype(bool)
    order, ordered = frame.order("visitor")
    if chosen is not None:
        picked = chosen[order]
        order, ordered = order[picked], ordered[picked]
    leads = np.ones(len(ordered), dtype=bool)
    leads[1:] = ordered[1:] != ordered[:-1]
    runs = np.flatnonzero(leads)
    if not len(runs):
        return ordered, np.zeros(0, dtype=np.int64), np.full(frame.size, -1, dtype=np.int64)
    never = np.iinfo(np.int64).max
    first_new = np.minimum.reduceat(np.where(new[order], start[order], never), runs)
    has_new = first_new < never
    number = np.cumsum(has_new) - 1  # per run: its visitor's number among those with one
    per_session = np.full(frame.size, -1, dtype=np.int64)
    per_session[order] = np.where(has_new, number, -1)[np.cumsum(leads) - 1]
    return ordered[runs][has_new], first_new[has_new], per_session
