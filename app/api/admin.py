"""Administration: the /admin page and its JSON API. Admins manage everything; a site's owners
manage that site's settings and share links. State changes are CSRF-checked by the guard (for
cookie sessions) and refused to read-only credentials.

    GET /admin                                  the page (frontend/auth/admin.html + admin.js)
    GET /api/me                                 who am I
    GET|POST /api/admin/sites                   list | add (admin)
    PATCH|DELETE /api/admin/sites/<domain>      change (owner) | remove with its data (admin)
    GET|POST /api/admin/users                   list | create (admin)
    PUT /api/admin/users/<id>/roles/<domain>    {"role": "owner"|"viewer"|null} (admin)
    DELETE /api/admin/users/<id>                (admin)
    GET|POST /api/admin/tokens, DELETE /api/admin/tokens/<id>          (admin)
    GET|POST /api/admin/sites/<domain>/shares, DELETE /api/admin/shares/<id>   (owner)
    PATCH /api/admin/shares/<id>  {embed_origins?, filter?}  (owner; issue 21)
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from quart import Blueprint, Response, request

from app.api.access import (
    NOT_ALLOWED,
    admin_only,
    readable_site,
    require_owner,
    site_owner,
    visible_site,
)
from app.api.context import runtime
from app.api.contract import HTML, TEXT, empty, errors, json_response, ok, responds
from app.api.errors import Refusal, error_response
from app.api.principal import current
from app.api.render import render
from app.api.schemas import accounts as bodies
from app.auth import shares, tokens, users
from app.auth.embeds import LinkOptionError, lock_filters, parse_origins
from app.auth.passwords import PasswordError
from app.sites.model import Site, SiteError
from app.sites.store import add_site, list_sites, remove_site, update_site

bp = Blueprint("admin", __name__)
SITE_FIELDS = ("name", "timezone", "identity_mode", "umami_id", "keep_raw_days")
RULE_FIELDS = ("allowed_hostnames", "excluded_ips", "excluded_paths")
Failures = (SiteError, users.UserError, tokens.TokenError, PasswordError, ValueError, TypeError)


async def _body() -> dict[str, Any]:
    body = await request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def field(body: dict[str, Any], name: str, kind: type, default: Any = None) -> Any:
    """A JSON body's field, of exactly its JSON type: `"is_admin": "false"` is refused (400
    naming it), never read as a truthy string."""
    value = body.get(name, default)
    if value is None or value is default:
        return value
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        names = {bool: "a boolean (true or false)", str: "a string", int: "an integer"}
        raise Refusal(400, f"{name} must be {names.get(kind, kind.__name__)}", name)
    return value


@bp.get("/admin")
@responds(ok(TEXT, "the admin page", media=HTML), empty(302, "no credential: to /login"))
async def admin_page() -> Response:
    principal = await current()
    return render("admin.html", csrf_token=principal.csrf_token or "")


@bp.get("/api/me")
@responds(ok(bodies.Me), *errors(401))
async def me() -> Response:
    p = await current()
    user = {"id": p.user.id, "email": p.user.email} if p.user else None
    # Every site this caller may read (the dashboard's site switcher), with what they may do.
    sites = [
        {
            "domain": site.domain,
            "name": site.name,
            "timezone": site.timezone,
            "role": "owner" if p.can_manage(site.id) else "viewer",
        }
        for site in runtime().sites.all()
        if p.can_read(site.id)
    ]
    answer = {"kind": p.kind, "admin": p.is_admin, "user": user, "sites": sites}
    if p.kind == "user" and p.csrf_token:
        answer["csrf_token"] = p.csrf_token
    return json_response(bodies.Me, answer)


@bp.get("/api/admin/sites")
@responds(ok(list[bodies.AdminSite], "the sites the caller manages"), *errors(401))
async def sites_list() -> Response:
    p = await current()
    async with runtime().engine.connect() as conn:
        found = await list_sites(conn)
    return json_response(list[bodies.AdminSite], [asdict(s) for s in found if p.can_manage(s.id)])


@bp.post("/api/admin/sites")
@responds(ok(bodies.AdminSite, "the site, added"), *errors(400, 401, 403))
@admin_only
async def sites_add() -> Response:
    body = await _body()
    options = {k: body[k] for k in (*SITE_FIELDS[:3], *RULE_FIELDS) if body.get(k) is not None}
    domain = field(body, "domain", str, "")
    return await _site_change(lambda conn: add_site(conn, domain, **options))


@bp.patch("/api/admin/sites/<domain>")
@responds(ok(bodies.AdminSite, "the site, changed"), *errors(400, 401, 403))
@site_owner("change the site")
async def sites_update(site: Site) -> Response:
    body = await _body()
    options = {k: body[k] for k in (*SITE_FIELDS, *RULE_FIELDS) if k in body}
    return await _site_change(lambda conn: update_site(conn, site.domain, **options))


@bp.delete("/api/admin/sites/<domain>")
@responds(ok(bodies.AdminSite, "the site, removed with its data"), *errors(400, 401, 403))
@admin_only
async def sites_remove(domain: str) -> Response:
    return await _site_change(lambda conn: remove_site(conn, domain))


async def _site_change(change: Any) -> Response:
    rt = runtime()
    try:
        async with rt.engine.begin() as conn:
            site = await change(conn)
    except Failures as exc:
        return error_response(400, str(exc))
    await rt.sites.reload()  # rules and names take effect on the next event
    return json_response(bodies.AdminSite, asdict(site))


@bp.get("/api/admin/users")
@responds(ok(list[bodies.AdminUser]), *errors(401, 403))
@admin_only
async def users_list() -> Response:
    async with runtime().engine.connect() as conn:
        found = await users.list_users(conn)
    listed = [{**asdict(u), "roles": {str(k): v for k, v in u.roles.items()}} for u in found]
    return json_response(list[bodies.AdminUser], listed)


@bp.post("/api/admin/users")
@responds(ok(bodies.CreatedUser), *errors(400, 401, 403))
@admin_only
async def users_create() -> Response:
    body, rt = await _body(), runtime()
    try:
        async with rt.engine.begin() as conn:
            user = await users.create_user(
                conn,
                field(body, "email", str, ""),
                field(body, "password", str, ""),
                is_admin=field(body, "is_admin", bool, False),
                now_ms=rt.clock.now_ms(),
            )
    except Failures as exc:
        return error_response(400, str(exc))
    created = {"id": user.id, "email": user.email, "is_admin": user.is_admin}
    return json_response(bodies.CreatedUser, created)


@bp.put("/api/admin/users/<id:user_id>/roles/<domain>")
@responds(ok(bodies.RoleSet), *errors(400, 401, 403))
@admin_only
async def users_role(user_id: int, domain: str) -> Response:
    site = await readable_site(domain)  # an admin reads every site: 404 for a missing one
    role = field(await _body(), "role", str)
    try:
        async with runtime().engine.begin() as conn:
            await users.set_role(conn, user_id, site.id, role)
    except Failures as exc:
        return error_response(400, str(exc))
    return json_response(bodies.RoleSet, {"user_id": user_id, "site": site.domain, "role": role})


@bp.delete("/api/admin/users/<id:user_id>")
@responds(ok(bodies.Deleted), *errors(401, 403))
@admin_only
async def users_delete(user_id: int) -> Response:
    user = (await current()).user
    if user is not None and user.id == user_id:
        raise Refusal(403, NOT_ALLOWED)  # an admin cannot lock themselves out
    async with runtime().engine.begin() as conn:
        await users.delete_user(conn, user_id)
    return json_response(bodies.Deleted, {"deleted": user_id})


@bp.get("/api/admin/tokens")
@responds(ok(list[bodies.AdminToken]), *errors(401, 403))
@admin_only
async def tokens_list() -> Response:
    async with runtime().engine.connect() as conn:
        found = [asdict(t) for t in await tokens.list_tokens(conn)]
    return json_response(list[bodies.AdminToken], found)


@bp.post("/api/admin/tokens")
@responds(ok(bodies.CreatedToken, "the token, shown this once"), *errors(400, 401, 403))
@admin_only
async def tokens_create() -> Response:
    body, rt = await _body(), runtime()
    domain = field(body, "site", str)
    site = await visible_site(domain) if domain else None  # an admin sees every site
    if domain and site is None:
        return error_response(400, "no such site", "site")
    scope = "read" if site else "admin"
    try:
        async with rt.engine.begin() as conn:
            token_id, raw = await tokens.create_token(
                conn,
                scope=scope,
                site_id=site.id if site else None,
                label=field(body, "label", str, ""),
                now_ms=rt.clock.now_ms(),
            )
    except Failures as exc:
        return error_response(400, str(exc))
    created = {"id": token_id, "token": raw, "scope": scope}  # shown this once
    return json_response(bodies.CreatedToken, created)


@bp.delete("/api/admin/tokens/<id:token_id>")
@responds(ok(bodies.Revoked), *errors(401, 403))
@admin_only
async def tokens_revoke(token_id: int) -> Response:
    rt = runtime()
    async with rt.engine.begin() as conn:
        done = await tokens.revoke_token(conn, token_id, rt.clock.now_ms())
    return json_response(bodies.Revoked, {"revoked": done})


def _share_json(link: shares.ShareLink) -> dict[str, Any]:
    public = {k: v for k, v in asdict(link).items() if k != "password_hash"}
    public["embed_origins"] = list(link.embed_origins)
    return {**public, "has_password": link.has_password, "path": f"/share/{link.slug}"}


def _link_options(body: dict[str, Any]) -> tuple[tuple[str, ...] | None, str | None]:
    """A body's `embed_origins` and `filter` (None where absent), validated: 400 naming the
    field (app/auth/embeds.py)."""
    try:
        origins = parse_origins(body["embed_origins"]) if "embed_origins" in body else None
        locked = lock_filters(body["filter"]) if "filter" in body else None
    except LinkOptionError as exc:
        raise Refusal(400, str(exc), exc.field) from None
    return origins, locked


@bp.get("/api/admin/sites/<domain>/shares")
@responds(ok(list[bodies.Share]), *errors(401, 403))
@site_owner("see share links")
async def shares_list(site: Site) -> Response:
    async with runtime().engine.connect() as conn:
        found = [_share_json(s) for s in await shares.list_shares(conn, site.id)]
    return json_response(list[bodies.Share], found)


@bp.post("/api/admin/sites/<domain>/shares")
@responds(ok(bodies.Share, "the share link, created"), *errors(400, 401, 403))
@site_owner("create share links")
async def shares_create(site: Site) -> Response:
    rt, body = runtime(), await _body()
    password = field(body, "password", str) or None
    origins, locked = _link_options(body)
    try:
        async with rt.engine.begin() as conn:
            link = await shares.create_share(
                conn, site.id, password, rt.clock.now_ms(), origins or (), locked or ""
            )
    except Failures as exc:
        return error_response(400, str(exc))
    return json_response(bodies.Share, _share_json(link))


@bp.delete("/api/admin/shares/<id:share_id>")
@responds(ok(bodies.Revoked), *errors(401, 403))
async def shares_revoke(share_id: int) -> Response:
    rt = runtime()
    async with rt.engine.begin() as conn:
        found = [s for s in await shares.list_shares(conn) if s.id == share_id]
        await require_owner(found[0].site_id if found else None)
        done = await shares.revoke_share(conn, share_id, rt.clock.now_ms())
    return json_response(bodies.Revoked, {"revoked": done})


@bp.patch("/api/admin/shares/<id:share_id>")
@responds(ok(bodies.Share, "the share link, changed"), *errors(400, 401, 403, 404))
async def shares_update(share_id: int) -> Response:
    """Change `embed_origins` and/or `filter` (issue 21); open sockets of the link follow
    within PULSE_LIVE_REAUTH_MS (a new filter closes them, the screens reconnect to it)."""
    rt = runtime()
    origins, locked = _link_options(await _body())
    async with rt.engine.begin() as conn:
        found = [s for s in await shares.list_shares(conn) if s.id == share_id]
        await require_owner(found[0].site_id if found else None)
        if found[0].revoked_at is not None:
            return error_response(404, "the share link is revoked")
        await shares.update_share(conn, share_id, origins, locked)
        link = await shares.find_share(conn, found[0].slug)
    assert link is not None
    return json_response(bodies.Share, _share_json(link))
