"""An empty 204 route, registered only with PULSE_BENCHMARK=1: the benchmark's measure of the
framework's own ceiling on this machine, so ingest overhead shows as a ratio."""

from __future__ import annotations

from quart import Blueprint, Response, request

from app.api.contract import empty as no_body
from app.api.contract import responds

bp = Blueprint("bench", __name__)


@bp.post("/bench/empty")
@responds(no_body(204, "nothing"))
async def empty() -> Response:
    await request.get_data(cache=False)  # read the body like /api/collect does
    return Response("", status=204)
