"""The process's auth state: the signing key, the login/share rate limits and the one-time
setup link. Built by the runtime, loaded from the database at start."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.policy import InstancePolicy
from app.auth.ratelimit import WindowLimit
from app.auth.users import count_users
from app.settings import Settings
from app.storage.tables import app_secrets

log = logging.getLogger(__name__)
LOGIN_ATTEMPTS = 5
LOGIN_WINDOW_MS = 60_000
RESET_PER_IP, RESET_IP_WINDOW_MS = 5, 15 * 60_000
RESET_PER_ACCOUNT, RESET_ACCOUNT_WINDOW_MS = 3, 60 * 60_000


class AuthState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.key = settings.secret_key.encode() if settings.secret_key else b""
        # 5 attempts a minute per client IP and per account (issue 6): a guesser gets 7,200 a
        # day per IP at most, and cannot lock an account out for longer than a minute.
        self.login_by_ip = WindowLimit(LOGIN_ATTEMPTS, LOGIN_WINDOW_MS)
        self.login_by_account = WindowLimit(LOGIN_ATTEMPTS, LOGIN_WINDOW_MS)
        self.share_by_ip = WindowLimit(LOGIN_ATTEMPTS, LOGIN_WINDOW_MS)
        self.share_by_slug = WindowLimit(LOGIN_ATTEMPTS, LOGIN_WINDOW_MS)
        # Password reset emails (issue 20): 5 requests per 15 minutes per client IP (429), one
        # email per account per 5 minutes, 3 an hour (beyond them silently none: the answer
        # must not say whether the account exists).
        self.reset_by_ip = WindowLimit(RESET_PER_IP, RESET_IP_WINDOW_MS)
        self.reset_by_account = WindowLimit(RESET_PER_ACCOUNT, RESET_ACCOUNT_WINDOW_MS)
        self.setup_token: str | None = None
        self.policy = InstancePolicy()  # require two-factor, ... (app/auth/policy.py)

    async def start(self, engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            if not self.key:
                stored = await conn.scalar(
                    select(app_secrets.c.value).where(app_secrets.c.name == "signing_key")
                )
                self.key = bytes(stored) if stored else secrets.token_bytes(32)
            users = await count_users(conn)
        # Only while no account exists: the first visitor of the link becomes the admin, so it
        # is logged (for the operator) and never shown over HTTP.
        self.setup_token = secrets.token_urlsafe(24) if users == 0 else None

    def use_setup_token(self, token: str) -> bool:
        """True once for the right token; the link then stops working."""
        if self.setup_token is None or not secrets.compare_digest(token, self.setup_token):
            return False
        self.setup_token = None
        return True

    def setup_url(self) -> str | None:
        if self.setup_token is None:
            return None
        host = self.settings.public_url or f"http://{self.settings.host}:{self.settings.port}"
        return f"{host.rstrip('/')}/setup/{self.setup_token}"
