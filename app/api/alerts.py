"""Alerts: GET|POST /api/v1/sites/{site}/alerts, DELETE /api/v1/sites/{site}/alerts/{id}, the
delivery log GET .../alerts/{id}/deliveries and POST .../alerts/{id}/test (a test delivery now).
Anyone who may read the site lists the rules (never a channel's secret); its owners and admins
change them, read the log and send tests."""

from __future__ import annotations

from quart import Blueprint, Response, request

from app.alerts.engine import dispatch, trial_body
from app.alerts.rules import EMAIL, WEBHOOK, AlertError, parse
from app.alerts.store import add_rule, get_rule, list_deliveries, list_rules, remove_rule
from app.api.access import readable_site, site_owner
from app.api.context import runtime
from app.api.contract import empty, errors, json_response, ok, responds
from app.api.errors import error_response
from app.api.params import DELIVERY_LIMIT, ParamError
from app.api.schemas import alerts as bodies
from app.goals.store import find_goals
from app.sites.model import Site

bp = Blueprint("alerts", __name__)
BASE = "/api/v1/sites/<site>/alerts"


@bp.get(BASE)
@responds(ok(bodies.Alerts), *errors(401, 404))
async def alerts_list(site: str) -> Response:
    """The site's alert rules (anyone who may read the site; secrets are never shown)."""
    found = await readable_site(site)
    async with runtime().engine.connect() as conn:
        rules = await list_rules(conn, found.id)
    return json_response(bodies.Alerts, {"alerts": [r.as_json() for r in rules]})


@bp.post(BASE)
@responds(
    ok(bodies.Alert, "the rule, with its channel's secret (shown this once)", status=201),
    *errors(400, 401, 403, 404),
)
@site_owner("change alerts", "site")
async def alerts_add(found: Site) -> Response:
    """Define an alert rule (spike | drop | event | active, with a webhook channel); 400 names
    the field. The answer (201) is the only place the channel's secret is shown."""
    rt = runtime()
    try:
        rule = parse(await request.get_json(silent=True))
        if rule.channel.type == EMAIL and not rt.mailer.configured:
            raise AlertError("channel.type", "email alerts need the server's PULSE_SMTP_URL")
        async with rt.engine.begin() as conn:
            if rule.goal is not None and not await find_goals(conn, found.id, {rule.goal}):
                raise AlertError("goal", f"{found.domain} has no goal named {rule.goal!r}")
            rule = await add_rule(conn, found.id, rule, rt.clock.now_ms())
    except AlertError as exc:
        return error_response(400, exc.message, exc.field)
    await rt.alerts.reload()  # armed at once, not at the next 5 s refresh
    body = rule.as_json()
    if rule.channel.type == WEBHOOK:
        body["channel"]["secret"] = rule.channel.secret
    return json_response(bodies.Alert, body, status=201)


@bp.delete(f"{BASE}/<id:alert_id>")
@responds(empty(204, "removed"), *errors(401, 403, 404))
@site_owner("change alerts", "site")
async def alerts_remove(found: Site, alert_id: int) -> Response:
    """Remove an alert rule and its delivery log (owners and admins)."""
    async with runtime().engine.begin() as conn:
        removed = await remove_rule(conn, found.id, alert_id)
    if not removed:
        return error_response(404, f"no alert {alert_id} on {found.domain}", "id")
    await runtime().alerts.reload()
    return Response(status=204)


@bp.get(f"{BASE}/<id:alert_id>/deliveries")
@responds(ok(bodies.Deliveries), *errors(400, 401, 403, 404))
@site_owner("change alerts", "site")
async def alerts_deliveries(found: Site, alert_id: int) -> Response:
    """The rule's webhook attempts, newest first: status code or error, duration (?limit=100)."""
    try:
        limit = DELIVERY_LIMIT.parse(request.args.get("limit"))
    except ParamError as exc:
        return error_response(400, exc.message, exc.field)
    async with runtime().engine.connect() as conn:
        if await get_rule(conn, found.id, alert_id) is None:
            return error_response(404, f"no alert {alert_id} on {found.domain}", "id")
        rows = await list_deliveries(conn, alert_id, limit)
    return json_response(bodies.Deliveries, {"deliveries": rows})


@bp.post(f"{BASE}/<id:alert_id>/test")
@responds(ok(bodies.AlertTest, "the attempts of a test delivery"), *errors(401, 403, 404))
@site_owner("change alerts", "site")
async def alerts_test(found: Site, alert_id: int) -> Response:
    """Send a test delivery through the rule's channel now (with its retries); the attempts."""
    rt = runtime()
    async with rt.engine.connect() as conn:
        rule = await get_rule(conn, found.id, alert_id)
    if rule is None:
        return error_response(404, f"no alert {alert_id} on {found.domain}", "id")
    now = rt.clock.now_ms()
    body = trial_body(rule, found, now)
    attempts = await dispatch(rt.engine, rt.settings, rule, body, now, True, rt.mailer)
    return json_response(
        bodies.AlertTest,
        {
            "delivered": bool(attempts) and attempts[-1].delivered,
            "attempts": [
                {"attempt": a.attempt, "status_code": a.status_code, "error": a.error}
                for a in attempts
            ],
        },
    )
