"""Retention: of the visitors first seen in each cohort period (a local day or week), the share
seen again k periods later.

A visitor's cohort is the start of their first session (the one marked new) inside the range;
filters select by that first session (e.g. `source==Google`: visitors Google brought). Their
later sessions count whatever they match. Periods are local days, or runs of 7 local days from
the range's first day, so a DST week is one period like any other. k = 0 is the cohort itself
(100%); the last cohorts have fewer later periods inside the range.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.period import Period, make_period
from app.queries.scope import Scope, bucket_of, s, where
from app.queries.summary import period_json
from app.storage.tables import sessions

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
    seen: dict[tuple[int, int], int] = {}
    for row in await conn.execute(query):
        seen[(row.cohort, row.active)] = row.n
    return {
        "period": period_json(period),
        "cohort": cohort,
        "cohorts": _cohorts(bounds, period, seen),
    }


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
