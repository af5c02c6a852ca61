"""The live snapshot: one builder for the websocket and GET /api/v1/sites/{site}/realtime.

A snapshot is a plain dict, built at most once a second per site and encoded at most once per
format (JSON text, msgpack binary), whatever the number of subscribers. It never carries a
visitor or session id: the feed shows path, source, country, device and time only.

    {"type": "snapshot", "v": 1, "site": "example.com", "name": ..., "timezone": "Europe/Berlin",
     "seq": 17, "at": <ms>, "active_now": 12,
     "last_30m": {"pageviews", "visitors", "sessions", "new_visitors"},
     "minutes": {"start": <ms of the oldest bar>, "step": 60000, "pageviews": [30 ints], ...},
     "top": {"pages": {"by": "pageviews", "items": [[key, n], ...], "other": n},
             "sources"|"channels"|"countries"|"devices": {"by": "sessions", ...}},
     "recent": [{"ts", "name", "path", "source", "country", "device", "entry"}, ...newest first],
     "today": {"date": "2026-01-01", "pageviews", "visitors", "sessions"}}
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from app.live.tally import Tally
from app.live.windows import MINUTE_MS, WINDOW_MINUTES, SiteWindow
from app.sites.model import Site

SCHEMA_VERSION = 1
FORMATS = ("json", "msgpack")
_json = msgspec.json.Encoder()
_msgpack = msgspec.msgpack.Encoder()


def build(window: SiteWindow, site: Site, now_ms: int, seq: int) -> dict[str, Any]:
    window.advance(now_ms)
    minutes = window.minutes()
    series = {
        name: [getattr(slot, name) for slot in minutes]
        for name in ("pageviews", "visitors", "sessions", "new_visitors")
    }
    today = window.today
    return {
        "type": "snapshot",
        "v": SCHEMA_VERSION,
        "site": site.domain,
        "name": site.name,
        "timezone": site.timezone,
        "seq": seq,
        "at": now_ms,
        "active_now": window.active_now(now_ms),
        "last_30m": {
            "pageviews": sum(series["pageviews"]),
            "visitors": len(window.visitors),
            "sessions": sum(series["sessions"]),
            "new_visitors": sum(series["new_visitors"]),
        },
        "minutes": {"start": minutes[0].minute * MINUTE_MS, "step": MINUTE_MS, **series},
        "top": {
            "pages": _top(window.pages, "pageviews"),
            "sources": _top(window.sources, "sessions"),
            "channels": _top(window.channels, "sessions"),
            "countries": _top(window.countries, "sessions"),
            "devices": _top(window.devices, "sessions"),
        },
        "recent": _recent(window, (window.cur - WINDOW_MINUTES + 1) * MINUTE_MS),
        "today": {
            "date": today.date,
            "pageviews": today.pageviews,
            "visitors": today.visitors,
            "sessions": today.sessions,
        },
    }


def _top(tally: Tally, by: str) -> dict[str, Any]:
    items, other = tally.top()
    return {"by": by, "items": [[key, n] for key, n in items], "other": other}


def _recent(window: SiteWindow, since_ms: int) -> list[dict[str, Any]]:
    return [
        {
            "ts": e.ts,
            "name": e.name,
            "path": e.pathname,
            "source": e.source,
            "country": e.country,
            "device": e.device,
            "entry": e.session_start,
        }
        for e in reversed(window.recent)
        if e.ts >= since_ms
    ]


class Frames:
    """One built snapshot and its encodings, made on first use and then shared by everyone."""

    __slots__ = ("data", "seq", "version", "active", "built_at", "_encoded")

    def __init__(self, data: dict[str, Any], version: int) -> None:
        self.data = data
        self.seq: int = data["seq"]
        self.version = version  # the window's version it was built from
        self.active: int = data["active_now"]
        # Real time, not the runtime's Clock: it paces work (one build a second at most) and
        # is never a number a snapshot shows.
        self.built_at = time.monotonic()
        self._encoded: dict[str, str | bytes] = {}

    def encoded(self, fmt: str) -> str | bytes:
        """JSON as text (a websocket text frame), msgpack as bytes (a binary frame)."""
        frame = self._encoded.get(fmt)
        if frame is None:
            frame = self._encoded[fmt] = encode(self.data, fmt)
        return frame


def encode(data: dict[str, Any], fmt: str) -> str | bytes:
    if fmt == "msgpack":
        return _msgpack.encode(data)
    return _json.encode(data).decode()


def keepalive(fmt: str, now_ms: int) -> str | bytes:
    """Sent when nothing else was for a while, so proxies keep the connection (see hub.py)."""
    return encode({"type": "keepalive", "at": now_ms}, fmt)
