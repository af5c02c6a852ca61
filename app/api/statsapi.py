"""Plausible's Stats API: v1 `GET /api/v1/stats/realtime/visitors | aggregate | timeseries |
breakdown` and v2 `POST /api/v2/query`, for a Pulse API token (Bearer) that may read the site.

Thin: credential and site, then app/statsapi translates the parameters, asks Pulse's queries
and shapes the answer. Errors are Plausible's `{"error": ...}` (with Pulse's `field`): 400 for a
parameter Pulse cannot answer as asked, 401 without a token, 404 for a site it may not read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from quart import Blueprint, Response, jsonify, request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.access import visible_site
from app.api.context import runtime
from app.api.contract import errors, ok, responds
from app.api.errors import error_response
from app.api.principal import current
from app.api.reports import run_report
from app.queries.filters import FilterError
from app.queries.scope import Scope
from app.sites.model import Site
from app.statsapi import answers, v2
from app.statsapi.filters import v1_filters
from app.statsapi.periods import today_in, v1_range
from app.statsapi.vocabulary import GOAL_PROPERTY, StatsApiError, metric_names, property_of

bp = Blueprint("statsapi", __name__)
V1 = "/api/v1/stats"
NO_TOKEN = "Missing API key. Please use a valid Pulse API token as a Bearer token."
MAX_LIMIT = 1000

Handler = Callable[..., Awaitable[Response]]

# Plausible's answer shapes, as JSON Schema: their keys are the metrics the caller asked for,
# so they are declared by shape (a metric is a number, or null where Pulse has none).
_NUMBER = {"type": ["number", "null"]}
_ROW = {"type": "object", "additionalProperties": {"type": ["number", "string", "null"]}}
REALTIME = {"type": "integer", "minimum": 0}
AGGREGATE = {
    "type": "object",
    "required": ["results"],
    "properties": {
        "results": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["value"],
                "properties": {"value": _NUMBER, "change": _NUMBER},
                "additionalProperties": False,
            },
        }
    },
}
ROWS = {
    "type": "object",
    "required": ["results"],
    "properties": {"results": {"type": "array", "items": _ROW}},
}
QUERY = {
    "type": "object",
    "required": ["results", "meta", "query"],
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["metrics", "dimensions"],
                "properties": {
                    "metrics": {"type": "array", "items": _NUMBER},
                    "dimensions": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "meta": {"type": "object"},
        "query": {"type": "object"},
    },
}
FAILURES = errors(400, 401, 404)


def plausible_errors(handler: Handler) -> Handler:
    """StatsApiError / FilterError -> Plausible's error body with the field named."""

    @wraps(handler)
    async def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            return await handler(*args, **kwargs)
        except StatsApiError as exc:
            return error_response(exc.status, exc.message, exc.field)
        except FilterError as exc:
            return error_response(400, str(exc), "filters")

    return wrapped


async def site_for(site_id: object) -> Site:
    """The site a token may read: 401 without a Pulse API token; 404 for a site that does not
    exist or that the token may not read (the same answer, so a token cannot probe domains)."""
    principal = await current()
    if principal.kind != "token":
        raise StatsApiError(NO_TOKEN, "authorization", 401)
    if not isinstance(site_id, str) or not site_id:
        raise StatsApiError("site_id is required", "site_id")
    site = await visible_site(site_id)  # one 404 for missing and not-yours (app/api/access.py)
    if site is None:
        raise StatsApiError(f"Site could not be found: {site_id}", "site_id", 404)
    return site


def _limit_page(args: Any) -> tuple[int, int]:
    try:
        limit = int(args.get("limit") or 100)
    except ValueError:
        raise StatsApiError("limit must be an integer", "limit") from None
    try:
        page = int(args.get("page") or 1)
    except ValueError:
        raise StatsApiError("page must be an integer", "page") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise StatsApiError(f"limit must be between 1 and {MAX_LIMIT}", "limit")
    if page < 1:
        raise StatsApiError("page starts at 1", "page")
    return limit, (page - 1) * limit


def _compare(args: Any) -> bool:
    value = args.get("compare")
    if value in (None, ""):
        return False
    if value != "previous_period":
        raise StatsApiError("compare must be previous_period", "compare")
    return True


async def _v1_question(site: Site, compare: bool = False, series: bool = False) -> answers.Asked:
    """The scope of a v1 request; `interval` matters to (and is checked for) a series only,
    as Plausible ignores it elsewhere."""
    rt = runtime()
    today = today_in(site.timezone, rt.clock.now_ms())
    args = request.args
    if args.get("with_imported") not in (None, "", "false"):
        raise StatsApiError("with_imported: Pulse has no imported stats", "with_imported")
    interval = args.get("interval") if series else None
    found = v1_range(args.get("period"), args.get("date"), interval, today)
    return await answers.asked(rt, site, found, v1_filters(args.get("filters")), compare, "date")


async def _run(
    question: answers.Asked, query: Callable[[AsyncConnection, Scope], Awaitable[Any]]
) -> Any:
    async def run(conn: AsyncConnection, scope: Scope, _: dict[str, Any]) -> Any:
        return await query(conn, scope)

    result, _plans = await run_report(run, question.scope, {})
    return result


@bp.get(f"{V1}/realtime/visitors")
@responds(ok(REALTIME, "visitors in the last 5 minutes"), *FAILURES)
@plausible_errors
async def realtime_visitors() -> Response:
    """Plausible v1: visitors seen in the last 5 minutes, a bare number."""
    site = await site_for(request.args.get("site_id"))
    rt = runtime()
    return jsonify(rt.live.window(site.id).active_now(rt.clock.now_ms()))


@bp.get(f"{V1}/aggregate")
@responds(ok(AGGREGATE, "each metric's value (and change)"), *FAILURES)
@plausible_errors
async def aggregate() -> Response:
    """Plausible v1: metrics over the period, with `change` for compare=previous_period."""
    site = await site_for(request.args.get("site_id"))
    compare = _compare(request.args)
    metrics = metric_names(request.args.get("metrics") or "visitors")
    question = await _v1_question(site, compare)

    async def query(conn: AsyncConnection, scope: Scope) -> dict[str, Any]:
        now, before = await answers.aggregate_values(conn, question, metrics, compare)
        return answers.aggregate_v1(metrics, now, before)

    return jsonify(await _run(question, query))


@bp.get(f"{V1}/timeseries")
@responds(ok(ROWS, "one row per bucket: date and the metrics"), *FAILURES)
@plausible_errors
async def timeseries() -> Response:
    """Plausible v1: metrics per bucket (`date`), hours for period=day, months for 6mo/12mo."""
    site = await site_for(request.args.get("site_id"))
    metrics = metric_names(request.args.get("metrics") or "visitors")
    answers.pulse_series_metrics(metrics)  # refuse before querying
    question = await _v1_question(site, series=True)

    async def query(conn: AsyncConnection, scope: Scope) -> dict[str, Any]:
        return {"results": await answers.series_points(conn, scope, metrics)}

    return jsonify(await _run(question, query))


@bp.get(f"{V1}/breakdown")
@responds(ok(ROWS, "one row per value: the property and the metrics"), *FAILURES)
@plausible_errors
async def breakdown() -> Response:
    """Plausible v1: metrics per value of `property`, sorted by the first metric, paged."""
    site = await site_for(request.args.get("site_id"))
    name = request.args.get("property")
    if not name:
        raise StatsApiError("property is required", "property")
    if name == GOAL_PROPERTY:
        raise StatsApiError("breakdowns by event:goal: use Pulse's goal report", "property")
    prop = property_of(name, "property")
    metrics = metric_names(request.args.get("metrics") or "visitors")
    limit, offset = _limit_page(request.args)
    question = await _v1_question(site)
    answers.breakdown_fields(prop, metrics, question.has_goal)  # refuse before querying

    async def query(conn: AsyncConnection, scope: Scope) -> dict[str, Any]:
        rows, _total = await answers.breakdown_rows(conn, question, prop, metrics, limit, offset)
        return answers.breakdown_v1(prop, rows)

    return jsonify(await _run(question, query))


@bp.post("/api/v2/query")
@responds(ok(QUERY, "the rows, meta and the query as understood"), *FAILURES)
@plausible_errors
async def query_v2() -> Response:
    """Plausible v2: one query body -> {"results": [{"metrics", "dimensions"}], "meta", "query"}."""
    body = await request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise StatsApiError("the body must be a JSON object (a query)", "body")
    site = await site_for(body.get("site_id"))
    rt = runtime()
    query = v2.parse(body, today_in(site.timezone, rt.clock.now_ms()))
    question = await answers.asked(rt, site, query.range, query.filters, False, "date_range")
    return jsonify(await _run(question, lambda conn, _: v2.answer(conn, question, query)))
