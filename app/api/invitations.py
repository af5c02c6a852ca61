"""Invitations (issue 19): admins and a site's owners invite an email address to the site.

GET    /api/admin/invitations              pending ones (of the sites the caller manages)
POST   /api/admin/invitations              {"email", "site", "role", "expires_days"?: 7,
                                           "send"?: false} -> the link's path, shown this
                                           once; "send": true also emails it (needs SMTP)
DELETE /api/admin/invitations/<id>         revoke
GET    /invite/<token>                     the form: choose a password (public)
POST   /invite/<token>                     creates the account with the role, signs in
"""

from __future__ import annotations

from html import escape
from typing import Any

from quart import Blueprint, Response, redirect, request

from app.api import csrf
from app.api.access import managed_site, may_manage
from app.api.auth import _logged_in, form_page
from app.api.context import runtime
from app.api.contract import HTML, TEXT, empty, errors, json_response, ok, responds
from app.api.errors import Refusal, error_response
from app.api.principal import current
from app.api.schemas import accounts as bodies
from app.auth import invitations as store
from app.auth.passwords import PasswordError
from app.auth.users import UserError, start_session
from app.mail.mailer import MailError
from app.reports.sender import base_url
from app.sites.model import Site

bp = Blueprint("invitations", __name__)
GONE = "this invitation was used, revoked or has expired"


def _json(found: store.Invitation) -> dict[str, Any]:
    site = runtime().sites.by_id(found.site_id)
    return {
        "id": found.id,
        "email": found.email,
        "site": site.domain if site else "",
        "role": found.role,
        "created_at": found.created_at,
        "expires_at": found.expires_at,
    }


@bp.get("/api/admin/invitations")
@responds(ok(bodies.Invitations), *errors(401))
async def invitations_list() -> Response:
    p, rt = await current(), runtime()
    managed = {s.id for s in rt.sites.all() if p.can_manage(s.id)}
    async with rt.engine.connect() as conn:
        found = await store.list_pending(conn, rt.clock.now_ms(), managed)
    return json_response(bodies.Invitations, {"invitations": [_json(i) for i in found]})


@bp.post("/api/admin/invitations")
@responds(ok(bodies.CreatedInvitation, status=201), *errors(400, 401, 403, 404))
async def invitations_create() -> Response:
    rt = runtime()
    body: Any = await request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    for name in ("email", "site", "role"):
        if not isinstance(body.get(name), str):
            raise Refusal(400, f"{name} is required (a string)", name)
    days = body.get("expires_days", store.DEFAULT_DAYS)
    if not isinstance(days, int) or isinstance(days, bool):
        raise Refusal(400, "expires_days must be an integer", "expires_days")
    send = body.get("send", False)
    if not isinstance(send, bool):
        raise Refusal(400, "send must be true or false", "send")
    if send and not rt.mailer.configured:
        raise Refusal(400, "sending the invitation needs the server's PULSE_SMTP_URL", "send")
    site = await managed_site(body["site"], "invite people")
    try:
        async with rt.engine.begin() as conn:
            found, raw = await store.invite(
                conn, body["email"], site.id, body["role"], days, rt.clock.now_ms()
            )
    except store.InvitationError as exc:
        return error_response(400, exc.message, exc.field)
    created = {**_json(found), "path": f"/invite/{raw}", "sent": False}
    if send:
        created["sent"] = await _email(found, site, f"{base_url(rt.settings)}/invite/{raw}")
    return json_response(bodies.CreatedInvitation, created, status=201)


@bp.delete("/api/admin/invitations/<id:invitation_id>")
@responds(empty(204, "revoked"), *errors(401, 404))
async def invitations_revoke(invitation_id: int) -> Response:
    rt = runtime()
    async with rt.engine.begin() as conn:
        found = await store.get(conn, invitation_id)
        if found is None or not await may_manage(found.site_id):
            return error_response(404, f"no invitation {invitation_id}", "id")
        if not await store.revoke(conn, invitation_id, rt.clock.now_ms()):
            return error_response(404, f"invitation {invitation_id} is no longer pending", "id")
    return Response(status=204)


async def _email(found: store.Invitation, site: Site, link: str) -> bool:
    """The invitation by email; False (and logged) when the SMTP server did not take it."""
    mailer = runtime().mailer
    days = max(1, (found.expires_at - found.created_at) // 86_400_000)
    text = (
        f"You are invited to {site.name or site.domain} on Pulse as {found.role}.\n\n"
        f"Choose a password to create your account: {link}\n\n"
        f"The link works once and expires in {days} days.\n"
    )
    html = (
        '<div style="font-family:system-ui,sans-serif;font-size:14px">'
        f"<p>You are invited to <strong>{escape(site.name or site.domain)}</strong> on Pulse as "
        f'{escape(found.role)}.</p><p><a href="{escape(link)}">Create your account</a></p></div>'
    )
    subject = f"You are invited to {site.name or site.domain} on Pulse"
    try:
        await mailer.send(mailer.compose(found.email, subject, text, html))
    except MailError:
        return False
    return True


def _page(found: store.Invitation, token: str, status: int = 200, error: str = "") -> Response:
    site = runtime().sites.by_id(found.site_id)
    return form_page(
        "invite.html",
        status,
        token=token,
        email=found.email,
        role=found.role,
        site=site.name if site else "",
        error=error,
    )


@bp.get("/invite/<token>")
@responds(ok(TEXT, "the form: choose a password", media=HTML), *errors(404))
async def invite_page(token: str) -> Response:
    rt = runtime()
    async with rt.engine.connect() as conn:
        found = await store.pending_by_token(conn, token, rt.clock.now_ms())
    if found is None:
        return error_response(404, GONE)
    return _page(found, token)


@bp.post("/invite/<token>")
@responds(
    empty(303, "signed in, on to the site's dashboard", headers={"Location": {"schema": TEXT}}),
    ok(TEXT, "the form again, saying what was wrong", status=400, media=HTML),
    ok(TEXT, "the form again: reload", status=403, media=HTML),
    *errors(404),
)
async def invite_accept(token: str) -> Response:
    rt = runtime()
    form, now = await request.form, rt.clock.now_ms()
    async with rt.engine.connect() as conn:
        found = await store.pending_by_token(conn, token, now)
    if found is None:
        return error_response(404, GONE)
    if not await csrf.form_valid():
        return _page(found, token, 403, "Reload and try again.")
    try:
        async with rt.engine.begin() as conn:
            accepted = await store.accept(conn, token, form.get("password", ""), now)
            if accepted is None:
                return error_response(404, GONE)
            raw = await start_session(conn, accepted[0], now)
    except (PasswordError, UserError) as exc:
        return _page(found, token, 400, str(exc))
    site = rt.sites.by_id(found.site_id)
    if site is None:
        return redirect("/", 303)  # type: ignore[return-value]
    return _logged_in(raw, f"/?site={site.domain}")
