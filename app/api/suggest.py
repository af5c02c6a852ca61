"""GET /api/v1/sites/{site}/suggestions/{dimension}?q=&limit=: values to filter by."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.contract import responds
from app.api.errors import error_response
from app.api.params import PERIOD, Param
from app.api.reports import answer, document, report_replies
from app.api.schemas import examples
from app.api.schemas.reports import Suggestions
from app.queries.breakdown import DIMENSIONS, is_dimension
from app.queries.scope import Scope
from app.queries.suggestions import suggestions

bp = Blueprint("suggest", __name__)

TYPED = Param("q", "what was typed: values containing it (case-insensitive); empty: the busiest")
LIMIT = Param("limit", "values at most", kind="integer", default=10, minimum=1, maximum=50)
PARAMS = (*PERIOD, TYPED, LIMIT)
document(
    "/api/v1/sites/{site}/suggestions/{dimension}",
    "Values of a dimension in the period to filter by, busiest first: "
    "`values: [{value, visitors}]` (the dimension's own filter does not apply)",
    PARAMS,
)


@bp.get("/api/v1/sites/<site>/suggestions/<path:dimension>")
@responds(*report_replies(Suggestions, examples.SUGGESTIONS))
async def suggestions_route(site: str, dimension: str) -> Response:
    if not is_dimension(dimension):
        return error_response(
            400, f"unknown dimension; one of {', '.join(DIMENSIONS)}", "dimension"
        )

    async def run(conn: AsyncConnection, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        typed = (p["q"] or "").strip()[:200]
        return await suggestions(conn, scope, dimension, typed, p["limit"])

    return await answer(site, PARAMS, run, Suggestions)
