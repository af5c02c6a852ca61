"""API tokens (`Authorization: Bearer pulse_...`): read-only for one site, or admin. Shown once
at creation, stored as SHA-256 (256 random bits need no slow hash), revocable."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.users import sha256
from app.storage.tables import api_tokens, sites

PREFIX = "pulse_"
SCOPES = ("read", "admin")


class TokenError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    id: int
    prefix: str
    scope: str
    site_id: int | None
    site_domain: str | None
    label: str
    created_at: int
    revoked_at: int | None


async def create_token(
    conn: AsyncConnection, *, scope: str, site_id: int | None, label: str, now_ms: int
) -> tuple[int, str]:
    """(id, the token in clear): the only time the clear token exists outside the client."""
    if scope not in SCOPES:
        raise TokenError(f"scope must be one of {', '.join(SCOPES)}")
    if (scope == "read") != (site_id is not None):
        raise TokenError("a read token names exactly one site; an admin token none")
    raw = PREFIX + secrets.token_urlsafe(32)
    values = {"token_hash": sha256(raw), "prefix": raw[:12], "scope": scope, "site_id": site_id}
    result = await conn.execute(
        insert(api_tokens).values(label=label[:200], created_at=now_ms, **values)
    )
    return int(result.inserted_primary_key[0]), raw  # type: ignore[index]


async def find_token(conn: AsyncConnection, raw: str) -> Token | None:
    """The live (not revoked) token with this value, if any."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    query = _listing().where(api_tokens.c.token_hash == sha256(raw))
    row = (await conn.execute(query.where(api_tokens.c.revoked_at.is_(None)))).first()
    return None if row is None else Token(*row)


def _listing():  # type: ignore[no-untyped-def]
    return select(
        api_tokens.c.id,
        api_tokens.c.prefix,
        api_tokens.c.scope,
        api_tokens.c.site_id,
        sites.c.domain,
        api_tokens.c.label,
        api_tokens.c.created_at,
        api_tokens.c.revoked_at,
    ).outerjoin(sites, sites.c.id == api_tokens.c.site_id)


async def list_tokens(conn: AsyncConnection) -> list[Token]:
    rows = await conn.execute(_listing().order_by(api_tokens.c.id))
    return [Token(*row) for row in rows]


async def revoke_token(conn: AsyncConnection, token_id: int, now_ms: int) -> bool:
    result = await conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now_ms)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
