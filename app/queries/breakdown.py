"""Breakdown: metrics per value of one dimension, sorted, paged, with totals.

Session dimensions group the period's sessions (visitors, sessions, pageviews, bounce rate,
engagement). Event dimensions count event rows of those sessions: `page` (page views per path),
`event` (custom events per name), `prop:KEY` (events carrying the property, per value).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app import revenue
from app.dimensions import API_NAMES, SESSION_COLUMNS, lookup, prop_value
from app.goals.definition import EVENT as EVENT_GOAL
from app.goals.definition import Goal
from app.queries import (
    column_day_labels,
    column_items,
    columnar,
    goal_report,
    goal_revenue,
    imported,
    page_engagement,
    rollup_reads,
)
from app.queries.filters import GOAL, row_condition
from app.queries.planner import ROLLUPS, Question, plan
from app.queries.scope import Scope, derive, event_value, metrics_query, rate, s, where
from app.queries.sealed_days import results_beside
from app.queries.summary import period_json
from app.storage.tables import events, sessions

SESSION_SORTS = ("visitors", "sessions", "pageviews", "bounce_rate", "avg_engagement_ms")
EVENT_SORTS = ("visitors", "count")
# With a goal filter every row also has these (`conversions` below).
GOAL_SORTS = ("total_visitors", "conversion_rate")
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
    engagement: bool = False,
) -> dict[str, Any]:
    """Rows per value, sorted and paged, with the period's totals (None when `totals` is
    False: the dashboard does not show them, and a filtered report pays a second scan).
    `engagement`: the page breakdown's rows (and totals) gain time_on_page and scroll_depth
    (app/queries/page_engagement.py), opt-in: it reads the period's engagement events."""
    rows, total, found = await _rows(conn, scope, dimension, totals)
    if engagement and dimension == "page":
        tallies = await page_engagement.tallies(conn, scope)
        for row in rows:
            row.update(tallies.get(row["value"], page_engagement.Tally()).metrics())
        if total is not None:
            total.update(page_engagement.site_wide(tallies))
    if any(f.dim == GOAL for f in scope.filters):
        # Plausible's goal filter: each row's converted visitors over all its visitors.
        others = replace(scope, filters=tuple(f for f in scope.filters if f.dim != GOAL))
        everyone, all_total, _ = await _rows(conn, others, dimension, totals)
        conversions(rows, total, everyone, all_total)
        if is_session_dimension(dimension):
            await _revenues(conn, scope, dimension, rows, total)
    key = sort or ("visitors" if is_session_dimension(dimension) else "count")
    rows.sort(key=lambda r: str(r["value"]))  # ties in a stable order: by value
    if key == "scroll_depth":  # pages without a reported depth sort below every depth
        rows.sort(key=lambda r: (r[key] is not None, r[key] or 0), reverse=descending)
    else:
        rows.sort(key=lambda r: r[key], reverse=descending)
    return found.mark(
        {
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
    )


async def _rows(
    conn: AsyncConnection, scope: Scope, dimension: str, totals: bool
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, imported.Found]:
    """Rows and totals, imported days included where the planner says they count."""
    question = Question("breakdown", dimension)
    if is_session_dimension(dimension):
        labelled, summed = await _by_session(conn, scope, dimension, totals)
        found = await imported.lookup(conn, question, scope)
        if found.used:
            labelled, summed = await _session_imported(conn, scope, found, labelled, summed)
        return _session_rows(labelled), _pick(summed), found
    rows, total = await _by_event(conn, scope, dimension, totals)
    found = await imported.lookup(conn, question, scope)
    if found.used:
        await _event_imported(conn, scope, found, rows, total)
    return rows, total, found


async def _session_imported(
    conn: AsyncConnection,
    scope: Scope,
    found: imported.Found,
    labelled: Iterable[tuple[Any, Any]],
    summed: Any,
) -> tuple[list[tuple[Any, Any]], Any]:
    extra = await imported.by_label(conn, scope.site_id, found)
    merged: dict[Any, Any] = dict(labelled)
    for value, counts in extra.items():
        merged[value] = imported.plus(merged.get(value), [counts])
    if summed is not None:
        summed = imported.plus(summed, extra.values())
    return list(merged.items()), summed


async def _event_imported(
    conn: AsyncConnection,
    scope: Scope,
    found: imported.Found,
    rows: list[dict[str, Any]],
    total: dict[str, Any],
) -> None:
    extra = await imported.by_label(conn, scope.site_id, found)
    by_value = {row["value"]: row for row in rows}
    for value, counts in extra.items():
        shown = "" if value is None else value
        row = by_value.get(shown)
        if row is None:
            row = by_value[shown] = {"value": shown, "visitors": 0, "count": 0}
            rows.append(row)
        row["visitors"] += counts.visitors
        row["count"] += counts.count
        total["visitors"] += counts.visitors
        total["count"] += counts.count


def conversions(
    rows: list[dict[str, Any]],
    total: dict[str, Any] | None,
    everyone: list[dict[str, Any]],
    all_total: dict[str, Any] | None,
) -> None:
    """Adds `total_visitors` (the row's visitors without the goal filter) and
    `conversion_rate` (its converted visitors over them, %) to each row and the totals."""
    of_value = {row["value"]: row["visitors"] for row in everyone}
    pairs = [(row, of_value.get(row["value"], 0)) for row in rows]
    if total is not None and all_total is not None:
        pairs.append((total, all_total["visitors"]))
    for row, whole in pairs:
        row["total_visitors"] = whole
        row["conversion_rate"] = rate(row["visitors"], whole)


async def _revenues(
    conn: AsyncConnection,
    scope: Scope,
    dimension: str,
    rows: list[dict[str, Any]],
    total: dict[str, Any] | None,
) -> None:
    """`total_revenue` and `average_revenue` ({currency: amount}, exact) of the goal's
    completions in each row's sessions and in all of them; a negated goal filter has no
    completions to sum, so its rows get none."""
    goal = next((f.goal for f in scope.filters if f.dim == GOAL and not f.negated), None)
    if goal is None or goal.kind != EVENT_GOAL:  # only custom events carry revenue
        return
    by_value = await _revenue_columns(conn, scope, dimension, goal)
    if by_value is None:
        by_value = await _revenue_sql(conn, scope, dimension, goal)
    for row in rows:
        sums = revenue.per_currency_counted(by_value.get(row["value"], []))
        row["total_revenue"], row["average_revenue"] = revenue.totals_and_averages(sums)
    if total is not None:
        everything = (counted for found in by_value.values() for counted in found)
        sums = revenue.per_currency_counted(everything)
        total["total_revenue"], total["average_revenue"] = revenue.totals_and_averages(sums)


Paid = dict[Any, list[tuple[str | None, str | None, int]]]  # value -> (currency, amount, n)


async def _revenue_columns(
    conn: AsyncConnection, scope: Scope, dimension: str, goal: Goal
) -> Paid | None:
    """The goal's amounts per value from the sealed hours' revenue rows, for the sessions the
    columns keep (app/queries/goal_revenue.py); None where the plan is not the columns'."""
    chosen = plan(Question("breakdown", dimension), scope)
    frame = await chosen.frame(conn, dims=[dimension], fields=("session",))
    if frame is None:
        return None
    if dimension == "visitor_type":
        labels: list[Any] = ["returning", "new"]
        group = frame.numbers("new")
    else:
        found = frame.labels(dimension)
        labels, group = found.labels, found.codes
    rows = await goal_revenue.rows_of(conn, scope.site_id, chosen.period)
    grouped = await columnar.off_loop(goal_revenue.per_group, rows, goal, frame, group)
    return {labels[code]: list(counted) for code, counted in grouped.items()}


async def _revenue_sql(conn: AsyncConnection, scope: Scope, dimension: str, goal: Goal) -> Paid:
    e = events.c
    value = _session_column(dimension).label("value")
    query = (
        select(value, e.revenue_currency, e.revenue_amount, func.count())
        .select_from(goal_report.JOINED)
        .where(goal_report.completing(scope, goal), e.revenue_amount.is_not(None))
        .group_by(value, e.revenue_currency, e.revenue_amount)
    )  # through ix_events_revenue; equal amounts grouped (revenue.per_currency_counted)
    by_value: Paid = {}
    for label, code, amount, n in await conn.execute(query):
        by_value.setdefault(label, []).append((code, amount, n))
    return by_value


def _session_column(dimension: str) -> ColumnElement[Any]:
    if dimension == "visitor_type":
        return case((s.new_visitor == literal(True), "new"), else_="returning")
    return s[SESSION_COLUMNS[dimension]]


async def _by_session(
    conn: AsyncConnection, scope: Scope, dimension: str, totals: bool = True
) -> tuple[list[tuple[Any, Any]], Any]:
    """Base counts per value and in total from the rollups (no filters), else from sealed
    hours' columns (session filters), else from a scan of the period's sessions."""
    chosen = plan(Question("breakdown", dimension), scope)
    if chosen.path == ROLLUPS:
        results = results_beside(scope.columns)
        found = await rollup_reads.by_value(conn, scope.site_id, scope.period, dimension, results)
        total = None
        if totals:
            total = await rollup_reads.totals(conn, scope.site_id, scope.period, results)
        return list(found.items()), total
    frame = await chosen.frame(conn, dims=[dimension])
    if (
        frame is not None
        and dimension != "visitor_type"
        and any(f.dim == GOAL for f in scope.filters)
    ):
        # A goal's completing sessions: each cached day's counts remembered with the day.
        key = tuple((f.dim, f.op, f.value) for f in scope.filters)
        counted = column_day_labels.by_label
        labelled, summed = await columnar.off_loop(counted, frame, dimension, totals, key)
        return list(labelled), summed
    if frame is not None:
        labelled, summed = await columnar.off_loop(columnar.by_label, frame, dimension, totals)
        return list(labelled), summed
    condition = where(await chosen.sql_scope(conn), scope.period.start, scope.period.end)
    query = metrics_query(condition, _session_column(dimension), visitor_types=False)
    rows = [(row.value, row) for row in await conn.execute(query)]
    if not totals:  # the exact totals are a second pass over the sessions
        return rows, None
    return rows, (await conn.execute(metrics_query(condition))).one()


def _session_rows(found: Iterable[tuple[Any, Any]]) -> list[dict[str, Any]]:
    return [{"value": label, **(_pick(counts) or {})} for label, counts in found]


def _pick(counts: Any) -> dict[str, Any] | None:
    """The breakdown's metrics of base counts (None stays None)."""
    if counts is None:
        return None
    metrics = derive(counts)
    return {m: metrics[m] for m in SESSION_SORTS}


async def _by_event(
    conn: AsyncConnection, scope: Scope, dimension: str, totals: bool = True
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows per name and their totals (without `totals` the rollups skip the totals' visitor
    union and leave 0: the response carries no totals then)."""
    chosen = plan(Question("breakdown", dimension), scope)
    if chosen.path == ROLLUPS:
        return await _by_event_rollups(conn, scope, dimension, totals)
    found = await column_items.by_item(conn, chosen, dimension)
    if found is not None:
        return found
    value, counted = event_value(dimension)
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
    query = select(value.label("value"), s.visitor_id).select_from(joined).where(condition)
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


async def _by_event_rollups(
    conn: AsyncConnection, scope: Scope, dimension: str, totals: bool
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    stored = "prop:" + dimension[5:] if dimension.startswith("prop:") else dimension
    results = results_beside(scope.columns)
    found, visitors = await rollup_reads.by_value_and_all(
        conn, scope.site_id, scope.period, stored, totals, results
    )
    counter = "pageviews" if dimension in ("page", "page_url") else "events"
    rows = [
        {"value": value if value is not None else "", "visitors": c.visitors,
         "count": getattr(c, counter)}
        for value, c in found.items()
        if getattr(c, counter)
    ]  # fmt: skip
    return rows, {"visitors": visitors or 0, "count": sum(row["count"] for row in rows)}


def _prop_value(props: str, key: str) -> str:
    return prop_value(json.loads(props).get(key))
