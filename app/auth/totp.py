"""Two-factor sign-in: TOTP (RFC 6238: 6 digits, 30 s steps, SHA-1 — what every authenticator
app speaks) through pyotp, and ten one-time recovery codes.

Enabling takes two steps so a typo in the app cannot lock anyone out: `begin` stores a new
secret (pending) and returns the otpauth:// URI for the QR code / manual entry; `enable`
turns it on once a code from the app matches, and returns the recovery codes (shown once,
stored as SHA-256 hashes). A code is accepted one step either side of now (clock drift), and
each step signs in at most once (`totp_last_step`), so an overheard code cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage.tables import recovery_codes, users

ISSUER = "Pulse"
STEP_S = 30
RECOVERY_CODES = 10
PENDING_LOGIN_MS = 5 * 60_000


class TotpError(ValueError):
    pass


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def matching_step(secret: str, code: str, now_ms: int) -> int | None:
    """The 30 s step (now, or one either side) whose code `code` is; None if none."""
    code = code.replace(" ", "").strip()
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp, step = pyotp.TOTP(secret), now_ms // 1000 // STEP_S
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.at(candidate * STEP_S), code):
            return candidate
    return None


async def status(conn: AsyncConnection, user_id: int) -> bool:
    enabled = await conn.scalar(select(users.c.totp_enabled_at).where(users.c.id == user_id))
    return enabled is not None


async def begin(conn: AsyncConnection, user_id: int, email: str) -> tuple[str, str]:
    """(secret, otpauth URI): pending until `enable`. Refused while two-factor is on."""
    if await status(conn, user_id):
        raise TotpError("two-factor sign-in is already on: turn it off first")
    secret = pyotp.random_base32()
    await conn.execute(update(users).where(users.c.id == user_id).values(totp_secret=secret))
    return secret, pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


async def enable(conn: AsyncConnection, user_id: int, code: str, now_ms: int) -> list[str]:
    row = (
        await conn.execute(
            select(users.c.totp_secret, users.c.totp_enabled_at).where(users.c.id == user_id)
        )
    ).first()
    if row is None or row.totp_secret is None:
        raise TotpError("start with POST /api/account/totp (a new secret) first")
    if row.totp_enabled_at is not None:
        raise TotpError("two-factor sign-in is already on")
    step = matching_step(row.totp_secret, code, now_ms)
    if step is None:
        raise TotpError("that code does not match: check the app's clock and try the next one")
    await conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(totp_enabled_at=now_ms, totp_last_step=step)
    )
    return await new_recovery_codes(conn, user_id)


async def new_recovery_codes(conn: AsyncConnection, user_id: int) -> list[str]:
    """Ten fresh codes (xxxxx-xxxxx); the old ones stop working."""
    codes = [
        f"{secrets.token_hex(3)[:5]}-{secrets.token_hex(3)[:5]}" for _ in range(RECOVERY_CODES)
    ]
    await conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
    await conn.execute(
        insert(recovery_codes), [{"user_id": user_id, "code_hash": _hash(c)} for c in codes]
    )
    return codes


async def disable(conn: AsyncConnection, user_id: int) -> None:
    await conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(totp_secret=None, totp_enabled_at=None, totp_last_step=None)
    )
    await conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))


async def verify(conn: AsyncConnection, user_id: int, code: str, now_ms: int) -> bool:
    """A current TOTP code not used before, or an unused recovery code (then spent)."""
    row = (
        await conn.execute(
            select(users.c.totp_secret, users.c.totp_last_step).where(
                users.c.id == user_id, users.c.totp_enabled_at.is_not(None)
            )
        )
    ).first()
    if row is None:
        return False
    step = matching_step(row.totp_secret, code, now_ms)
    if step is not None:
        if row.totp_last_step is not None and step <= row.totp_last_step:
            return False  # this code (or an older one) already signed in
        await conn.execute(update(users).where(users.c.id == user_id).values(totp_last_step=step))
        return True
    spent = await conn.execute(
        update(recovery_codes)
        .where(
            recovery_codes.c.user_id == user_id,
            recovery_codes.c.code_hash == _hash(code),
            recovery_codes.c.used_at.is_(None),
        )
        .values(used_at=now_ms)
    )
    return bool(spent.rowcount)


def pending_login(key: bytes, user_id: int, now_ms: int) -> str:
    """A signed, short-lived proof that the password was right, carried by the code form."""
    body = f"{user_id}.{now_ms + PENDING_LOGIN_MS}"
    return f"{body}.{hmac.new(key, body.encode(), hashlib.sha256).hexdigest()}"


def pending_user(key: bytes, token: str, now_ms: int) -> int | None:
    user, _, rest = token.partition(".")
    expires, _, mac = rest.partition(".")
    body = f"{user}.{expires}"
    good = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    if not (user.isdigit() and expires.isdigit() and hmac.compare_digest(mac, good)):
        return None
    return int(user) if int(expires) > now_ms else None
