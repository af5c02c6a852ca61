"""The `goals` table: list, add, remove, find by name. A name is unique per site (the filter
`goal==Name` names it)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.goals.definition import Goal, GoalError
from app.storage.tables import goals

g = goals.c


def _goal(row: Any) -> Goal:
    return Goal(
        row.name, row.kind, row.page, row.event, row.prop_key, row.prop_value, row.scroll, row.id
    )


async def list_goals(conn: AsyncConnection, site_id: int) -> list[Goal]:
    query = select(goals).where(g.site_id == site_id).order_by(g.name, g.id)
    return [_goal(row) for row in await conn.execute(query)]


async def find_goals(conn: AsyncConnection, site_id: int, names: set[str]) -> dict[str, Goal]:
    if not names:
        return {}
    query = select(goals).where(g.site_id == site_id, g.name.in_(sorted(names)))
    return {row.name: _goal(row) for row in await conn.execute(query)}


async def add_goal(conn: AsyncConnection, site_id: int, goal: Goal, now_ms: int) -> Goal:
    """Insert `goal`; GoalError("name") when the site has a goal of that name. Call inside a
    transaction the caller commits."""
    taken = await conn.execute(select(g.id).where(g.site_id == site_id, g.name == goal.name))
    if taken.first() is not None:
        raise GoalError("name", f"the site already has a goal named {goal.name!r}")
    values = {
        "site_id": site_id,
        "name": goal.name,
        "kind": goal.kind,
        "page": goal.page,
        "event": goal.event,
        "prop_key": goal.prop_key,
        "prop_value": goal.prop_value,
        "scroll": goal.scroll,
        "created_at": now_ms,
    }
    try:
        result = await conn.execute(insert(goals).values(**values).returning(g.id))
    except IntegrityError as exc:  # a concurrent add of the same name
        raise GoalError("name", f"the site already has a goal named {goal.name!r}") from exc
    return replace(goal, id=result.scalar_one())


async def remove_goal(conn: AsyncConnection, site_id: int, goal_id: int) -> bool:
    result = await conn.execute(delete(goals).where(g.site_id == site_id, g.id == goal_id))
    return bool(result.rowcount)
