"""Who is asking: resolved once per request (or websocket handshake) from a Bearer token, the
session cookie and the share cookie, and the decisions every handler asks of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from quart import g, request, websocket
from quart.globals import request_ctx
from quart.wrappers import Request, Websocket

from app.api.context import runtime
from app.auth import cookies
from app.auth.shares import find_share, grant_slug, grant_valid
from app.auth.tokens import Token, find_token
from app.auth.users import User, load_session

if TYPE_CHECKING:
    from app.runtime import Runtime


@dataclass(frozen=True)
class Principal:
    kind: str  # "anonymous" | "user" | "token" | "share" | "bad_token"
    user: User | None = None
    token: Token | None = None
    share_sites: frozenset[int] = field(default_factory=frozenset)
    csrf_token: str | None = None  # the login session's, for state-changing requests

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
        if self.is_admin or site_id in self.share_sites:
            return True
        if self.user is not None:
            return site_id in self.user.roles
        return self.token is not None and self.token.site_id == site_id

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
    share: str | None = None


def credentials_of(conn: Request | Websocket) -> Credentials:
    return Credentials(
        bearer(conn), conn.cookies.get(cookies.SESSION), conn.cookies.get(cookies.SHARE)
    )


async def resolve(conn: Request | Websocket) -> Principal:
    return await resolve_credentials(runtime(), credentials_of(conn))


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
        shared: frozenset[int] = frozenset()
        if value := creds.share:
            link = await find_share(db, grant_slug(value))
            if link is not None and grant_valid(rt.auth.key, link, value, now):
                shared = frozenset({link.site_id})
    if session is not None:
        return Principal(
            "user", user=session.user, share_sites=shared, csrf_token=session.csrf_token
        )
    return Principal("share", share_sites=shared) if shared else ANONYMOUS
