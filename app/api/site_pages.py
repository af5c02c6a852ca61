"""The sites overview, onboarding, settings and account pages (issue 19): static HTML from
frontend/settings/ in the dashboard's design system; their scripts (one module per settings
section, frontend/settings/js/) call the JSON API. The session's CSRF token is put in each
page's `<meta name="csrf-token">`, as on /admin.

    GET /sites                        every site with visitors today / 7 days, active now
    GET /sites/new                    add a site (admins)
    GET /sites/<domain>/setup         the snippet to copy; waits live for the first visit
    GET /sites/<domain>/settings      general, rules, goals, share links, alerts, members, danger
    GET /account                      password, two-factor; for admins the instance settings
    GET /assets/settings/<file>       (pages.page_asset)
"""

from __future__ import annotations

import html
from functools import lru_cache
from string import Template

from quart import Blueprint, Response

from app.api.access import visible_site
from app.api.contract import HTML, TEXT, empty, errors, ok, responds
from app.api.errors import error_response
from app.api.principal import current
from app.paths import FRONTEND

bp = Blueprint("site_pages", __name__)
FOLDER = FRONTEND / "settings"
HEAD_MARK = "  <!-- shared head: _head.html -->\n"
NO_CREDENTIAL = empty(302, "no credential: to /login")


@lru_cache(maxsize=8)
def _template(name: str) -> Template:
    text = (FOLDER / name).read_text(encoding="utf-8")
    head = (FOLDER / "_head.html").read_text(encoding="utf-8")
    return Template(text.replace(HEAD_MARK, head, 1))


async def page(name: str, **values: str) -> Response:
    principal = await current()
    values = {"csrf_token": principal.csrf_token or "", **values}
    body = _template(name).safe_substitute({k: html.escape(v) for k, v in values.items()})
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"  # holds the CSRF token
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/sites")
@responds(ok(TEXT, "the sites overview", media=HTML), NO_CREDENTIAL)
async def sites_page() -> Response:
    return await page("sites.html")


@bp.get("/sites/new")
@responds(ok(TEXT, "the add-a-site form", media=HTML), NO_CREDENTIAL)
async def new_site_page() -> Response:
    return await page("new-site.html")


async def _site_page(name: str, domain: str) -> Response:
    site = await visible_site(domain)
    if site is None:
        return error_response(404, f"no site {domain}", "site")
    return await page(name, domain=site.domain)


@bp.get("/sites/<domain>/setup")
@responds(
    ok(TEXT, "the snippet, waiting for the first visit", media=HTML), NO_CREDENTIAL, *errors(404)
)
async def setup_page(domain: str) -> Response:
    return await _site_page("setup.html", domain)


@bp.get("/sites/<domain>/settings")
@responds(ok(TEXT, "the site's settings", media=HTML), NO_CREDENTIAL, *errors(404))
async def settings_page(domain: str) -> Response:
    return await _site_page("settings.html", domain)


@bp.get("/account")
@responds(ok(TEXT, "the account page", media=HTML), NO_CREDENTIAL)
async def account_page() -> Response:
    return await page("account.html")
