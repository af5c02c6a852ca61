"""Per-page engagement: `time_on_page` (mean engaged ms per page view of the page) and
`scroll_depth` (mean of each page view's deepest scroll %), per page and site-wide.

The tracker sends an `engagement` event for the page view it is leaving (and on each hide of the
tab): `engagement_ms` is the engaged time since its previous one (a delta), `scroll_depth` the
deepest scroll of the page view so far. So a page view's engaged time is the sum of its
engagement events' deltas and its scroll depth their maximum. An engagement event belongs to the
latest page view of the same path in its session at or before it (by time, then row id); one
with no such page view (its page view began in an earlier period's session) counts nowhere.

`time_on_page` divides by every page view of the page (a view that sent no engagement was 0 ms
engaged); `scroll_depth` averages only the page views that reported a depth. Both are read from
the stored events in SQL: no rollup or sealed column pairs an engagement with its page view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events import ENGAGEMENT, PAGEVIEW
from app.queries.filters import row_condition
from app.queries.planner import Question, plan
from app.queries.scope import Scope, s, where
from app.storage.tables import events, sessions

METRICS = ("time_on_page", "scroll_depth")


@dataclass
class Tally:
    views: int = 0
    engaged_ms: int = 0
    scrolled: int = 0  # page views that reported a depth
    depth_sum: int = 0

    def metrics(self) -> dict[str, Any]:
        return {
            "time_on_page": self.engaged_ms // self.views if self.views else 0,
            "scroll_depth": round(self.depth_sum / self.scrolled, 1) if self.scrolled else None,
        }


async def tallies(conn: AsyncConnection, scope: Scope) -> dict[str, Tally]:
    """Per page path: its page views in the scope's sessions and their engagement. A page
    filter (the page breakdown's own dimension) keeps only the matching pages' views, as the
    page breakdown counts them."""
    chosen = plan(Question("page_engagement"), scope)
    sql_scope = await chosen.sql_scope(conn)
    period, e = scope.period, events.c
    views = and_(e.name == PAGEVIEW, row_condition(scope.filters, "page"))
    condition = and_(
        e.site_id == scope.site_id,
        e.ts >= period.start,  # a session's events come after its start
        e.name.in_([PAGEVIEW, ENGAGEMENT]),
        where(sql_scope, period.start, period.end, own_dim="page"),
    )
    query = (
        select(e.session_id, e.name, e.pathname, e.engagement_ms, e.scroll_depth, views)
        .select_from(events.join(sessions, s.session_id == e.session_id))
        .where(condition)
        .order_by(e.session_id, e.ts, e.id)
    )
    return fold(await conn.execute(query))


def fold(rows: Iterable[Any]) -> dict[str, Tally]:
    """(session, name, path, engagement_ms, scroll_depth, counted) rows in session and time
    order -> per path tallies; `counted` says whether a page view passes the page filter."""
    found: dict[str, Tally] = {}
    session: Any = None
    # The session's latest page view per path: [counted, engaged ms, deepest scroll or None].
    latest: dict[str, list[Any]] = {}
    for sid, name, path, engaged, depth, counted in rows:
        if sid != session:
            _close(found, latest)
            session, latest = sid, {}
        if name == PAGEVIEW:
            _close_one(found, path, latest.get(path))
            latest[path] = [bool(counted), 0, None]
            continue
        view = latest.get(path)
        if view is None:
            continue
        view[1] += engaged or 0
        if depth is not None:
            view[2] = depth if view[2] is None else max(view[2], depth)
    _close(found, latest)
    return found


def _close(found: dict[str, Tally], latest: dict[str, list[Any]]) -> None:
    for path, view in latest.items():
        _close_one(found, path, view)


def _close_one(found: dict[str, Tally], path: str, view: list[Any] | None) -> None:
    if view is None or not view[0]:
        return
    tally = found.setdefault(path, Tally())
    tally.views += 1
    tally.engaged_ms += view[1]
    if view[2] is not None:
        tally.scrolled += 1
        tally.depth_sum += view[2]


def site_wide(found: dict[str, Tally]) -> dict[str, Any]:
    total = Tally()
    for tally in found.values():
        total.views += tally.views
        total.engaged_ms += tally.engaged_ms
        total.scrolled += tally.scrolled
        total.depth_sum += tally.depth_sum
    return total.metrics()
