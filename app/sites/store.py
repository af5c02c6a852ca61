"""The `sites` table: list, find, add, update and remove (with every row of the site's data)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.sites.model import (
    IDENTITY_MODES,
    RULE_FIELDS,
    Site,
    SiteError,
    normalise_domain,
    normalise_rules,
    normalise_umami_id,
    validate_keep_raw_days,
    validate_timezone,
)
from app.storage.tables import metadata, sites

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
        table = metadata.tables[name]
        await conn.execute(delete(table).where(table.c.site_id == row.id))
    await conn.execute(delete(sites).where(sites.c.id == row.id))
    return site_from_row(row)
