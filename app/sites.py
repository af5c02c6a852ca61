"""Sites: the registry ingest consults (in memory) and the queries that manage the table."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.storage.tables import sites

log = logging.getLogger(__name__)
IDENTITY_MODES = ("local", "cookieless")
# A burst of events for unknown domains re-reads the sites table at most this often.
RELOAD_MIN_INTERVAL = 0.1
# The running server re-reads the whole sites table this often (one small SELECT, off the
# ingest path), so `pulse site update|remove` from another process takes effect within it.
REFRESH_INTERVAL_S = 5.0
# Every table keyed by site_id, emptied when a site is removed.
# Every table holding a site's rows, in the order the writer writes them (app/storage/batch.py:
# events, then sessions and their rollups, then visitors and drop counts), then access rows.
# `remove_site` locks them in this order on PostgreSQL. tests/auth/test_site_refresh.py checks
# that every table with a site_id column is here.
SITE_DATA_TABLES = (
    "events",
    "sessions",
    "rollup_hours",
    "visitor_days",
    "visitor_weeks",
    "flow_links",
    "retention_days",
    "session_columns",
    "visitors",
    "drop_counts",
    "site_roles",
    "api_tokens",
    "share_links",
    "kiosk_links",
    "goals",
    "alerts",
    "alert_deliveries",
    "annotations",
    "invitations",
    "email_reports",
    "imports",
    "imported_visitors",
    "imported_sources",
    "imported_pages",
    "imported_entry_pages",
    "imported_exit_pages",
    "imported_custom_events",
    "imported_locations",
    "imported_devices",
    "imported_browsers",
    "imported_operating_systems",
)


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    domain: str
    name: str
    timezone: str
    identity_mode: str
    umami_id: str | None = None  # Umami's website id, accepted wherever a domain is
    # Ingest rules (app/ingest/rules.py); empty tuples restrict nothing.
    allowed_hostnames: tuple[str, ...] = ()
    excluded_ips: tuple[str, ...] = ()
    excluded_paths: tuple[str, ...] = ()
    # Retention (app/retention_purge.py): raw events and sessions older than this many days are
    # purged (None: kept forever); `raw_purged_before` is how far the last purge went (UTC ms).
    keep_raw_days: int | None = None
    raw_purged_before: int | None = None

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


# Raw rows of the current and previous day feed sessions still open and hours not yet sealed.
MIN_KEEP_RAW_DAYS, MAX_KEEP_RAW_DAYS = 2, 36_500


def validate_keep_raw_days(value: Any) -> int | None:
    """Days of raw events to keep: a whole number 2..36500, or None / 0 for forever."""
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SiteError("keep_raw_days must be a whole number of days (or null)")
    if not MIN_KEEP_RAW_DAYS <= value <= MAX_KEEP_RAW_DAYS:
        raise SiteError(
            f"keep_raw_days must be {MIN_KEEP_RAW_DAYS}..{MAX_KEEP_RAW_DAYS} (0 or null: forever)"
        )
    return value


RULE_FIELDS = ("allowed_hostnames", "excluded_ips", "excluded_paths")


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def site_from_row(row: Any) -> Site:
    return Site(
        row.id,
        row.domain,
        row.name,
        row.timezone,
        row.identity_mode,
        row.umami_id,
        **{name: _split(getattr(row, name)) for name in RULE_FIELDS},
        keep_raw_days=getattr(row, "keep_raw_days", None),
        raw_purged_before=getattr(row, "raw_purged_before", None),
    )


async def list_sites(conn: AsyncConnection) -> list[Site]:
    result = await conn.execute(select(sites).order_by(sites.c.id))
    return [site_from_row(r) for r in result]


async def find_site(conn: AsyncConnection, domain: str) -> Site | None:
    """The site with this domain (normalised as `pulse site add` does), or None."""
    row = (
        await conn.execute(select(sites).where(sites.c.domain == normalise_domain(domain)))
    ).first()
    return None if row is None else site_from_row(row)


def normalise_rules(**rules: Sequence[str] | None) -> dict[str, str]:
    """Validated, comma-joined rule columns for the given (not None) rule lists."""
    from app.ingest.rules import RuleError, normalise_rule_list

    try:
        return {
            name: ",".join(
                normalise_rule_list(name, values.split(",") if isinstance(values, str) else values)
            )
            for name, values in rules.items()
            if values is not None
        }
    except RuleError as exc:
        raise SiteError(str(exc)) from None


async def add_site(
    conn: AsyncConnection,
    domain: str,
    *,
    name: str | None = None,
    timezone: str = "UTC",
    identity_mode: str = "local",
    allowed_hostnames: Sequence[str] | None = None,
    excluded_ips: Sequence[str] | None = None,
    excluded_paths: Sequence[str] | None = None,
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
    rules = normalise_rules(
        allowed_hostnames=allowed_hostnames,
        excluded_ips=excluded_ips,
        excluded_paths=excluded_paths,
    )
    await conn.execute(
        insert(sites).values(
            domain=domain,
            name=display,
            timezone=timezone,
            identity_mode=identity_mode,
            created_at=int(time.time() * 1000),
            **rules,
        )
    )
    row = (await conn.execute(select(sites).where(sites.c.domain == domain))).one()
    return site_from_row(row)


def normalise_umami_id(value: str) -> str | None:
    """A UUID in canonical lower-case form; "" clears it."""
    if not value.strip():
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise SiteError(f"not an Umami website id (a UUID): {value!r}") from None


async def update_site(
    conn: AsyncConnection,
    domain: str,
    *,
    name: str | None = None,
    timezone: str | None = None,
    identity_mode: str | None = None,
    umami_id: str | None = None,
    allowed_hostnames: Sequence[str] | None = None,
    excluded_ips: Sequence[str] | None = None,
    excluded_paths: Sequence[str] | None = None,
    keep_raw_days: int | None | str = "keep",
) -> Site:
    """Change the given settings of a site (None keeps a setting; umami_id "" and an empty rule
    list clear it; keep_raw_days None or 0 keeps raw events forever)."""
    domain = normalise_domain(domain)
    row = (await conn.execute(select(sites).where(sites.c.domain == domain))).first()
    if row is None:
        raise SiteError(f"no site {domain}")
    changes: dict[str, str | int | None] = dict(
        normalise_rules(
            allowed_hostnames=allowed_hostnames,
            excluded_ips=excluded_ips,
            excluded_paths=excluded_paths,
        )
    )
    if name:
        changes["name"] = name
    if timezone is not None:
        changes["timezone"] = validate_timezone(timezone)
    if identity_mode is not None:
        if identity_mode not in IDENTITY_MODES:
            raise SiteError(f"identity mode must be one of {', '.join(IDENTITY_MODES)}")
        changes["identity_mode"] = identity_mode
    if keep_raw_days != "keep":
        changes["keep_raw_days"] = validate_keep_raw_days(keep_raw_days)
    if umami_id is not None:
        changes["umami_id"] = new_id = normalise_umami_id(umami_id)
        taken = select(sites.c.domain).where(sites.c.umami_id == new_id, sites.c.id != row.id)
        if new_id is not None and (other := await conn.scalar(taken)) is not None:
            raise SiteError(f"Umami id {new_id} already belongs to {other}")
    if changes:
        await conn.execute(update(sites).where(sites.c.id == row.id).values(**changes))
    return site_from_row(SimpleNamespace(**{**row._asdict(), **changes}))


async def remove_site(conn: AsyncConnection, domain: str) -> Site:
    """Delete a site with its data and its access rows. The data goes too: SQLite may reuse
    the id for the next site added, which would otherwise inherit the old numbers."""
    from app.storage import tables

    domain = normalise_domain(domain)
    row = (await conn.execute(select(sites).where(sites.c.domain == domain))).first()
    if row is None:
        raise SiteError(f"no site {domain}")
    if conn.dialect.name == "postgresql":
        # A running writer locks sessions and rollup rows in its own order while deleting
        # them row by row here could take them in another (a deadlock, seen in CI): take the
        # tables whole first, in the writer's order, so the writer waits or finishes first.
        names = ", ".join(SITE_DATA_TABLES)
        await conn.exec_driver_sql(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
    for name in SITE_DATA_TABLES:
        table = tables.metadata.tables[name]
        await conn.execute(delete(table).where(table.c.site_id == row.id))
    await conn.execute(delete(sites).where(sites.c.id == row.id))
    return site_from_row(row)


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
