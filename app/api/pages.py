"""Pages and their static files, all served by Pulse itself (no CDN: the machines that run it may
be offline).

    GET /?site=&range=&filter=...    the dashboard (frontend/dashboard/index.html; its scripts read
                                     the query string, so a link reproduces a view)
    GET /live?site=...               the wall display (frontend/live/index.html)
    GET /assets/<folder>/<file>      their CSS and JS (frontend/dashboard/, frontend/live/)
    GET /assets/vendor/<name>.js     the pinned npm libraries, from frontend/node_modules
                                     (installed by `cd frontend && npm ci`)
"""

from __future__ import annotations

import logging
from pathlib import Path

from quart import Blueprint, Response, redirect, request
from werkzeug.security import safe_join

from app.api.assets import send_asset
from app.api.context import runtime
from app.api.contract import ANY_MEDIA, HTML, TEXT, empty, errors, ok, responds
from app.api.embeds import dashboard_origins
from app.api.errors import error_response
from app.api.headers import allow_framing
from app.api.principal import current
from app.paths import FRONTEND

bp = Blueprint("pages", __name__)
log = logging.getLogger(__name__)

NODE_MODULES = FRONTEND / "node_modules"
# Only these files of node_modules are reachable, under a stable name. The dashboard (Sankey, heat
# map, world map) and the wall (its world map) load echarts' full build (299 KB brotli); the
# "simple" build (line, bar, pie) stays reachable for pages that need no more.
VENDOR = {
    "echarts.js": NODE_MODULES / "echarts" / "dist" / "echarts.simple.min.js",
    "echarts-full.js": NODE_MODULES / "echarts" / "dist" / "echarts.min.js",
    "msgpack.js": NODE_MODULES / "@msgpack" / "msgpack" / "dist.umd" / "msgpack.min.js",
    # The world map: Natural Earth's countries at 1:110m as TopoJSON (world-atlas, 108 KB),
    # topojson-client to turn it into GeoJSON, and ISO 3166 codes (numeric -> alpha-2).
    "topojson-client.js": NODE_MODULES / "topojson-client" / "dist" / "topojson-client.min.js",
    "countries-110m.json": NODE_MODULES / "world-atlas" / "countries-110m.json",
    "country-codes.json": NODE_MODULES / "i18n-iso-countries" / "codes.json",
}
FLAGS = NODE_MODULES / "flag-icons" / "flags" / "4x3"  # flag-icons: one SVG per ISO alpha-2
ICONS = NODE_MODULES / "simple-icons" / "icons"  # simple-icons: one SVG per brand slug
NOT_INSTALLED = "frontend libraries not installed: run `cd frontend && npm ci`"
# Pages and their files revalidate (ETag -> 304, a few hundred bytes) at every load, so a
# deploy shows at once. The pinned libraries change only with package.json: a week of caching
# (then an ETag check) spares the dashboard its 299 KB of ECharts per visit.
PAGE_CACHE = "no-cache"
VENDOR_MAX_AGE_S = 7 * 86_400


@bp.get("/")
@responds(
    ok(TEXT, "the dashboard", media=HTML),
    empty(
        302,
        "no credential: to /login; a user with several sites (or none) and no ?site=: to /sites",
    ),
)
async def dashboard_page() -> Response:
    """Needs a login or a share link's cookie: the guard sends anyone else to /login?next=/.
    Without ?site=, a user with one site sees its dashboard; with several (or none yet), the
    sites overview (issue 19) is the landing page."""
    principal = await current()
    if not request.args.get("site") and principal.kind == "user":
        readable = [s for s in runtime().sites.all() if principal.can_read(s.id)]
        if len(readable) != 1:
            return redirect("/sites")  # type: ignore[return-value]
    response = await send_asset(FRONTEND / "dashboard" / "index.html", FRONTEND)
    response.headers["Cache-Control"] = PAGE_CACHE
    response.headers["X-Robots-Tag"] = "noindex, nofollow"  # shared views are never indexed
    # An embedded share (?share=&embed=1): framable by that link's origins only (issue 21).
    return allow_framing(response, await dashboard_origins())


@bp.get("/live")
@responds(ok(TEXT, "the wall display", media=HTML), empty(302, "no credential: to /login"))
async def live_page() -> Response:
    response = await send_asset(FRONTEND / "live" / "index.html", FRONTEND)
    response.headers["Cache-Control"] = PAGE_CACHE
    return response


@bp.get("/assets/<any(dashboard, live, embed, settings):folder>/<path:name>")
@responds(ok(TEXT, "the file", media=ANY_MEDIA), *errors(404))
async def page_asset(folder: str, name: str) -> Response:
    path = _file_in(FRONTEND / folder, name)
    if path is None:
        return error_response(404, "not found")
    response = await send_asset(path, FRONTEND)
    response.headers["Cache-Control"] = PAGE_CACHE
    return response


def _file_in(folder: Path, name: str) -> Path | None:
    """The file `name` inside `folder`; None for a path leaving it or nothing there (a stat of
    a local file: microseconds, as send_file's own)."""
    joined = safe_join(str(folder), name)
    return Path(joined) if joined is not None and Path(joined).is_file() else None


@bp.get("/assets/vendor/<path:name>")
@responds(ok(TEXT, "the file", media=ANY_MEDIA), *errors(404, 503))
async def vendor(name: str) -> Response:
    """The pinned libraries under their stable names, flag-icons' flags/<code>.svg and
    simple-icons' icons/<slug>.svg (a two-letter code, a lowercase slug: no path)."""
    folder, _, file = name.partition("/")
    stem = file.removesuffix(".svg")
    picture = stem.isascii() and stem.isalnum() and file.endswith(".svg")
    if folder == "flags" and picture and len(stem) == 2:
        path: Path | None = FLAGS / f"{stem.lower()}.svg"
        kind = "image/svg+xml"
    elif folder == "icons" and picture and stem.islower() and len(stem) <= 40:
        path = ICONS / f"{stem}.svg"
        kind = "image/svg+xml"
    else:
        path = VENDOR.get(name)
        kind = "application/json" if name.endswith(".json") else "text/javascript"
    if path is None:
        return error_response(404, "not found")
    problem = _not_there(path, flag=kind == "image/svg+xml")  # a flag or an icon
    if problem is not None:
        return problem
    response = await send_asset(path, FRONTEND, mimetype=kind)
    response.headers["Cache-Control"] = f"public, max-age={VENDOR_MAX_AGE_S}"
    return response


def _not_there(path: Path, flag: bool) -> Response | None:
    """None when the file is there; else 404 for a code flag-icons draws no flag for, or 503
    when `npm ci` did not run."""
    if path.is_file():
        return None
    if flag and FLAGS.is_dir() and ICONS.is_dir():
        return error_response(404, "not found")
    log.warning("%s missing: %s", path, NOT_INSTALLED)
    response = error_response(503, NOT_INSTALLED)
    response.headers["Retry-After"] = "60"
    return response
