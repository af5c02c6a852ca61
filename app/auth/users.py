"""Users, their site roles, and login sessions (a random id in an HttpOnly cookie, stored as its
SHA-256 with the session's CSRF token)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.passwords import hash_password, verify_password
from app.storage.tables import site_roles, user_sessions, users

ROLES = ("owner", "viewer")
SESSION_TTL_MS = 14 * 86_400_000  # two weeks, then log in again


class UserError(ValueError):
    pass


@dataclass(frozen=True)
class User:
    id: int
    email: str
    is_admin: bool
    roles: dict[int, str] = field(default_factory=dict)  # site id -> "owner" | "viewer"
    two_factor: bool = False  # sign-in asks a TOTP code (read with the session: the 2FA policy)


@dataclass(frozen=True)
class LoginSession:
    user: User
    csrf_token: str


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise UserError(f"not an email address: {email!r}")
    return email


async def count_users(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(func.count()).select_from(users)) or 0)


async def create_user(
    conn: AsyncConnection, email: str, password: str, *, is_admin: bool, now_ms: int
) -> User:
    email = normalise_email(email)
    if await conn.scalar(select(users.c.id).where(users.c.email == email)) is not None:
        raise UserError(f"user {email} already exists")
    values = {"email": email, "password_hash": hash_password(password), "is_admin": is_admin}
    result = await conn.execute(insert(users).values(created_at=now_ms, **values))
    return User(int(result.inserted_primary_key[0]), email, is_admin)  # type: ignore[index]


def _user(row: Any, roles: dict[int, str]) -> User:
    return User(row.id, row.email, bool(row.is_admin), roles, row.totp_enabled_at is not None)


async def _roles(conn: AsyncConnection, user_id: int) -> dict[int, str]:
    rows = await conn.execute(select(site_roles).where(site_roles.c.user_id == user_id))
    return {r.site_id: r.role for r in rows}


async def authenticate(conn: AsyncConnection, email: str, password: str) -> User | None:
    row = (await conn.execute(select(users).where(users.c.email == email.strip().lower()))).first()
    if not verify_password(row.password_hash if row else None, password) or row is None:
        return None
    return _user(row, await _roles(conn, row.id))


async def find_user_by_id(conn: AsyncConnection, user_id: int) -> User | None:
    row = (await conn.execute(select(users).where(users.c.id == user_id))).first()
    if row is None:
        return None
    return _user(row, await _roles(conn, row.id))


async def find_user(conn: AsyncConnection, email: str) -> User | None:
    return {u.email: u for u in await list_users(conn)}.get(normalise_email(email))


async def list_users(conn: AsyncConnection) -> list[User]:
    rows = (await conn.execute(select(users).order_by(users.c.id))).all()
    return [_user(r, await _roles(conn, r.id)) for r in rows]


async def set_role(conn: AsyncConnection, user_id: int, site_id: int, role: str | None) -> None:
    """Give a user a role on a site; None removes it."""
    if role is not None and role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if await conn.scalar(select(users.c.id).where(users.c.id == user_id)) is None:
        raise UserError(f"no user {user_id}")
    key = (site_roles.c.user_id == user_id) & (site_roles.c.site_id == site_id)
    await conn.execute(delete(site_roles).where(key))
    if role is not None:
        await conn.execute(insert(site_roles).values(user_id=user_id, site_id=site_id, role=role))


async def delete_user(conn: AsyncConnection, user_id: int) -> None:
    await conn.execute(delete(user_sessions).where(user_sessions.c.user_id == user_id))
    await conn.execute(delete(site_roles).where(site_roles.c.user_id == user_id))
    await conn.execute(delete(users).where(users.c.id == user_id))


async def set_password(conn: AsyncConnection, user_id: int, password: str) -> None:
    """Also ends the user's sessions: a changed password must lock out whoever had the old one."""
    digest = hash_password(password)
    await conn.execute(update(users).where(users.c.id == user_id).values(password_hash=digest))
    await conn.execute(delete(user_sessions).where(user_sessions.c.user_id == user_id))


async def start_session(conn: AsyncConnection, user: User, now_ms: int) -> str:
    """A new session for `user`; returns the cookie value (shown once, stored hashed)."""
    raw = secrets.token_urlsafe(32)
    await conn.execute(
        insert(user_sessions).values(
            id_hash=sha256(raw),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now_ms,
            expires_at=now_ms + SESSION_TTL_MS,
        )
    )
    return raw


async def load_session(conn: AsyncConnection, raw: str, now_ms: int) -> LoginSession | None:
    query = (
        select(
            user_sessions.c.csrf_token,
            users.c.id,
            users.c.email,
            users.c.is_admin,
            users.c.totp_enabled_at,
        )
        .join(users, users.c.id == user_sessions.c.user_id)
        .where(user_sessions.c.id_hash == sha256(raw), user_sessions.c.expires_at > now_ms)
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    user = _user(row, await _roles(conn, row.id))
    return LoginSession(user, row.csrf_token)


async def end_session(conn: AsyncConnection, raw: str, now_ms: int) -> None:
    """Deletes this session and, while at it, every expired one."""
    await conn.execute(
        delete(user_sessions).where(
            (user_sessions.c.id_hash == sha256(raw)) | (user_sessions.c.expires_at <= now_ms)
        )
    )
