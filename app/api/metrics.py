"""GET /metrics (Prometheus text format) and the request hooks that time every route.

Access: an admin (API token or logged-in user) or `Authorization: Bearer $PULSE_METRICS_TOKEN`;
anyone else gets 401. The route is on the guard's public list because the scrape token is not
an API token (the guard would refuse it); this handler does the check itself.
"""

from __future__ import annotations

import hmac
import time

from quart import Blueprint, Quart, Response, g, request

from app.api.context import runtime
from app.api.contract import TEXT, errors, ok, responds
from app.api.errors import error_response
from app.api.principal import bearer, current
from app.telemetry import CONTENT_TYPE, UNMATCHED

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@responds(ok(TEXT, "Prometheus text exposition format 0.0.4", media="text/plain"), *errors(401))
async def metrics() -> Response:
    """Prometheus metrics: ingest, writer, live sockets, broker, request and report latency."""
    if not await _may_scrape():
        response = error_response(401, "an admin token or PULSE_METRICS_TOKEN is required")
        response.headers["WWW-Authenticate"] = 'Bearer realm="pulse"'
        return response
    body = runtime().telemetry.exposition()
    return Response(body, content_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


async def _may_scrape() -> bool:
    expected = runtime().settings.metrics_token
    presented = bearer(request._get_current_object())  # type: ignore[attr-defined]
    if expected and presented and hmac.compare_digest(presented, expected):
        return True
    return (await current()).is_admin


def install(app: Quart) -> None:
    """Time every request from before the guard to the response (installed first)."""

    @app.before_request
    async def _started() -> None:
        g.pulse_started = time.perf_counter()

    @app.after_request
    async def _observed(response: Response) -> Response:
        started = g.get("pulse_started")
        if started is not None:
            rule = request.url_rule
            route = rule.rule if rule is not None else UNMATCHED
            seconds = time.perf_counter() - started
            runtime().telemetry.observe_request(
                route, request.method, response.status_code, seconds
            )
        return response
