"""Funnels and flows over coded journeys: the sealed hours' `journey` column
(app/storage/columns.py), each session's page views and custom events as codes into one
dictionary of items ("\\x1e/pricing\\x1f", "\\x1dSignup\\x1f"), so a step or a page is one integer
comparison over every item of the period at once.

The answers are the SQL path's (app/queries/funnel.py, app/queries/flows.py): the earliest match
of each step in order; a flow from the first page view (or the first view of the start page);
sessions whose journey was truncated before the question's end are handed back to be walked
event by event.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.storage import journey
from app.storage.columns import Labels, Ragged

_NEVER = np.iinfo(np.int64).max


def furthest_steps(run: Ragged, items: Sequence[str]) -> np.ndarray:
    """Per session, how many of `items` it holds in order (each step's earliest match after
    the previous step's: the longest ordered prefix)."""
    n = len(run.offsets) - 1
    furthest = np.zeros(n, dtype=np.int8)
    if not n:
        return furthest
    owner = np.repeat(np.arange(n), np.diff(run.offsets))  # the session of each item
    after = run.offsets[:-1] - 1  # a session's next step must come after this position
    index = {label: i for i, label in enumerate(run.labels)}
    for k, item in enumerate(items):
        code = index.get(item)
        if code is None:
            break
        hits = np.flatnonzero(run.codes == code)
        sessions = owner[hits]
        ok = hits > after[sessions]
        hits, sessions = hits[ok], sessions[ok]
        if not len(hits):
            break
        first = np.ones(len(hits), dtype=bool)  # hits ascend, so a session's first is its earliest
        first[1:] = sessions[1:] != sessions[:-1]
        hits, sessions = hits[first], sessions[first]
        after = np.full(n, _NEVER, dtype=np.int64)
        after[sessions] = hits
        furthest[sessions] = k + 1
    return furthest


def per_visitor_max(visitor: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each visitor (sorted) and the largest value among their sessions."""
    if not len(visitor):
        return visitor, value
    order = np.lexsort((value, visitor))
    v, x = visitor[order], value[order]
    last = np.ones(len(v), dtype=bool)
    last[:-1] = v[1:] != v[:-1]
    return v[last], x[last]


Path = tuple[str, list[str], bool, int]  # as app/queries/flows.py: source, pages, more, sessions


def flow_paths(
    source: Labels,
    run: Ragged,
    truncated: np.ndarray,
    depth: int,
    start_page: str | None,
) -> tuple[list[Path], np.ndarray]:
    """(source, the first `depth` pages from the start page, more pages followed, sessions)
    with equal paths counted together; and the positions of the truncated sessions whose flow
    may go on past their stored journey (to be read from events)."""
    n = len(run.offsets) - 1
    is_page = np.array([label.startswith(journey.PAGE) for label in run.labels], dtype=bool)
    owner = np.repeat(np.arange(n), np.diff(run.offsets))
    on_page = is_page[run.codes] if len(run.labels) else np.zeros(0, dtype=bool)
    pages, owner = run.codes[on_page], owner[on_page]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n), out=offsets[1:])
    if start_page is None:
        chosen = np.flatnonzero(offsets[1:] > offsets[:-1])
        begin = offsets[:-1][chosen]
    else:
        code = {label: i for i, label in enumerate(run.labels)}.get(journey.page(start_page))
        hits = np.flatnonzero(pages == code) if code is not None else np.zeros(0, np.int64)
        first = np.ones(len(hits), dtype=bool)
        first[1:] = owner[hits][1:] != owner[hits][:-1]
        begin, chosen = hits[first], owner[hits][first]
    end = offsets[1:][chosen]
    # A truncated journey without the start page, or whose flow reaches its end, goes on in
    # the session's events.
    cut = truncated[chosen].astype(bool) & (begin + depth + 1 > end)
    missing = np.setdiff1d(np.flatnonzero(truncated.astype(bool)), chosen)
    walk = np.union1d(missing, chosen[cut])
    keep = ~cut
    begin, end, chosen = begin[keep], end[keep], chosen[keep]
    table = np.full((len(chosen), depth + 2), -1, dtype=np.int64)
    table[:, 0] = source.codes[chosen]
    for step in range(depth):
        at = begin + step
        inside = at < end
        table[inside, step + 1] = pages[at[inside]]
    table[:, depth + 1] = begin + depth < end  # more pages followed
    return _grouped(table, source.labels, run.labels), walk


def _grouped(table: np.ndarray, sources: list[str | None], items: list[str]) -> list[Path]:
    if not len(table):
        return []
    order = np.lexsort(table.T[::-1])
    rows = table[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(rows)))
    out: list[Path] = []
    for row, n in zip(rows[starts].tolist(), counts.tolist(), strict=True):
        flow = [items[code][1:-1] for code in row[1:-1] if code >= 0]
        out.append((str(sources[row[0]]), flow, bool(row[-1]), n))
    return out
