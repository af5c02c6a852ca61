"""Per-page engagement sums: the one query behind `time_on_page` and `scroll_depth`
(app/queries/page_engagement.py), and its sums per sealed hour.

A *visit* of a page is a session's page views and engagement events on that path; per path the
query sums the visits' views, engaged ms, the visits that reported a depth and their deepest
depths — grouped per (session, path) then per path, so no row reaches Python. These sums add
over disjoint sets of sessions, so the sealer stores them per hour (one `session_columns` row
named NAME, with the hour's token) and a 30-day read is a sum of ~720 small rows instead of a
grouped join over every page view and engagement of the month.
"""

from __future__ import annotations

from typing import Any

import msgpack
from sqlalchemy import ColumnElement, Select, and_, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events import ENGAGEMENT, PAGEVIEW
from app.storage.tables import events, sessions

NAME = "page_tallies"
Tallies = dict[str, tuple[int, int, int, int]]  # path -> (views, engaged ms, scrolled, depths)


def query(
    condition: ColumnElement[bool], counts_view: ColumnElement[bool] | None = None
) -> Select[Any]:
    """(path, views, engaged ms, visits with a depth, sum of their deepest) of the events of
    `events` joined to `sessions` matching `condition`; `counts_view`: which page views count
    (a page filter's own rows)."""
    e = events.c
    is_view = and_(e.name == PAGEVIEW, true() if counts_view is None else counts_view)
    engaged = e.name == ENGAGEMENT
    per_visit = (
        select(
            e.pathname.label("path"),
            func.sum(case((is_view, 1), else_=0)).label("views"),
            # Only engagement events measure (a page view's own fields are not the tracker's).
            func.coalesce(func.sum(case((engaged, e.engagement_ms))), 0).label("engaged"),
            func.max(case((engaged, e.scroll_depth))).label("depth"),
        )
        .select_from(events.join(sessions, sessions.c.session_id == e.session_id))
        .where(e.name.in_([PAGEVIEW, ENGAGEMENT]), condition)
        .group_by(e.session_id, e.pathname)
        .subquery()
    )
    v = per_visit.c
    return (
        select(
            v.path,
            func.sum(v.views),
            func.sum(v.engaged),
            func.count(v.depth),
            func.coalesce(func.sum(v.depth), 0),
        )
        .where(v.views > 0)
        .group_by(v.path)
    )


async def read(conn: AsyncConnection, statement: Select[Any]) -> Tallies:
    return {
        path: (int(views), int(engaged), int(scrolled), int(depths))
        for path, views, engaged, scrolled, depths in await conn.execute(statement)
    }


async def of_span(conn: AsyncConnection, site_id: int, start: int, end: int) -> Tallies:
    """The sums of the sessions starting in [start, end): their events lie between `start`
    and the sessions' last event, one range of the events' (site_id, ts) index (without the
    upper bound SQLite would range over every later event for each session)."""
    e, s = events.c, sessions.c
    in_span = and_(s.site_id == site_id, s.start_ts >= start, s.start_ts < end)
    last = (await conn.execute(select(func.max(s.end_ts)).where(in_span))).scalar()
    if last is None:
        return {}
    condition = and_(e.site_id == site_id, e.ts >= start, e.ts <= last, in_span)
    return await read(conn, query(condition))


def encode(found: Tallies) -> bytes:
    paths = sorted(found)
    return msgpack.packb([paths, [list(found[p]) for p in paths]], use_bin_type=True)


def decode(data: bytes) -> Tallies:
    paths, sums = msgpack.unpackb(data, raw=False)
    return {path: tuple(values) for path, values in zip(paths, sums, strict=True)}  # type: ignore[misc]
