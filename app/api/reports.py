"""What every report handler does: site -> access -> parameters -> scope -> query -> JSON or CSV.
Routes register themselves in ENDPOINTS, from which /openapi.json is generated. `explain=1` on
any report answers `{"result": <the body>, "plans": [{question, path, reason}, ...]}`: the read
path the planner (app/queries/planner.py) chose for each question the report asked."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from quart import Response, request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.access import locked_filters, readable_site
from app.api.context import runtime
from app.api.contract import CSV, TEXT, Reply, errors, json_response, ok
from app.api.errors import error_response
from app.api.params import Param, ParamError, parse_all
from app.api.schemas.reports import Explained
from app.clock import HOUR_MS
from app.goals.store import find_goals
from app.queries import planner, sealed_days
from app.queries.filters import GOAL, FilterError, parse
from app.queries.history import first_local_day
from app.queries.period import PeriodError, previous, resolve
from app.queries.scope import Scope
from app.retention_purge import purged_note
from app.sites.model import Site

Query = Callable[[AsyncConnection, Scope, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    params: tuple[Param, ...]
    csv: bool = False


ENDPOINTS: list[Endpoint] = []


EXPLAIN = Param(
    "explain",
    '1: answer {"result": <the report>, "plans": [{question, path, reason}]}, the read path '
    "chosen for each question the report asked (rollups, columns or sql) and why",
    choices=("0", "1"),
    default="0",
)


IMPORTED = Param(
    "imported",
    "false: leave imported history (pulse import) out; by default its days count where the "
    'report can use them, and the answer says `"imported": true`',
    choices=("true", "false"),
    default="true",
)


def document(path: str, summary: str, params: Sequence[Param], csv: bool = False) -> None:
    ENDPOINTS.append(Endpoint(path, summary, (*params, IMPORTED, EXPLAIN), csv))


def report_replies(body: Any, example: Any, csv: bool = False) -> tuple[Reply, ...]:
    """A report's answers: `body` (or, with ?explain=1, `Explained`), optionally CSV, and the
    errors `answer` gives."""
    also = {CSV: TEXT} if csv else None
    success = ok(
        (body, Explained),
        "the report (with explain=1 wrapped in `result`)",
        example=example,
        also=also,
    )
    return (success, *errors(400, 401, 403, 404))


def scope_for(site: Site, values: dict[str, Any], first_day: date | None = None) -> Scope:
    period = resolve(
        values["range"],
        runtime().clock.now_ms(),
        site.timezone,
        date_from=first_day or values.get("from"),
        date_to=values.get("to"),
        interval=values.get("interval"),
        compare=values.get("compare") or "previous",
        compare_days=(values.get("compare_from"), values.get("compare_to")),
    )
    filters = tuple(parse(values.get("filter")))
    with_imported = values.get("imported", "true") != "false"
    return Scope(site.id, period, filters, imported=with_imported, columns=runtime().column_cache)


async def with_goals(scope: Scope) -> Scope:
    """The scope every report runs on: the caller's locked filter ANDed in first (a share or
    kiosk link's, issue 21: every report path passes here, so a URL's filters are added to it,
    never instead of it), then each `goal==Name` filter resolved to the site's goal."""
    scope = replace(scope, filters=(*await locked_filters(scope.site_id), *scope.filters))
    named = {f.value for f in scope.filters if f.dim == GOAL}
    if not named:
        return scope
    async with runtime().engine.connect() as conn:
        found = await find_goals(conn, scope.site_id, named)
    missing = sorted(named - set(found))
    if missing:
        raise FilterError(f"the site has no goal named {missing[0]!r}")
    resolved = (replace(f, goal=found[f.value]) if f.dim == GOAL else f for f in scope.filters)
    return replace(scope, filters=tuple(resolved))


async def answer(
    domain: str,
    params: Sequence[Param],
    query: Query,
    body: Any,
    as_csv: Callable[..., Any] | None = None,
    args: Mapping[str, str] | None = None,
) -> Response:
    site = await readable_site(domain)
    try:
        values = parse_all((*params, IMPORTED, EXPLAIN), request.args if args is None else args)
        everything = values.get("range") == "all"
        first_day = await first_local_day(runtime().engine, site) if everything else None
        scope = await with_goals(scope_for(site, values, first_day))
    except ParamError as exc:
        return error_response(400, exc.message, exc.field)
    except PeriodError as exc:
        return error_response(400, str(exc), exc.field)
    except FilterError as exc:
        return error_response(400, str(exc), "filter")
    result, plans = await run_report(query, scope, values)
    if site.raw_purged_before and "partial" in getattr(body, "__struct_fields__", ()):
        compared = values.get("compare") not in (None, "none")
        if reads_purged(site.raw_purged_before, scope, plans, compared):
            result["partial"] = purged_note(site.raw_purged_before)
    if as_csv is not None:
        return await respond(csv_response(*as_csv(result)), plans)
    return await respond(json_response(body, result), plans)


def reads_purged(
    purged_before: int, scope: Scope, plans: list[dict[str, Any]], compared: bool
) -> bool:
    """Whether a report read raw rows (the SQL path) over a period reaching before a purge:
    rollups and sealed columns keep their numbers, a scan of the rows does not."""
    period = scope.period
    edged = any(b % HOUR_MS for b in period.bounds)  # part-hour ends are rolled up from rows
    if not edged and not any(p["path"] == planner.SQL for p in plans):
        return False
    start = previous(scope.period).start if compared else scope.period.start
    return min(start, scope.period.start) < purged_before


async def run_report(
    query: Query, scope: Scope, values: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The report's answer and its plans; its time is observed per read path (/metrics)."""
    started = time.perf_counter()
    async with runtime().engine.connect() as conn:
        with planner.explained() as plans, sealed_days.listed_once():
            result = await query(conn, scope, values)
    rule = request.url_rule
    report = rule.rule if rule is not None else "(unmatched)"
    paths = [str(p["path"]) for p in plans]
    runtime().telemetry.observe_report(report, paths, time.perf_counter() - started)
    return result, plans


async def respond(response: Response, plans: list[dict[str, Any]]) -> Response:
    """The report's response, or with ?explain=1 the report and its plans."""
    if request.args.get("explain") != "1":
        return response
    text = await response.get_data(as_text=True)
    result = json.loads(text) if response.mimetype == "application/json" else text
    shown = [{k: v for k, v in p.items() if k != "_id"} for p in plans]
    return json_response(Explained, {"result": result, "plans": shown})


# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A visitor-sent text (a page, a referrer, a property) that would start a formula gets a
    leading apostrophe, which spreadsheets show as text; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(v) for v in row] for row in rows)
    return Response(buffer.getvalue(), content_type="text/csv; charset=utf-8")
