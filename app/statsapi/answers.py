"""The four questions of Plausible's Stats API, each asked of Pulse's own report code.

Every number comes from `app/queries` (summary, timeseries, breakdown, the original stats'
average session duration, the live window's active-now): this module picks the query, names
its metrics as Plausible does and shapes the answer. Functions return plain dicts so response
schemas can be attached to them later (app/api/openapi.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.reports import scope_for, with_goals
from app.queries.breakdown import breakdown
from app.queries.filters import GOAL
from app.queries.history import first_local_day
from app.queries.legacy_stats import avg_session_seconds
from app.queries.period import PeriodError, previous
from app.queries.scope import Scope, rate
from app.queries.summary import metrics_for, summary
from app.queries.timeseries import timeseries
from app.runtime import Runtime
from app.sites.model import Site
from app.statsapi.filters import Translated, page_pattern_passes
from app.statsapi.periods import Range
from app.statsapi.vocabulary import (
    CONVERSION_RATE,
    SESSION_METRICS,
    VISIT_DURATION,
    Property,
    StatsApiError,
    unsupported_metric,
)

ALL_ROWS = 1 << 30  # a page breakdown under page patterns is paged after its rows are kept


@dataclass(frozen=True)
class Asked:
    """A translated question: the Pulse scope, and the filters as they were translated."""

    scope: Scope
    filters: Translated

    @property
    def has_goal(self) -> bool:
        return any(f.dim == GOAL for f in self.filters.filters)


async def asked(
    rt: Runtime,
    site: Site,
    found: Range,
    filters: Translated,
    compare: bool,
    period_field: str,
) -> Asked:
    """The scope `reports.answer` would build for the same Pulse parameters, with the goals
    named in the filters resolved and the page patterns (goals already) added after."""
    first_day = await first_local_day(rt.engine, site) if found.name == "all" else None
    try:
        scope = scope_for(site, found.values(compare), first_day)
    except PeriodError as exc:
        field = "interval" if exc.field == "interval" else period_field
        raise StatsApiError(str(exc), field) from None
    scope = await with_goals(replace(scope, filters=tuple(filters.filters)))
    return Asked(replace(scope, filters=(*scope.filters, *filters.patterns)), filters)


def percent_change(name: str, now: float, before: float) -> float | None:
    """Plausible's `change`: whole percent (100 from nothing, 0 from nothing to nothing); the
    bounce rate's is the difference in points."""
    if name == "bounce_rate":
        return round(now - before, 1) if before else None
    if not before:
        return 100 if now else 0
    return round(100 * (now - before) / before)


async def aggregate_values(
    conn: AsyncConnection, question: Asked, metrics: list[str], compare: bool
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Each metric's value in the period (and the period before, with `compare`)."""
    scope = question.scope
    found = await summary(conn, scope, compare=compare)
    now = {n: e["value"] for n, e in found["metrics"].items()}
    before = {n: e["previous"] for n, e in found["metrics"].items()} if compare else None
    out: dict[str, Any] = {}
    prior: dict[str, Any] = {}
    for name in metrics:
        if name in SESSION_METRICS:
            out[name] = now[SESSION_METRICS[name]]
            if before is not None:
                prior[name] = before[SESSION_METRICS[name]]
        elif name == VISIT_DURATION:
            out[name] = await avg_session_seconds(conn, scope)
            if compare:
                earlier = replace(scope, period=previous(scope.period))
                prior[name] = await avg_session_seconds(conn, earlier)
        elif name == CONVERSION_RATE:
            out[name] = await _conversion_rate(conn, question, now["visitors"], scope)
            if before is not None:
                earlier = replace(scope, period=previous(scope.period))
                prior[name] = await _conversion_rate(conn, question, before["visitors"], earlier)
        else:
            raise unsupported_metric(name, "by Pulse in aggregates")
    return out, (prior if compare else None)


async def _conversion_rate(
    conn: AsyncConnection, question: Asked, converted: int, scope: Scope
) -> float:
    """Visitors who completed the goal over all visitors (the other filters kept), as the
    breakdown's conversion rate (app/queries/breakdown.conversions)."""
    if not question.has_goal:
        raise StatsApiError("conversion_rate needs an event:goal filter", "metrics")
    others = replace(scope, filters=tuple(f for f in scope.filters if f.dim != GOAL))
    everyone = await metrics_for(conn, others, others.period)
    return rate(converted, everyone["visitors"])


def aggregate_v1(
    metrics: list[str], now: dict[str, Any], before: dict[str, Any] | None
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name in metrics:
        entry: dict[str, Any] = {"value": now[name]}
        if before is not None:
            entry["change"] = percent_change(name, now[name], before[name])
        results[name] = entry
    return {"results": results}


def pulse_series_metrics(metrics: list[str]) -> list[str]:
    for name in metrics:
        if name not in SESSION_METRICS:
            raise unsupported_metric(name, "per time bucket (aggregate has visit_duration)")
    return [SESSION_METRICS[m] for m in metrics]


def bucket_label(label: str, interval: str) -> str:
    """Pulse's local ISO bucket start as Plausible writes it: a date, or `YYYY-MM-DD HH:00:00`."""
    if interval == "hour":
        return label[:19].replace("T", " ")
    return label[:10]


async def series_points(
    conn: AsyncConnection, scope: Scope, metrics: list[str]
) -> list[dict[str, Any]]:
    """[{"date": label, metric: value, ...}] for every bucket of the period."""
    pulse = pulse_series_metrics(metrics)
    found = await timeseries(conn, scope, pulse)
    interval = scope.period.interval
    return [
        {"date": bucket_label(point["bucket"], interval)}
        | {name: point[p] for name, p in zip(metrics, pulse, strict=True)}
        for point in found["points"]
    ]


def breakdown_fields(prop: Property, metrics: list[str], has_goal: bool) -> list[str]:
    """The Pulse breakdown row field behind each metric, for this property's grain."""
    fields = []
    for name in metrics:
        if name == CONVERSION_RATE and has_goal:
            fields.append("conversion_rate")
        elif name == "visitors":
            fields.append("visitors")
        elif prop.session_grain and name in ("visits", "pageviews", "bounce_rate"):
            fields.append({"visits": "sessions"}.get(name, name))
        elif prop.dimension == "page" and name == "pageviews":
            fields.append("count")  # page views of the page
        elif prop.dimension != "page" and not prop.session_grain and name == "events":
            fields.append("count")  # custom events (with the property)
        else:
            grain = "visit" if prop.session_grain else "event"
            raise unsupported_metric(name, f"in a breakdown by {prop.name} ({grain} grain)")
    return fields


async def breakdown_rows(
    conn: AsyncConnection,
    question: Asked,
    prop: Property,
    metrics: list[str],
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Rows as {value, Pulse fields...} sorted by the first metric, paged; and the row count."""
    fields = breakdown_fields(prop, metrics, question.has_goal)
    patterns = question.filters.patterns
    on_pages = prop.dimension == "page" and bool(patterns)
    found = await breakdown(
        conn,
        question.scope,
        prop.dimension,
        sort=fields[0],
        limit=ALL_ROWS if on_pages else limit,
        offset=0 if on_pages else offset,
        totals=False,
    )
    rows: list[dict[str, Any]] = found["results"]
    total = found["total_rows"]
    if on_pages:
        rows = [r for r in rows if page_pattern_passes(patterns, r["value"])]
        total = len(rows)
        rows = rows[offset : offset + limit]
    named = [
        {"value": r["value"]} | dict(zip(metrics, (r[f] for f in fields), strict=True))
        for r in rows
    ]
    return named, total


def breakdown_v1(prop: Property, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "results": [
            {prop.key: r["value"]} | {k: v for k, v in r.items() if k != "value"} for r in rows
        ]
    }
