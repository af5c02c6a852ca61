"""Who may read or manage a site, decided in one place for every route.

Readers: an admin, a user with a role on the site, a read token for the site, or a visitor
holding the site's share link. Managers: admins and the site's owners. Anonymous requests
never get here: the guard (app/api/guard.py) refuses them before any handler runs.

A caller who may not read a site gets the same 404 as for a domain that does not exist, so a
credential for one site cannot probe which other domains an instance tracks.
"""

from __future__ import annotations

from app.api.context import runtime
from app.api.errors import Refusal
from app.api.principal import current
from app.auth.embeds import parsed_lock
from app.queries.filters import Filter
from app.sites.model import Site


async def visible_site(domain: str) -> Site | None:
    """The site if it exists and the caller may read it; None for both other cases."""
    site = await runtime().sites.find(domain)
    if site is None or not (await current()).can_read(site.id):
        return None
    return site


async def readable_site(domain: str) -> Site:
    """`visible_site`, raising the shared 404 (app/api/errors.py answers it as JSON)."""
    site = await visible_site(domain)
    if site is None:
        raise Refusal(404, f"no site {domain}", "site")
    return site


async def managed_site(domain: str, action: str) -> Site:
    """A site the caller may change; a reader who may not gets 403 naming `action`."""
    site = await readable_site(domain)
    if not (await current()).can_manage(site.id):
        raise Refusal(403, f"only the site's owners and admins {action}", "site")
    return site


async def locked_filters(site_id: int) -> tuple[Filter, ...]:
    """The filter the caller is held to on this site (a share or kiosk link's lock; none for an
    account or a token): `Principal.lock_for`, parsed. Reports AND it in (`reports.with_goals`),
    the live view subscribes to it (app/api/live.py)."""
    return parsed_lock((await current()).lock_for(site_id))
