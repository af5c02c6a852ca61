"""History: GET /api/v1/sites/{site}/summary | timeseries | breakdown/{dimension} (+ .csv) |
flows | retention | funnel; GET /api/v1/dimensions (the vocabulary)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from quart import Blueprint, Response, request
from sqlalchemy.ext.asyncio import AsyncConnection

from app import dimensions
from app.api.contract import errors, json_response, ok, responds
from app.api.errors import error_response
from app.api.params import (
    COMPARE,
    COMPARE_FROM,
    COMPARE_TO,
    FROM,
    PERIOD,
    SERIES_COMPARE,
    Param,
    ParamError,
)
from app.api.reports import answer, document, report_replies
from app.api.schemas import examples
from app.api.schemas import reports as bodies
from app.queries import imported
from app.queries.breakdown import (
    DIMENSIONS,
    EVENT_SORTS,
    GOAL_SORTS,
    SESSION_SORTS,
    breakdown,
    is_dimension,
    is_session_dimension,
)
from app.queries.filters import GOAL, FilterError, parse
from app.queries.flows import MAX_DEPTH, flows
from app.queries.funnel import FunnelError, funnel, parse_steps
from app.queries.page_engagement import METRICS as ENGAGEMENT_METRICS
from app.queries.period import mark_partial, previous
from app.queries.planner import Question
from app.queries.properties import property_keys
from app.queries.retention import COHORTS, retention
from app.queries.scope import METRICS, Scope
from app.queries.summary import summary
from app.queries.timeseries import timeseries

bp = Blueprint("stats", __name__)
BASE = "/api/v1/sites/<site>"

METRICS_PARAM = Param(
    "metrics", f"comma-separated: {', '.join(METRICS)}", default=",".join(METRICS)
)
SORT = Param(
    "sort",
    "metric to sort by (session dimensions: visitors, sessions, pageviews, "
    "bounce_rate, avg_engagement_ms; event dimensions: visitors, count; with a goal filter "
    "also total_visitors, conversion_rate)",
)
ORDER = Param("order", "sort direction", choices=("desc", "asc"), default="desc")
LIMIT = Param("limit", "rows per page", kind="integer", default=10, minimum=1, maximum=1000)
OFFSET = Param("offset", "rows to skip", kind="integer", default=0, minimum=0)
TOTALS = Param(
    "totals",
    "none: leave `totals` out (null); on a filtered report they cost a second pass over the "
    "sessions",
    choices=("include", "none"),
    default="include",
)
ENGAGEMENT = Param(
    "metrics",
    "extra metrics, comma-separated: time_on_page (mean engaged ms per page view), "
    "scroll_depth (mean deepest scroll % per page view); read from the period's engagement "
    "events, so asked for, not always computed (breakdowns: the page dimension only)",
)
SUMMARY_PARAMS = (*PERIOD, COMPARE, COMPARE_FROM, COMPARE_TO, ENGAGEMENT)
TIMESERIES_PARAMS = (*PERIOD, METRICS_PARAM, SERIES_COMPARE, COMPARE_FROM, COMPARE_TO)
BREAKDOWN_PARAMS = (*PERIOD, SORT, ORDER, LIMIT, OFFSET, TOTALS, ENGAGEMENT)
OPEN = "/api/v1/sites/{site}"
document(f"{OPEN}/summary", "Headline metrics with the previous period's", SUMMARY_PARAMS)
document(f"{OPEN}/timeseries", "Metrics per hour or day (site time zone)", TIMESERIES_PARAMS, True)
document(
    f"{OPEN}/breakdown/{{dimension}}",
    f"Metrics per value of a dimension: {', '.join(DIMENSIONS)}",
    BREAKDOWN_PARAMS,
    True,
)


DEPTH = Param(
    "depth", "page steps after the source", kind="integer", default=4, minimum=1, maximum=MAX_DEPTH
)
START_PAGE = Param(
    "from",
    "flows: a page path (starting with /) the flows start at; a YYYY-MM-DD value is still a "
    "custom range's first day",
)
START = Param("start", "a page path (starting with /) the flows start at; with a custom range")
PER_STEP = Param(
    "limit",
    "busiest values kept per step, the rest are (other)",
    kind="integer",
    default=10,
    minimum=1,
    maximum=100,
)
COHORT = Param("cohort", "cohort period", choices=COHORTS, default="week")
STEPS = Param("steps", "ordered steps, comma-separated: /path or event:NAME (2 to 8)")
FLOWS_PARAMS = (*PERIOD, DEPTH, PER_STEP)
RETENTION_PARAMS = (*PERIOD, COHORT)
FUNNEL_PARAMS = (*PERIOD, STEPS)
# One `from`: a page path for flows, or a custom range's first day.
FLOWS_DOC = (*(START_PAGE if p is FROM else p for p in FLOWS_PARAMS), START)
document(f"{OPEN}/flows", "Sankey: source -> first pages -> exit", FLOWS_DOC)
document(
    f"{OPEN}/retention",
    "Share of each cohort's visitors seen again k periods later",
    RETENTION_PARAMS,
)
document(f"{OPEN}/funnel", "Visitors reaching each ordered step within a session", FUNNEL_PARAMS)
document(f"{OPEN}/properties", "Custom-event property keys in the period, busiest first", PERIOD)


async def native_only(
    conn: AsyncConnection, scope: Scope, kind: str, result: dict[str, Any]
) -> dict[str, Any]:
    """A report imported days cannot count in says so when its period holds some."""
    return (await imported.lookup(conn, Question(kind), scope)).mark(result)


@bp.get("/api/v1/dimensions")
@responds(ok(bodies.Dimensions, example=examples.DIMENSIONS), *errors(401))
async def dimensions_route() -> Response:
    """The dimensions every report, filter and breakdown accepts (app/dimensions.py)."""
    return json_response(bodies.Dimensions, {"dimensions": dimensions.as_json()})


@bp.get(f"{BASE}/summary")
@responds(*report_replies(bodies.Summary, examples.SUMMARY))
async def summary_route(site: str) -> Response:
    try:
        engagement = bool(_engagement(request.args.get("metrics")))
    except ParamError as exc:
        return error_response(400, exc.message, exc.field)

    async def run(conn: AsyncConnection, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return await summary(conn, scope, compare=p["compare"] != "none", engagement=engagement)

    return await answer(site, SUMMARY_PARAMS, run, bodies.Summary)


def _engagement(text: str | None, dimension: str = "page") -> tuple[str, ...]:
    """The engagement metrics asked for (`metrics=time_on_page,scroll_depth`): both or none."""
    chosen = [m.strip() for m in (text or "").split(",") if m.strip()]
    unknown = [m for m in chosen if m not in ENGAGEMENT_METRICS]
    if unknown:
        known = ", ".join(ENGAGEMENT_METRICS)
        raise ParamError(f"metrics: unknown {', '.join(unknown)} (one of {known})", "metrics")
    if chosen and dimension != "page":
        raise ParamError("metrics: time_on_page and scroll_depth are per page (page)", "metrics")
    return ENGAGEMENT_METRICS if chosen else ()


def _metrics(text: str) -> list[str]:
    chosen = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in METRICS]
    if unknown or not chosen:
        raise ParamError(f"metrics: unknown {', '.join(unknown) or '(none given)'}", "metrics")
    return chosen


@bp.get(f"{BASE}/timeseries")
@bp.get(f"{BASE}/timeseries.csv")
@responds(*report_replies(bodies.Timeseries, examples.TIMESERIES, csv=True))
async def timeseries_route(site: str) -> Response:
    try:
        metrics = _metrics(request.args.get("metrics") or METRICS_PARAM.default)
    except ParamError as exc:
        return error_response(400, exc.message, exc.field)

    async def run(conn: AsyncConnection, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        result = mark_partial(await timeseries(conn, scope, metrics), scope.period)
        if p["compare"] != "none":
            before = await timeseries(conn, replace(scope, period=previous(scope.period)), metrics)
            result["previous"] = {"period": before["period"], "points": before["points"]}
        return result

    def as_csv(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        header = ["bucket", *metrics]
        return header, [[point[h] for h in header] for point in result["points"]]

    csv = as_csv if request.path.endswith(".csv") else None
    return await answer(site, TIMESERIES_PARAMS, run, bodies.Timeseries, csv)


@bp.get(f"{BASE}/breakdown/<path:dimension>")
@responds(*report_replies(bodies.Breakdown, examples.BREAKDOWN, csv=True))
async def breakdown_route(site: str, dimension: str) -> Response:
    as_csv = dimension.endswith(".csv")
    dimension = dimension.removesuffix(".csv")
    if not is_dimension(dimension):
        return error_response(
            400, f"unknown dimension; one of {', '.join(DIMENSIONS)}", "dimension"
        )
    sorts = SESSION_SORTS if is_session_dimension(dimension) else EVENT_SORTS
    if _goal_filtered(request.args.get("filter")):
        sorts = (*sorts, *GOAL_SORTS)
    try:
        extra = _engagement(request.args.get("metrics"), dimension)
    except ParamError as exc:
        return error_response(400, exc.message, exc.field)
    sorts = (*sorts, *extra)
    if request.args.get("sort") and request.args["sort"] not in sorts:
        return error_response(400, f"sort must be one of {', '.join(sorts)}", "sort")

    async def run(conn: AsyncConnection, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return await breakdown(
            conn,
            scope,
            dimension,
            sort=p["sort"],
            descending=p["order"] == "desc",
            limit=p["limit"],
            offset=p["offset"],
            totals=p["totals"] == "include",
            engagement=bool(extra),
        )

    def to_csv(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        header = ["value", *sorts]
        return header, [[row[h] for h in header] for row in result["results"]]

    return await answer(site, BREAKDOWN_PARAMS, run, bodies.Breakdown, to_csv if as_csv else None)


def _goal_filtered(text: str | None) -> bool:
    try:
        return any(f.dim == GOAL for f in parse(text))
    except FilterError:  # answer() says what is wrong with it
        return False


@bp.get(f"{BASE}/flows")
@responds(*report_replies(bodies.Flows, examples.FLOWS))
async def flows_route(site: str) -> Response:
    args = request.args.copy()
    start_page = args.pop("start", None) or None
    if start_page is not None and not start_page.startswith("/"):
        return error_response(400, "start must be a page path starting with /", field="start")
    # The original spelling, `from=/path`, when no custom range needs `from` for its first day.
    paths = [v for v in args.getlist("from") if v.startswith("/")]
    if paths:
        start_page = start_page or paths[0]
        args.setlist("from", [v for v in args.getlist("from") if not v.startswith("/")])

    async def run(conn: AsyncConnection, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        result = await flows(conn, scope, p["depth"], start_page, p["limit"])
        return await native_only(conn, scope, "flows", result)

    return await answer(site, FLOWS_PARAMS, run, bodies.Flows, args=args)


@bp.get(f"{BASE}/retention")
@responds(*report_replies(bodies.Retention, examples.RETENTION))
async def retention_route(site: str) -> Response:
    async def run(conn: AsyncConnection, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return await native_only(
            conn, scope, "retention", await retention(conn, scope, p["cohort"])
        )

    return await answer(site, RETENTION_PARAMS, run, bodies.Retention)


@bp.get(f"{BASE}/properties")
@responds(*report_replies(bodies.Properties, examples.PROPERTIES))
async def properties_route(site: str) -> Response:
    async def run(conn: AsyncConnection, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return await property_keys(conn, scope)

    return await answer(site, PERIOD, run, bodies.Properties)


@bp.get(f"{BASE}/funnel")
@responds(*report_replies(bodies.Funnel, examples.FUNNEL))
async def funnel_route(site: str) -> Response:
    try:
        steps = parse_steps(request.args.get("steps"))
    except FunnelError as exc:
        return error_response(400, str(exc), "steps")

    async def run(conn: AsyncConnection, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return await native_only(conn, scope, "funnel", await funnel(conn, scope, steps))

    return await answer(site, FUNNEL_PARAMS, run, bodies.Funnel)
