"""Invitations: an admin (or a site's owner) invites an email address to a site with a role;
the link (`/invite/<token>`, random, stored as a SHA-256 hash) creates that account with that
role once, until it expires (7 days by default) or is revoked. An address that already has an
account is told to ask for the role instead: an invitation never takes over an account."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.users import (
    ROLES,
    User,
    UserError,
    create_user,
    find_user,
    normalise_email,
    set_role,
    sha256,
)
from app.storage.tables import invitations

DAY_MS = 86_400_000
DEFAULT_DAYS = 7
MAX_DAYS = 90


class InvitationError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Invitation:
    id: int
    email: str
    site_id: int
    role: str
    created_at: int
    expires_at: int
    accepted_at: int | None
    revoked_at: int | None

    def pending(self, now_ms: int) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now_ms


async def invite(
    conn: AsyncConnection, email: str, site_id: int, role: str, days: int, now_ms: int
) -> tuple[Invitation, str]:
    """(the invitation, its token in clear: the only time it exists outside the link)."""
    try:
        email = normalise_email(email)
    except UserError as exc:
        raise InvitationError(str(exc), "email") from None
    if role not in ROLES:
        raise InvitationError(f"role must be one of {', '.join(ROLES)}", "role")
    if not 1 <= days <= MAX_DAYS:
        raise InvitationError(f"expires_days must be between 1 and {MAX_DAYS}", "expires_days")
    if await find_user(conn, email) is not None:
        raise InvitationError(f"{email} has an account: give it the role instead", "email")
    raw = secrets.token_urlsafe(24)
    values = {
        "token_hash": sha256(raw),
        "email": email,
        "site_id": site_id,
        "role": role,
        "created_at": now_ms,
        "expires_at": now_ms + days * DAY_MS,
    }
    await conn.execute(insert(invitations).values(**values))
    found = await _one(conn, invitations.c.token_hash == values["token_hash"])
    assert found is not None
    return found, raw


def _from_row(row: Any) -> Invitation:
    return Invitation(
        row.id,
        row.email,
        row.site_id,
        row.role,
        row.created_at,
        row.expires_at,
        row.accepted_at,
        row.revoked_at,
    )


async def _one(conn: AsyncConnection, where: Any) -> Invitation | None:
    row = (await conn.execute(select(invitations).where(where))).first()
    return None if row is None else _from_row(row)


async def pending_by_token(conn: AsyncConnection, raw: str, now_ms: int) -> Invitation | None:
    found = await _one(conn, invitations.c.token_hash == sha256(raw))
    return found if found is not None and found.pending(now_ms) else None


async def list_pending(
    conn: AsyncConnection, now_ms: int, site_ids: set[int] | None = None
) -> list[Invitation]:
    """One query: the invitations still open (not accepted, revoked or expired)."""
    i = invitations.c
    query = select(invitations).where(
        i.accepted_at.is_(None), i.revoked_at.is_(None), i.expires_at > now_ms
    )
    if site_ids is not None:
        query = query.where(i.site_id.in_(site_ids))
    return [_from_row(row) for row in await conn.execute(query.order_by(i.id))]


async def get(conn: AsyncConnection, invitation_id: int) -> Invitation | None:
    return await _one(conn, invitations.c.id == invitation_id)


async def revoke(conn: AsyncConnection, invitation_id: int, now_ms: int) -> bool:
    done = await conn.execute(
        update(invitations)
        .where(
            invitations.c.id == invitation_id,
            invitations.c.accepted_at.is_(None),
            invitations.c.revoked_at.is_(None),
        )
        .values(revoked_at=now_ms)
    )
    return bool(done.rowcount)


async def accept(
    conn: AsyncConnection, raw: str, password: str, now_ms: int
) -> tuple[User, Invitation] | None:
    """The new account (the invited address, the invited role), or None for a dead link. A
    weak password raises PasswordError with nothing spent."""
    found = await pending_by_token(conn, raw, now_ms)
    if found is None:
        return None
    claimed = await conn.execute(
        update(invitations)
        .where(invitations.c.id == found.id, invitations.c.accepted_at.is_(None))
        .values(accepted_at=now_ms)
    )
    if not claimed.rowcount:
        return None  # another request accepted it a moment ago
    user = await create_user(conn, found.email, password, is_admin=False, now_ms=now_ms)
    await set_role(conn, user.id, found.site_id, found.role)
    return user, found
