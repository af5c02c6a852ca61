"""Visitor identity: a 63-bit id per (site, visitor), never the client's id or IP in clear.

Mode `local`: the script's random id, hashed with the site id. Mode `cookieless` (or a client that
sent no id): a keyed hash of (daily salt, site, IP, user agent). The salt changes at 00:00 UTC; the
previous day's salt is kept so a visit in progress across midnight stays one visitor.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

DAY_MS = 86_400_000
MASK_63 = (1 << 63) - 1


def _hash63(key: bytes, *parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8, key=key).digest()
    return int.from_bytes(digest, "big") & MASK_63


def _random_salt(day: int) -> bytes:
    return secrets.token_bytes(32)


class SaltBook:
    """Daily secrets, kept in memory and filled by app/ingest/salts.py (never the database)."""

    def __init__(self, salts: dict[int, bytes] | None = None) -> None:
        self.salts: dict[int, bytes] = dict(salts or {})
        self.make: Callable[[int], bytes] = _random_salt

    def for_day(self, day: int) -> bytes:
        salt = self.salts.get(day)
        if salt is None:
            # Normally made a day ahead by the maintenance task; this is the fallback.
            salt = self.salts[day] = self.make(day)
        return salt

    def previous(self, day: int) -> bytes | None:
        return self.salts.get(day - 1)


class Identity:
    def __init__(self, salts: SaltBook) -> None:
        self.salts = salts

    def visitor_id(
        self,
        *,
        site_id: int,
        cookieless: bool,
        client_id: str | None,
        ip: str | None,
        user_agent: str,
        now_ms: int,
        is_known: Callable[[int], bool],
    ) -> int:
        today, yesterday = self.candidates(
            site_id=site_id,
            cookieless=cookieless,
            client_id=client_id,
            ip=ip,
            user_agent=user_agent,
            now_ms=now_ms,
        )
        return choose(today, yesterday, is_known)

    def candidates(
        self,
        *,
        site_id: int,
        cookieless: bool,
        client_id: str | None,
        ip: str | None,
        user_agent: str,
        now_ms: int,
    ) -> tuple[int, int | None]:
        """The visitor's id, and yesterday's cookieless id (which wins only while a visit under
        it is ongoing: `is_known`, or the shared session store's same rule)."""
        if client_id and not cookieless:
            return _hash63(b"pulse-local-visitor", str(site_id), client_id), None
        day = now_ms // DAY_MS
        parts = (str(site_id), ip or "", user_agent)
        today = _hash63(self.salts.for_day(day), *parts)
        previous_salt = self.salts.previous(day)
        yesterday = None if previous_salt is None else _hash63(previous_salt, *parts)
        return today, yesterday


def choose(today: int, yesterday: int | None, is_known: Callable[[int], bool]) -> int:
    """Yesterday's cookieless id only while a visit under it is ongoing and today's is unknown."""
    if yesterday is None or is_known(today) or not is_known(yesterday):
        return today
    return yesterday
