"""Event-grain breakdowns (page, event, prop:KEY) on the sealed-columns path: the matching
items of the kept sessions' coded journeys (or sealed property items) counted per name. A
session whose journey cannot say — cut short, or an item whose value held a mark character
(stored as U+FFFD) — is read from its events and merged by visitor."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries import columnar, day_sets, journey_arrays, session_events
from app.queries.column_frame import Block
from app.queries.column_frame import _take as take
from app.queries.goal_items import odd_labels
from app.queries.planner import Plan
from app.queries.scope import event_value
from app.storage import journey
from app.storage.columns import Ragged

_ITEM_COLUMNS = ("visitor", "duration", "session", "truncated", "journey")
_PROP_COLUMNS = ("visitor", "props")


async def by_item(
    conn: AsyncConnection, chosen: Plan, dimension: str
) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """Page views per path or custom events per name of the sessions passing the other
    filters, from sealed hours' coded journeys; the dimension's own filters pick the items. A
    session whose journey cannot say (cut short, or an item whose value held a mark character)
    is read from `events`. None where the columns cannot answer."""
    scope = chosen.scope
    own = [f for f in scope.filters if f.dim == dimension]
    others = replace(scope, filters=tuple(f for f in scope.filters if f.dim != dimension))
    is_prop = dimension.startswith("prop:")
    fields = _PROP_COLUMNS if is_prop else _ITEM_COLUMNS
    frame = await chosen.frame(conn, others, fields=fields)
    if frame is None:
        return None

    def passes(value: str) -> bool:
        return all(f.passes(value) for f in own)

    if is_prop:  # properties are stored whole: no session to read from events
        return await columnar.off_loop(_props_in_columns, frame, dimension[5:], passes)
    # The key tells a goal filter's pass from its unfiltered twin (day_sets.per_day checks the
    # kept rows anyway): each keeps its own day results.
    key = tuple((f.dim, f.op, f.value) for f in scope.filters)
    stored, skip = await columnar.off_loop(_items_in_columns, frame, dimension, key, passes)
    walked = await _walk_items(conn, scope.site_id, frame, skip, dimension, passes)
    return await columnar.off_loop(_merged_items, stored, walked)


def _props_in_columns(
    frame: columnar.Frame, key: str, passes: Callable[[str], bool]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Events carrying the property, per value, from the sealed property items."""
    run = frame.ragged("props")

    def name_of(label: str) -> str | None:
        item_key, value = json.loads(label)
        return value if item_key == key and passes(value) else None

    skip = np.zeros(len(run.offsets) - 1, dtype=bool)
    stored = journey_arrays.item_counts(run, frame.numbers("visitor"), skip, name_of)
    return _merged_items([_as_day(stored, np.zeros(0, np.int64))], {})


@dataclass(frozen=True)
class DayItems:
    """One block's kept sessions' items per name: how many, and their distinct visitors
    (sorted); all counted items' distinct visitors; the kept sessions (places in `kept`) whose
    journey cannot say, to be read from events."""

    counts: dict[str, int]
    visitors: dict[str, np.ndarray]
    everyone: np.ndarray
    skip: np.ndarray


def _items_in_columns(
    frame: columnar.Frame,
    dimension: str,
    filters: tuple[tuple[str, str, str], ...],
    passes: Callable[[str], bool],
) -> tuple[list[DayItems], np.ndarray]:
    """Each block's item counts (a cached day's remembered with it for the same kept rows:
    app/queries/day_sets.py), and which sessions (frame positions) must be read from events."""
    found, skips, base = [], [], 0
    for block, kept in frame.parts():
        day = _day_items(block, kept, dimension, filters, passes)
        found.append(day)
        skips.append(base + day.skip)
        base += len(kept)
    return found, np.concatenate(skips) if skips else np.zeros(0, np.int64)


def _day_items(
    block: Block,
    kept: np.ndarray,
    dimension: str,
    filters: tuple[tuple[str, str, str], ...],
    passes: Callable[[str], bool],
) -> DayItems:
    run = block["journey"]
    assert isinstance(run, Ragged)
    mark = journey.PAGE if dimension == "page" else journey.EVENT

    def name_of(label: str) -> str | None:
        return label[1:-1] if label.startswith(mark) and passes(label[1:-1]) else None

    def build() -> DayItems:
        sizes, codes = take(run, kept)
        offsets = np.zeros(len(kept) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        chosen = Ragged(run.labels, offsets, codes)
        odd = odd_labels(run.labels)
        owner = np.repeat(np.arange(len(kept)), sizes)
        skip = np.asarray(block["truncated"])[kept].astype(bool)
        if len(odd) and len(codes):
            skip |= np.bincount(owner[odd[codes]], minlength=len(kept)) > 0
        visitor = np.asarray(block["visitor"])[kept]
        counted = journey_arrays.item_counts(chosen, visitor, skip, name_of)
        return _as_day(counted, np.flatnonzero(skip))

    return day_sets.per_day(run, ("items", dimension, filters), kept, build)


def _as_day(counted: journey_arrays.ItemCounts, skip: np.ndarray) -> DayItems:
    counts, visitors = {}, {}
    for code in np.flatnonzero(counted.counts).tolist():
        name = counted.names[code]
        counts[name] = int(counted.counts[code])
        lo, hi = counted.bounds[code], counted.bounds[code + 1]
        visitors[name] = day_sets.deduped(counted.runs[lo:hi])
    return DayItems(counts, visitors, day_sets.unique_sorted(counted.runs), skip)


async def _walk_items(
    conn: AsyncConnection,
    site_id: int,
    frame: columnar.Frame,
    chosen: np.ndarray,
    dimension: str,
    passes: Callable[[str], bool],
) -> dict[str, tuple[int, set[int]]]:
    """name -> (items, visitors) of the chosen sessions, read from their events."""
    if not len(chosen):
        return {}
    spans = frame.spans(chosen)
    visitor_of = dict(zip(spans, frame.numbers("visitor")[chosen].tolist(), strict=True))
    value, counted = event_value(dimension)
    found = await session_events.by_session(conn, site_id, spans, (value.name,), counted)
    out: dict[str, tuple[int, set[int]]] = {}
    for sid, rows in found.items():
        for (name,) in rows:
            if passes(name):
                n, seen = out.get(name, (0, set()))
                seen.add(visitor_of[sid])
                out[name] = (n + 1, seen)
    return out


def _merged_items(
    days: list[DayItems], walked: dict[str, tuple[int, set[int]]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The blocks' counts added per name, the walked sessions' too (visitors as unions of the
    blocks' sorted sets and the walked ids)."""
    counts: dict[str, int] = {}
    runs: dict[str, list[np.ndarray]] = {}
    for day in days:
        for name, n in day.counts.items():
            counts[name] = counts.get(name, 0) + n
            runs.setdefault(name, []).append(day.visitors[name])
    rows = []
    for name in {**counts, **walked}:
        n, seen = walked.get(name, (0, set()))
        extra = np.fromiter(seen, dtype=np.int64, count=len(seen))
        visitors = day_sets.distinct(runs.get(name, []), extra)
        rows.append({"value": name, "visitors": visitors, "count": counts.get(name, 0) + n})
    every = {v for _, seen in walked.values() for v in seen}
    extra = np.fromiter(every, dtype=np.int64, count=len(every))
    distinct = day_sets.distinct([day.everyone for day in days], extra)
    return rows, {"visitors": distinct, "count": sum(row["count"] for row in rows)}
