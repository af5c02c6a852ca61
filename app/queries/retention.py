"""Retention: of the visitors first seen in each cohort period (a local day or week), the share
seen again k periods later.

A visitor's cohort is the start of their first session (the one marked new) inside the range;
filters select by that first session (e.g. `source==Google`: visitors Google brought). Their
later sessions count whatever they match. Periods are local days, or runs of 7 local days from
the range's first day, so a DST week is one period like any other. k = 0 is the cohort itself
(100%); the last cohorts have fewer later periods inside the range.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import Any

from sqlalchemy import and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import DAY_MS
from app.queries import columnar
from app.queries.period import Period, make_period
from app.queries.planner import ROLLUPS, Question, plan
from app.queries.scope import Scope, bucket_of, s, where
from app.queries.summary import period_json
from app.storage import sketches
from app.storage.tables import retention_days, sessions

COHORTS = ("day", "week")


def cohort_bounds(period: Period, cohort: str) -> tuple[int, ...]:
    daily = make_period(period.start, period.end, period.tz, "day").bounds
    if cohort == "day":
        return daily
    weekly = daily[::7]
    return weekly if weekly[-1] == daily[-1] else (*weekly, daily[-1])


async def retention(conn: AsyncConnection, scope: Scope, cohort: str = "week") -> dict[str, Any]:
    period = scope.period
    bounds = cohort_bounds(period, cohort)
    chosen = plan(Question("retention", cohort_bounds=bounds), scope)
    if chosen.path == ROLLUPS:
        seen = await _from_rollups(conn, scope.site_id, bounds)
        return {
            "period": period_json(period),
            "cohort": cohort,
            "cohorts": _cohorts(bounds, period, seen),
        }
    first = await chosen.frame(conn, fields=("visitor", "new"))
    everyone = first if not scope.filters else None
    if first is not None and scope.filters:
        unfiltered = replace(scope, filters=())
        everyone = await chosen.frame(conn, unfiltered, fields=("visitor",))
    if first is not None and everyone is not None:
        return {
            "period": period_json(period),
            "cohort": cohort,
            "cohorts": _cohorts(
                bounds,
                period,
                await columnar.off_loop(columnar.retention_cells, first, everyone, bounds),
            ),
        }
    scope = await chosen.sql_scope(conn)
    firsts = (
        select(s.visitor_id.label("visitor_id"), func.min(s.start_ts).label("first_ts"))
        .where(where(scope, period.start, period.end), s.new_visitor == literal(True))
        .group_by(s.visitor_id)
        .subquery()
    )
    later = sessions.alias("later")
    cohort_of = bucket_of(firsts.c.first_ts, bounds).label("cohort")
    active = bucket_of(later.c.start_ts, bounds).label("active")
    query = (
        select(cohort_of, active, func.count(func.distinct(later.c.visitor_id)).label("n"))
        .select_from(
            firsts.join(
                later,
                and_(
                    later.c.site_id == scope.site_id,
                    later.c.visitor_id == firsts.c.visitor_id,
                    later.c.start_ts >= firsts.c.first_ts,
                    later.c.start_ts < period.end,
                ),
            )
        )
        .group_by(cohort_of, active)
    )
    seen = {}
    for row in await conn.execute(query):
        seen[(row.cohort, row.active)] = row.n
    return {
        "period": period_json(period),
        "cohort": cohort,
        "cohorts": _cohorts(bounds, period, seen),
    }


async def _from_rollups(
    conn: AsyncConnection, site_id: int, bounds: tuple[int, ...]
) -> dict[tuple[int, int], int]:
    """The same counts from retention_days (cohort periods made of whole UTC days): each
    (cohort, later period) cell is the union of its first-day x active-day sketches."""
    first, end = bounds[0] // DAY_MS, bounds[-1] // DAY_MS
    period_of = {}
    for i, (a, b) in enumerate(pairwise(bounds)):
        for day in range(a // DAY_MS, b // DAY_MS):
            period_of[day] = i
    r = retention_days.c
    query = select(r.first_day, r.active_day, r.visitors).where(
        r.site_id == site_id,
        r.first_day >= first,
        r.first_day < end,
        r.active_day >= first,
        r.active_day < end,
    )
    unions: dict[tuple[int, int], sketches.Union] = {}
    for first_day, active_day, blob in await conn.execute(query):
        cell = (period_of[first_day], period_of[active_day])
        unions.setdefault(cell, sketches.Union()).add(blob)
    return {cell: union.estimate() for cell, union in unions.items()}


def _cohorts(
    bounds: tuple[int, ...], period: Period, seen: dict[tuple[int, int], int]
) -> list[dict[str, Any]]:
    daily = make_period(period.start, period.end, period.tz, "day")
    by_start = dict(zip(daily.bounds, daily.labels(), strict=False))
    out = []
    periods = len(bounds) - 1
    for c in range(periods):
        size = seen.get((c, c), 0)  # every cohort visitor is active in their own period
        later = []
        for k in range(periods - c):
            n = seen.get((c, c + k), 0)
            share = round(100 * n / size, 1) if size else 0
            later.append({"k": k, "visitors": n, "share": share})
        out.append(
            {
                "cohort": by_start[bounds[c]],
                "start_ms": bounds[c],
                "visitors": size,
                "retention": later,
            }
        )
    return out
