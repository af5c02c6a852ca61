"""Time series: session metrics per bucket (hour or day, in the site's zone), every bucket
present and zero-filled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries import columnar, imported, rollup_reads
from app.queries.period import Period
from app.queries.planner import ROLLUPS, Question, plan
from app.queries.scope import METRICS, Scope, bucket_of, derive, metrics_query, s, where
from app.queries.sealed_days import results_beside
from app.queries.summary import period_json


async def timeseries(
    conn: AsyncConnection, scope: Scope, metrics: Sequence[str] = METRICS
) -> dict[str, Any]:
    period: Period = scope.period
    question = Question("timeseries")
    counted = list(await _native(conn, scope, period, question))
    found = await imported.lookup(conn, question, scope)
    if found.used:
        extra = await imported.per_bucket(conn, scope.site_id, found, period)
        counted = [imported.plus(c, extra[i]) if i in extra else c for i, c in enumerate(counted)]
    return found.mark(_answer(period, metrics, counted))


async def _native(
    conn: AsyncConnection, scope: Scope, period: Period, question: Question
) -> Sequence[Any]:
    """Base counts per bucket, from the path the planner chose."""
    chosen = plan(question, scope)
    frame = await chosen.frame(conn)
    if frame is not None:
        return await columnar.off_loop(columnar.buckets, frame, period.bounds)
    if chosen.path == ROLLUPS:
        return await rollup_reads.buckets(
            conn, scope.site_id, period, results_beside(scope.columns)
        )
    bucket = bucket_of(s.start_ts, period.bounds)
    query = metrics_query(where(await chosen.sql_scope(conn), period.start, period.end), bucket)
    found = {row.value: row for row in await conn.execute(query)}
    return [found.get(i, _Zero()) for i in range(len(period.bounds) - 1)]


def _answer(period: Period, metrics: Sequence[str], counted: Sequence[Any]) -> dict[str, Any]:
    points = [
        {"bucket": label, **{m: derive(c)[m] for m in metrics}}
        for label, c in zip(period.labels(), counted, strict=True)
    ]
    return {"period": period_json(period), "metrics": list(metrics), "points": points}


class _Zero:
    visitors = sessions = pageviews = bounces = engagement_ms = 0
    new_visitors = returning_visitors = 0
