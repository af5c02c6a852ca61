"""Per-page engagement: `time_on_page` (mean engaged ms per page view of the page) and
`scroll_depth` (mean deepest scroll % per visit of the page), per page and site-wide.

The tracker sends an `engagement` event for the page view it is leaving (and on each hide of the
tab): `engagement_ms` is the engaged time since its previous one (a delta), `scroll_depth` the
deepest scroll of the page view so far. A *visit* of a page is a session's events on that path:
its page views, and the engagement events they sent. So:
- `time_on_page` = the engaged ms of the page's visits / the page's views (a view that sent no
  engagement was 0 ms engaged; a page viewed twice in a session divides by two views);
- `scroll_depth` = the mean, over the page's visits that reported a depth, of the deepest one
  (Plausible's rule: a visitor's deepest scroll of the page, per session here).
Engagement events of a session that viewed no (matching) page of their path count nowhere.

Two paths, the planner's choice (`page_engagement`): the sealed hours' sums per page
(app/storage/page_tallies.py, written by the sealer with each hour's columns) added to the same
SQL over the sessions of the period's other hours (open, or cut by a part-hour bound); or that
SQL over the whole period — the specification, grouped per (session, path) then per path so no
row reaches Python (pairing each engagement with its page view in Python measured 3.2 s for a
30-day page breakdown at 300k events, all of it on the event loop). The sums are per page, not
per session: only a page filter (on their own key) narrows them; other filters take the SQL.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import HOURS_PER_DAY
from app.queries import sealed_sums
from app.queries.filters import row_condition
from app.queries.planner import COLUMNS, Question, plan
from app.queries.scope import Scope, where
from app.storage import page_tallies
from app.storage.tables import events

METRICS = ("time_on_page", "scroll_depth")


@dataclass
class Tally:
    views: int = 0
    engaged_ms: int = 0
    scrolled: int = 0  # visits that reported a depth
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
    if chosen.path == COLUMNS:
        found = await _sealed(conn, scope)
    else:
        found = await _scanned(conn, await chosen.sql_scope(conn))
    return {path: Tally(*sums) for path, sums in found.items()}


async def _scanned(conn: AsyncConnection, scope: Scope) -> page_tallies.Tallies:
    period, e = scope.period, events.c
    condition = and_(
        e.site_id == scope.site_id,
        e.ts >= period.start,  # a session's events come after its start
        where(scope, period.start, period.end, own_dim="page"),
    )
    return await page_tallies.read(
        conn, page_tallies.query(condition, row_condition(scope.filters, "page"))
    )


async def _sealed(conn: AsyncConnection, scope: Scope) -> page_tallies.Tallies:
    """The sealed whole hours' sums (rows carrying the token their hour is sealed with), plus
    the SQL over the sessions of the period's other hours with sessions (open, resealing, or cut
    by a part-hour bound), one read per run of them; a page filter picks the paths."""
    period, site_id = scope.period, scope.site_id
    total: dict[str, list[int]] = {}

    def add(found: page_tallies.Tallies) -> None:
        for path, (views, engaged, scrolled, depths) in found.items():
            into = total.get(path)
            if into is None:
                total[path] = [views, engaged, scrolled, depths]
            else:  # ~720 hours of ~50 paths: plain adds, the page filter once per path below
                into[0] += views
                into[1] += engaged
                into[2] += scrolled
                into[3] += depths

    stored, spans = await sealed_sums.per_hour(conn, site_id, period, page_tallies.NAME)
    for found in _by_day(site_id, stored):
        add(found)
    for span in spans:
        add(await page_tallies.of_span(conn, site_id, *span))
    passes = [f for f in scope.filters if f.dim == "page"]
    return {
        path: (v[0], v[1], v[2], v[3])
        for path, v in total.items()
        if all(f.passes(path) for f in passes)
    }


# Sealed days' summed tallies, keyed by (site, day, its hours and their tokens): an hour sealed
# again is a new key, so nothing stale is served. Summing a 30-day period's ~720 hour rows per
# request took ~30 ms (decode and add); ~30 day sums take ~1 ms. ~50 paths a day: small.
_DAYS: OrderedDict[tuple[object, ...], page_tallies.Tallies] = OrderedDict()
_DAYS_KEPT = 4096
_DAYS_LOCK = threading.Lock()


def _by_day(site_id: int, stored: list[sealed_sums.Sealed]) -> list[page_tallies.Tallies]:
    """The sealed hours' tallies summed per UTC day (each day's sum remembered)."""
    days: dict[int, list[sealed_sums.Sealed]] = {}
    for row in stored:
        days.setdefault(row[0] // HOURS_PER_DAY, []).append(row)
    out = []
    for day, rows in days.items():
        key = (site_id, day, tuple(sorted((hour, built) for hour, built, _ in rows)))
        with _DAYS_LOCK:
            found = _DAYS.get(key)
            if found is not None:
                _DAYS.move_to_end(key)
        if found is None:
            found = _summed(page_tallies.decode(data) for _, _, data in rows)
            with _DAYS_LOCK:
                _DAYS[key] = found
                while len(_DAYS) > _DAYS_KEPT:
                    _DAYS.popitem(last=False)
        out.append(found)
    return out


def _summed(parts: Iterable[page_tallies.Tallies]) -> page_tallies.Tallies:
    total: dict[str, list[int]] = {}
    for part in parts:
        for path, values in part.items():
            into = total.setdefault(path, [0, 0, 0, 0])
            for i, v in enumerate(values):
                into[i] += v
    return {path: (v[0], v[1], v[2], v[3]) for path, v in total.items()}


def site_wide(found: dict[str, Tally]) -> dict[str, Any]:
    total = Tally()
    for tally in found.values():
        total.views += tally.views
        total.engaged_ms += tally.engaged_ms
        total.scrolled += tally.scrolled
        total.depth_sum += tally.depth_sum
    return total.metrics()
