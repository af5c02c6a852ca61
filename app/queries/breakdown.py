"""Breakdown: metrics per value of one dimension, sorted, paged, with totals.

Session dimensions group the period's sessions (visitors, sessions, pageviews, bounce rate,
engagement). Event dimensions count event rows of those sessions: `page` (page views per path),
`event` (custom events per name), `prop:KEY` (events carrying the property, per value).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, and_, case, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.dimensions import API_NAMES, SESSION_COLUMNS, lookup, prop_value
from app.events import ENGAGEMENT, PAGEVIEW
from app.queries import columnar, journey_arrays, rollup_reads, session_events
from app.queries.filters import row_condition
from app.queries.planner import ROLLUPS, Plan, Question, plan
from app.queries.scope import Scope, derive, metrics_query, s, where
from app.queries.summary import period_json
from app.storage import journey
from app.storage.dialect import contains_exact
from app.storage.tables import events, sessions

SESSION_SORTS = ("visitors", "sessions", "pageviews", "bounce_rate", "avg_engagement_ms")
EVENT_SORTS = ("visitors", "count")
DIMENSIONS = API_NAMES


def is_dimension(name: str) -> bool:
    return lookup(name) is not None


def is_session_dimension(name: str) -> bool:
    found = lookup(name)
    return found is not None and found.session_grain


async def breakdown(
    conn: AsyncConnection,
    scope: Scope,
    dimension: str,
    *,
    sort: str | None = None,
    descending: bool = True,
    limit: int = 10,
    offset: int = 0,
    totals: bool = True,
) -> dict[str, Any]:
    """Rows per value, sorted and paged, with the period's totals (None when `totals` is
    False: the dashboard does not show them, and a filtered report pays a second scan)."""
    if is_session_dimension(dimension):
        rows, total = await _by_session(conn, scope, dimension, totals)
        default = "visitors"
    else:
        rows, total = await _by_event(conn, scope, dimension)
        default = "count"
    key = sort or default
    rows.sort(key=lambda r: str(r["value"]))  # ties in a stable order: by value
    rows.sort(key=lambda r: r[key], reverse=descending)
    return {
        "dimension": dimension,
        "period": period_json(scope.period),
        "sort": key,
        "order": "desc" if descending else "asc",
        "limit": limit,
        "offset": offset,
        "total_rows": len(rows),
        "totals": total if totals else None,
        "results": rows[offset : offset + limit],
    }


def _session_column(dimension: str) -> ColumnElement[Any]:
    if dimension == "visitor_type":
        return case((s.new_visitor == literal(True), "new"), else_="returning")
    return s[SESSION_COLUMNS[dimension]]


async def _by_session(
    conn: AsyncConnection, scope: Scope, dimension: str, totals: bool = True
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Rows and totals from the rollups (no filters), else from sealed hours' columns (session
    filters), else from a scan of the period's sessions."""
    chosen = plan(Question("breakdown", dimension), scope)
    if chosen.path == ROLLUPS:
        found = await rollup_reads.by_value(conn, scope.site_id, scope.period, dimension)
        total = await rollup_reads.totals(conn, scope.site_id, scope.period) if totals else None
        return _session_rows(found.items()), _pick(total)
    frame = await chosen.frame(conn, dims=[dimension])
    if frame is not None:
        labelled, summed = await columnar.off_loop(columnar.by_label, frame, dimension, totals)
        return _session_rows(labelled), _pick(summed)
    condition = where(await chosen.sql_scope(conn), scope.period.start, scope.period.end)
    query = metrics_query(condition, _session_column(dimension), visitor_types=False)
    rows = _session_rows((row.value, row) for row in await conn.execute(query))
    if not totals:  # the exact totals are a second pass over the sessions
        return rows, None
    return rows, _pick((await conn.execute(metrics_query(condition))).one())


def _session_rows(found: Iterable[tuple[Any, Any]]) -> list[dict[str, Any]]:
    return [{"value": label, **(_pick(counts) or {})} for label, counts in found]


def _pick(counts: Any) -> dict[str, Any] | None:
    """The breakdown's metrics of base counts (None stays None)."""
    if counts is None:
        return None
    metrics = derive(counts)
    return {m: metrics[m] for m in SESSION_SORTS}


def _event_value(dimension: str) -> tuple[ColumnElement[Any], ColumnElement[bool]]:
    """The grouped expression and which event rows count, per event dimension."""
    e = events.c
    if dimension == "page":
        return e.pathname, e.name == PAGEVIEW
    if dimension == "event":
        return e.name, e.name.not_in([PAGEVIEW, ENGAGEMENT])
    key = json.dumps(dimension[5:], ensure_ascii=False)
    return e.props, and_(e.props.is_not(None), contains_exact(e.props, f"{key}:"))


async def _by_event(
    conn: AsyncConnection, scope: Scope, dimension: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    chosen = plan(Question("breakdown", dimension), scope)
    if chosen.path == ROLLUPS:
        return await _by_event_rollups(conn, scope, dimension)
    found = await _by_item_in_columns(conn, chosen, dimension)
    if found is not None:
        return found
    value, counted = _event_value(dimension)
    period = scope.period
    scope = await chosen.sql_scope(conn)
    condition = and_(
        events.c.site_id == scope.site_id,
        events.c.ts >= period.start,  # a session's events come after its start
        counted,
        row_condition(scope.filters, dimension),
        where(scope, period.start, period.end, own_dim=dimension),
    )
    joined = events.join(sessions, s.session_id == events.c.session_id)
    query = select(value.label("value"), events.c.visitor_id).select_from(joined).where(condition)
    groups: dict[Any, tuple[int, set[int]]] = {}
    everyone: set[int] = set()
    count = 0
    for raw, visitor in await conn.execute(query):
        label = _prop_value(raw, dimension[5:]) if dimension.startswith("prop:") else raw
        n, seen = groups.get(label, (0, set()))
        seen.add(visitor)
        groups[label] = (n + 1, seen)
        everyone.add(visitor)
        count += 1
    rows = [{"value": k, "visitors": len(v), "count": n} for k, (n, v) in groups.items()]
    return rows, {"visitors": len(everyone), "count": count}


_ITEM_COLUMNS = ("visitor", "duration", "session", "truncated", "journey")
_PROP_COLUMNS = ("visitor", "props")


async def _by_item_in_columns(
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
    odd = np.array([journey.REPLACED in label for label in run.labels], dtype=bool)
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
    value, counted = _event_value(dimension)
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


async def _by_event_rollups(
    conn: AsyncConnection, scope: Scope, dimension: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    stored = "prop:" + dimension[5:] if dimension.startswith("prop:") else dimension
    found, visitors = await rollup_reads.by_value_and_all(conn, scope.site_id, scope.period, stored)
    counter = "pageviews" if dimension == "page" else "events"
    rows = [
        {"value": value if value is not None else "", "visitors": c.visitors,
         "count": getattr(c, counter)}
        for value, c in found.items()
        if getattr(c, counter)
    ]  # fmt: skip
    return rows, {"visitors": visitors, "count": sum(row["count"] for row in rows)}


def _prop_value(props: str, key: str) -> str:
    return prop_value(json.loads(props).get(key))
