"""What every report shares: the sessions in a period that pass the filters, and the session
metrics over them.

Sessions belong to the period in which they *start* (their page views, bounce and engagement
with them), so a breakdown's rows always sum to the summary and a bucket never holds half a
session. Visitors are exact: COUNT(DISTINCT visitor_id) over the (site, start_ts, visitor_id)
index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Label, and_, case, func, literal

from app.queries.filters import Filter, session_conditions
from app.queries.period import Period
from app.storage.tables import sessions

s = sessions.c
BASE_METRICS = ("visitors", "sessions", "pageviews", "bounces", "engagement_ms")
METRICS = (
    "visitors",
    "sessions",
    "pageviews",
    "views_per_session",
    "bounce_rate",
    "avg_engagement_ms",
    "new_visitors",
    "returning_visitors",
)


@dataclass(frozen=True)
class Scope:
    site_id: int
    period: Period
    filters: tuple[Filter, ...] = ()


def where(scope: Scope, start: int, end: int, own_dim: str | None = None) -> ColumnElement[bool]:
    return and_(
        s.site_id == scope.site_id,
        s.start_ts >= start,
        s.start_ts < end,
        *session_conditions(scope.filters, scope.site_id, start, own_dim),
    )


def aggregates() -> list[Label[Any]]:
    bounce = case((and_(s.pageviews == 1, s.interactive == 0), 1), else_=0)
    return [
        func.count(func.distinct(s.visitor_id)).label("visitors"),
        func.count().label("sessions"),
        func.coalesce(func.sum(s.pageviews), 0).label("pageviews"),
        func.coalesce(func.sum(bounce), 0).label("bounces"),
        func.coalesce(func.sum(s.engagement_ms), 0).label("engagement_ms"),
        func.count(func.distinct(case((s.new_visitor == literal(True), s.visitor_id)))).label(
            "new_visitors"
        ),
        func.count(func.distinct(case((s.new_visitor == literal(False), s.visitor_id)))).label(
            "returning_visitors"
        ),
    ]


def derive(row: Any) -> dict[str, Any]:
    """Base counts -> the reported metrics (rates as percentages with one decimal)."""
    sessions_n = int(row.sessions or 0)
    return {
        "visitors": int(row.visitors or 0),
        "sessions": sessions_n,
        "pageviews": int(row.pageviews or 0),
        "views_per_session": round(int(row.pageviews or 0) / sessions_n, 2) if sessions_n else 0,
        "bounce_rate": round(100 * int(row.bounces or 0) / sessions_n, 1) if sessions_n else 0,
        "avg_engagement_ms": int(row.engagement_ms or 0) // sessions_n if sessions_n else 0,
        "new_visitors": int(row.new_visitors or 0),
        "returning_visitors": int(row.returning_visitors or 0),
    }


def bucket_of(column: ColumnElement[int], bounds: Sequence[int]) -> ColumnElement[int]:
    """The bucket index of `column` as a balanced CASE tree: ~log2(n) comparisons a row, and
    plain Core (no date functions), so SQLite and PostgreSQL bucket identically."""
    if len(bounds) <= 2:
        return literal(0)
    return _tree(column, bounds, 0, len(bounds) - 1)


def _tree(column: ColumnElement[int], bounds: Sequence[int], lo: int, hi: int) -> Any:
    if hi - lo == 1:
        return literal(lo)
    mid = (lo + hi) // 2
    return case(
        (column < bounds[mid], _tree(column, bounds, lo, mid)),
        else_=_tree(column, bounds, mid, hi),
    )
