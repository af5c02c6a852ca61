"""Revenue on the sealed-columns path: an event goal's amounts in the sessions a Frame kept, in
total (the goal report) or per value of a session dimension (a goal-filtered breakdown).

The sealed hours' revenue rows (app/storage/revenue_rows.py) list each amount-carrying event
by session id; hours without one (open, or sealed before the row existed) are read from
`events` by span. An event counts when its session is one the frame kept — the frame applied
the period and every filter — and its name is the goal's: goal_report.completing's meaning for
an event goal without a property (the only ones the columns answer). Equal (group, currency,
amount) are counted with numpy and summed as Decimals (revenue.per_currency_counted).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from sqlalchemy.ext.asyncio import AsyncConnection

from app import revenue
from app.goals.definition import Goal
from app.queries import day_sets, sealed_sums
from app.queries.column_filters import goal_completions
from app.queries.column_frame import Block, Frame, off_loop
from app.queries.period import Period
from app.storage import revenue_rows
from app.storage.columns import Ragged
from app.storage.revenue_rows import Rows

Counted = list[tuple[str, str, int]]  # (currency, amount, how many)


async def rows_of(conn: AsyncConnection, site_id: int, period: Period) -> Rows:
    """The revenue events of the sessions starting in the period's hours (whole sealed
    hours, and those the bounds cut: the frame's session ids pick the period's own)."""
    name = revenue_rows.NAME
    stored, spans = await sealed_sums.per_hour(conn, site_id, period, name, whole_only=False)
    parts = await off_loop(lambda: [revenue_rows.decode(data) for _, _, data in stored])
    for start, end in spans:
        parts.append(await revenue_rows.of_span(conn, site_id, start, end))
    return await off_loop(revenue_rows.joined, parts)


def per_group(
    rows: Rows, goal: Goal, frame: Frame, group: np.ndarray | None = None
) -> dict[int, Counted]:
    """group code (0 without `group`, one code per kept session) -> the event goal's events'
    (currency, amount, count) in the kept sessions of that group. The frame holds the
    journeys (the goal report's fields; a goal filter's)."""
    keys = rows.keys
    named = np.array([key[0] == goal.event for key in keys], dtype=bool)
    if not len(keys) or not frame.size:
        return {}
    chosen = named[rows.codes]
    ids, codes = rows.session[chosen], rows.codes[chosen]
    if not len(ids):
        return {}
    # Only a session completing the goal can hold its events: those few kept sessions (per
    # cached day, remembered with it) are looked up among the paying ones (sorting or
    # searching all the period's sessions took 18-39 ms of a 30-day goal report at 1M events,
    # gathering their ids ~10 ms at 10M).
    paying = day_sets.unique_sorted(ids)
    candidates, sessions = _completing(frame, goal)
    at = np.minimum(np.searchsorted(paying, sessions), len(paying) - 1)
    hit = paying[at] == sessions
    inside, inside_sessions = candidates[hit], sessions[hit]  # kept, with a revenue event
    if not len(inside):
        return {}
    order = np.argsort(inside_sessions, kind="stable")
    ordered = inside_sessions[order]
    where = np.minimum(np.searchsorted(ordered, ids), len(ordered) - 1)
    kept = ordered[where] == ids
    position = inside[order[where[kept]]]
    owner = np.zeros(len(position), np.int64) if group is None else group[position]
    pairs = owner.astype(np.int64) * len(keys) + codes[kept]
    combined, times = np.unique(pairs, return_counts=True)
    out: dict[int, Counted] = {}
    for value, n in zip(combined.tolist(), times.tolist(), strict=True):
        _, currency, amount = keys[value % len(keys)]
        out.setdefault(value // len(keys), []).append((currency, amount, n))
    return out


def _completing(frame: Frame, goal: Goal) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in the frame) of the kept sessions whose journey holds the goal's event, or
    cannot say (cut short, a U+FFFD item: column_filters.goal_completions), and their session
    ids; each cached day's part remembered with the day for the same kept rows."""
    found, ids, base = [], [], 0
    key = ("revenue candidates", goal.event)
    for block, kept in frame.parts():
        run = block["journey"]
        assert isinstance(run, Ragged)

        def build(block: Block = block, kept: np.ndarray = kept) -> tuple[np.ndarray, np.ndarray]:
            counts, unsure = goal_completions(block, goal)
            local = np.flatnonzero((counts[kept] > 0) | unsure[kept])
            return local, np.asarray(block["session"])[kept[local]]

        local, sessions = day_sets.per_day(run, key, kept, build)
        found.append(base + local)
        ids.append(sessions)
        base += len(kept)
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(found), np.concatenate(ids)


def sums(counted: Counted) -> dict[str, tuple[Decimal, int]]:
    return revenue.per_currency_counted(counted)
