"""Share links: a random slug per site, an optional password, revocable. A visitor who opened
the link (and gave the password) holds a signed `pulse_share` cookie naming the slug; every
request re-checks that the link is still live, so revoking it or changing its password locks
out everyone who had it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.embeds import origins_from_json, origins_json
from app.auth.passwords import hash_password, verify_password
from app.storage.tables import share_links, sites

GRANT_TTL_MS = 7 * 86_400_000  # a shared screen re-enters the password once a week


@dataclass(frozen=True)
class ShareLink:
    id: int
    site_id: int
    domain: str
    slug: str
    password_hash: str | None
    created_at: int
    revoked_at: int | None
    embed_origins: tuple[str, ...] = ()
    filter: str = ""  # locked (issue 21): ANDed into every report and snapshot it shows

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None


def _select():  # type: ignore[no-untyped-def]
    return select(
        share_links.c.id,
        share_links.c.site_id,
        sites.c.domain,
        share_links.c.slug,
        share_links.c.password_hash,
        share_links.c.created_at,
        share_links.c.revoked_at,
        share_links.c.embed_origins,
        share_links.c.filter,
    ).join(sites, sites.c.id == share_links.c.site_id)


def _link(row: Any) -> ShareLink:
    link_id, site_id, domain, slug, digest, created, revoked, origins, locked = row
    return ShareLink(
        link_id, site_id, domain, slug, digest, created, revoked, origins_from_json(origins), locked
    )


async def create_share(
    conn: AsyncConnection,
    site_id: int,
    password: str | None,
    now_ms: int,
    embed_origins: tuple[str, ...] = (),
    filter: str = "",
) -> ShareLink:
    """A new link; `embed_origins` and `filter` validated by app/auth/embeds.py first."""
    slug = secrets.token_urlsafe(12)  # 96 bits: not guessable, short enough to type from a TV
    digest = hash_password(password) if password else None
    await conn.execute(
        insert(share_links).values(
            site_id=site_id,
            slug=slug,
            password_hash=digest,
            created_at=now_ms,
            embed_origins=origins_json(embed_origins),
            filter=filter,
        )
    )
    found = await find_share(conn, slug)
    assert found is not None
    return found


async def find_share(conn: AsyncConnection, slug: str) -> ShareLink | None:
    """The live (not revoked) link with this slug."""
    if not slug or len(slug) > 64:
        return None
    query = _select().where(share_links.c.slug == slug, share_links.c.revoked_at.is_(None))
    row = (await conn.execute(query)).first()
    return None if row is None else _link(row)


async def list_shares(conn: AsyncConnection, site_id: int | None = None) -> list[ShareLink]:
    query = _select().order_by(share_links.c.id)
    if site_id is not None:
        query = query.where(share_links.c.site_id == site_id)
    return [_link(row) for row in await conn.execute(query)]


async def revoke_share(conn: AsyncConnection, share_id: int, now_ms: int) -> bool:
    result = await conn.execute(
        update(share_links)
        .where(share_links.c.id == share_id, share_links.c.revoked_at.is_(None))
        .values(revoked_at=now_ms)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def update_share(
    conn: AsyncConnection,
    share_id: int,
    embed_origins: tuple[str, ...] | None = None,
    filter: str | None = None,
) -> bool:
    """Change a live link's options (None: keep). Open sockets follow within the re-check
    interval: a changed filter closes them (app/live/sockets.py), the wall reconnects."""
    values: dict[str, Any] = {}
    if embed_origins is not None:
        values["embed_origins"] = origins_json(embed_origins)
    if filter is not None:
        values["filter"] = filter
    if not values:
        return True
    result = await conn.execute(
        update(share_links)
        .where(share_links.c.id == share_id, share_links.c.revoked_at.is_(None))
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def password_ok(link: ShareLink, password: str) -> bool:
    return link.password_hash is None or verify_password(link.password_hash, password)


def _signature(key: bytes, link: ShareLink, expires_ms: int) -> str:
    # The password hash is part of the message: a new password invalidates old grants.
    message = f"{link.slug}.{expires_ms}.{link.password_hash or ''}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def grant(key: bytes, link: ShareLink, now_ms: int) -> str:
    expires = now_ms + GRANT_TTL_MS
    return f"{link.slug}.{expires}.{_signature(key, link, expires)}"


def grant_slug(value: str) -> str:
    return value.split(".", 1)[0]


def grant_valid(key: bytes, link: ShareLink, value: str, now_ms: int) -> bool:
    try:
        slug, expires_text, signature = value.split(".")
        expires = int(expires_text)
    except ValueError:
        return False
    expected = _signature(key, link, expires)
    return slug == link.slug and expires > now_ms and hmac.compare_digest(signature, expected)
