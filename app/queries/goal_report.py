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
from app.queries import column_goals
from app.queries.column_filters import on_columns
from app.queries.filters import goal_condition
from app.queries.planner import Question, plan
from app.queries.scope import Scope, rate, s, where
from app.queries.summary import metrics_for, period_json
from app.storage.tables import events, sessions


async def goal_report(conn: AsyncConnection, scope: Scope, goals: Sequence[Goal]) -> dict[str, Any]:
    everyone = (await metrics_for(conn, scope, scope.period))["visitors"]
    counted, sold = await _counts(conn, scope, goals)
    results: list[dict[str, Any]] = []
    for goal in goals:
        visitors, completions = counted[goal.name]
        # Only custom events carry revenue: page and scroll goals pay no second read; the
        # columns' answer already holds theirs (column_goals.goal_counts).
        paid = sold.get(goal.name, {})
        if goal.kind == EVENT and goal.name not in sold:
            paid = await _revenue(conn, scope, goal)
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


async def _counts(
    conn: AsyncConnection, scope: Scope, goals: Sequence[Goal]
) -> tuple[dict[str, tuple[int, int]], column_goals.Paid]:
    """goal name -> (visitors, completions): page, scroll and plain event goals from the sealed
    columns where the planner says so, the rest (and a declined plan) in SQL, one plan each;
    and the revenue of the event goals the columns answered."""
    found: dict[str, tuple[int, int]] = {}
    paid: column_goals.Paid = {}
    on_items = tuple(goal for goal in goals if on_columns(goal))
    for part in (on_items, tuple(goal for goal in goals if not on_columns(goal))):
        if not part:
            continue
        chosen = plan(Question("goals", goals=part), scope)
        answered = await column_goals.goal_counts(conn, chosen, part)
        if answered is None:
            sql_scope = await chosen.sql_scope(conn)
            counted = {goal.name: await _completions(conn, sql_scope, goal) for goal in part}
        else:
            counted, sold = answered
            paid.update(sold)
        found.update(counted)
    return found, paid


async def _completions(conn: AsyncConnection, scope: Scope, goal: Goal) -> tuple[int, int]:
    query = select(func.count(func.distinct(s.visitor_id)), func.count()).select_from(JOINED)
    visitors, completions = (await conn.execute(query.where(completing(scope, goal)))).one()
    return int(visitors or 0), int(completions or 0)


async def _revenue(
    conn: AsyncConnection, scope: Scope, goal: Goal
) -> dict[str, tuple[Decimal, int]]:
    """Exact sums per currency: the amounts are read as text and summed as Decimals (SQLite's
    SUM over text would be a float)."""
    e = events.c
    query = (
        select(e.revenue_currency, e.revenue_amount, func.count())
        .select_from(JOINED)
        .where(completing(scope, goal), e.revenue_amount.is_not(None))
        .group_by(e.revenue_currency, e.revenue_amount)
    )  # through ix_events_revenue: the few events that carry an amount, equal ones grouped
    return revenue.per_currency_counted((c, a, n) for c, a, n in await conn.execute(query))
