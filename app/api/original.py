"""The original system's report endpoints, same paths, correct numbers:
GET /api/analytics/stats?site=&time_range=24h|7d|30d|all and GET /api/analytics/sankey?site=.

The originals counted raw rows (the Sankey read the 2,000 oldest page views of all time and
stopped at 3 steps); these answer from the same queries as /api/v1 (sessions by their start,
the site's time zone) in a flat shape a legacy dashboard can read. Shapes: README.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from quart import Blueprint, Response, request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.access import readable_site
from app.api.context import runtime
from app.api.contract import errors, json_response, ok, responds
from app.api.errors import error_response
from app.api.params import FILTER, Param, ParamError, parse_all
from app.api.reports import EXPLAIN, document, respond, with_goals
from app.api.schemas import examples
from app.api.schemas.reports import Explained
from app.api.schemas.service import OriginalSankey, OriginalStats
from app.queries import planner, sealed_days
from app.queries.filters import FilterError, parse
from app.queries.flows import MAX_DEPTH, flows
from app.queries.legacy_stats import TIME_RANGES, legacy_period, legacy_stats
from app.queries.scope import Scope

bp = Blueprint("original", __name__)

SITE = Param("site", "the site's domain (required)")
TIME_RANGE = Param("time_range", "the period", choices=TIME_RANGES, default="7d")
DEPTH = Param(
    "depth", "page steps after the source", kind="integer", default=4, minimum=1, maximum=MAX_DEPTH
)
STATS_PARAMS = (SITE, TIME_RANGE, FILTER)
SANKEY_PARAMS = (SITE, TIME_RANGE, DEPTH, FILTER)
document("/api/analytics/stats", "The original system's stats, correct numbers", STATS_PARAMS)
document("/api/analytics/sankey", "The original system's Sankey (nodes, links)", SANKEY_PARAMS)

Run = Callable[[AsyncConnection, Scope, dict[str, Any]], Awaitable[dict[str, Any]]]


async def _answer(params: tuple[Param, ...], run: Run, body: Any) -> Response:
    try:
        values = parse_all((*params, EXPLAIN), request.args)
        filters = tuple(parse(values["filter"]))
    except ParamError as exc:
        return error_response(400, exc.message, exc.field)
    except FilterError as exc:
        return error_response(400, str(exc), "filter")
    if not values["site"]:
        return error_response(400, "site is required", "site")
    site = await readable_site(values["site"])
    rt = runtime()
    async with rt.engine.connect() as conn:
        period = await legacy_period(
            conn, site.id, values["time_range"], rt.clock.now_ms(), site.timezone
        )
        try:
            scope = await with_goals(Scope(site.id, period, filters, columns=rt.column_cache))
        except FilterError as exc:
            return error_response(400, str(exc), "filter")
        with planner.explained() as plans, sealed_days.listed_once():
            result = await run(conn, scope, values)
    return await respond(json_response(body, {"site": site.domain, **result}), plans)


@bp.get("/api/analytics/stats")
@responds(
    ok((OriginalStats, Explained), example=examples.ORIGINAL_STATS), *errors(400, 401, 403, 404)
)
async def stats() -> Response:
    async def run(conn: AsyncConnection, scope: Scope, values: dict[str, Any]) -> dict[str, Any]:
        return await legacy_stats(conn, scope, values["time_range"])

    return await _answer(STATS_PARAMS, run, OriginalStats)


@bp.get("/api/analytics/sankey")
@responds(
    ok((OriginalSankey, Explained), example=examples.ORIGINAL_SANKEY), *errors(400, 401, 403, 404)
)
async def sankey() -> Response:
    async def run(conn: AsyncConnection, scope: Scope, values: dict[str, Any]) -> dict[str, Any]:
        found = await flows(conn, scope, values["depth"])
        return {
            "time_range": values["time_range"],
            "nodes": [
                {"name": n["id"], "label": n["name"], "step": n["step"], "value": n["sessions"]}
                for n in found["nodes"]
            ],
            "links": [
                {"source": k["source"], "target": k["target"], "value": k["sessions"]}
                for k in found["links"]
            ],
        }

    return await _answer(SANKEY_PARAMS, run, OriginalSankey)
