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
    one boolean array (a sort per period otherwise)."""
    if first is everyone:  # unfiltered: one sort by visitor numbers everyone
        cohort_visitor, first_ts, at = _first_new_sessions(everyone)
    else:
        new = first.numbers("new").astype(bool)
        found, first_ts, _ = _first_new_sessions(first, new)
        cohort_visitor = found
        later = everyone.numbers("visitor")
        at = np.minimum(np.searchsorted(found, later), max(len(found) - 1, 0))
        if len(found):
            at[found[at] != later] = -1
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
    by_period = np.argsort(active, kind="stable")
    limits = np.searchsorted(active[by_period], np.arange(periods + 1))
    seen = np.zeros(people, dtype=bool)
    for a in range(periods):
        if limits[a] == limits[a + 1]:
            continue
        seen[:] = False
        seen[dense[by_period[limits[a] : limits[a + 1]]]] = True
        per_cohort = np.bincount(cohort_of[seen], minlength=periods)
        for c in np.flatnonzero(per_cohort).tolist():
            cells[(c, a)] = int(per_cohort[c])
    return cells


def _first_new_sessions(
    frame: Frame, chosen: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The visitors with a new session among the frame's (or its `chosen`) sessions, sorted;
    the start of each one's first new session; and per frame session its visitor's number in
    that list (-1: none). Without `chosen`, every session is numbered."""
    visitor, start = frame.numbers("visitor"), frame.numbers("start")
    new = frame.numbers("new").astype(bool)
    if chosen is not None:
        visitor, start, new = visitor[chosen], start[chosen], new[chosen]
    order = np.argsort(visitor)
    ordered = visitor[order]
    leads = np.ones(len(ordered), dtype=bool)
    leads[1:] = ordered[1:] != ordered[:-1]
    runs = np.flatnonzero(leads)
    if not len(runs):
        return ordered, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    never = np.iinfo(np.int64).max
    first_new = np.minimum.reduceat(np.where(new[order], start[order], never), runs)
    has_new = first_new < never
    number = np.cumsum(has_new) - 1  # per run: its visitor's number among those with one
    per_session = np.empty(len(ordered), dtype=np.int64)
    per_session[order] = np.where(has_new, number, -1)[np.cumsum(leads) - 1]
    return ordered[runs][has_new], first_new[has_new], per_session
