"""The sites overview, a site's members, and the instance settings (issue 19).

    GET   /api/v1/overview                       every site the caller may read: visitors today,
                                                 over 7 days, and per day (the sparkline)
    GET   /api/admin/sites/<domain>/members      who has a role on the site (its managers)
    PUT   /api/admin/sites/<domain>/members      {"email", "role": "owner"|"viewer"|null}
    GET   /api/admin/instance                    {"require_two_factor", "mail"} (admins)
    PATCH /api/admin/instance                    change require_two_factor (admins)
    POST  /api/admin/instance/test-email         a test message to the admin's own address

The overview asks two reports per site (the 7-day daily series and the 7-day distinct
visitors), through the planner like every report: fine for tens of sites (not measured at
scale yet); one grouped query over all sites is the step after that.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.access import admin_only, site_owner
from app.api.admin import field
from app.api.context import runtime
from app.api.contract import errors, json_response, ok, responds
from app.api.errors import Refusal, error_response
from app.api.principal import Principal, current
from app.api.schemas import sites as bodies
from app.auth import users
from app.mail.mailer import MailError
from app.queries import sealed_days
from app.queries.period import resolve
from app.queries.scope import Scope
from app.queries.summary import metrics_for
from app.queries.timeseries import timeseries
from app.sites.model import Site

bp = Blueprint("overview", __name__)


async def _site_figures(conn: AsyncConnection, site: Site, p: Principal) -> dict[str, Any]:
    rt = runtime()
    period = resolve("7d", rt.clock.now_ms(), site.timezone, interval="day")
    scope = Scope(site.id, period, (), columns=rt.column_cache)
    series = await timeseries(conn, scope, ["visitors"])
    week = await metrics_for(conn, scope, period)
    days = [{"date": pt["bucket"][:10], "visitors": pt["visitors"]} for pt in series["points"]]
    return {
        "domain": site.domain,
        "name": site.name,
        "timezone": site.timezone,
        "role": "owner" if p.can_manage(site.id) else "viewer",
        "visitors_today": days[-1]["visitors"] if days else 0,
        "visitors_7d": int(week["visitors"]),
        "days": days,
    }


@bp.get("/api/v1/overview")
@responds(ok(bodies.Overview, "the caller's sites with their last 7 days"), *errors(401))
async def overview() -> Response:
    p, rt = await current(), runtime()
    mine = sorted(
        (s for s in rt.sites.all() if p.can_read(s.id)), key=lambda s: (s.name or s.domain).lower()
    )
    async with rt.engine.connect() as conn:
        with sealed_days.listed_once():
            found = [await _site_figures(conn, site, p) for site in mine]
    return json_response(bodies.Overview, {"sites": found, "can_add": p.is_admin})


async def _members(site: Site) -> list[dict[str, Any]]:
    async with runtime().engine.connect() as conn:
        everyone = await users.list_users(conn)
    listed = []
    for user in everyone:
        role = "admin" if user.is_admin else user.roles.get(site.id)
        if role is not None:
            member = {"user_id": user.id, "email": user.email, "role": role}
            listed.append({**member, "two_factor": user.two_factor})
    return listed


@bp.get("/api/admin/sites/<domain>/members")
@responds(ok(bodies.Members), *errors(401, 403, 404))
@site_owner("see the members")
async def members_list(site: Site) -> Response:
    return json_response(bodies.Members, {"members": await _members(site)})


@bp.put("/api/admin/sites/<domain>/members")
@responds(ok(bodies.Members, "the members, changed"), *errors(400, 401, 403, 404))
@site_owner("change the members")
async def members_set(site: Site) -> Response:
    """Give an existing account a role on the site by its email (null removes it); a new
    address is invited instead (POST /api/admin/invitations)."""
    body: Any = await request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    email = field(body, "email", str, "")
    if not email:
        raise Refusal(400, "email is required (a string)", "email")
    role = field(body, "role", str)
    if role not in (None, *users.ROLES):
        raise Refusal(400, "role must be owner, viewer or null", "role")
    async with runtime().engine.begin() as conn:
        user = await users.find_user(conn, email)
        if user is None:
            return error_response(400, f"no account for {email}: invite it instead", "email")
        if user.is_admin:
            return error_response(400, "an admin already manages every site", "email")
        await users.set_role(conn, user.id, site.id, role)
    return json_response(bodies.Members, {"members": await _members(site)})


def _mail_settings() -> dict[str, Any]:
    mailer = runtime().mailer
    config = mailer.config
    server = f"{config.host}:{config.port}" if config else ""
    return {"configured": config is not None, "from_address": mailer.sender, "server": server}


@bp.get("/api/admin/instance")
@responds(ok(bodies.InstanceSettings), *errors(401, 403))
@admin_only
async def instance_get() -> Response:
    rt = runtime()
    values = await rt.auth.policy.values(rt.engine, rt.clock.now_ms())
    return json_response(bodies.InstanceSettings, {**values, "mail": _mail_settings()})


@bp.post("/api/admin/instance/test-email")
@responds(
    ok(bodies.MailTestSent, "sent to the admin's own address"),
    *errors(400, 401, 403, 502, s502="the SMTP server refused it or was away"),
)
@admin_only
async def instance_test_email() -> Response:
    """Proves PULSE_SMTP_URL end to end: the SMTP server accepted a message for the caller."""
    rt, user = runtime(), (await current()).user
    if user is None:
        raise Refusal(400, "an API token has no address: sign in as a user", "to")
    if not rt.mailer.configured:
        raise Refusal(400, "mail is not configured: set PULSE_SMTP_URL", "mail")
    text = "This is a test message from Pulse: mail from this instance reaches you."
    try:
        await rt.mailer.send(rt.mailer.compose(user.email, "Pulse test email", text))
    except MailError as exc:
        return error_response(502, f"the SMTP server did not take it: {exc}", "mail")
    return json_response(bodies.MailTestSent, {"sent_to": user.email})


@bp.patch("/api/admin/instance")
@responds(ok(bodies.InstanceSettings, "the settings, changed"), *errors(400, 401, 403))
@admin_only
async def instance_change() -> Response:
    rt = runtime()
    body: Any = await request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    changes = {}
    if "require_two_factor" in body:
        value = field(body, "require_two_factor", bool)
        if value is None:
            raise Refusal(400, "require_two_factor must be a boolean", "require_two_factor")
        changes["require_two_factor"] = value
    user = (await current()).user
    if changes.get("require_two_factor") and user is not None and not user.two_factor:
        message = "turn on your own two-factor sign-in first (it would lock you out)"
        raise Refusal(400, message, "require_two_factor")
    unknown = sorted(set(body) - {"require_two_factor"})
    if unknown:
        raise Refusal(400, f"unknown setting {unknown[0]}", unknown[0])
    values = await rt.auth.policy.change(rt.engine, rt.clock.now_ms(), **changes)
    return json_response(bodies.InstanceSettings, {**values, "mail": _mail_settings()})
