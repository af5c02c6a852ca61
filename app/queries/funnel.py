"""Funnel: how many visitors reach each ordered step within one session, and the conversion
from step to step.

A step is a page path ("/pricing": a page view of exactly that path) or a custom event
("event:Signup"). A session reaches step i when steps 1..i happen in that order in it (other
events may come between; the earliest match of each step is taken, which finds the longest
ordered prefix). A visitor counts at the furthest step any of their sessions in the period
reached. Sessions count in the period in which they start, with the scope's filters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events import ENGAGEMENT, PAGEVIEW
from app.queries.scope import Scope, s, where
from app.queries.summary import period_json
from app.storage.tables import events, sessions

MIN_STEPS, MAX_STEPS = 2, 8


class FunnelError(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    kind: str  # "page" | "event"
    value: str

    @property
    def label(self) -> str:
        return self.value if self.kind == "page" else f"event:{self.value}"

    def condition(self) -> ColumnElement[bool]:
        if self.kind == "page":
            return and_(events.c.name == PAGEVIEW, events.c.pathname == self.value)
        return events.c.name == self.value

    def matches(self, name: str, path: str) -> bool:
        if self.kind == "page":
            return name == PAGEVIEW and path == self.value
        return name == self.value


def parse_steps(text: str | None) -> list[Step]:
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if not MIN_STEPS <= len(parts) <= MAX_STEPS:
        raise FunnelError(f"give {MIN_STEPS} to {MAX_STEPS} comma-separated steps")
    steps = []
    for part in parts:
        if part.startswith("event:") and part[6:] and part[6:] not in (PAGEVIEW, ENGAGEMENT):
            steps.append(Step("event", part[6:]))
        elif part.startswith("/"):
            steps.append(Step("page", part))
        else:
            raise FunnelError(f"step {part!r}: a page path (/...) or event:NAME")
    return steps


async def furthest_steps(conn: AsyncConnection, scope: Scope, steps: list[Step]) -> dict[int, int]:
    """visitor -> number of steps reached in order within their best session."""
    # Driven by the events' (site_id, ts) index, each joined to its session by key: a scan of
    # sessions (Scope.scan) would only slow the join down.
    scope = replace(scope, scan=False)
    period = scope.period
    joined = events.join(sessions, s.session_id == events.c.session_id)
    query = (
        select(events.c.session_id, events.c.visitor_id, events.c.name, events.c.pathname)
        .select_from(joined)
        .where(
            events.c.site_id == scope.site_id,
            events.c.ts >= period.start,
            or_(*(step.condition() for step in steps)),
            where(scope, period.start, period.end),
        )
        .order_by(events.c.ts, events.c.id)
    )
    progress: dict[int, int] = {}
    visitor_of: dict[int, int] = {}
    for sid, visitor, name, path in await conn.execute(query):
        reached = progress.get(sid, 0)
        if reached < len(steps) and steps[reached].matches(name, path):
            progress[sid] = reached + 1
            visitor_of[sid] = visitor
    best: dict[int, int] = {}
    for sid, reached in progress.items():
        visitor = visitor_of[sid]
        best[visitor] = max(best.get(visitor, 0), reached)
    return best


async def funnel(conn: AsyncConnection, scope: Scope, steps: list[Step]) -> dict[str, Any]:
    best = await furthest_steps(conn, scope, steps)
    rows = []
    first = previous = 0
    for i, step in enumerate(steps):
        visitors = sum(1 for reached in best.values() if reached > i)
        if i == 0:
            first = previous = visitors
        rows.append(
            {
                "step": i + 1,
                "label": step.label,
                "visitors": visitors,
                "conversion": _pct(visitors, previous) if i else (100.0 if visitors else 0),
                "overall": _pct(visitors, first),
                "dropped": previous - visitors,
            }
        )
        previous = visitors
    return {"period": period_json(scope.period), "steps": rows}


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0
