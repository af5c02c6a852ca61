"""Server-rendered auth pages: HTML templates from frontend/auth/ with `$name` placeholders,
every value HTML-escaped. No inline script or style anywhere (the CSP forbids them).

The `<head>` lines every page shares (charset, viewport, robots, icon, stylesheet) live in
`_head.html`, put in place of the HEAD_MARK comment when a template is first read; each page
keeps its own title and extras (the admin page's CSRF meta and script, the share page's
referrer policy). The partial is never served: /assets/auth/ refuses *.html."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from string import Template

from quart import Response

from app.paths import FRONTEND

FOLDER = FRONTEND / "auth"
HEAD_MARK = "  <!-- shared head: _head.html -->\n"


@lru_cache(maxsize=16)
def _template(name: str) -> Template:
    text = (FOLDER / name).read_text(encoding="utf-8")
    head = (FOLDER / "_head.html").read_text(encoding="utf-8")
    return Template(text.replace(HEAD_MARK, head, 1))


def render(name: str, status: int = 200, **values: str) -> Response:
    body = _template(name).safe_substitute({k: html.escape(v) for k, v in values.items()})
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    # Pages holding CSRF tokens or account data are never cached, and never indexed.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# Control characters (NUL, tab, CR, LF ...) and any whitespace: never in a redirect target.
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\s]")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a same-origin path: `//evil.example`, `/\\evil.example` and `/%09/evil.example`
    (browsers drop tabs and newlines, reading `//evil.example`) would leave the site, and a
    control character or space in a Location header is refused by the server itself."""
    if not target or not target.startswith("/") or _UNSAFE.search(target):
        return default
    if target.startswith(("//", "/\\")):
        return default
    return target
