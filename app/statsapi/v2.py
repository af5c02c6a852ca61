"""Plausible's v2 query (`POST /api/v2/query`): the body read into a `Query`, answered by the
same aggregate / timeseries / breakdown code as v1 (app/statsapi/answers.py), returned as
`{"results": [{"metrics": [...], "dimensions": [...]}], "meta": {...}, "query": {...}}`.

Pulse answers one dimension at a time: none (an aggregate), one property (a breakdown) or one
time dimension (a series; buckets without sessions are left out, as Plausible does, unless
`include.time_labels` asks for every label in `meta`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.period import Period
from app.queries.timeseries import timeseries
from app.statsapi import answers
from app.statsapi.filters import Translated, v2_filters
from app.statsapi.periods import Range, v2_range
from app.statsapi.vocabulary import (
    GOAL_PROPERTY,
    Property,
    StatsApiError,
    metric_names,
    property_of,
)

KEYS = (
    "site_id",
    "metrics",
    "date_range",
    "dimensions",
    "filters",
    "order_by",
    "pagination",
    "include",
)
TIME_DIMENSIONS = {
    "time": None,
    "time:hour": "hour",
    "time:day": "day",
    "time:week": "week",
    "time:month": "month",
}
INCLUDE = ("total_rows", "time_labels", "imports")
DEFAULT_LIMIT = 10_000


@dataclass(frozen=True)
class Query:
    body: dict[str, Any]
    metrics: list[str]
    range: Range
    filters: Translated
    prop: Property | None = None
    time: str | None = None  # the time dimension's name
    order: tuple[str, bool] | None = None  # (metric or dimension, descending)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    include: dict[str, bool] = field(default_factory=dict)

    @property
    def dimensions(self) -> list[str]:
        if self.prop is not None:
            return [self.prop.name]
        return [self.time] if self.time is not None else []


def parse(body: dict[str, Any], today: Any) -> Query:
    unknown = sorted(set(body) - set(KEYS))
    if unknown:
        raise StatsApiError(
            f"unknown query key {unknown[0]!r}; keys: {', '.join(KEYS)}", unknown[0]
        )
    if "metrics" not in body:
        raise StatsApiError("metrics is required", "metrics")
    if "date_range" not in body:
        raise StatsApiError("date_range is required", "date_range")
    metrics = metric_names(body["metrics"])
    found = v2_range(body["date_range"], today)
    prop, time = _dimension(body.get("dimensions", []))
    if time is not None:
        found = replace(found, interval=TIME_DIMENSIONS[time])
    limit, offset = _pagination(body.get("pagination", {}))
    query = Query(
        body,
        metrics,
        found,
        v2_filters(body.get("filters")),
        prop,
        time,
        limit=limit,
        offset=offset,
        include=_include(body.get("include", {}), time),
    )
    return replace(query, order=_order(body.get("order_by"), query))


def _dimension(raw: object) -> tuple[Property | None, str | None]:
    if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
        raise StatsApiError("dimensions must be a list of names", "dimensions")
    if len(raw) > 1:
        raise StatsApiError("Pulse answers one dimension per query", "dimensions")
    if not raw:
        return None, None
    name = raw[0]
    if name in TIME_DIMENSIONS:
        return None, name
    if name == GOAL_PROPERTY:
        raise StatsApiError("event:goal as a dimension: use Pulse's goal report", "dimensions")
    return property_of(name, "dimensions"), None


def _pagination(raw: object) -> tuple[int, int]:
    if not isinstance(raw, dict) or set(raw) - {"limit", "offset"}:
        raise StatsApiError("pagination is {limit, offset}", "pagination")
    limit, offset = raw.get("limit", DEFAULT_LIMIT), raw.get("offset", 0)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= DEFAULT_LIMIT:
        raise StatsApiError(f"pagination.limit must be 1 to {DEFAULT_LIMIT}", "pagination")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise StatsApiError("pagination.offset must be 0 or more", "pagination")
    return limit, offset


def _include(raw: object, time: str | None) -> dict[str, bool]:
    if not isinstance(raw, dict):
        raise StatsApiError("include must be an object", "include")
    for key, value in raw.items():
        if key not in INCLUDE or not isinstance(value, bool):
            raise StatsApiError(
                f"include.{key}: one of {', '.join(INCLUDE)}, true/false", "include"
            )
    if raw.get("imports"):
        raise StatsApiError("include.imports: Pulse has no imported stats", "include")
    if raw.get("time_labels") and time is None:
        raise StatsApiError("include.time_labels needs a time dimension", "include")
    return {k: bool(v) for k, v in raw.items()}


def _order(raw: object, query: Query) -> tuple[str, bool] | None:
    if raw is None:
        return None
    ok = isinstance(raw, list) and all(
        isinstance(o, list) and len(o) == 2 and o[1] in ("asc", "desc") for o in raw
    )
    if not ok:
        raise StatsApiError('order_by is a list of [name, "asc" | "desc"]', "order_by")
    assert isinstance(raw, list)
    if len(raw) > 1:
        raise StatsApiError("Pulse orders by one metric or dimension", "order_by")
    if not raw:
        return None
    name, direction = raw[0]
    if name not in (*query.metrics, *query.dimensions):
        raise StatsApiError(f"order_by {name!r} is not in metrics or dimensions", "order_by")
    if query.prop is None and query.time is None:
        raise StatsApiError("order_by needs a dimension", "order_by")
    if query.time is not None and name != query.time:
        raise StatsApiError("a time series is ordered by its time dimension", "order_by")
    return name, direction == "desc"


async def answer(conn: AsyncConnection, question: answers.Asked, query: Query) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if query.prop is not None:
        results = await _breakdown(conn, question, query, meta)
    elif query.time is not None:
        results = await _series(conn, question, query, meta)
    else:
        now, _ = await answers.aggregate_values(conn, question, query.metrics, False)
        results = [{"metrics": [now[m] for m in query.metrics], "dimensions": []}]
    return {"results": results, "meta": meta, "query": echo(query, question.scope.period)}


async def _breakdown(
    conn: AsyncConnection, question: answers.Asked, query: Query, meta: dict[str, Any]
) -> list[dict[str, Any]]:
    assert query.prop is not None
    metrics = query.metrics
    by_value = query.order is not None and query.order[0] == query.prop.name
    if query.order is not None and not by_value:  # the first metric leads Pulse's sort
        metrics = [query.order[0], *[m for m in query.metrics if m != query.order[0]]]
    limit, offset = (
        (answers.ALL_ROWS, 0) if by_value or query.order else (query.limit, query.offset)
    )
    rows, total = await answers.breakdown_rows(conn, question, query.prop, metrics, limit, offset)
    if query.order is not None:
        key = "value" if by_value else query.order[0]
        rows.sort(key=lambda r: (r[key] is not None, r[key] or 0), reverse=query.order[1])
        rows = rows[query.offset : query.offset + query.limit]
    if query.include.get("total_rows"):
        meta["total_rows"] = total
    return [{"metrics": [r[m] for m in query.metrics], "dimensions": [r["value"]]} for r in rows]


async def _series(
    conn: AsyncConnection, question: answers.Asked, query: Query, meta: dict[str, Any]
) -> list[dict[str, Any]]:
    pulse = answers.pulse_series_metrics(query.metrics)
    found = await timeseries(conn, question.scope, [*pulse, "sessions"])
    interval = question.scope.period.interval
    labelled = [(answers.bucket_label(p["bucket"], interval), p) for p in found["points"]]
    if query.include.get("time_labels"):
        meta["time_labels"] = [label for label, _ in labelled]
    kept = [
        {"metrics": [p[m] for m in pulse], "dimensions": [label]}
        for label, p in labelled
        if p["sessions"]
    ]
    if query.order is not None and query.order[1]:
        kept.reverse()
    if query.include.get("total_rows"):
        meta["total_rows"] = len(kept)
    return kept[query.offset : query.offset + query.limit]


def echo(query: Query, period: Period) -> dict[str, Any]:
    """The query as answered: the date range resolved to the period's local bounds."""
    zone = ZoneInfo(period.tz)
    end = period.until if period.partial and period.until is not None else period.end
    bounds = [
        datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).isoformat()
        for ms in (period.start, end)
    ]
    out = {
        "site_id": query.body["site_id"],
        "metrics": query.metrics,
        "date_range": bounds,
        "dimensions": query.dimensions,
        "filters": query.body.get("filters", []),
        "order_by": [[query.order[0], "desc" if query.order[1] else "asc"]]
        if query.order
        else None,
        "include": query.include,
        "pagination": {"limit": query.limit, "offset": query.offset},
    }
    return out
