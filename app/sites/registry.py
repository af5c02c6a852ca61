"""The in-memory registry of sites ingest and every route consult (`SiteRegistry.find`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy.ext.asyncio import AsyncEngine

from app.sites.model import Site, normalise_domain
from app.sites.store import list_sites

log = logging.getLogger(__name__)
# A burst of events for unknown domains re-reads the sites table at most this often.
RELOAD_MIN_INTERVAL = 0.1
# The running server re-reads the whole sites table this often (one small SELECT, off the
# ingest path), so `pulse site update|remove` from another process takes effect within it.
REFRESH_INTERVAL_S = 5.0


class SiteRegistry:
    """Domain -> Site, in memory; ingest never reads the database for it.

    Two ways a change made elsewhere (the CLI is another process) reaches it: an unknown domain
    triggers a single-flight reload, so `pulse site add` is accepted at once; and a background
    task reloads every REFRESH_INTERVAL_S, so `pulse site update|remove` (a domain the registry
    still knows) takes effect within that time. The admin API reloads after its own changes.
    """

    def __init__(self, engine: AsyncEngine, refresh_interval_s: float | None = None) -> None:
        self.engine = engine
        self.refresh_interval_s = refresh_interval_s or REFRESH_INTERVAL_S
        self._by_domain: dict[str, Site] = {}
        self._by_umami_id: dict[str, Site] = {}
        self._reload_lock = asyncio.Lock()
        self._last_reload = 0.0
        self._refresher: asyncio.Task[None] | None = None

    def lookup(self, domain: str) -> Site | None:
        """By domain, or by Umami website id: Umami snippets (`data-website-id`) and the Umami
        API name the site by its id, and a UUID can never be a domain (it has no dot)."""
        site = self._by_domain.get(domain)
        if site is None and domain.startswith("www."):
            site = self._by_domain.get(domain[4:])
        if site is None:
            site = self._by_umami_id.get(domain)
        return site

    async def find(self, name: str) -> Site | None:
        """The one lookup every route uses (ingest, live, reports, admin): by domain or Umami
        id, re-reading the table once on a miss, so a site `pulse site add` just created (in
        another process) is found at once, not after the next 5-s refresh."""
        domain = normalise_domain(name)
        if not domain:
            return None
        site = self.lookup(domain)
        if site is None:
            await self.reload_for_unknown()
            site = self.lookup(domain)
        return site

    def all(self) -> list[Site]:
        return sorted(self._by_domain.values(), key=lambda s: s.id)

    def by_id(self, site_id: int) -> Site | None:
        return next((s for s in self._by_domain.values() if s.id == site_id), None)

    async def reload(self) -> None:
        async with self.engine.connect() as conn:
            found = await list_sites(conn)
        self._by_domain = {s.domain: s for s in found}
        self._by_umami_id = {s.umami_id: s for s in found if s.umami_id}
        self._last_reload = time.monotonic()

    async def reload_for_unknown(self) -> None:
        started = time.monotonic()
        async with self._reload_lock:
            # Someone reloaded while we waited: their answer is fresh enough.
            if self._last_reload >= started:
                return
            if time.monotonic() - self._last_reload < RELOAD_MIN_INTERVAL:
                await asyncio.sleep(RELOAD_MIN_INTERVAL)
            await self.reload()

    def start_refresh(self) -> None:
        self._refresher = asyncio.create_task(self._refresh(), name="pulse-site-refresh")

    async def stop_refresh(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
            self._refresher = None

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_interval_s)
            try:
                await self.reload()
            except Exception:  # a locked or restarting database: keep the last known sites
                log.exception(
                    "reloading the sites failed; retrying in %.0f s", self.refresh_interval_s
                )
