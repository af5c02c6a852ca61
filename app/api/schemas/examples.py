"""Examples in /openapi.json, one per report (tests/api/test_openapi_contract.py validates each
against its schema, so they cannot drift from the types)."""

from __future__ import annotations

from typing import Any

PERIOD: dict[str, Any] = {
    "from": "2026-11-28T00:00:00+00:00",
    "start_ms": 1795824000000,
    "end_ms": 1796428800000,
    "interval": "day",
    "timezone": "UTC",
    "partial": True,
    "until_ms": 1796414643883,
}
PAST = {**PERIOD, "partial": False, "until_ms": None}
SUMMARY = {
    "metrics": {
        "visitors": {"value": 95, "previous": 80, "change": 18.8},
        "pageviews": {"value": 274, "previous": 240, "change": 14.2},
        "bounce_rate": {"value": 42.5, "previous": 0, "change": None},
    },
    "period": PERIOD,
    "previous_period": PAST,
}
TIMESERIES = {
    "metrics": ["visitors", "pageviews"],
    "period": PERIOD,
    "points": [
        {"bucket": "2026-11-28T00:00:00+00:00", "visitors": 11, "pageviews": 37, "partial": False},
        {"bucket": "2026-11-29T00:00:00+00:00", "visitors": 9, "pageviews": 30, "partial": True},
    ],
}
BREAKDOWN = {
    "dimension": "source",
    "period": PERIOD,
    "results": [
        {
            "value": "Google",
            "visitors": 43,
            "sessions": 50,
            "pageviews": 130,
            "bounce_rate": 42.0,
            "avg_engagement_ms": 109075,
        }
    ],
    "sort": "visitors",
    "order": "desc",
    "limit": 10,
    "offset": 0,
    "total_rows": 11,
    "totals": {
        "visitors": 95,
        "sessions": 120,
        "pageviews": 274,
        "bounce_rate": 42.5,
        "avg_engagement_ms": 93404,
    },
}
FLOWS = {
    "period": PERIOD,
    "depth": 1,
    "start_page": None,
    "sessions": 120,
    "nodes": [
        {"id": "0:Google", "name": "Google", "step": 0, "sessions": 50},
        {"id": "1:/docs/", "name": "/docs/", "step": 1, "sessions": 9},
    ],
    "links": [{"source": "0:Google", "target": "1:/docs/", "sessions": 9}],
    "steps": [{"step": 1, "sessions": 120, "exits": 51, "exit_rate": 42.5}],
}
RETENTION = {
    "period": PERIOD,
    "cohort": "week",
    "cohorts": [
        {
            "cohort": "2026-11-28T00:00:00+00:00",
            "start_ms": 1795824000000,
            "visitors": 95,
            "retention": [{"k": 0, "visitors": 95, "share": 100.0}],
        }
    ],
}
FUNNEL = {
    "period": PERIOD,
    "steps": [
        {
            "step": 1,
            "label": "/",
            "visitors": 29,
            "dropped": 0,
            "conversion": 100.0,
            "overall": 100.0,
        },
        {
            "step": 2,
            "label": "/pricing",
            "visitors": 14,
            "dropped": 15,
            "conversion": 48.3,
            "overall": 48.3,
        },
    ],
}
PROPERTIES = {"period": PERIOD, "keys": [{"key": "plan", "events": 6}]}
SUGGESTIONS = {
    "dimension": "page",
    "period": PERIOD,
    "values": [{"value": "/pricing", "visitors": 35}],
}
GOAL_REPORT = {
    "period": PERIOD,
    "results": [
        {
            "id": 1,
            "goal": "Blog",
            "kind": "page",
            "visitors": 47,
            "events": 69,
            "conversion_rate": 49.5,
            "revenue": [{"currency": "EUR", "total": "129.9", "average": "12.99", "events": 10}],
        }
    ],
    "total_visitors": 95,
}
DIMENSIONS = {
    "dimensions": [{"name": "source", "label": "Source", "grain": "session", "filterable": True}]
}
REALTIME = {
    "type": "snapshot",
    "v": 1,
    "site": "your-site.test",
    "name": "Example",
    "timezone": "UTC",
    "seq": 1,
    "at": 1796414644136,
    "active_now": 1,
    "last_30m": {"pageviews": 2, "visitors": 1, "sessions": 1, "new_visitors": 1},
    "minutes": {
        "start": 1796412900000,
        "step": 60000,
        "pageviews": [0, 2],
        "visitors": [0, 1],
        "sessions": [0, 1],
        "new_visitors": [0, 1],
    },
    "top": {
        k: {"by": by, "items": [[v, 1]], "other": 0}
        for k, by, v in (
            ("pages", "pageviews", "/pricing"),
            ("sources", "sessions", "Bing"),
            ("channels", "sessions", "Organic Search"),
            ("countries", "sessions", "JP"),
            ("devices", "sessions", "mobile"),
        )
    },
    "recent": [
        {
            "ts": 1796413164000,
            "name": "pageview",
            "path": "/pricing",
            "source": "Bing",
            "country": "JP",
            "device": "mobile",
            "entry": True,
        }
    ],
    "today": {"date": "2026-12-04", "pageviews": 39, "visitors": 17, "sessions": 17},
}
ORIGINAL_STATS = {
    "site": "your-site.test",
    "time_range": "7d",
    "unique_visitors": 95,
    "total_pageviews": 274,
    "total_sessions": 120,
    "bounce_rate": 42.5,
    "avg_session_duration": 96.2,
    "daily_stats": [{"date": "2026-11-28", "pageviews": 37, "visitors": 11}],
    "top_pages": [{"url": "/pricing", "views": 46}],
    "top_referrers": [{"referrer": "google.com", "count": 47}],
}
ORIGINAL_SANKEY = {
    "site": "your-site.test",
    "time_range": "7d",
    "nodes": [{"name": "0:Google", "label": "Google", "step": 0, "value": 50}],
    "links": [{"source": "0:Google", "target": "1:/docs/", "value": 9}],
}
