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
from app.queries import sealed_sums
from app.queries.column_frame import Frame, off_loop
from app.queries.period import Period
from app.storage import revenue_rows
from app.storage.revenue_rows import Rows

Counted = list[tuple[str, str, int]]  # (currency, amount, how many)


async def rows_of(conn: AsyncConnection, site_id: int, period: Period) -> Rows:
    """The revenue events of the sessions starting in the period's hours (whole sealed
    hours, and those the bounds cut: the frame's session ids pick the period's own)."""
    name = revenue_rows.NAME
    stored, spans = await sealed_sums.per_hour(conn, site_id, period, name, whole_only=False)
    parts = await off_loop(lambda: [revenue_rows.decode(data) for data in stored])
    for start, end in spans:
        parts.append(await revenue_rows.of_span(conn, site_id, start, end))
    return await off_loop(revenue_rows.joined, parts)


def per_group(
    rows: Rows, event: str, frame: Frame, group: np.ndarray | None = None
) -> dict[int, Counted]:
    """group code (0 without `group`, one code per kept session) -> the `event` events'
    (currency, amount, count) in the kept sessions of that group."""
    keys = rows.keys
    named = np.array([key[0] == event for key in keys], dtype=bool)
    if not len(keys) or not frame.size:
        return {}
    chosen = named[rows.codes]
    ids, codes = rows.session[chosen], rows.codes[chosen]
    if not len(ids):
        return {}
    # The few paying sessions sorted, each kept session looked up among them (N log k, no
    # sort of the period's sessions: 18 ms of a 1M-event goal report when it sorted them).
    paying = np.unique(ids)
    sessions = frame.numbers("session")
    at = np.minimum(np.searchsorted(paying, sessions), len(paying) - 1)
    inside = np.flatnonzero(paying[at] == sessions)  # kept sessions with a revenue event
    if not len(inside):
        return {}
    order = np.argsort(sessions[inside], kind="stable")
    ordered = sessions[inside][order]
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


def sums(counted: Counted) -> dict[str, tuple[Decimal, int]]:
    return revenue.per_currency_counted(counted)
