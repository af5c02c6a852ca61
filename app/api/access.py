"""Who may read a site's reports: an admin, a user with a role on the site, a read token for
the site, or a visitor holding the site's share link. Anonymous requests never get here: the
guard (app/auth/guard.py) refuses them before any handler runs."""

from __future__ import annotations

from app.sites import Site


async def may_read(site: Site) -> bool:
    from app.auth.principal import current  # imported late: auth reaches the runtime

    return (await current()).can_read(site.id)
