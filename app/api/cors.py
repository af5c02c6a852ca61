"""CORS for the ingest endpoints: any origin, never credentials (trackers send none)."""

from __future__ import annotations

from quart import Response


def preflight_response(cors: dict[str, str], allow_headers: str = "Content-Type") -> Response:
    """204 answer to an OPTIONS preflight for a POST-only ingest route (cached a day)."""
    response = Response("", status=204)
    response.headers.update(cors)
    response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = allow_headers
    response.headers["Access-Control-Max-Age"] = "86400"
    return response
