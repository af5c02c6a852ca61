"""GET /js/pulse.js, /sdk.js (the original path), /js/script.js, /script.js: the built tracker.

The bytes come from `sdk/dist/pulse.min.js` (built by `make build`), read once and kept in
memory with a gzip -9 copy and a strong ETag per representation. The URL carries no version,
so caches keep it a day (not `immutable`) and revalidate cheaply with If-None-Match -> 304.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from dataclasses import dataclass

from quart import Blueprint, Response, jsonify, request

from app.api.contract import JAVASCRIPT, TEXT, empty, errors, ok, responds
from app.paths import TRACKER

bp = Blueprint("script", __name__)
log = logging.getLogger(__name__)

SCRIPT_PATH = TRACKER
CONTENT_TYPE = "application/javascript; charset=utf-8"
MAX_AGE_S = 86_400  # a day: a new tracker reaches every visitor within 24 h of a deploy
NOT_BUILT = "tracker not built: run make build"


@dataclass(frozen=True)
class Variant:
    body: bytes
    etag: str  # unquoted
    encoding: str | None


@dataclass(frozen=True)
class Tracker:
    plain: Variant
    gzipped: Variant


def build_tracker(source: bytes) -> Tracker:
    digest = hashlib.sha256(source).hexdigest()[:32]
    # mtime=0 keeps the gzip bytes (and so the ETag) stable across restarts.
    packed = gzip.compress(source, compresslevel=9, mtime=0)
    return Tracker(
        plain=Variant(source, digest, None),
        gzipped=Variant(packed, f"{digest}-gz", "gzip"),
    )


_tracker: Tracker | None = None
_warned = False


def load() -> Tracker | None:
    """The tracker, read at the first request; None (and one warning) while it is not built.

    A missing file is looked for again at the next request, so `make build` needs no restart.
    """
    global _tracker, _warned
    if _tracker is None:
        path = SCRIPT_PATH
        try:
            _tracker = build_tracker(path.read_bytes())
        except FileNotFoundError:
            if not _warned:
                log.warning("%s missing: %s", path, NOT_BUILT)
                _warned = True
            return None
    return _tracker


def _accepts_gzip() -> bool:
    return request.accept_encodings.quality("gzip") > 0


def _headers(variant: Variant) -> dict[str, str]:
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Cache-Control": f"public, max-age={MAX_AGE_S}",
        "ETag": f'"{variant.etag}"',
        "Vary": "Accept-Encoding",
        # Any site embeds it: CORS for module/crossorigin loads, CORP for COEP pages.
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
    }
    if variant.encoding:
        headers["Content-Encoding"] = variant.encoding
    return headers


@bp.get("/js/pulse.js")
@bp.get("/sdk.js")
@bp.get("/js/script.js")  # Plausible's path: switching is a change of host only (issue 9)
@bp.get("/script.js")  # Umami's path
@responds(
    ok(TEXT, "the tracker (gzip when accepted)", media=JAVASCRIPT),
    empty(304, "unchanged (If-None-Match)"),
    *errors(503, s503="the tracker is not built; see Retry-After"),
)
async def serve_tracker() -> Response:
    tracker = load()
    if tracker is None:
        response = jsonify({"error": NOT_BUILT})
        response.status_code = 503
        response.headers["Retry-After"] = "60"
        return response
    variant = tracker.gzipped if _accepts_gzip() else tracker.plain
    # If-None-Match compares weakly (RFC 9110 13.1.2); `*` matches any representation.
    if request.if_none_match.contains_weak(variant.etag):
        return Response(b"", status=304, headers=_headers(variant))
    return Response(variant.body, status=200, headers=_headers(variant))
