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

from quart import Blueprint, Response, send_file, send_from_directory
from werkzeug.exceptions import NotFound

import app as app_package
from app.api.errors import error_response

bp = Blueprint("pages", __name__)
log = logging.getLogger(__name__)

FRONTEND = Path(app_package.__file__).resolve().parents[1] / "frontend"
NODE_MODULES = FRONTEND / "node_modules"
# Only these files of node_modules are reachable, under a stable name. echarts' "simple" build
# (line, bar, pie: ~500 KB instead of 1.1 MB) has everything the wall's chart uses; the dashboard
# needs the full build for its Sankey and heat map.
VENDOR = {
    "echarts.js": NODE_MODULES / "echarts" / "dist" / "echarts.simple.min.js",
    "echarts-full.js": NODE_MODULES / "echarts" / "dist" / "echarts.min.js",
    "msgpack.js": NODE_MODULES / "@msgpack" / "msgpack" / "dist.umd" / "msgpack.min.js",
}
NOT_INSTALLED = "frontend libraries not installed: run `cd frontend && npm ci`"
# Pages revalidate (ETag -> 304) at every load, so a deploy shows at once; the pinned libraries
# change only with package.json, so a day of caching saves the TV ~600 KB per reload.
PAGE_CACHE = "no-cache"
VENDOR_MAX_AGE_S = 86_400


@bp.get("/")
async def dashboard_page() -> Response:
    """Needs a login or a share link's cookie: the guard sends anyone else to /login?next=/."""
    response = await send_file(FRONTEND / "dashboard" / "index.html", conditional=True)
    response.headers["Cache-Control"] = PAGE_CACHE
    response.headers["X-Robots-Tag"] = "noindex, nofollow"  # shared views are never indexed
    return response


@bp.get("/live")
async def live_page() -> Response:
    response = await send_file(FRONTEND / "live" / "index.html", conditional=True)
    response.headers["Cache-Control"] = PAGE_CACHE
    return response


@bp.get("/assets/<any(dashboard, live):folder>/<path:name>")
async def page_asset(folder: str, name: str) -> Response:
    try:
        response = await send_from_directory(FRONTEND / folder, name)
    except (FileNotFoundError, NotFound):
        return error_response(404, "not found")
    response.headers["Cache-Control"] = PAGE_CACHE
    return response


@bp.get("/assets/vendor/<name>")
async def vendor(name: str) -> Response:
    path = VENDOR.get(name)
    if path is None:
        return error_response(404, "not found")
    if not path.is_file():
        log.warning("%s missing: %s", path, NOT_INSTALLED)
        response = error_response(503, NOT_INSTALLED)
        response.headers["Retry-After"] = "60"
        return response
    response = await send_file(path, mimetype="text/javascript", conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={VENDOR_MAX_AGE_S}"
    return response
