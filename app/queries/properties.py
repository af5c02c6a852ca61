"""Property keys: which `prop:KEY` breakdowns a period has, busiest first (the dashboard's
properties tab offers them instead of asking the user to guess a key).

Unfiltered, hour-aligned periods sum the `prop:*` rows of `rollup_hours`; otherwise the keys of
the scope's sessions' property items in sealed hours' columns are counted (the events' props
where the columns cannot answer), as the breakdown would count them.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import HOUR_MS
from app.queries import columnar
from app.queries.planner import ROLLUPS, Question, plan
from app.queries.scope import Scope, s, where
from app.queries.summary import period_json
from app.storage.tables import events, rollup_hours, sessions

PREFIX = "prop:"
MAX_KEYS = 100


async def property_keys(conn: AsyncConnection, scope: Scope) -> dict[str, Any]:
    chosen = plan(Question("properties"), scope)
    if chosen.path == ROLLUPS:
        counts = await _from_rollups(conn, scope)
    elif (frame := await chosen.frame(conn, fields=("props",))) is not None:
        counts = await columnar.off_loop(_from_columns, frame)
    else:
        counts = await _from_events(conn, await chosen.sql_scope(conn))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_KEYS]
    return {
        "period": period_json(scope.period),
        "keys": [{"key": key, "events": n} for key, n in ranked],
    }


async def _from_rollups(conn: AsyncConnection, scope: Scope) -> Counter[str]:
    r = rollup_hours.c
    query = (
        select(r.dim, func.sum(r.events))
        .where(
            r.site_id == scope.site_id,
            r.dim.startswith(PREFIX, autoescape=True),
            r.hour >= scope.period.start // HOUR_MS,
            r.hour < scope.period.end // HOUR_MS,
        )
        .group_by(r.dim)
    )
    return Counter({dim[len(PREFIX) :]: int(n) for dim, n in await conn.execute(query) if n})


def _from_columns(frame: columnar.Frame) -> Counter[str]:
    """Events per key from the sealed property items (one per event and key)."""
    run = frame.ragged("props")
    per_item = np.bincount(run.codes, minlength=len(run.labels))
    counts: Counter[str] = Counter()
    for label, n in zip(run.labels, per_item.tolist(), strict=True):
        if n:
            counts[json.loads(label)[0]] += n
    return counts


async def _from_events(conn: AsyncConnection, scope: Scope) -> Counter[str]:
    period = scope.period
    joined = events.join(sessions, s.session_id == events.c.session_id)
    query = (
        select(events.c.props)
        .select_from(joined)
        .where(
            events.c.site_id == scope.site_id,
            events.c.ts >= period.start,
            events.c.props.is_not(None),
            where(scope, period.start, period.end),
        )
    )
    counts: Counter[str] = Counter()
    for (props,) in await conn.execute(query):
        counts.update(json.loads(props).keys())
    return counts
