"""Embeds and kiosk screens (issue 21): pages another site may frame, the web component, and
the kiosk link's entry.

    GET /share/<slug>/live-card?theme=   active now, the last 30 minutes' bars and totals
    GET /share/<slug>/counter?theme=     a small live counter
    GET /embed.js                        <pulse-live share=... kind=counter|card theme=...>
    GET /kiosk/<token>                   303 to /live?site=...&kiosk=<token> (no cookie)

The card and the counter are the web component on a page of its own, framable by the share
link's `embed_origins` only (app/api/headers.allow_framing); everything else keeps
`frame-ancestors 'none'`. Both need a link without a password: the slug in the URL is the
grant, as a frame on another site sends no cookies. Theme: light (default), dark, transparent.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from quart import Blueprint, Response, redirect, request

from app.api.assets import send_asset
from app.api.context import runtime
from app.api.contract import HTML, TEXT, empty, errors, ok, responds
from app.api.errors import error_response
from app.api.headers import allow_framing
from app.auth.kiosks import find_kiosk
from app.auth.shares import ShareLink, find_share
from app.paths import FRONTEND

bp = Blueprint("embeds", __name__)
THEMES = ("light", "dark", "transparent")
NOINDEX = "noindex, nofollow"
PAGE = """<!doctype html>
<html lang="en" data-theme="{theme}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex, nofollow">
  <title>Pulse · {title}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/assets/embed/page.css">
  <script defer src="/embed.js"></script>
</head>
<body>
  <pulse-live share="{slug}" kind="{kind}" theme="{theme}"></pulse-live>
</body>
</html>
"""


def theme_of() -> str | None:
    theme = request.args.get("theme", "light")
    return theme if theme in THEMES else None


def private(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = NOINDEX
    response.headers["Referrer-Policy"] = "no-referrer"  # the slug is the credential
    response.headers["Cache-Control"] = "no-store"
    return response


async def embeddable(slug: str) -> ShareLink | Response:
    """The live link without a password, or the answer saying why not."""
    async with runtime().engine.connect() as conn:
        link = await find_share(conn, slug)
    if link is None:
        return private(error_response(404, "no such share link (revoked?)"))
    if link.has_password:
        return private(error_response(403, "embeds need a share link without a password"))
    return link


async def _widget(slug: str, kind: str, title: str) -> Response:
    theme = theme_of()
    if theme is None:
        return error_response(400, f"theme must be one of {', '.join(THEMES)}", "theme")
    link = await embeddable(slug)
    if isinstance(link, Response):
        return link
    page = PAGE.format(theme=theme, title=title, slug=html.escape(link.slug), kind=kind)
    response = Response(page, content_type="text/html; charset=utf-8")
    return allow_framing(private(response), link.embed_origins)


WIDGET = (ok(TEXT, "the page (framable by the link's embed_origins)", media=HTML),)


@bp.get("/share/<slug>/live-card")
@responds(*WIDGET, *errors(400, 403, 404))
async def live_card(slug: str) -> Response:
    return await _widget(slug, "card", "live card")


@bp.get("/share/<slug>/counter")
@responds(*WIDGET, *errors(400, 403, 404))
async def counter(slug: str) -> Response:
    return await _widget(slug, "counter", "live counter")


@bp.get("/embed.js")
@responds(ok(TEXT, "the <pulse-live> web component", media="text/javascript"))
async def embed_js() -> Response:
    response = await send_asset(FRONTEND / "embed" / "embed.js", FRONTEND)
    response.headers["Cache-Control"] = "no-cache"
    # Loaded by <script src> from other sites' pages (no CORS needed for a classic script).
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/kiosk/<token>")
@responds(
    empty(303, "on to the wall, the token in its URL", headers={"Location": {"schema": TEXT}}),
    *errors(404),
)
async def kiosk(token: str) -> Response:
    async with runtime().engine.connect() as conn:
        link = await find_kiosk(conn, token)
    if link is None:
        return private(error_response(404, "no such kiosk link (revoked?)"))
    target = f"/live?site={quote(link.domain)}&kiosk={quote(token)}"
    return private(redirect(target, 303))  # type: ignore[arg-type]


async def dashboard_origins() -> tuple[str, ...]:
    """For `/?share=<slug>&embed=1` (what `/share/<slug>?embed=1` leads to): the link's
    embed_origins, so that one page may be framed; () otherwise."""
    slug = request.args.get("share")
    if request.args.get("embed") != "1" or not slug:
        return ()
    link = await embeddable(slug)
    return () if isinstance(link, Response) else link.embed_origins
