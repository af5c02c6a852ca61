"""Time series: session metrics per bucket (hour or day, in the site's zone), every bucket
present and zero-filled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries import columnar, rollup_reads
from app.queries.period import HOUR_MS, Period
from app.queries.scope import METRICS, Scope, bucket_of, derive, metrics_query, s, where
from app.queries.summary import period_json


async def timeseries(
    conn: AsyncConnection, scope: Scope, metrics: Sequence[str] = METRICS
) -> dict[str, Any]:
    period: Period = scope.period
    # Buckets cut inside UTC hours (the local days of a +5:30 zone) would each roll two
    # part-hours up from sessions (~1 s for 30 days at 10M events): sealed columns (~0.2 s) first.
    part_hours = sum(1 for bound in period.bounds[1:-1] if bound % HOUR_MS)
    rollups = rollup_reads.usable_with_edges(scope, buckets=True)
    if rollups and not part_hours:
        return _answer(period, metrics, await rollup_reads.buckets(conn, scope.site_id, period))
    frame = await columnar.load(conn, scope, period)
    if frame is not None:
        counted = await columnar.off_loop(columnar.buckets, frame, period.bounds)
        return _answer(period, metrics, counted)
    if rollups:
        return _answer(period, metrics, await rollup_reads.buckets(conn, scope.site_id, period))
    bucket = bucket_of(s.start_ts, period.bounds)
    query = metrics_query(where(scope, period.start, period.end), bucket)
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
