"""What every report handler does: site -> access -> parameters -> scope -> query -> JSON or CSV.
Routes register themselves in ENDPOINTS, from which /openapi.json is generated."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from quart import Response, jsonify, request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.access import may_read
from app.api.context import runtime
from app.api.errors import error_response
from app.api.params import Param, ParamError, parse_all
from app.queries.filters import FilterError, parse
from app.queries.history import first_local_day
from app.queries.period import PeriodError, resolve
from app.queries.scope import Scope, with_access_path
from app.sites import Site

Query = Callable[[AsyncConnection, Scope, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    params: tuple[Param, ...]
    csv: bool = False


ENDPOINTS: list[Endpoint] = []


def document(path: str, summary: str, params: Sequence[Param], csv: bool = False) -> None:
    ENDPOINTS.append(Endpoint(path, summary, tuple(params), csv))


async def find_site(domain: str) -> Site | None:
    return await runtime().sites.find(domain)


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
    return Scope(site.id, period, tuple(parse(values.get("filter"))))


async def answer(
    domain: str,
    params: Sequence[Param],
    query: Query,
    as_csv: Callable[..., Any] | None = None,
    args: Mapping[str, str] | None = None,
) -> Response:
    site = await find_site(domain)
    if site is None:
        return error_response(404, f"no site {domain}", "site")
    if not await may_read(site):
        return error_response(403, "not allowed to read this site", "site")
    try:
        values = parse_all(params, request.args if args is None else args)
        everything = values.get("range") == "all"
        first_day = await first_local_day(runtime().engine, site) if everything else None
        scope = scope_for(site, values, first_day)
    except ParamError as exc:
        return error_response(400, exc.message, exc.field)
    except PeriodError as exc:
        return error_response(400, str(exc), exc.field)
    except FilterError as exc:
        return error_response(400, str(exc), "filter")
    async with runtime().engine.connect() as conn:
        result = await query(conn, await with_access_path(conn, scope), values)
    if as_csv is not None:
        return csv_response(*as_csv(result))
    return jsonify(result)


def csv_response(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(buffer.getvalue(), content_type="text/csv; charset=utf-8")
