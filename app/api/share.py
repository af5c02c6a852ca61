"""/share/<slug>: a site's read-only shared view (the dashboard, which links to the wall display),
behind the link's optional password. Opening the link gives a signed `pulse_share`
cookie that the live view, the reports and the websocket accept for that site only.

Shared pages are never indexed (X-Robots-Tag here and a robots meta tag in the page).
"""

from __future__ import annotations

from urllib.parse import quote

from quart import Blueprint, Response, redirect, request

from app.api import cookies, csrf
from app.api.auth import form_page, request_ip
from app.api.context import runtime
from app.api.contract import HTML, TEXT, empty, errors, ok, responds
from app.api.embeds import THEMES, embeddable, theme_of
from app.api.errors import error_response
from app.auth.ratelimit import retry_after_header
from app.auth.shares import GRANT_TTL_MS, ShareLink, find_share, grant, grant_valid, password_ok

bp = Blueprint("share", __name__)
NOINDEX = "noindex, nofollow"


async def _link(slug: str) -> ShareLink | None:
    async with runtime().engine.connect() as conn:
        return await find_share(conn, slug)


def _noindex(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = NOINDEX
    response.headers["Referrer-Policy"] = "no-referrer"  # the slug is the credential
    return response


def _enter(link: ShareLink) -> Response:
    rt = runtime()
    response: Response = redirect(f"/?site={quote(link.domain)}", 303)  # type: ignore[assignment]
    value = grant(rt.auth.key, link, rt.clock.now_ms())
    cookies.set_cookie(response, rt.settings, cookies.SHARE, value, GRANT_TTL_MS // 1000)
    return _noindex(response)


@bp.get("/share/<slug>")
@responds(
    empty(
        303,
        "a share cookie, on to the shared dashboard (embed=1: no cookie, on to the embedded "
        "dashboard)",
        headers={"Location": {"schema": TEXT}},
    ),
    ok(TEXT, "the password form", media=HTML),
    *errors(400, 403, 404),
)
async def open_share(slug: str) -> Response:
    if request.args.get("embed") == "1":
        return await _embed(slug)
    link = await _link(slug)
    if link is None:
        return _noindex(error_response(404, "no such share link (revoked?)"))
    held = request.cookies.get(cookies.SHARE, "")
    rt = runtime()
    if not link.has_password or grant_valid(rt.auth.key, link, held, rt.clock.now_ms()):
        return _enter(link)
    return _noindex(form_page("share.html", slug=slug, error=""))


async def _embed(slug: str) -> Response:
    """`?embed=1` (issue 21): the dashboard without chrome, for a frame. No cookie (a frame on
    another site would not send it back): the slug goes in the dashboard's URL and requests."""
    theme = theme_of()
    if theme is None:
        return error_response(400, f"theme must be one of {', '.join(THEMES)}", "theme")
    link = await embeddable(slug)
    if isinstance(link, Response):
        return link
    target = f"/?site={quote(link.domain)}&share={quote(link.slug)}&embed=1&theme={theme}"
    return _noindex(redirect(target, 303))  # type: ignore[arg-type]


@bp.post("/share/<slug>")
@responds(
    empty(
        303, "unlocked: a share cookie, on to the dashboard", headers={"Location": {"schema": TEXT}}
    ),
    ok(TEXT, "wrong password: the form again", status=401, media=HTML),
    ok(TEXT, "stale form: the form again", status=403, media=HTML),
    ok(TEXT, "too many attempts; see Retry-After", status=429, media=HTML),
    *errors(404),
)
async def unlock(slug: str) -> Response:
    rt = runtime()
    link = await _link(slug)
    if link is None:
        return _noindex(error_response(404, "no such share link (revoked?)"))
    if not await csrf.form_valid():
        return _noindex(form_page("share.html", 403, slug=slug, error="Reload and try again."))
    now, auth = rt.clock.now_ms(), rt.auth
    keys = ((auth.share_by_ip, request_ip()), (auth.share_by_slug, slug))
    wait = max(limit.retry_after(key, now) for limit, key in keys)
    if wait:
        response = form_page("share.html", 429, slug=slug, error="Too many attempts.")
        response.headers["Retry-After"] = retry_after_header(wait)
        return _noindex(response)
    for limit, key in keys:
        limit.record(key, now)
    if not password_ok(link, (await request.form).get("password", "")):
        return _noindex(form_page("share.html", 401, slug=slug, error="Wrong password."))
    return _enter(link)
