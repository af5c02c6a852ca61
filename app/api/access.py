"""Who may read or manage a site, and who is an admin, decided in one place for every route.

Readers: an admin, a user with a role on the site, a read token for the site, or a visitor
holding the site's share link. Managers: admins and the site's owners. Anonymous requests
never get here: the guard (app/api/guard.py) refuses them before any handler runs.

A caller who may not read a site gets the same 404 as for a domain that does not exist, so a
credential for one site cannot probe which other domains an instance tracks. Every refusal is
an `errors.Refusal`, answered as JSON by the one error handler (app/api/errors.py).

Routes say it with a decorator (under `@responds`): `@admin_only`, or `@site_owner(action)`,
which hands the handler the managed `Site` in place of the route's domain.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec

from quart import Response

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


async def linked_site() -> Site | None:
    """The site of the one link the caller presents (a `<pulse-live share=...>` socket names
    no site); None for none or several."""
    ids = (await current()).share_sites
    if len(ids) != 1:
        return None
    (site_id,) = ids
    site = runtime().sites.by_id(site_id)
    return site if site is not None and (await current()).can_read(site.id) else None


NOT_ALLOWED = "not allowed"


async def require_owner(site_id: int | None) -> None:
    """A row of a site (a share or kiosk link) only the site's managers may change: 403
    otherwise, and the same 403 for a row that does not exist (`site_id` None), so an id
    cannot probe another site's links."""
    if site_id is None or not (await current()).can_manage(site_id):
        raise Refusal(403, NOT_ALLOWED)


async def may_manage(site_id: int) -> bool:
    return (await current()).can_manage(site_id)


P = ParamSpec("P")
View = Callable[P, Awaitable[Response]]


def admin_only(handler: View[P]) -> View[P]:
    """The route answers 403 to anyone but an admin, before the handler runs."""

    @functools.wraps(handler)
    async def checked(*args: P.args, **kwargs: P.kwargs) -> Response:
        if not (await current()).is_admin:
            raise Refusal(403, NOT_ALLOWED)
        return await handler(*args, **kwargs)

    return checked


def site_owner(
    action: str, arg: str = "domain"
) -> Callable[[Callable[Concatenate[Site, P], Awaitable[Response]]], View[...]]:
    """The route's `<arg>` (a domain or Umami id) must be a site the caller manages
    (`managed_site`: 404 when not readable, 403 naming `action`); the handler gets the `Site`
    as its first argument, the route's other values as before."""

    def decorate(handler: Callable[Concatenate[Site, P], Awaitable[Response]]) -> View[...]:
        @functools.wraps(handler)
        async def checked(*args: P.args, **kwargs: P.kwargs) -> Response:
            site = await managed_site(str(kwargs.pop(arg)), action)
            return await handler(site, *args, **kwargs)

        return checked

    return decorate


async def locked_filters(site_id: int) -> tuple[Filter, ...]:
    """The filter the caller is held to on this site (a share or kiosk link's lock; none for an
    account or a token): `Principal.lock_for`, parsed. Reports AND it in (`reports.with_goals`),
    the live view subscribes to it (app/api/live.py)."""
    return parsed_lock((await current()).lock_for(site_id))
