"""The goal report's counts on the sealed-columns path: per goal, the distinct visitors of the
period's sessions (under the scope's filters) that completed it, and its completions. A scroll
goal is the same over the sessions' scroll items ([path, depth] per engagement event that
reported a depth, stored whole: nothing to read from events).

A page goal or a plain custom-event goal is a set of journey items: its pattern is matched in
Python once per cached day against that day's dictionary of items (~20k distinct at 10M events
a month), not per event row — the SQL path's REGEXP per page view is what made it slow — and a
session's completions are the matching items its coded journey holds
(`column_filters.goal_completions`). Visitors are exact: the completing sessions' visitor ids,
made unique. A session whose journey cannot say (cut short, or an item with a mark character)
is read from its events and matched with `Goal.matches`, the recounts' own matcher.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events import ENGAGEMENT
from app.goals.definition import EVENT, SCROLL, Goal
from app.queries import day_sets, goal_revenue, session_events
from app.queries.column_filters import goal_completions
from app.queries.column_frame import Block, Frame, off_loop
from app.queries.planner import Plan
from app.storage.columns import Ragged
from app.storage.tables import events

# What the counts read: the journeys (and scroll items), and for a journey that cannot say the
# session's events.
FIELDS = ("visitor", "session", "truncated", "duration", "journey")


Paid = dict[str, dict[str, tuple[Decimal, int]]]  # goal name -> currency -> (sum, events)


async def goal_counts(
    conn: AsyncConnection, chosen: Plan, goals: Sequence[Goal]
) -> tuple[dict[str, tuple[int, int]], Paid] | None:
    """goal name -> (visitors, completions) of the plan's scope, and each event goal's revenue
    per currency in the same sessions (app/queries/goal_revenue.py); None where the columns
    decline (the plan then moves to its fallback)."""
    scrolls = ("scrolls",) if any(goal.kind == SCROLL for goal in goals) else ()
    frame = await chosen.frame(conn, fields=(*FIELDS, *scrolls))
    if frame is None:
        return None
    stored, unsure = await off_loop(_stored, frame, goals)
    walked = await _walked(conn, chosen.scope.site_id, frame, unsure, goals)
    paid: Paid = {}
    sold = [goal for goal in goals if goal.kind == EVENT]
    if sold:  # only custom events carry revenue: page and scroll goals pay no read
        rows = await goal_revenue.rows_of(conn, chosen.scope.site_id, chosen.period)
        for goal in sold:
            found = await off_loop(goal_revenue.per_group, rows, goal, frame)
            paid[goal.name] = goal_revenue.sums(found.get(0, []))
    return await off_loop(_merged, stored, walked), paid


Stored = dict[str, tuple[list[np.ndarray], int]]


def _stored(frame: Frame, goals: Sequence[Goal]) -> tuple[Stored, np.ndarray]:
    """Per goal the distinct visitor ids (sorted, one array per block) of the kept sessions
    whose journey completes it and their completions; and the positions (in the frame) of the
    kept sessions that cannot say. Each cached day's part is remembered with the day for the
    same kept rows (app/queries/day_sets.py)."""
    found: Stored = {goal.name: ([], 0) for goal in goals}
    unsure_at: list[np.ndarray] = []
    base = 0
    for block, kept in frame.parts():
        either = np.zeros(len(kept), dtype=bool)
        for goal in goals:
            seen, done, doubt = _day_part(block, kept, goal)
            either |= doubt
            runs, total = found[goal.name]
            runs.append(seen)
            found[goal.name] = (runs, total + done)
        unsure_at.append(base + np.flatnonzero(either))
        base += len(kept)
    positions = np.concatenate(unsure_at) if unsure_at else np.zeros(0, np.int64)
    return found, positions


def _day_part(block: Block, kept: np.ndarray, goal: Goal) -> tuple[np.ndarray, int, np.ndarray]:
    """One block's kept sessions: the distinct visitors completing `goal` in their stored
    items (sorted), those completions, and which of the kept sessions cannot say."""
    run = block["scrolls" if goal.kind == SCROLL else "journey"]
    assert isinstance(run, Ragged)

    def build() -> tuple[np.ndarray, int, np.ndarray]:
        counts, unsure = goal_completions(block, goal)
        mine, doubt = counts[kept], unsure[kept]
        sure = ~doubt
        visitor = np.asarray(block["visitor"])[kept]
        seen = day_sets.unique_sorted(visitor[sure & (mine > 0)])
        return seen, int(mine[sure].sum()), doubt

    key = ("goal visitors", goal.kind, goal.page, goal.regex, goal.event, goal.scroll)
    return day_sets.per_day(run, key, kept, build)


async def _walked(
    conn: AsyncConnection, site_id: int, frame: Frame, positions: np.ndarray, goals: Sequence[Goal]
) -> dict[str, tuple[set[int], int]]:
    """goal name -> (visitors, completions) of the sessions at `positions`, from their events."""
    out: dict[str, tuple[set[int], int]] = {goal.name: (set(), 0) for goal in goals}
    if not len(positions):
        return out
    spans = frame.spans(positions)
    visitor_of = dict(zip(spans, frame.numbers("visitor")[positions].tolist(), strict=True))
    columns = ("name", "pathname", "props", "scroll_depth")
    found = await session_events.by_session(
        conn, site_id, spans, columns, events.c.name != ENGAGEMENT
    )
    for sid, rows in found.items():
        for name, path, props, scroll in rows:
            values = json.loads(props) if props else {}
            for goal in goals:
                if goal.matches(name, path, values, scroll):
                    seen, done = out[goal.name]
                    seen.add(visitor_of[sid])
                    out[goal.name] = (seen, done + 1)
    return out


def _merged(stored: Stored, walked: dict[str, tuple[set[int], int]]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for name, (runs, done) in stored.items():
        seen, more = walked[name]
        extra = np.fromiter(seen, dtype=np.int64, count=len(seen))
        out[name] = (day_sets.distinct(runs, extra), done + more)
    return out
