"""Funnels, flows and item counts over ragged columns of sealed hours (app/storage/columns.py):
each session's page views and custom events (`journey`) or property items (`props`) as codes
into one dictionary of items ("\\x1e/pricing\\x1f", "\\x1dSignup\\x1f", '["plan","pro"]'), so a
step, a page or a property value is one integer comparison over every item of the period.

The answers are the SQL path's (app/queries/funnel.py, flows.py, breakdown.py): the earliest
match of each step in order; a flow from the first page view (or the first view of the start
page); items counted per name with distinct visitors. Sessions whose journey was truncated
before the question's end are handed back to be read from their events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.queries.column_counts import distinct_by_group
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
Link = tuple[int, str, str]  # (step, from, to), as flow_links stores them
EXIT = "(exit)"
CONTINUES = "(continues)"


def flow_links(
    source: Labels,
    run: Ragged,
    truncated: np.ndarray,
    depth: int,
    start_page: str | None,
) -> tuple[Counter[Link], np.ndarray]:
    """Sessions per (step, from, to) link of the chain [source, the first `depth` pages from
    the start page, then (exit) or (continues)]; and the positions of the truncated sessions
    whose flow may go on past their stored journey (to be read from events)."""
    n = len(run.offsets) - 1
    is_page = np.array([label.startswith(journey.PAGE) for label in run.labels], dtype=bool)
    owner = np.repeat(np.arange(n), np.diff(run.offsets))
    on_page = is_page[run.codes] if len(run.labels) else np.zeros(0, dtype=bool)
    pages, owner = run.codes[on_page].astype(np.int64), owner[on_page]
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
    long = truncated.astype(bool)
    cut = long[chosen] & (begin + depth + 1 > end)
    long[chosen] = False
    walk = np.sort(np.concatenate([np.flatnonzero(long), chosen[cut]]))
    begin, end, chosen = begin[~cut], end[~cut], chosen[~cut]
    return _links(source, run.labels, pages, begin, end, chosen, depth), walk


def _links(
    source: Labels,
    items: list[str],
    pages: np.ndarray,
    begin: np.ndarray,
    end: np.ndarray,
    chosen: np.ndarray,
    depth: int,
) -> Counter[Link]:
    """Each chosen session's chain as links, counted by one sort of (step, from, to) keys."""
    done, more = len(items), len(items) + 1  # two more codes: (exit) and (continues)
    base = max(len(items) + 2, len(source.labels))  # a key is (step, from, to) in this base
    keys = []
    current = source.codes[chosen].astype(np.int64)  # step 0: the source
    alive = np.ones(len(chosen), dtype=bool)
    for step in range(depth + 1):
        at = begin + step
        has_next = alive & (at < end) & (step < depth)
        ends_here = alive & ~has_next
        following = np.where(has_next, pages[np.minimum(at, len(pages) - 1)], -1)
        last = np.where(at < end, more, done)  # past the depth, a next page means it goes on
        target = np.where(has_next, following, last)
        live = has_next | ends_here
        keys.append((step * base + current[live]) * base + target[live])
        current, alive = following, has_next
        if not alive.any():
            break
    flat = np.sort(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    first = np.ones(len(flat), dtype=bool)
    first[1:] = flat[1:] != flat[:-1]
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(flat)))
    names = [label[1:-1] for label in items] + [EXIT, CONTINUES]
    out: Counter[Link] = Counter()
    for key, count in zip(flat[starts].tolist(), counts.tolist(), strict=True):
        step, rest = divmod(key, base * base)
        src, dst = divmod(rest, base)
        src_name = str(source.labels[src]) if step == 0 else names[src]
        out[(step, src_name, names[dst])] += count
    return out


@dataclass
class ItemCounts:
    """A page or event breakdown from stored journeys: per name the matching items and the
    distinct visitors; `runs` holds the items' visitor ids grouped by name (sorted within a
    name, repeats kept), name k's from `bounds[k]` to `bounds[k + 1]`."""

    names: list[str]
    counts: np.ndarray
    visitors: np.ndarray
    runs: np.ndarray
    bounds: np.ndarray


def item_counts(
    run: Ragged, visitor: np.ndarray, skip: np.ndarray, name_of: Callable[[str], str | None]
) -> ItemCounts:
    """Items per name in the runs of the sessions not in `skip`: `name_of(label)` is an item's
    name, or None for an item not counted (page views per path, custom events per name, or a
    property's events per value)."""
    names = [name_of(label) for label in run.labels]
    wanted = np.array([name is not None for name in names], dtype=bool)
    n = len(run.offsets) - 1
    owner = np.repeat(np.arange(n), np.diff(run.offsets))
    chosen = wanted[run.codes] & ~skip[owner] if len(run.labels) else np.zeros(0, dtype=bool)
    codes, visitors = run.codes[chosen], visitor[owner[chosen]]
    groups = len(run.labels)
    counts = np.bincount(codes, minlength=groups)
    distinct, runs = distinct_by_group(codes, groups, visitors)
    bounds = np.zeros(groups + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    return ItemCounts([name or "" for name in names], counts, distinct, runs, bounds)
