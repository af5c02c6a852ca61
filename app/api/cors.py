"""CORS for the ingest endpoints, one helper for all four.

They read no cookies and answer nothing a credential could change, so any page may post to them,
credentialed or not. A credentialed request (`navigator.sendBeacon` always is, and the original
system's tracker sends its engagement beacon that way, a JSON Blob) is dropped by the browser
when the answer says `Access-Control-Allow-Origin: *`; it needs the caller's own origin and
`Access-Control-Allow-Credentials: true`. So a request with an Origin gets its origin back
(with `Vary: Origin` for caches), one without gets `*`.
"""

from __future__ import annotations

from quart import Response, request

ALLOWED_METHODS = "POST, OPTIONS"
PREFLIGHT_MAX_AGE_S = "86400"  # a day: Chromium caps it at 2 h, Firefox honours it


def with_cors(response: Response, expose: str = "") -> Response:
    origin = request.headers.get("Origin")
    headers = response.headers
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Credentials"] = "true"
        headers.add("Vary", "Origin")
    else:
        headers["Access-Control-Allow-Origin"] = "*"
    if expose:
        headers["Access-Control-Expose-Headers"] = expose
    return response


def preflight_response(allow_headers: str = "Content-Type", expose: str = "") -> Response:
    """204 answer to an OPTIONS preflight for a POST-only ingest route (cached a day)."""
    response = Response("", status=204)
    response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Headers"] = allow_headers
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE_S
    return with_cors(response, expose)
