"""Per sealed hour, the revenue its sessions' custom events carried: one `session_columns` row
named NAME (with the hour's token, written by the sealer beside page_tallies) listing each
amount-carrying event as (session id, event name, currency, amount).

Revenue reports read these instead of joining `sessions` once per revenue event (a goal-filtered
30-day source breakdown spent 0.22 s of 0.32 s there at 1M events, ~3 s at 10M): a sealed hour's
row is kept by session id, so any filter the sealed columns apply picks its events by the kept
sessions' ids (app/queries/goal_revenue.py). The amounts stay the canonical decimal text, summed
as Decimals per currency (app/revenue.py): nothing is rounded on the way.

Encoded as [distinct (name, currency, amount) triples, session ids as <i8, a <u4 code per event
into the triples]: an hour holds ~70 such events at 10M events a month, a shop's prices are few.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgpack
import numpy as np
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage.tables import events, sessions

NAME = "revenue"
Key = tuple[str, str, str]  # (event name, currency, amount as canonical text)


@dataclass(frozen=True)
class Rows:
    """Revenue events: `keys[codes[i]]` is event i's (name, currency, amount), `session[i]`
    its session's id."""

    keys: list[Key]
    session: np.ndarray  # int64
    codes: np.ndarray  # int64

    @staticmethod
    def empty() -> Rows:
        return Rows([], np.zeros(0, np.int64), np.zeros(0, np.int64))


async def of_span(conn: AsyncConnection, site_id: int, start: int, end: int) -> Rows:
    """The revenue events of the sessions starting in [start, end): between `start` and the
    sessions' last event (page_tallies.of_span's range), those carrying an amount."""
    e, s = events.c, sessions.c
    in_span = and_(s.site_id == site_id, s.start_ts >= start, s.start_ts < end)
    last = (await conn.execute(select(func.max(s.end_ts)).where(in_span))).scalar()
    if last is None:
        return Rows.empty()
    query = (
        select(e.session_id, e.name, e.revenue_currency, e.revenue_amount)
        .select_from(events.join(sessions, s.session_id == e.session_id))
        .where(e.site_id == site_id, e.ts >= start, e.ts <= last, in_span)
        .where(e.revenue_amount.is_not(None), e.revenue_currency.is_not(None))
    )
    return of_events((await conn.execute(query)).all())


def of_events(found: Sequence[tuple[int, str, str, str]]) -> Rows:
    """Rows of (session id, name, currency, amount) tuples."""
    index: dict[Key, int] = {}
    codes = [index.setdefault((name, code, amount), len(index)) for _, name, code, amount in found]
    session = np.array([sid for sid, *_ in found], dtype=np.int64)
    return Rows(list(index), session, np.array(codes, dtype=np.int64))


def encode(rows: Rows) -> bytes:
    keys = [list(key) for key in rows.keys]
    packed = rows.session.astype("<i8").tobytes(), rows.codes.astype("<u4").tobytes()
    return msgpack.packb([keys, *packed], use_bin_type=True)


def decode(data: bytes) -> Rows:
    keys, session, codes = msgpack.unpackb(data, raw=False)
    return Rows(
        [(name, code, amount) for name, code, amount in keys],
        np.frombuffer(session, dtype="<i8").astype(np.int64),
        np.frombuffer(codes, dtype="<u4").astype(np.int64),
    )


def joined(parts: Sequence[Rows]) -> Rows:
    """Several hours' rows as one: each part's codes mapped into one list of triples."""
    index: dict[Key, int] = {}
    codes, ids = [], []
    for part in parts:
        lookup = np.array([index.setdefault(key, len(index)) for key in part.keys], np.int64)
        codes.append(lookup[part.codes] if len(part.keys) else part.codes)
        ids.append(part.session)
    if not parts:
        return Rows.empty()
    return Rows(list(index), np.concatenate(ids), np.concatenate(codes))
