"""Event-grain breakdowns (page, event, prop:KEY) on the sealed-columns path: the matching
items of the kept sessions' coded journeys (or sealed property items) counted per name. A
session whose journey cannot say — cut short, or an item whose value held a mark character
(stored as U+FFFD) — is read from its events and merged by visitor."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries import columnar, journey_arrays, session_events
from app.queries.goal_items import odd_labels
from app.queries.planner import Plan
from app.queries.scope import event_value
from app.storage import journey

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
    stored, skip = await columnar.off_loop(_items_in_columns, frame, dimension, passes)
    walked = await _walk_items(conn, scope.site_id, frame, np.flatnonzero(skip), dimension, passes)
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
    return _merged_items(stored, {})


def _items_in_columns(
    frame: columnar.Frame, dimension: str, passes: Callable[[str], bool]
) -> tuple[journey_arrays.ItemCounts, np.ndarray]:
    """The journeys' item counts, and which sessions must be read from events instead."""
    run = frame.ragged("journey")
    odd = odd_labels(run.labels)
    sessions = len(run.offsets) - 1
    owner = np.repeat(np.arange(sessions), np.diff(run.offsets))
    odd_sessions = np.bincount(owner[odd[run.codes]], minlength=sessions) > 0 if len(odd) else 0
    skip = frame.numbers("truncated").astype(bool) | odd_sessions
    mark = journey.PAGE if dimension == "page" else journey.EVENT

    def name_of(label: str) -> str | None:
        return label[1:-1] if label.startswith(mark) and passes(label[1:-1]) else None

    visitor = frame.numbers("visitor")
    return journey_arrays.item_counts(run, visitor, skip, name_of), skip


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
    stored: journey_arrays.ItemCounts, walked: dict[str, tuple[int, set[int]]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The journeys' counts with the walked sessions' added (visitors as unions)."""
    rows: dict[str, list[int]] = {}
    code_of: dict[str, int] = {}
    for code in np.flatnonzero(stored.counts).tolist():
        name = stored.names[code]
        code_of[name] = code
        rows[name] = [int(stored.counts[code]), int(stored.visitors[code])]
    for name, (n, seen) in walked.items():
        if name not in code_of:
            rows[name] = [n, len(seen)]
            continue
        lo, hi = stored.bounds[code_of[name]], stored.bounds[code_of[name] + 1]
        union = seen.union(stored.runs[lo:hi].tolist())
        rows[name] = [rows[name][0] + n, len(union)]
    everyone = np.sort(stored.runs, kind="stable")  # a merge of sorted runs
    distinct = 1 + int(np.count_nonzero(everyone[1:] != everyone[:-1])) if len(everyone) else 0
    extra = {v for _, seen in walked.values() for v in seen}
    if extra:
        known = np.isin(np.fromiter(extra, dtype=np.int64, count=len(extra)), everyone)
        distinct += int(np.count_nonzero(~known))
    total = {"visitors": distinct, "count": sum(n for n, _ in rows.values())}
    return [{"value": k, "visitors": v, "count": n} for k, (n, v) in rows.items()], total
