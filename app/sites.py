"""Sites: the registry ingest consults (in memory) and the queries that manage the table."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.storage.tables import sites

IDENTITY_MODES = ("local", "cookieless")
# A burst of events for unknown domains re-reads the sites table at most this often.
RELOAD_MIN_INTERVAL = 0.1


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    domain: str
    name: str
    timezone: str
    identity_mode: str

    @property
    def cookieless(self) -> bool:
        return self.identity_mode == "cookieless"


class SiteError(ValueError):
    pass


def normalise_domain(domain: str) -> str:
    domain = domain.strip().lower().rstrip(".")
    if "://" in domain:
        domain = domain.split("://", 1)[1]
    domain = domain.split("/", 1)[0].split(":", 1)[0]
    return domain.removeprefix("www.")


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SiteError(f"unknown time zone: {name!r}") from None
    return name


async def list_sites(conn: AsyncConnection) -> list[Site]:
    result = await conn.execute(select(sites).order_by(sites.c.id))
    return [Site(r.id, r.domain, r.name, r.timezone, r.identity_mode) for r in result]


async def add_site(
    conn: AsyncConnection,
    domain: str,
    *,
    name: str | None = None,
    timezone: str = "UTC",
    identity_mode: str = "local",
) -> Site:
    domain = normalise_domain(domain)
    if not domain or "." not in domain and domain != "localhost":
        raise SiteError(f"not a domain: {domain!r}")
    if identity_mode not in IDENTITY_MODES:
        raise SiteError(f"identity mode must be one of {', '.join(IDENTITY_MODES)}")
    validate_timezone(timezone)
    existing = await conn.scalar(select(sites.c.id).where(sites.c.domain == domain))
    if existing is not None:
        raise SiteError(f"site {domain} already exists")
    display = name or domain
    result = await conn.execute(
        insert(sites).values(
            domain=domain,
            name=display,
            timezone=timezone,
            identity_mode=identity_mode,
            created_at=int(time.time() * 1000),
        )
    )
    site_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return Site(site_id, domain, display, timezone, identity_mode)


class SiteRegistry:
    """Domain -> Site, in memory. Unknown domains trigger a (single-flight) reload, so a site
    added with the CLI while the server runs is accepted at once."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._by_domain: dict[str, Site] = {}
        self._reload_lock = asyncio.Lock()
        self._last_reload = 0.0

    def lookup(self, domain: str) -> Site | None:
        site = self._by_domain.get(domain)
        if site is None and domain.startswith("www."):
            site = self._by_domain.get(domain[4:])
        return site

    def all(self) -> list[Site]:
        return sorted(self._by_domain.values(), key=lambda s: s.id)

    async def reload(self) -> None:
        async with self.engine.connect() as conn:
            found = await list_sites(conn)
        self._by_domain = {s.domain: s for s in found}
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
