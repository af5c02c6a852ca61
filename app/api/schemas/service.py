"""Bodies of the health endpoints, the ingest endpoints (Pulse's, Plausible's, Umami's), the
original /api/analytics/* API and the live snapshot (GET .../realtime, the websocket's frames)."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, UnsetType

from app.api.schemas.base import Body, Num


class Healthz(Body):
    status: str


class DatabaseState(Body):
    ok: bool
    error: str | None


class QueueState(Body):
    depth: int
    bound: int
    deepest: int


class WriterState(Body):
    last_flush_ms: Num
    last_error: str | None
    batches: int
    spilled: int


class EventCounts(Body):
    accepted: int
    dropped: dict[str, int]  # reason -> events
    persisted: int


class JobState(Body):
    """A periodic job of the runtime's scheduler."""

    interval_s: float
    exclusive: bool
    runs: int
    failures: int
    skipped: int
    last_run_ms: int | None
    next_run_ms: int | None
    last_duration_ms: float | None
    last_error: str | None


class Readiness(Body):
    """/readyz to anyone but an admin: the status only."""

    status: str


class Readyz(Body):
    """200 with status ok|degraded while the database answers; 503 when it does not."""

    status: str
    database: DatabaseState
    queue: QueueState
    writer: WriterState
    events: EventCounts
    sites: int
    broker: dict[str, Any]  # {"status": "off" | "ok" | "degraded", ...the broker's counters}
    scheduler: dict[str, JobState]  # each periodic job (app/scheduler.py)
    mail: dict[str, Any]  # {"configured": bool, host, port, tls, sent, failed, last_error}


class Accepted(Body):
    """POST /api/collect: events accepted and dropped (reason -> count), 202."""

    accepted: int
    dropped: dict[str, int]


class PlausibleErrors(Body):
    """Plausible's 400 shape: field -> messages."""

    errors: dict[str, list[str]]


class UmamiError(Body):
    message: str
    code: str
    status: int
    field: str | UnsetType = UNSET


class UmamiErrorBody(Body):
    error: UmamiError


class UmamiSent(Body):
    """POST /api/send: {} for nothing recorded, {"beep": "boop"} for a bot, else the ids."""

    sessionId: str | UnsetType = UNSET  # noqa: N815 -- Umami's spelling
    visitId: str | UnsetType = UNSET  # noqa: N815
    beep: str | UnsetType = UNSET


class UmamiDetail(Body):
    index: int
    response: UmamiErrorBody


class UmamiBatch(Body):
    size: int
    processed: int
    errors: int
    details: list[UmamiDetail]


class DailyStat(Body):
    date: str
    pageviews: int
    visitors: int


class TopPage(Body):
    url: str
    views: int


class TopReferrer(Body):
    referrer: str
    count: int


class OriginalStats(Body):
    site: str
    time_range: str
    unique_visitors: int
    total_pageviews: int
    total_sessions: int
    bounce_rate: Num | None
    avg_session_duration: Num | None
    daily_stats: list[DailyStat]
    top_pages: list[TopPage]
    top_referrers: list[TopReferrer]


class SankeyNode(Body):
    name: str
    label: str
    step: int
    value: int


class SankeyLink(Body):
    source: str
    target: str
    value: int


class OriginalSankey(Body):
    site: str
    time_range: str
    nodes: list[SankeyNode]
    links: list[SankeyLink]


class LiveCounts(Body):
    pageviews: int
    visitors: int
    sessions: int
    new_visitors: int


class LiveMinutes(Body):
    start: int
    step: int
    pageviews: list[int]
    visitors: list[int]
    sessions: list[int]
    new_visitors: list[int]


class LiveTop(Body):
    by: str
    items: list[list[str | int]]  # [key, count] pairs
    other: int


class LiveTops(Body):
    pages: LiveTop
    sources: LiveTop
    channels: LiveTop
    countries: LiveTop
    devices: LiveTop


class LiveEvent(Body):
    ts: int
    name: str
    path: str | None
    source: str | None
    country: str | None
    device: str | None
    entry: bool


class LiveToday(Body):
    date: str
    pageviews: int
    visitors: int
    sessions: int


class LiveSnapshot(Body):
    type: str
    v: int
    site: str
    name: str
    timezone: str
    seq: int
    at: int
    active_now: int
    last_30m: LiveCounts
    minutes: LiveMinutes
    top: LiveTops
    recent: list[LiveEvent]
    today: LiveToday


class LockPart(Body):
    dimension: str  # country, hostname, page, ...
    label: str  # the dimension as a person reads it ("Country")
    op: str  # == != =~ !~
    value: str


class LockedFilter(Body):
    """GET /api/v1/sites/{site}/lock: what a kiosk or share link is held to."""

    filter: str  # Pulse's filter syntax, '' for none
    filters: list[LockPart]
