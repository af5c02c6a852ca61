"""The original system's `/api/analytics/stats` answer, with Pulse's definitions: the headline
totals, average session duration, bounce rate, top pages and referrers, and one row a day.

It composes the other questions (summary metrics, page and referrer breakdowns, a daily time
series) and adds the one they lack, average session duration: last event minus first event of
each session that starts in the period (a one-event session lasts 0 s).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.breakdown import breakdown
from app.queries.period import Period, make_period, resolve
from app.queries.planner import Question, plan
from app.queries.scope import Scope, s, where
from app.queries.summary import metrics_for
from app.queries.timeseries import timeseries

TIME_RANGES = ("24h", "7d", "30d", "all")
TOP = 10


async def legacy_period(
    conn: AsyncConnection, site_id: int, time_range: str, now_ms: int, tz: str
) -> Period:
    """24h / 7d / 30d as everywhere; "all": from the local day of the site's first session to
    the end of today, in daily buckets."""
    if time_range != "all":
        return resolve(time_range, now_ms, tz, interval="day")
    first = (await conn.execute(select(func.min(s.start_ts)).where(s.site_id == site_id))).scalar()
    zone = ZoneInfo(tz)
    today = datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(zone).date()
    day = datetime.fromtimestamp((first or now_ms) / 1000, UTC).astimezone(zone).date()
    day = min(day, today)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    tomorrow = today + timedelta(days=1)
    end = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=zone)
    return make_period(int(start.timestamp() * 1000), int(end.timestamp() * 1000), tz, "day")


async def avg_session_seconds(conn: AsyncConnection, scope: Scope) -> float:
    period = scope.period
    chosen = plan(Question("duration"), scope)
    frame = await chosen.frame(conn, fields=["duration"])
    if frame is not None:
        total = int(frame.numbers("duration").sum())
        return round(total / frame.size / 1000, 1) if frame.size else 0.0
    condition = where(await chosen.sql_scope(conn), period.start, period.end)
    query = select(func.avg(s.end_ts - s.start_ts)).where(condition)
    average = (await conn.execute(query)).scalar()
    return round(float(average or 0) / 1000, 1)


async def legacy_stats(conn: AsyncConnection, scope: Scope, time_range: str) -> dict[str, Any]:
    totals = await metrics_for(conn, scope, scope.period)
    pages = await breakdown(conn, scope, "page", limit=TOP, totals=False)
    # Direct sessions have no referrer (a None row): ask for one more and drop it.
    referrers = await breakdown(
        conn, scope, "referrer", sort="sessions", limit=TOP + 1, totals=False
    )
    daily = await timeseries(conn, scope, ("pageviews", "visitors"))
    return {
        "time_range": time_range,
        "total_pageviews": totals["pageviews"],
        "unique_visitors": totals["visitors"],
        "total_sessions": totals["sessions"],
        "avg_session_duration": await avg_session_seconds(conn, scope),
        "bounce_rate": totals["bounce_rate"],
        "top_pages": [{"url": r["value"], "views": r["count"]} for r in pages["results"]],
        "top_referrers": [
            {"referrer": r["value"], "count": r["sessions"]}
            for r in referrers["results"]
            if r["value"] is not None
        ][:TOP],
        "daily_stats": [
            {"date": p["bucket"][:10], "pageviews": p["pageviews"], "visitors": p["visitors"]}
            for p in daily["points"]
        ],
    }
