"""Funnel: how many visitors reach each ordered step within one session, and the conversion
from step to step.

A step is a page path ("/pricing": a page view of exactly that path) or a custom event
("event:Signup"). A session reaches step i when steps 1..i happen in that order in it (other
events may come between; the earliest match of each step is taken, which finds the longest
ordered prefix). A visitor counts at the furthest step any of their sessions in the period
reached. Sessions count in the period in which they start, with the scope's filters.

Order is the order in which a session's events were stored (its journey), which is time order
for live traffic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events import ENGAGEMENT, PAGEVIEW
from app.queries import columnar, journey_arrays, session_events
from app.queries.planner import Question, plan
from app.queries.scope import Scope, s, where
from app.queries.summary import period_json
from app.storage import journey
from app.storage.dialect import contains_in_order
from app.storage.tables import events

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

    def item(self) -> str:
        """The step as it appears in a session's journey."""
        return journey.page(self.value) if self.kind == "page" else journey.event(self.value)

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


async def reached(conn: AsyncConnection, scope: Scope, steps: list[Step]) -> list[int]:
    """Visitors reaching at least 1, 2, ... len(steps) steps.

    One pass over the period's sessions: a session reaches step k when its journey holds steps
    1..k in order (an ordered-substring test in SQL, app/storage/journey.py), and SQL takes each
    visitor's furthest step and counts visitors per step. Visitors with a truncated journey (a
    very long session) come back one by one and their long sessions are walked event by event.
    """
    chosen = plan(Question("funnel"), scope)
    frame = await chosen.frame(conn, fields=_FUNNEL_COLUMNS)
    if frame is not None:
        return await _reached_in_columns(conn, scope, frame, steps)
    scope = await chosen.sql_scope(conn)
    dialect = conn.dialect.name
    items = [step.item() for step in steps]
    matched = [contains_in_order(dialect, s.journey, items[: k + 1]) for k in range(len(steps))]
    # Reaching step k+1 implies reaching step k: ask upwards and stop at the first miss (most
    # sessions stop early, so most rows cost one or two pattern tests).
    furthest = case(*((not_(matched[k]), k) for k in range(len(steps))), else_=len(steps))
    truncated = s.journey.endswith(journey.TRUNCATED)
    per_visitor = (
        select(
            s.visitor_id.label("visitor"),
            func.max(furthest).label("furthest"),
            func.max(case((truncated, 1), else_=0)).label("truncated"),
        )
        .where(where(scope, scope.period.start, scope.period.end), or_(matched[0], truncated))
        .group_by(s.visitor_id)
        .subquery()
    )
    v = per_visitor.c
    one_by_one = case((v.truncated == 1, v.visitor))
    query = select(one_by_one, v.furthest, func.count()).group_by(one_by_one, v.furthest)
    counts = [0] * (len(steps) + 1)
    long_visitors: dict[int, int] = {}
    for visitor, furthest_step, n in await conn.execute(query):
        if visitor is None:
            counts[furthest_step] += n
        else:
            long_visitors[visitor] = furthest_step
    if long_visitors:
        walked = await _walk_truncated(conn, scope, steps)
        for visitor, furthest_step in long_visitors.items():
            counts[max(furthest_step, walked.get(visitor, 0))] += 1
    return [sum(counts[k:]) for k in range(1, len(steps) + 1)]


_FUNNEL_COLUMNS = ("visitor", "duration", "session", "truncated", "journey")


async def _reached_in_columns(
    conn: AsyncConnection, scope: Scope, frame: columnar.Frame, steps: list[Step]
) -> list[int]:
    """`reached` over sealed hours' coded journeys (app/queries/journey_arrays.py)."""
    items = [step.item() for step in steps]
    visitors, best, truncated = await columnar.off_loop(_furthest_per_visitor, frame, items)
    visitor = frame.numbers("visitor")
    counts = np.bincount(best, minlength=len(steps) + 1)
    if truncated.any():
        long = np.flatnonzero(truncated)
        spans = frame.spans(long)
        visitor_of = dict(zip(spans, visitor[long].tolist(), strict=True))
        walked = await _walk(conn, scope.site_id, spans, visitor_of, steps)
        stored = dict(zip(visitors.tolist(), best.tolist(), strict=True))
        for visitor_id, done in walked.items():
            if done > stored[visitor_id]:
                counts[stored[visitor_id]] -= 1
                counts[done] += 1
    return [int(counts[k:].sum()) for k in range(1, len(steps) + 1)]


def _furthest_per_visitor(
    frame: columnar.Frame, items: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Visitors (sorted) and the furthest step any of their sessions reached; which sessions
    were truncated (their visitors' steps may go further in the events)."""
    furthest = journey_arrays.furthest_steps(frame.ragged("journey"), items)
    truncated = frame.numbers("truncated").astype(bool)
    counted = (furthest > 0) | truncated
    visitors, best = journey_arrays.per_visitor_max(
        frame.numbers("visitor")[counted], furthest[counted]
    )
    return visitors, best, truncated


async def _walk_truncated(conn: AsyncConnection, scope: Scope, steps: list[Step]) -> dict[int, int]:
    """visitor -> furthest step within their truncated sessions, read from their events."""
    long_sessions = select(s.session_id, s.visitor_id, s.start_ts, s.end_ts).where(
        where(scope, scope.period.start, scope.period.end),
        s.journey.endswith(journey.TRUNCATED),
    )
    found = list(await conn.execute(long_sessions))
    visitor_of = {sid: visitor for sid, visitor, _, _ in found}
    spans = {sid: (lo, hi) for sid, _, lo, hi in found}
    return await _walk(conn, scope.site_id, spans, visitor_of, steps)


async def _walk(
    conn: AsyncConnection,
    site_id: int,
    spans: dict[int, tuple[int, int]],
    visitor_of: dict[int, int],
    steps: list[Step],
) -> dict[int, int]:
    """visitor -> furthest step within the given sessions (id -> (start, end))."""
    matching = or_(*(step.condition() for step in steps))
    walked = await session_events.by_session(conn, site_id, spans, ("name", "pathname"), matching)
    best: dict[int, int] = {}
    for sid, rows in walked.items():
        done = 0
        for name, path in rows:
            if done < len(steps) and steps[done].matches(name, path):
                done += 1
        visitor = visitor_of[sid]
        best[visitor] = max(best.get(visitor, 0), done)
    return best


async def funnel(conn: AsyncConnection, scope: Scope, steps: list[Step]) -> dict[str, Any]:
    counts = await reached(conn, scope, steps)
    rows = []
    first = previous = 0
    for i, step in enumerate(steps):
        visitors = counts[i]
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
