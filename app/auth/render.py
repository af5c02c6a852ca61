"""Server-rendered auth pages: HTML templates from frontend/auth/ with `$name` placeholders,
every value HTML-escaped. No inline script or style anywhere (the CSP forbids them)."""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from string import Template

from quart import Response

import app as app_package

FOLDER = Path(app_package.__file__).resolve().parents[1] / "frontend" / "auth"


@lru_cache(maxsize=16)
def _template(name: str) -> Template:
    return Template((FOLDER / name).read_text(encoding="utf-8"))


def render(name: str, status: int = 200, **values: str) -> Response:
    body = _template(name).safe_substitute({k: html.escape(v) for k, v in values.items()})
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    # Pages holding CSRF tokens or account data are never cached, and never indexed.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def safe_next(target: str | None, default: str = "/admin") -> str:
    """Only a local path: `//evil.example` and `/\\evil.example` would leave the site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target
