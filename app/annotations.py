"""Annotations: notes on a date or a time range per site (the `annotations` table). People add
them through the API; a firing alert adds one for the span it looked at (app/alerts/engine.py).

A definition is `{"text", "date": "2026-03-29"}` (the site's local day, as long as that day
is: 23 hours on a spring-forward day) or `{"text", "date_from", "date_to"}` (local days,
inclusive) or `{"text", "start", "end"?}` (ISO 8601 instants with an offset, or epoch ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage.tables import notes

n = notes.c
MAX_TEXT = 1000
MAX_LIST = 1000
FIELDS = ("text", "date", "date_from", "date_to", "start", "end")


class AnnotationError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Annotation:
    start_ts: int
    end_ts: int
    text: str
    alert_id: int | None = None
    id: int | None = None
    created_at: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": _iso(self.start_ts),
            "end": _iso(self.end_ts),
            "start_ms": self.start_ts,
            "end_ms": self.end_ts,
            "text": self.text,
            "alert_id": self.alert_id,
            "created_at": self.created_at,
        }


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")


def local_day_ms(day: date, timezone: str) -> tuple[int, int]:
    """A local day's bounds as epoch ms: [its midnight, the next day's)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def parse(body: object, timezone: str) -> Annotation:
    if not isinstance(body, dict):
        raise AnnotationError("body", "a JSON object is required")
    for key in body:
        if key not in FIELDS:
            raise AnnotationError(str(key), f"unknown field {key!r}; known: {', '.join(FIELDS)}")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise AnnotationError("text", f"text is a non-empty string of at most {MAX_TEXT}")
    given = [k for k in ("date", "date_from", "start") if k in body]
    if len(given) != 1:
        raise AnnotationError("date", "give date, date_from + date_to, or start (+ end)")
    if "date" in body:
        for key in ("date_to", "end"):
            if key in body:
                raise AnnotationError(key, f"{key} does not go with date")
        start, end = local_day_ms(_date(body, "date"), timezone)
    elif "date_from" in body:
        first, last = _date(body, "date_from"), _date(body, "date_to")
        if last < first:
            raise AnnotationError("date_to", "date_to is on or after date_from")
        start, end = local_day_ms(first, timezone)[0], local_day_ms(last, timezone)[1]
    else:
        start = _instant(body, "start")
        end = _instant(body, "end") if "end" in body else start
        if end < start:
            raise AnnotationError("end", "end is at or after start")
    return Annotation(start, end, text.strip())


def _date(body: dict[str, Any], key: str) -> date:
    value = body.get(key)
    try:
        assert isinstance(value, str)
        return date.fromisoformat(value)
    except (AssertionError, ValueError) as exc:
        raise AnnotationError(key, f"{key} is a date, YYYY-MM-DD") from exc


def _instant(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53:
        return value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return int(moment.timestamp() * 1000)
    raise AnnotationError(key, f"{key} is an ISO 8601 time with an offset, or epoch ms")


async def add_annotation(
    conn: AsyncConnection, site_id: int, note: Annotation, now_ms: int
) -> Annotation:
    values = {
        "site_id": site_id,
        "start_ts": note.start_ts,
        "end_ts": note.end_ts,
        "text": note.text[:MAX_TEXT],
        "alert_id": note.alert_id,
        "created_at": now_ms,
    }
    result = await conn.execute(insert(notes).values(**values).returning(n.id))
    text = note.text[:MAX_TEXT]
    return Annotation(note.start_ts, note.end_ts, text, note.alert_id, result.scalar_one(), now_ms)


async def list_annotations(
    conn: AsyncConnection, site_id: int, start_ms: int | None = None, end_ms: int | None = None
) -> list[Annotation]:
    """The site's annotations overlapping [start_ms, end_ms), oldest first."""
    query = select(notes).where(n.site_id == site_id)
    if start_ms is not None:
        # Ends are exclusive (a day ends at the next midnight); an instant's end is its start.
        query = query.where(or_(n.end_ts > start_ms, n.start_ts >= start_ms))
    if end_ms is not None:
        query = query.where(n.start_ts < end_ms)
    query = query.order_by(n.start_ts, n.id).limit(MAX_LIST)
    return [
        Annotation(r.start_ts, r.end_ts, r.text, r.alert_id, r.id, r.created_at)
        for r in await conn.execute(query)
    ]


async def remove_annotation(conn: AsyncConnection, site_id: int, note_id: int) -> bool:
    if note_id >= 2**63:
        return False
    result = await conn.execute(delete(notes).where(n.site_id == site_id, n.id == note_id))
    return bool(result.rowcount)
