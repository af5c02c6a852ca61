"""Kiosk links' API (issue 21), for a site's owners and admins:

GET  /api/admin/sites/<domain>/kiosks        the site's kiosk links (never their tokens)
POST /api/admin/sites/<domain>/kiosks        {label?, filter?} -> the link and its token, once
DELETE /api/admin/kiosks/<id>                revoke: /kiosk/<token> refuses, open walls close
"""

from __future__ import annotations

from dataclasses import asdict

from quart import Blueprint, Response, request

from app.api.access import require_owner, site_owner
from app.api.context import runtime
from app.api.contract import errors, json_response, ok, responds
from app.api.errors import error_response
from app.api.schemas import accounts as bodies
from app.auth import kiosks
from app.auth.embeds import LinkOptionError, lock_filters
from app.sites.model import Site

bp = Blueprint("kiosks", __name__)


@bp.get("/api/admin/sites/<domain>/kiosks")
@responds(ok(list[bodies.Kiosk]), *errors(401, 403, 404))
@site_owner("see kiosk links")
async def kiosks_list(site: Site) -> Response:
    async with runtime().engine.connect() as conn:
        found = [asdict(k) for k in await kiosks.list_kiosks(conn, site.id)]
    return json_response(list[bodies.Kiosk], found)


@bp.post("/api/admin/sites/<domain>/kiosks")
@responds(ok(bodies.CreatedKiosk, "the kiosk link, created"), *errors(400, 401, 403, 404))
@site_owner("create kiosk links")
async def kiosks_create(site: Site) -> Response:
    rt = runtime()
    body = await request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    label = body.get("label", "")
    if not isinstance(label, str) or len(label) > 200:
        return error_response(400, "label must be a string of at most 200 characters", "label")
    try:
        locked = lock_filters(body.get("filter"))
    except LinkOptionError as exc:
        return error_response(400, str(exc), exc.field)
    async with rt.engine.begin() as conn:
        link, token = await kiosks.create_kiosk(conn, site.id, label, locked, rt.clock.now_ms())
    created = {"kiosk": asdict(link), "token": token, "path": f"/kiosk/{token}"}
    return json_response(bodies.CreatedKiosk, created)


@bp.delete("/api/admin/kiosks/<id:kiosk_id>")
@responds(ok(bodies.Revoked), *errors(401, 403))
async def kiosks_revoke(kiosk_id: int) -> Response:
    rt = runtime()
    async with rt.engine.begin() as conn:
        found = [k for k in await kiosks.list_kiosks(conn) if k.id == kiosk_id]
        await require_owner(found[0].site_id if found else None)
        done = await kiosks.revoke_kiosk(conn, kiosk_id, rt.clock.now_ms())
    return json_response(bodies.Revoked, {"revoked": done})
