"""Security headers on every answer, and CORS only where it belongs.

- Content-Security-Policy: scripts, styles, images and connections from Pulse itself only; no
  inline script or style (pages load theirs from /assets/...), no plugins, no framing
  (frame-ancestors 'none' for clickjacking; X-Frame-Options for older browsers). The one
  exception: a share link's embeddable pages, framable by the origins the link lists
  (`allow_framing`, issue 21).
  `connect-src 'self'` covers the same-origin websocket in current browsers (CSP Level 3).
- nosniff, a strict Referrer-Policy (the pages' URLs can carry site names and share slugs).
- CORS: the ingest endpoints and the tracker script set their own `Access-Control-*` (any
  origin, never credentials). Any other answer has such headers stripped, so a mistake in a
  handler cannot open the authenticated API to other origins.
"""

from __future__ import annotations

from quart import Quart, Response, request

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# JSON and other non-page answers: nothing may load or frame them as a document.
CSP_NON_HTML = "default-src 'none'; frame-ancestors 'none'"
FRAMABLE = "(framable)"  # allow_framing's mark: add_headers removes X-Frame-Options for it
CORS_BLUEPRINTS = frozenset({"collect", "plausible", "umami", "script"})
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def framable_csp(origins: tuple[str, ...]) -> str:
    """The page CSP with `frame-ancestors` naming `origins` (validated https origins,
    app/auth/embeds.py) instead of 'none': for a share's embeddable pages only."""
    ancestors = " ".join(origins) if origins else "'none'"
    return CSP.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")


def allow_framing(response: Response, origins: tuple[str, ...]) -> Response:
    """Let `origins` frame this one response (no X-Frame-Options then: DENY would win in
    browsers that read it first). Without origins the response stays unframeable."""
    if origins:
        response.headers["Content-Security-Policy"] = framable_csp(origins)
        response.headers["X-Frame-Options"] = FRAMABLE
    return response


def cors_allowed(endpoint: str | None) -> bool:
    return endpoint is not None and endpoint.split(".", 1)[0] in CORS_BLUEPRINTS


async def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.headers.get("X-Frame-Options") == FRAMABLE:
        del response.headers["X-Frame-Options"]
    is_html = (response.mimetype or "") == "text/html"
    response.headers.setdefault("Content-Security-Policy", CSP if is_html else CSP_NON_HTML)
    if not cors_allowed(request.endpoint):
        names = {k for k, _ in response.headers.items() if k.lower().startswith("access-control-")}
        for name in names:
            del response.headers[name]
    return response


def install(app: Quart) -> None:
    app.after_request(add_headers)
