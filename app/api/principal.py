"""Who is asking: resolved once per request (or websocket handshake) from a Bearer token, the
session cookie, the share cookie, and the link credentials an embed or a kiosk screen carries in
its URL (`share=<slug>` of a link without a password, `kiosk=<token>`; cross-site frames and TVs
send no cookies), and the decisions every handler asks of it.

The one place a link's locked filter is resolved (issue 21): `lock_for(site_id)` is what every
report scope (app/api/reports.py) and every live subscription (app/api/live.py) ANDs in, and
what the socket re-check compares, so no handler reads a link's filter on its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from quart import g, request, websocket
from quart.globals import request_ctx
from quart.wrappers import Request, Websocket

from app.api import cookies
from app.api.context import runtime
from app.auth.kiosks import find_kiosk
from app.auth.shares import ShareLink, find_share, grant_slug, grant_valid
from app.auth.tokens import Token, find_token
from app.auth.users import User, load_session

if TYPE_CHECKING:
    from app.live.sockets import Recheck
    from app.runtime import Runtime


@dataclass(frozen=True, slots=True)
class LinkGrant:
    """What a share or kiosk link grants on its site: read, under `lock`, framed by `origins`."""

    site_id: int
    lock: str = ""  # Pulse's filter syntax; '' for none
    origins: tuple[str, ...] = ()  # may frame its embeds and open its socket from there


@dataclass(frozen=True)
class Principal:
    kind: str  # "anonymous" | "user" | "token" | "share" | "bad_token"
    user: User | None = None
    token: Token | None = None
    links: tuple[LinkGrant, ...] = ()
    csrf_token: str | None = None  # the login session's, for state-changing requests

    @property
    def share_sites(self) -> frozenset[int]:
        return frozenset(g.site_id for g in self.links)

    @property
    def authenticated(self) -> bool:
        return self.kind in ("user", "token", "share")

    @property
    def is_admin(self) -> bool:
        if self.user is not None:
            return self.user.is_admin
        return self.token is not None and self.token.scope == "admin"

    @property
    def read_only(self) -> bool:
        """Share links and read tokens may look, never change anything."""
        return self.kind == "share" or (self.kind == "token" and not self.is_admin)

    def can_read(self, site_id: int) -> bool:
        return self._reads_in_full(site_id) or site_id in self.share_sites

    def _reads_in_full(self, site_id: int) -> bool:
        if self.is_admin:
            return True
        if self.user is not None:
            return site_id in self.user.roles
        return self.token is not None and self.token.site_id == site_id

    def lock_for(self, site_id: int) -> str:
        """The filter every answer about this site is held to: none when the caller reads the
        site on their own (an account, a token); else the narrowest way in its links give.
        Two links of one site with different filters: the first one presented (cookie, then
        URL) — never the union, which would widen either."""
        if self._reads_in_full(site_id):
            return ""
        for grant in self.links:
            if grant.site_id == site_id:
                return grant.lock
        return ""

    def embed_origins(self, site_id: int) -> tuple[str, ...]:
        return tuple(o for g in self.links if g.site_id == site_id for o in g.origins)

    def can_manage(self, site_id: int) -> bool:
        """Change settings and share links: admins, and the site's owners."""
        if self.is_admin:
            return True
        return self.user is not None and self.user.roles.get(site_id) == "owner"


ANONYMOUS = Principal("anonymous")


def current_connection() -> Request | Websocket:
    conn = request if request_ctx else websocket
    return cast(Request | Websocket, conn._get_current_object())  # type: ignore[union-attr]


async def current() -> Principal:
    """The principal of the request in flight, computed once and kept on `g`."""
    found = g.get("pulse_principal")
    if found is None:
        found = g.pulse_principal = await resolve(current_connection())
    return cast(Principal, found)


def bearer(conn: Request | Websocket) -> str | None:
    header = conn.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request presented: kept by an open websocket, re-checked while it is open
    (app/live/sockets.py), and the key its per-credential cap counts by."""

    bearer: str | None = None
    session: str | None = None
    share: str | None = None  # the signed cookie
    share_slug: str | None = None  # `?share=`: a link without a password (embeds)
    kiosk: str | None = None  # `?kiosk=`: a kiosk link's token


def credentials_of(conn: Request | Websocket) -> Credentials:
    return Credentials(
        bearer(conn),
        conn.cookies.get(cookies.SESSION),
        conn.cookies.get(cookies.SHARE),
        conn.args.get("share") or None,
        conn.args.get("kiosk") or None,
    )


def _grant(link: ShareLink) -> LinkGrant:
    return LinkGrant(link.site_id, link.filter, link.embed_origins)


async def resolve(conn: Request | Websocket) -> Principal:
    return await resolve_credentials(runtime(), credentials_of(conn))


def rechecker(rt: Runtime) -> Recheck:
    """The open sockets' re-check (app/live/sockets.py) for this runtime: their credentials
    resolved again. Handed to the runtime by the app factory, so nothing below app/api reaches
    back up here."""

    async def recheck(credentials: object) -> Principal:
        assert isinstance(credentials, Credentials)
        return await resolve_credentials(rt, credentials)

    return recheck


async def resolve_credentials(rt: Runtime, creds: Credentials) -> Principal:
    """The principal these credentials stand for now (a revoked token, an ended session, a
    deleted user or share link: no longer)."""
    now = rt.clock.now_ms()
    async with rt.engine.connect() as db:
        if creds.bearer is not None:
            # An explicit but wrong token is refused outright, whatever cookies come along.
            token = await find_token(db, creds.bearer)
            return Principal("token", token=token) if token else Principal("bad_token")
        session = None
        if creds.session:
            session = await load_session(db, creds.session, now)
        links: list[LinkGrant] = []
        if value := creds.share:
            link = await find_share(db, grant_slug(value))
            if link is not None and grant_valid(rt.auth.key, link, value, now):
                links.append(_grant(link))
        if creds.share_slug:
            link = await find_share(db, creds.share_slug)
            if link is not None and not link.has_password:  # a password needs its cookie
                links.append(_grant(link))
        if creds.kiosk:
            kiosk = await find_kiosk(db, creds.kiosk)
            if kiosk is not None:
                links.append(LinkGrant(kiosk.site_id, kiosk.filter))
    if session is not None:
        return Principal(
            "user", user=session.user, links=tuple(links), csrf_token=session.csrf_token
        )
    return Principal("share", links=tuple(links)) if links else ANONYMOUS
