"""Summary: the headline metrics over a period, each with the previous period's value."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries import columnar, imported, page_engagement, rollup_reads
from app.queries.period import Period, previous
from app.queries.planner import ROLLUPS, Question, plan
from app.queries.scope import METRICS, Scope, derive, metrics_query, where
from app.queries.sealed_days import results_beside


async def metrics_for(conn: AsyncConnection, scope: Scope, period: Period) -> dict[str, Any]:
    return (await measured(conn, scope, period))[0]


async def measured(
    conn: AsyncConnection, scope: Scope, period: Period
) -> tuple[dict[str, Any], imported.Found]:
    """The period's metrics, imported days included where they count, and how they did."""
    question = Question("summary", period=period)
    counts = await _native(conn, scope, period, question)
    found = await imported.lookup(conn, question, scope, period)
    if found.used:
        counts = imported.plus(counts, await imported.totals(conn, scope.site_id, found))
    return derive(counts), found


async def _native(conn: AsyncConnection, scope: Scope, period: Period, question: Question) -> Any:
    chosen = plan(question, scope)
    if chosen.path == ROLLUPS:
        return await rollup_reads.totals(conn, scope.site_id, period, results_beside(scope.columns))
    frame = await chosen.frame(conn)
    if frame is not None:
        return await columnar.off_loop(columnar.totals, frame)
    query = metrics_query(where(await chosen.sql_scope(conn), period.start, period.end))
    return (await conn.execute(query)).one()


def change(current: float, before: float) -> float | None:
    """Percent change; None when there is nothing to compare with (0 before)."""
    if not before:
        return None
    return round(100 * (current - before) / before, 1)


async def summary(
    conn: AsyncConnection, scope: Scope, compare: bool = True, engagement: bool = False
) -> dict[str, Any]:
    """`engagement`: also the site-wide time_on_page and scroll_depth (opt-in: they read the
    period's engagement events)."""
    current, found = await measured(conn, scope, scope.period)
    answer: dict[str, Any] = {"period": period_json(scope.period), "metrics": {}}
    before: dict[str, Any] | None = None
    if compare:
        prior = previous(scope.period)
        before, found_before = await measured(conn, scope, prior)
        answer["previous_period"] = period_json(prior)
        found = found if found.used or found.excluded or not found_before.days else found_before
    names: tuple[str, ...] = METRICS
    if engagement:
        names = (*METRICS, *page_engagement.METRICS)
        current.update(await _engagement(conn, scope, scope.period))
        if before is not None:
            before.update(await _engagement(conn, scope, previous(scope.period)))
    for name in names:
        entry: dict[str, Any] = {"value": current[name]}
        if before is not None:
            entry["previous"] = before[name]
            entry["change"] = change(current[name] or 0, before[name] or 0)
        answer["metrics"][name] = entry
    return found.mark(answer)


async def _engagement(conn: AsyncConnection, scope: Scope, period: Period) -> dict[str, Any]:
    tallies = await page_engagement.tallies(conn, replace(scope, period=period))
    return page_engagement.site_wide(tallies)


def period_json(period: Period) -> dict[str, Any]:
    labels = period.labels()
    return {
        "from": labels[0] if labels else None,
        "start_ms": period.start,
        "end_ms": period.end,
        "interval": period.interval,
        "timezone": period.tz,
        "partial": period.partial,  # now falls inside: the last bucket is unfinished
        "until_ms": period.until if period.partial else None,
    }
