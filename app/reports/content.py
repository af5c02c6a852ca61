"""A report's figures, from the same query functions the dashboard's API calls (summary,
breakdowns, the goal report, the timeseries): KPIs with the change against the period before,
top pages, sources, countries, goals, and visitors per day for the chart."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.goals.store import list_goals
from app.queries.breakdown import breakdown
from app.queries.column_cache import ColumnCache
from app.queries.goal_report import goal_report
from app.queries.period import make_period
from app.queries.scope import Scope
from app.queries.summary import summary
from app.queries.timeseries import timeseries
from app.reports.schedule import MONTHLY
from app.sites.model import Site

KPIS = ("visitors", "pageviews", "bounce_rate", "avg_engagement_ms")
TOP = 5


async def gather(
    conn: AsyncConnection, site: Site, interval: str, start: int, end: int,
    columns: ColumnCache | None = None,
) -> dict[str, Any]:  # fmt: skip
    period = make_period(start, end, site.timezone, "day")
    # Compared as the dashboard compares: a calendar month with the month before, a week with
    # the 7 local days before.
    period = replace(period, months=1) if interval == MONTHLY else replace(period, days=7)
    scope = Scope(site.id, period, columns=columns)
    headline = await summary(conn, scope)
    tables = {}
    for name, dimension in (("pages", "page"), ("sources", "source"), ("countries", "country")):
        found = await breakdown(conn, scope, dimension, sort="visitors", limit=TOP, totals=False)
        tables[name] = [{"value": row["value"], "visitors": row["visitors"]}
                        for row in found["results"]]  # fmt: skip
    goals = await list_goals(conn, site.id)
    report = await goal_report(conn, scope, goals) if goals else {"results": []}
    series = await timeseries(conn, scope, ["visitors"])
    return {
        "period": {"start_ms": start, "end_ms": end, "labels": period.labels()},
        "kpis": {k: headline["metrics"][k] for k in KPIS},
        **tables,
        "goals": [
            {"goal": g["goal"], "visitors": g["visitors"], "conversion_rate": g["conversion_rate"]}
            for g in report["results"]
        ],  # fmt: skip
        "days": [(p["bucket"][:10], p["visitors"]) for p in series["points"]],
    }
