"""The per-hour rows the sealer stores beside an hour's columns (`page_tallies`, `revenue`):
which hours of a period have one, and which must be read from the stored events instead.

A row counts only when it carries the token its hour is sealed with (the MARK row's), read in
the same SELECT, so an hour sealed again or unsealed meanwhile is never half of each version.
Hours without such a row (open, sealed by a release before the row existed, or being sealed
again) come back as [start, end) spans of the period, one per run of consecutive hours.
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import HOUR_MS
from app.queries.period import Period
from app.storage.columns import MARK
from app.storage.tables import rollup_hours, session_columns

Sealed = tuple[int, int, bytes]  # (hour, its token, the row's data)


async def per_hour(
    conn: AsyncConnection, site_id: int, period: Period, name: str, whole_only: bool = True
) -> tuple[list[Sealed], list[tuple[int, int]]]:
    """The `name` rows of the period's sealed hours, and the spans to read from events.
    `whole_only`: an hour the period's bounds cut is a span too (its row sums sessions
    outside the period); else its row is returned (the reader picks sessions by id)."""
    r, c = rollup_hours.c, session_columns.c
    sums = session_columns.alias("sums")
    k = sums.c
    marked = and_(c.site_id == r.site_id, c.hour == r.hour, c.name == MARK)
    mine = and_(k.site_id == r.site_id, k.hour == r.hour, k.name == name)
    listing = (
        select(r.hour, k.built, k.data)
        .select_from(
            rollup_hours.outerjoin(session_columns, marked).outerjoin(
                sums, and_(mine, k.built == c.built)
            )
        )
        .where(r.site_id == site_id, r.dim == "", r.value == "", r.sessions > 0)
        .where(r.hour >= period.start // HOUR_MS, r.hour < -(-period.end // HOUR_MS))
    )
    rows: list[Sealed] = []
    rest: list[int] = []
    for hour, built, data in await conn.execute(listing):
        whole = hour * HOUR_MS >= period.start and (hour + 1) * HOUR_MS <= period.end
        if data is not None and (whole or not whole_only):
            rows.append((int(hour), int(built), data))
        else:
            rest.append(int(hour))
    spans = [
        (max(lo * HOUR_MS, period.start), min(hi * HOUR_MS, period.end)) for lo, hi in runs(rest)
    ]
    return rows, spans


def runs(hours: list[int]) -> list[tuple[int, int]]:
    """Hours as [lo, hi) runs of consecutive ones."""
    out: list[tuple[int, int]] = []
    for hour in sorted(hours):
        if out and out[-1][1] == hour:
            out[-1] = (out[-1][0], hour + 1)
        else:
            out.append((hour, hour + 1))
    return out
