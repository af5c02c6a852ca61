"""Filters over sealed columns, with Filter.matches' meaning: a session dimension's filter is
a boolean table over its dictionary indexed by the codes; a page / event / property filter tests
the items of each session's coded journey (the matching item codes, then a bincount by owner
session; remembered per cached day); a truncated journey without a match asks its events. A
goal filter (a page or scroll goal, or an event goal without a property: `on_columns`) is the
same over the goal's matching journey or scroll items (`goal_completions`, also the goal
report's counts)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from sqlalchemy.ext.asyncio import AsyncConnection

from app.goals.definition import EVENT, SCROLL, Goal, pattern_regex
from app.queries import session_events
from app.queries.column_frame import Block, Frame
from app.queries.filters import GOAL, Filter, event_row_condition
from app.queries.goal_items import item_table, odd_labels
from app.queries.period import Period
from app.storage import columns, journey
from app.storage.columns import Labels, Ragged

# Filter results remembered per cached journey column (a day's: one bool per session each; a
# goal's completions one int64 per session). 32: the dashboard's filters plus a few goals.
MEMO_KEYS = 32


_MEMO_LOCK = threading.Lock()


# What a page or event filter reads: the journeys, and for a truncated one the session's events.
JOURNEY_FILTER = ("journey", "truncated", "session", "duration")


def journey_hits(blocks: list[Block], filters: list[Filter]) -> dict[Filter, list[np.ndarray]]:
    return {f: [_in_journey(block, f) for block in blocks] for f in filters}


def frame_of(
    blocks: list[Block],
    period: Period,
    filters: Sequence[Filter],
    stored: dict[Filter, list[np.ndarray]],
    beyond: dict[Filter, set[int]],
) -> Frame:
    kept = [_kept(i, block, period, filters, stored, beyond) for i, block in enumerate(blocks)]
    return Frame(blocks, kept)


def _kept(
    i: int,
    block: Block,
    period: Period,
    filters: Sequence[Filter],
    stored: dict[Filter, list[np.ndarray]],
    beyond: dict[Filter, set[int]],
) -> np.ndarray:
    """Positions of block i's sessions inside the period that pass every filter."""
    start = np.asarray(block["start"])
    keep = np.ones(len(start), dtype=bool)
    if len(start) and (start.min() < period.start or start.max() >= period.end):
        keep &= (start >= period.start) & (start < period.end)
    for f in filters:
        if f.event_grain:
            hit = stored[f][i] | _in_set(block, beyond.get(f, set()))
            keep &= ~hit if f.negated else hit
        else:
            keep &= _passes(block, f)
    return np.flatnonzero(keep)


def _in_journey(block: Block, f: Filter) -> np.ndarray:
    """Sessions whose stored journey holds a page view (event) matching the filter's positive
    form (filters.event_row_condition's meaning); for a property filter, an event carrying the
    property with that value."""
    if f.dim == GOAL:
        assert f.goal is not None
        counts, unsure = goal_completions(block, f.goal)
        return (counts > 0) & ~unsure
    run = block["props" if f.dim.startswith("prop:") else "journey"]
    assert isinstance(run, Ragged)
    op = f.op.replace("!", "=")
    key = ("sessions", f.dim, op, f.value)
    found = run.memo.get(key)
    if found is None:
        sessions = len(run.offsets) - 1
        codes = _matching_items(run, f.dim, op, f.value)
        found = np.zeros(sessions, dtype=bool)
        if len(codes):
            owner = np.repeat(np.arange(sessions), np.diff(run.offsets))
            found = np.bincount(owner[np.isin(run.codes, codes)], minlength=sessions) > 0
        remember(run, key, found)
    return found


def on_columns(goal: Goal) -> bool:
    """Whether sealed columns say who completed `goal`: a page goal or a custom-event goal
    without a property (journey items), a scroll goal (scroll items); not a property-narrowed
    goal (no column says which event carried which property), nor a page goal carrying its own
    regular expression."""
    if goal.kind == EVENT:
        return goal.prop_key is None
    # A regular expression given as such (the Stats API's `matches`) is the database's to read
    # (PostgreSQL's `~` is not Python's `re`); a `*` pattern's reads alike in both.
    built = pattern_regex(goal.page) if goal.page and "*" in goal.page else None
    return goal.regex == built


def goal_completions(block: Block, goal: Goal) -> tuple[np.ndarray, np.ndarray]:
    """Per session of the block: its completions of `goal` in the stored items (the goal's
    pattern matched once against the day's dictionary of items, not per row), and whether the
    items cannot say — a journey cut short, or holding an item whose value had a mark character
    (stored as U+FFFD) — so its events must be read (scroll items are stored whole).
    Remembered with the cached day."""
    run = block["scrolls" if goal.kind == SCROLL else "journey"]
    assert isinstance(run, Ragged)
    key = ("goal", goal.kind, goal.page, goal.regex, goal.event, goal.scroll)
    found = run.memo.get(key)
    if found is None:
        table = item_table(run, goal)
        sessions = len(run.offsets) - 1
        if goal.kind == SCROLL:
            unsure = np.zeros(sessions, dtype=bool)
        else:
            odd = odd_labels(run.labels)
            unsure = np.asarray(block["truncated"]).astype(bool) | (_per_session(run, odd) > 0)
        found = (_per_session(run, table), unsure)
        remember(run, key, found)
    return found


def _per_session(run: Ragged, items: np.ndarray) -> np.ndarray:
    """How many of each session's items are marked in `items` (a table over the labels): one
    gather and a cumulative sum, read at the run offsets."""
    sessions = len(run.offsets) - 1
    if not len(run.codes) or not len(items):
        return np.zeros(sessions, dtype=np.int64)
    running = np.zeros(len(run.codes) + 1, dtype=np.int64)
    np.cumsum(items[run.codes], out=running[1:])
    return running[run.offsets[1:]] - running[run.offsets[:-1]]


def remember(run: Ragged, key: tuple[object, ...], value: object) -> None:
    """A filter's result kept with the cached column (the dashboard asks ~10 reports with the
    same filters); the oldest go past MEMO_KEYS. Reports compute in worker threads: one lock."""
    with _MEMO_LOCK:
        while len(run.memo) >= MEMO_KEYS:
            run.memo.pop(next(iter(run.memo)))
        run.memo[key] = value


def _matching_items(run: Ragged, dim: str, op: str, value: str) -> np.ndarray:
    """The codes of the run's items a positive page / event filter matches, kept with the
    cached column (a day's journeys hold ~20k distinct items at 10M events a month)."""
    key = ("match", dim, op, value)
    found = run.memo.get(key)
    if found is None:
        if op == "==":  # one exact item
            if dim.startswith("prop:"):
                item = columns.prop_item(dim[5:], value)
            else:
                item = journey.page(value) if dim == "page" else journey.event(value)
            found = np.flatnonzero(np.array([label == item for label in run.labels], dtype=bool))
        else:
            mark = journey.PAGE if dim == "page" else journey.EVENT
            positive = Filter(dim, op, value)
            found = np.array(
                [
                    i
                    for i, label in enumerate(run.labels)
                    if label.startswith(mark) and positive.matches(label[1:-1])
                ],
                dtype=np.int64,
            )
        remember(run, key, found)
    return found


def _in_set(block: Block, ids: set[int]) -> np.ndarray:
    if not ids:
        return np.zeros(len(np.asarray(block["start"])), dtype=bool)
    sessions = np.asarray(block["session"])
    return np.isin(sessions, np.fromiter(ids, dtype=np.int64, count=len(ids)))


async def past_journeys(
    conn: AsyncConnection,
    site_id: int,
    blocks: list[Block],
    period: Period,
    stored: dict[Filter, list[np.ndarray]],
) -> dict[Filter, set[int]]:
    """Per page / event filter, the truncated sessions with a matching event past their stored
    journey (read from `events`: few sessions, chunked)."""
    found: dict[Filter, set[int]] = {}
    for f, in_journeys in stored.items():
        if f.dim.startswith("prop:"):  # properties are stored whole: nothing past them
            continue
        spans: dict[int, tuple[int, int]] = {}
        for block, hit in zip(blocks, in_journeys, strict=True):
            start = np.asarray(block["start"])
            if f.dim == GOAL:  # cut short, or an item that cannot say
                assert f.goal is not None
                chosen = goal_completions(block, f.goal)[1].copy()
            else:
                chosen = np.asarray(block["truncated"]).astype(bool)
            chosen &= (start >= period.start) & (start < period.end) & ~hit
            ends = start + np.asarray(block["duration"])
            sids = np.asarray(block["session"])[chosen].tolist()
            pairs = zip(start[chosen].tolist(), ends[chosen].tolist(), strict=True)
            spans.update(zip(sids, pairs, strict=True))
        if spans:
            condition = event_row_condition(f)
            hits = await session_events.by_session(conn, site_id, spans, ("name",), condition)
            found[f] = set(hits)
    return found


def _passes(block: Block, f: Filter) -> np.ndarray:
    """The block's sessions passing one session-dimension filter (filters.session_condition's
    meaning: no value differs from every value, `==` nothing means no value, `=~` ignores
    case)."""
    if f.dim == "visitor_type":
        hit = np.asarray(block["new"]) == (1 if f.value == "new" else 0)
        return ~hit if f.negated else hit
    column = block[f.dim]
    assert isinstance(column, Labels)
    table = np.array([f.passes(label) for label in column.labels], dtype=bool)
    return table[column.codes] if len(table) else np.zeros(len(column.codes), dtype=bool)
