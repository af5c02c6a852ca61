"""The goal report: per goal, the visitors who completed it in the period (under the other
filters), its completions, and the conversion rate — those visitors over all the period's
visitors, in percent. A completion belongs to the session it happened in, and a session to the
period it starts in (as every report counts). Goals are definitions, so the past counts too.

Revenue: the completions' amounts summed exactly per currency (app/revenue.py), with their
mean over the completions that carried one: `revenue: [{currency, total, average, events}]`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app import revenue
from app.goals.definition import EVENT, Goal
from app.queries.filters import goal_condition
from app.queries.planner import Question, plan
from app.queries.scope import Scope, rate, s, where
from app.queries.summary import metrics_for, period_json
from app.storage.tables import events, sessions


async def goal_report(conn: AsyncConnection, scope: Scope, goals: Sequence[Goal]) -> dict[str, Any]:
    everyone = (await metrics_for(conn, scope, scope.period))["visitors"]
    chosen = plan(Question("goals"), scope)
    sql_scope = await chosen.sql_scope(conn)
    results: list[dict[str, Any]] = []
    for goal in goals:
        visitors, completions = await _completions(conn, sql_scope, goal)
        # Only custom events carry revenue: page and scroll goals pay no second scan.
        paid = await _revenue(conn, sql_scope, goal) if goal.kind == EVENT else {}
        results.append(
            {
                "goal": goal.name,
                "id": goal.id,
                "kind": goal.kind,
                "visitors": visitors,
                "events": completions,
                "conversion_rate": rate(visitors, everyone),
                "revenue": revenue.as_list(paid),
            }
        )
    results.sort(key=lambda r: (-r["visitors"], r["goal"]))
    return {"period": period_json(scope.period), "total_visitors": everyone, "results": results}


def completing(scope: Scope, goal: Goal) -> ColumnElement[bool]:
    """The events completing `goal` in the sessions of `scope` (join `events` to `sessions`)."""
    period = scope.period
    e = events.c
    return and_(
        e.site_id == scope.site_id,
        e.ts >= period.start,  # a session's events come after its start
        goal_condition(goal),
        where(scope, period.start, period.end),
    )


JOINED = events.join(sessions, s.session_id == events.c.session_id)


async def _completions(conn: AsyncConnection, scope: Scope, goal: Goal) -> tuple[int, int]:
    e = events.c
    query = select(func.count(func.distinct(e.visitor_id)), func.count()).select_from(JOINED)
    visitors, completions = (await conn.execute(query.where(completing(scope, goal)))).one()
    return int(visitors or 0), int(completions or 0)


async def _revenue(
    conn: AsyncConnection, scope: Scope, goal: Goal
) -> dict[str, tuple[Decimal, int]]:
    """Exact sums per currency: the amounts are read as text and summed as Decimals (SQLite's
    SUM over text would be a float)."""
    e = events.c
    query = (
        select(e.revenue_currency, e.revenue_amount)
        .select_from(JOINED)
        .where(completing(scope, goal), e.revenue_amount.is_not(None))
    )
    return revenue.per_currency((code, amount) for code, amount in await conn.execute(query))
