"""Open /ws/live sockets follow their credential, and no one holds too many.

Every `reauth_s` (PULSE_LIVE_REAUTH_MS, 5 s) each distinct credential among the open sockets is
resolved again (one database read per credential, not per socket: a wall of 500 screens on
one share link costs one read), and every socket it may no longer watch is closed with 1008: a
revoked token, a revoked share link, an ended session (logout), a deleted user, a removed
role, a link whose locked filter changed. The check reads the database, which every process
shares, so a revocation made through any process (or the CLI) closes the sockets of all of
them within the interval, with or without the broker. Before, an open socket outlived its
credential indefinitely (41 s observed).

Caps, checked at connect and refused with 1013 (try again later): PULSE_LIVE_SOCKETS_PER_
CREDENTIAL (20), PULSE_LIVE_SOCKETS_PER_IP (20) and PULSE_LIVE_SOCKETS_MAX (20,000) in all.
Before, one token could hold 500 sockets (+56 MB).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.live.broadcaster import Subscriber

log = logging.getLogger(__name__)
POLICY_VIOLATION = 1008  # RFC 6455 7.4.1: the credential no longer allows it
TRY_AGAIN_LATER = 1013  # RFC 6455 7.4.1 (IANA registry): a cap is reached


class Grant(Protocol):
    def can_read(self, site_id: int) -> bool: ...

    def lock_for(self, site_id: int) -> str: ...


@dataclass(frozen=True, slots=True)
class Caps:
    per_credential: int = 20
    per_ip: int = 20
    total: int = 20_000


@dataclass(slots=True)
class Watch:
    sub: Subscriber
    credential: object  # hashable: app.api.principal.Credentials
    ip: str


Recheck = Callable[[object], Awaitable[Grant]]


class _NoGrant:
    def can_read(self, site_id: int) -> bool:
        return False

    def lock_for(self, site_id: int) -> str:
        return ""


async def deny_all(credential: object) -> Grant:
    """The re-check of a runtime without the web app (the demo, the CLI): fail closed. The
    app factory installs the real one (`app.api.principal.rechecker`)."""
    return _NoGrant()


class SocketGuard:
    def __init__(self, caps: Caps, reauth_s: float, recheck: Recheck = deny_all) -> None:
        self.caps = caps
        self.reauth_s = reauth_s
        self.recheck = recheck
        self.watches: dict[Subscriber, Watch] = {}
        self._by_credential: Counter[object] = Counter()
        self._by_ip: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    def refusal(self, credential: object, ip: str) -> str | None:
        """Why a new socket may not open (a cap is reached), or None."""
        if len(self.watches) >= self.caps.total:
            return "too many live sockets on this server"
        if self._by_credential[credential] >= self.caps.per_credential:
            return "too many live sockets for this credential"
        if self._by_ip[ip] >= self.caps.per_ip:
            return "too many live sockets from this address"
        return None

    def add(self, sub: Subscriber, credential: object, ip: str) -> None:
        self.watches[sub] = Watch(sub, credential, ip)
        self._by_credential[credential] += 1
        self._by_ip[ip] += 1

    def remove(self, sub: Subscriber) -> None:
        watch = self.watches.pop(sub, None)
        if watch is None:
            return
        _release(self._by_credential, watch.credential)
        _release(self._by_ip, watch.ip)

    async def recheck_all(self) -> int:
        """Resolve each open credential again; close what it no longer allows. Sockets closed."""
        closed = 0
        for credential in list(self._by_credential):
            try:
                grant = await self.recheck(credential)
            except Exception:  # the database is away: keep the sockets, try next time
                log.exception("re-checking a live socket's credential failed")
                continue
            for watch in list(self.watches.values()):
                if watch.credential == credential and not _still_allowed(grant, watch.sub):
                    watch.sub.close(POLICY_VIOLATION)
                    closed += 1
        return closed

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="pulse-live-reauth")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.reauth_s)
            closed = await self.recheck_all()
            if closed:
                log.info("closed %d live sockets whose credential no longer allows them", closed)


def _still_allowed(grant: Grant, sub: Subscriber) -> bool:
    """It may still read the site, under the same locked filter: a link whose filter changed
    closes its sockets too, and the screens reconnect to the new one (issue 21)."""
    return grant.can_read(sub.site_id) and grant.lock_for(sub.site_id) == sub.lock


def _release(counter: Counter[Any], key: object) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
