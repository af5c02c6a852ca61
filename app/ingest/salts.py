"""Where the cookieless salts live: never in the database that holds the hashes they key.

A cookieless visitor id is a keyed hash of (daily salt, site, IP, user agent). Whoever holds a
day's salt and the stored ids can test every IPv4 of a /16 in a fraction of a second, so the
salts are kept away from the data (a copy or backup of the database alone unlocks nothing):

- PULSE_SALT_SECRET set: each day's salt is HMAC-SHA256(secret, day). Restarts and every
  instance agree without storing anything; keep the secret out of the database's backups
  (an environment file, a secrets manager).
- else, with Redis (PULSE_BROKER_URL): one random salt per day in Redis, written once by the
  first instance (SET NX) and expiring after three days; every instance reads the same one.
- else (one process): random salts in this process's memory only. A restart forgets them, so a
  cookieless visitor seen before and after a restart on the same day counts as two visitors
  and their visit in progress starts a new session; local-mode visitors (the script's own id)
  are unaffected.

Today's and tomorrow's salts are made ahead (at start and then hourly); salts older than
yesterday are forgotten, so a visit across midnight keeps its id and nothing older can be
linked.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import TYPE_CHECKING

from app.ingest.identity import DAY_MS, SaltBook

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)
KEEP_DAYS = 2  # today and yesterday: a visit across midnight keeps its id
REDIS_TTL_S = 3 * 86_400


def derived(secret: str, day: int) -> bytes:
    return hmac.new(
        secret.encode(), f"pulse cookieless salt {day}".encode(), hashlib.sha256
    ).digest()


class SaltKeeper:
    """Fills a SaltBook from the secret, from Redis, or with random bytes; forgets old days."""

    def __init__(
        self, book: SaltBook, secret: str = "", redis: Redis | None = None, prefix: str = ""
    ) -> None:
        self.book, self.secret, self.redis, self.prefix = book, secret, redis, prefix
        if secret:
            book.make = lambda day: derived(secret, day)

    @property
    def source(self) -> str:
        return "secret" if self.secret else "redis" if self.redis is not None else "memory"

    async def refresh(self, now_ms: int) -> None:
        today = now_ms // DAY_MS
        for day in (today, today + 1):
            if self.redis is not None and not self.secret:
                await self._from_redis(day)
            else:
                self.book.for_day(day)
        for day in [d for d in self.book.salts if d < today - KEEP_DAYS + 1]:
            del self.book.salts[day]

    async def _from_redis(self, day: int) -> None:
        assert self.redis is not None
        key = f"{self.prefix}salt:{day}"
        try:
            await self.redis.set(
                key, self.book.salts.get(day) or secrets.token_bytes(32), nx=True, ex=REDIS_TTL_S
            )
            shared = await self.redis.get(key)
        except Exception as exc:  # Redis down: this process keeps its own salt for the day
            log.warning("salt for day %d not shared (%s); using this process's own", day, exc)
            self.book.for_day(day)
            return
        if isinstance(shared, bytes | bytearray) and len(shared) == 32:
            self.book.salts[day] = bytes(shared)
