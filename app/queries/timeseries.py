"""Time series: session metrics per bucket (hour or day, in the site's zone), every bucket
present and zero-filled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries import columnar, rollup_reads
from app.queries.period import Period
from app.queries.planner import ROLLUPS, Question, plan
from app.queries.scope import METRICS, Scope, bucket_of, derive, metrics_query, s, where
from app.queries.summary import period_json


async def timeseries(
    conn: AsyncConnection, scope: Scope, metrics: Sequence[str] = METRICS
) -> dict[str, Any]:
    period: Period = scope.period
    chosen = plan(Question("timeseries"), scope)
    frame = await chosen.frame(conn)
    if frame is not None:
        counted = await columnar.off_loop(columnar.buckets, frame, period.bounds)
        return _answer(period, metrics, counted)
    if chosen.path == ROLLUPS:
        return _answer(period, metrics, await rollup_reads.buckets(conn, scope.site_id, period))
    bucket = bucket_of(s.start_ts, period.bounds)
    query = metrics_query(where(await chosen.sql_scope(conn), period.start, period.end), bucket)
    found = {row.value: derive(row) for row in await conn.execute(query)}
    empty = derive(_Zero())
    points = []
    for i, label in enumerate(period.labels()):
        values = found.get(i, empty)
        points.append({"bucket": label, **{m: values[m] for m in metrics}})
    return {"period": period_json(period), "metrics": list(metrics), "points": points}


def _answer(period: Period, metrics: Sequence[str], counted: Sequence[Any]) -> dict[str, Any]:
    points = [
        {"bucket": label, **{m: derive(c)[m] for m in metrics}}
        for label, c in zip(period.labels(), counted, strict=True)
    ]
    return {"period": period_json(period), "metrics": list(metrics), "points": points}


class _Zero:
    visitors = sessions = pageviews = bounces = engagement_ms = 0
    new_visitors = returning_visitors = 0
