"""Kiosk links (issue 21): `/kiosk/<token>` opens one site's wall display on a screen nobody
logs into. The token is 192 random bits, shown once and stored only as its SHA-256 (a leaked
database names no working link); it is the credential, carried in the wall's URLs instead of a
cookie, so a TV's browser needs no state. Revoking it makes the page refuse and closes its open
sockets within PULSE_LIVE_REAUTH_MS (app/live/sockets.py). A kiosk link may lock a filter like
a share link (app/auth/embeds.py)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage.tables import kiosk_links, sites

PREFIX = "k_"


@dataclass(frozen=True)
class KioskLink:
    id: int
    site_id: int
    domain: str
    label: str
    filter: str
    created_at: int
    revoked_at: int | None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _select():  # type: ignore[no-untyped-def]
    c = kiosk_links.c
    return select(
        c.id, c.site_id, sites.c.domain, c.label, c.filter, c.created_at, c.revoked_at
    ).join(sites, sites.c.id == c.site_id)


async def create_kiosk(
    conn: AsyncConnection, site_id: int, label: str, filter: str, now_ms: int
) -> tuple[KioskLink, str]:
    """(the link, its token in clear: the only time it exists outside the URL)."""
    token = PREFIX + secrets.token_urlsafe(24)
    result = await conn.execute(
        insert(kiosk_links).values(
            site_id=site_id,
            token_hash=digest(token),
            label=label[:200],
            filter=filter,
            created_at=now_ms,
        )
    )
    kiosk_id = result.inserted_primary_key[0]  # type: ignore[index]
    row = (await conn.execute(_select().where(kiosk_links.c.id == kiosk_id))).one()
    return KioskLink(*row), token


async def find_kiosk(conn: AsyncConnection, token: str) -> KioskLink | None:
    """The live (not revoked) link this token opens."""
    if not token.startswith(PREFIX) or len(token) > 64:
        return None
    query = _select().where(
        kiosk_links.c.token_hash == digest(token), kiosk_links.c.revoked_at.is_(None)
    )
    row = (await conn.execute(query)).first()
    return None if row is None else KioskLink(*row)


async def list_kiosks(conn: AsyncConnection, site_id: int | None = None) -> list[KioskLink]:
    query = _select().order_by(kiosk_links.c.id)
    if site_id is not None:
        query = query.where(kiosk_links.c.site_id == site_id)
    return [KioskLink(*row) for row in await conn.execute(query)]


async def revoke_kiosk(conn: AsyncConnection, kiosk_id: int, now_ms: int) -> bool:
    result = await conn.execute(
        update(kiosk_links)
        .where(kiosk_links.c.id == kiosk_id, kiosk_links.c.revoked_at.is_(None))
        .values(revoked_at=now_ms)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
