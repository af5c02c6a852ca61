"""Scheduled email reports: GET|POST /api/v1/sites/{site}/email-reports, DELETE
.../email-reports/{id} (the site's owners and admins: the addresses are personal data), and the
unsubscribe link /unsubscribe/<token> (no sign-in: the signed token is the credential). Its GET
only asks (mail clients and scanners prefetch links); the POST unsubscribes, from the page's
button or a client's RFC 8058 one-click POST (no CSRF token: it can only unsubscribe)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request

from app.api.access import site_owner
from app.api.context import runtime
from app.api.contract import HTML, TEXT, empty, errors, json_response, ok, responds
from app.api.errors import error_response
from app.api.render import render
from app.api.schemas import alerts as bodies
from app.reports import store, tokens
from app.reports.schedule import latest_due, next_send
from app.reports.subscription import ReportError, parse
from app.sites.model import Site

bp = Blueprint("email_reports", __name__)
BASE = "/api/v1/sites/<site>/email-reports"
GONE = "This link is no longer valid: the report was already stopped."


def _json(sub: store.Subscription, site: Site, now: int) -> dict[str, Any]:
    return {**sub.as_json(), "next_send_ms": next_send(sub.interval, sub.hour, site.timezone, now)}


@bp.get(BASE)
@responds(ok(bodies.EmailReports), *errors(401, 403, 404))
@site_owner("manage email reports", "site")
async def email_reports_list(found: Site) -> Response:
    """The site's report subscriptions, with the next send time (owners and admins), and
    whether the instance can send mail at all (`smtp_configured`: the settings page says so;
    /readyz's `mail` tells only admins)."""
    rt = runtime()
    async with rt.engine.connect() as conn:
        subs = await store.list_subscriptions(conn, found.id)
    now = rt.clock.now_ms()
    listed = {"email_reports": [_json(s, found, now) for s in subs]}
    return json_response(bodies.EmailReports, {**listed, "smtp_configured": rt.mailer.configured})


@bp.post(BASE)
@responds(ok(bodies.EmailReport, status=201), *errors(400, 401, 403, 404))
@site_owner("manage email reports", "site")
async def email_reports_add(found: Site) -> Response:
    """Subscribe an address: `{"email", "interval": "weekly" | "monthly", "hour": 0-23}`. The
    first report is the next period's (a week's goes out on Monday at the hour, a month's on
    the 1st); 400 names the field."""
    rt = runtime()
    try:
        email, interval, hour = parse(await request.get_json(silent=True))
        if not rt.mailer.configured:
            raise ReportError("email", "email reports need the server's PULSE_SMTP_URL")
        now = rt.clock.now_ms()
        skip = latest_due(interval, hour, found.timezone, now)[0]
        async with rt.engine.begin() as conn:
            sub = await store.add_subscription(conn, found.id, email, interval, hour, now, skip)
    except ReportError as exc:
        return error_response(400, exc.message, exc.field)
    except store.Duplicate as exc:
        return error_response(400, str(exc), "email")
    return json_response(bodies.EmailReport, _json(sub, found, now), status=201)


@bp.delete(f"{BASE}/<id:report_id>")
@responds(empty(204, "removed"), *errors(401, 403, 404))
@site_owner("manage email reports", "site")
async def email_reports_remove(found: Site, report_id: int) -> Response:
    async with runtime().engine.begin() as conn:
        removed = await store.remove_subscription(conn, found.id, report_id)
    if not removed:
        return error_response(404, f"no email report {report_id} on {found.domain}", "id")
    return Response(status=204)


async def _from_token(token: str) -> tuple[store.Subscription, Site] | None:
    rt = runtime()
    report_id = tokens.report_id(token)
    if report_id is None:
        return None
    async with rt.engine.connect() as conn:
        sub = await store.get_subscription(conn, report_id)
    if sub is None or not tokens.valid(rt.auth.key, token, sub.id, sub.email):
        return None
    site = rt.sites.by_id(sub.site_id)
    return None if site is None else (sub, site)


@bp.get("/unsubscribe/<token>")
@responds(ok(TEXT, "asks to confirm (a GET never unsubscribes)", media=HTML),
          ok(TEXT, "the link is no longer valid", status=404, media=HTML))  # fmt: skip
async def unsubscribe_page(token: str) -> Response:
    found = await _from_token(token)
    if found is None:
        return render("unsubscribed.html", 404, message=GONE)
    sub, site = found
    return render("unsubscribe.html", token=token, site=site.domain, email=sub.email,
                  interval=sub.interval)  # fmt: skip


@bp.post("/unsubscribe/<token>")
@responds(ok(TEXT, "unsubscribed", media=HTML),
          ok(TEXT, "the link is no longer valid", status=404, media=HTML))  # fmt: skip
async def unsubscribe(token: str) -> Response:
    found = await _from_token(token)
    if found is None:
        return render("unsubscribed.html", 404, message=GONE)
    sub, site = found
    async with runtime().engine.begin() as conn:
        await store.remove_subscription(conn, site.id, sub.id)
    message = f"{sub.email} will no longer get the {sub.interval} report of {site.domain}."
    return render("unsubscribed.html", message=message)
