"""Liveness and readiness.

/readyz answers everyone its status (200 ok or degraded, 503 when the database is unreachable);
the details (queue, writer and its last error, counters, broker) only to an admin credential:
they name internals and may quote SQL, which is no one else's business."""

from __future__ import annotations

from quart import Blueprint, Response

from app.api.context import runtime
from app.api.contract import json_response, ok, responds
from app.api.principal import current
from app.api.schemas.service import Healthz, Readiness, Readyz
from app.storage.database import ping

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@responds(ok(Healthz, "the process answers", example={"status": "ok"}))
async def healthz() -> Response:
    """Liveness: the process answers."""
    return json_response(Healthz, {"status": "ok"})


@bp.get("/readyz")
@responds(
    ok(
        (Readiness, Readyz),
        "the database answers (status degraded: Redis is down); the details only to an admin",
    ),
    ok((Readiness, Readyz), "the database does not answer", status=503),
)
async def readyz() -> Response:
    rt = runtime()
    database_ok, database_error = True, None
    try:
        await ping(rt.engine)
    except Exception as exc:  # reported, not raised: readiness must answer
        database_ok, database_error = False, f"{type(exc).__name__}: {exc}"[:300]
    stats = rt.writer.stats
    # Without Redis the process still serves (ingest, persistence, its own live events): 200,
    # with "degraded" and the reason, so a balancer keeps it while an operator sees it.
    broker = rt.broker.status() if rt.broker is not None else {"status": "off"}
    degraded = not database_ok or broker["status"] == "degraded"
    body = {
        "status": "degraded" if degraded else "ok",
        "database": {"ok": database_ok, "error": database_error},
        # Events waiting to be durable (their requests wait); `deepest` since the start.
        "queue": {
            "depth": rt.writer.depth,
            "bound": rt.writer.queue_bound,
            "deepest": stats.deepest,
        },
        "writer": {
            "last_flush_ms": round(stats.last_flush_ms, 2),
            "last_error": stats.last_error,
            "batches": stats.batches,
            "spilled": stats.spilled,
        },
        "events": {
            "accepted": rt.counters.accepted,
            "dropped": dict(rt.counters.dropped),
            "persisted": stats.persisted,
        },
        "sites": len(rt.sites.all()),
        "broker": broker,
        # Periodic jobs: last run, next run, last error (app/scheduler.py).
        "scheduler": rt.scheduler.status(),
        # Email: configured or not; host, port, TLS mode, counters (never the credentials).
        "mail": rt.mailer.status(),
    }
    if not (await current()).is_admin:
        response = json_response(Readiness, {"status": body["status"]})
    else:
        response = json_response(Readyz, body)
    response.headers["Cache-Control"] = "no-store"
    response.status_code = 200 if database_ok else 503
    return response
