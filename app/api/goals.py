"""Goals: GET|POST /api/v1/sites/{site}/goals, DELETE /api/v1/sites/{site}/goals/{id} (a site's
owners and admins change them; anyone who may read the site lists them) and the goal report
GET /api/v1/sites/{site}/goals/report?range=... (app/queries/goal_report.py)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.access import readable_site, site_owner
from app.api.context import runtime
from app.api.contract import empty, errors, json_response, ok, responds
from app.api.errors import error_response
from app.api.params import PERIOD
from app.api.reports import answer, document, report_replies
from app.api.schemas import examples
from app.api.schemas.accounts import Goal, Goals
from app.api.schemas.reports import GoalReport
from app.goals.definition import GoalError, parse
from app.goals.store import add_goal, list_goals, remove_goal
from app.queries.goal_report import goal_report
from app.queries.scope import Scope
from app.sites.model import Site

bp = Blueprint("goals", __name__)
BASE = "/api/v1/sites/<site>/goals"
document(
    "/api/v1/sites/{site}/goals/report",
    "Per goal: visitors who completed it, completions, conversion rate (% of all visitors)",
    PERIOD,
)


@bp.get(BASE)
@responds(ok(Goals), *errors(401, 403, 404))
async def goals_list(site: str) -> Response:
    """The site's goals (anyone who may read the site)."""
    found = await readable_site(site)
    async with runtime().engine.connect() as conn:
        goals = await list_goals(conn, found.id)
    return json_response(Goals, {"goals": [g.as_json() for g in goals]})


@bp.post(BASE)
@responds(ok(Goal, "the goal, defined", status=201), *errors(400, 401, 403, 404))
@site_owner("change goals", "site")
async def goals_add(found: Site) -> Response:
    """Define a goal: {"name", "page": "/blog/**"} | {"name", "event", "property"?: {"key",
    "value"}} | {"name", "page", "scroll": 75} (owners and admins); 400 names the field."""
    body = await request.get_json(silent=True)
    try:
        goal = parse(body)
        async with runtime().engine.begin() as conn:
            goal = await add_goal(conn, found.id, goal, runtime().clock.now_ms())
    except GoalError as exc:
        return error_response(400, exc.message, exc.field)
    return json_response(Goal, goal.as_json(), status=201)


@bp.delete(f"{BASE}/<id:goal_id>")
@responds(empty(204, "removed"), *errors(401, 403, 404))
@site_owner("change goals", "site")
async def goals_remove(found: Site, goal_id: int) -> Response:
    """Remove a goal (owners and admins). Its counts go with it: they were never stored."""
    async with runtime().engine.begin() as conn:
        removed = await remove_goal(conn, found.id, goal_id)
    if not removed:
        return error_response(404, f"no goal {goal_id} on {found.domain}", "id")
    return Response(status=204)


@bp.get(f"{BASE}/report")
@responds(*report_replies(GoalReport, examples.GOAL_REPORT))
async def goals_report(site: str) -> Response:
    async def run(conn: AsyncConnection, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return await goal_report(conn, scope, await list_goals(conn, scope.site_id))

    return await answer(site, PERIOD, run, GoalReport)
