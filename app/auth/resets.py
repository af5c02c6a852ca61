"""Password reset tokens: random, emailed, stored as SHA-256 hashes, valid for an hour and
used once (using one spends every token of that user). Setting the password goes through the
policy (app/auth/passwords.py) and ends every session of the user (users.set_password)."""

from __future__ import annotations

import secrets

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.users import User, UserError, find_user, find_user_by_id, set_password, sha256
from app.storage.tables import password_resets

p = password_resets.c
TTL_MS = 3_600_000


async def issue(conn: AsyncConnection, email: str, now_ms: int) -> tuple[User, str] | None:
    """(the user, the token in clear) for an existing account, else None."""
    try:
        user = await find_user(conn, email)
    except UserError:
        return None
    if user is None:
        return None
    raw = secrets.token_urlsafe(32)
    await conn.execute(
        insert(password_resets).values(
            user_id=user.id, token_hash=sha256(raw), created_at=now_ms,
            expires_at=now_ms + TTL_MS,
        )
    )  # fmt: skip
    return user, raw


async def pending(conn: AsyncConnection, raw: str, now_ms: int) -> User | None:
    if not 20 <= len(raw) <= 100:
        return None
    user_id = await conn.scalar(
        select(p.user_id).where(
            p.token_hash == sha256(raw), p.used_at.is_(None), p.expires_at > now_ms
        )
    )
    return None if user_id is None else await find_user_by_id(conn, user_id)


async def use(conn: AsyncConnection, raw: str, password: str, now_ms: int) -> User | None:
    """Set the password (PasswordError from the policy) and spend the user's tokens; None when
    the token is unknown, used or expired."""
    user = await pending(conn, raw, now_ms)
    if user is None:
        return None
    await set_password(conn, user.id, password)
    await conn.execute(
        update(password_resets)
        .where(p.user_id == user.id, p.used_at.is_(None))
        .values(used_at=now_ms)
    )
    return user
