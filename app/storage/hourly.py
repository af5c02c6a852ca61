"""Hourly rollups kept exact by deltas: a session's old contribution out, its new one in.

Each session adds (sessions, pageviews, bounces, engagement_ms, new_sessions) to one row per
session dimension at the UTC hour of its start; page views add to ("page", path) and to
("page_url", hostname + path), custom events to ("event", name) and ("prop:key", value), at the
same hour, so a page breakdown sums to the summary's page views. Deltas are pre-aggregated per
key: one upsert per key per batch, whatever the batch's size (a batch of 2,000 events touches
~1,000 sessions and a few thousand keys).

Distinct visitors ride along as HyperLogLog sketches (app/storage/sketches.py): each hourly row
carries the sketch of the visitors counted under it, `visitor_days` holds the same per UTC day
and `visitor_weeks` per 7 UTC days, so a 30-day report unions ~6 sketches per value, not 720.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from app.clock import DAYS_PER_WEEK, HOUR_MS, HOURS_PER_DAY
from app.dimensions import SESSION_COLUMNS as SESSION_DIMS
from app.dimensions import UNSKETCHED, is_bounce, page_url, prop_value, visitor_type
from app.events import ENGAGEMENT, EVENT_FIELDS, PAGEVIEW
from app.storage import sketches
from app.storage.dialect import (
    execute_rows,
    key_text,
    lock_id,
    lock_keys,
    select_keys,
    upsert,
)
from app.storage.session_row import Row, at
from app.storage.tables import rollup_hours, visitor_days, visitor_weeks

_E = {name: i for i, name in enumerate(EVENT_FIELDS)}
COUNTERS = ("sessions", "pageviews", "bounces", "engagement_ms", "new_sessions", "events")
_DIM_INDEX = [(dim, at(col)) for dim, col in SESSION_DIMS.items()]

Key = tuple[int, int, str, str]


def _counts(row: Sequence[Any]) -> tuple[int, int, int, int, int]:
    pv = row[Row.pageviews]
    return (
        1,
        pv,
        int(is_bounce(pv, row[Row.interactive])),
        row[Row.engagement_ms],
        int(bool(row[Row.new_visitor])),
    )


def _contribution(
    row: Sequence[Any], dims: Sequence[tuple[str, int]] = _DIM_INDEX
) -> tuple[list[Key], list[int]]:
    """A session's rollup keys (the totals, visitor_type and one per dimension of `dims`) and
    counts at the hour it started."""
    counts = list(_counts(row))
    site, hour = row[Row.site_id], row[Row.start_ts] // HOUR_MS
    keys = [(site, hour, "", ""), (site, hour, "visitor_type", visitor_type(row[Row.new_visitor]))]
    keys.extend([(site, hour, dim, row[i] or "") for dim, i in dims])
    return keys, counts


# A session's contribution in two parts, each a short tuple picked from its row by one C call:
# its sketched keys (the totals, visitor_type and every dimension but the exit page) and its
# exit page, which moves as the session goes on while the rest stays put.
_SKETCHED = [(dim, i) for dim, i in _DIM_INDEX if dim not in UNSKETCHED]
_MOVING = [(dim, i) for dim, i in _DIM_INDEX if dim in UNSKETCHED]
_sketched_values = itemgetter(Row.new_visitor, *(i for _, i in _SKETCHED))
# The site rides along (last) so that one moving dimension still picks a tuple.
_moving_values = itemgetter(*(i for _, i in _MOVING), Row.site_id)
Signature = tuple[int, int, tuple[Any, ...]]  # site, hour, picked values


def _sketched_keys(sig: Signature) -> list[Key]:
    """The keys of a sketched signature, in `_contribution`'s order."""
    site, hour, values = sig
    keys = [(site, hour, "", ""), (site, hour, "visitor_type", visitor_type(values[0]))]
    keys.extend(
        [(site, hour, dim, v or "") for (dim, _), v in zip(_SKETCHED, values[1:], strict=True)]
    )
    return keys


def _moving_keys(sig: Signature) -> list[Key]:
    site, hour, values = sig
    return [(site, hour, dim, v or "") for (dim, _), v in zip(_MOVING, values[:-1], strict=True)]


class Deltas:
    """Counter deltas and visitor additions per rollup key.

    Sessions are summed per signature first (the values their keys are made of): a batch of
    2,000 events of ~1,000 live sessions has far fewer signatures than sessions x 22 keys, and
    a session that grew without changing its dimensions is one tuple compare and one add. The
    signatures become keys in `settle()` (by `events()` and `write`). Visitors are added in the
    order the sessions come, key by key as before: a sketch's bytes (and, once dense, its HIP
    estimate) depend on the order of its updates."""

    def __init__(self) -> None:
        self.rows: dict[Key, list[int]] = {}
        self.visitors: dict[Key, set[int]] = {}
        self._sketched: dict[Signature, list[int]] = {}
        self._moving: dict[Signature, list[int]] = {}
        self._visits: list[tuple[Signature | list[Key], int]] = []  # in session order
        self._keys: dict[Signature, list[Key]] = {}

    def _visit(self, keys: Sequence[Key], visitor: int) -> None:
        for key in keys:
            if key[2] not in UNSKETCHED:
                self.visitors.setdefault(key, set()).add(visitor)

    def new_session(self, row: Sequence[Any], dims: Sequence[str]) -> None:
        """A new session's contribution under the totals, visitor_type and the session
        dimensions `dims` only (for reads that roll part-hours up themselves,
        app/queries/edges.py)."""
        keys, counts = _contribution(row, [(dim, at(SESSION_DIMS[dim])) for dim in dims])
        self._add_many(keys, counts)
        self._visit(keys, row[Row.visitor_id])

    def session(self, old: Sequence[Any] | None, new: Sequence[Any]) -> None:
        """Old contribution out, new one in: per signature, so a session whose dimensions did
        not move adds its difference once (profiled: per-key adds of every grown session were
        ~30 % of the writer's time at saturation)."""
        site, hour = new[Row.site_id], new[Row.start_ts] // HOUR_MS
        sketched: Signature = (site, hour, _sketched_values(new))
        moving: Signature = (site, hour, _moving_values(new))
        counts = _counts(new)
        if old is None:
            _accumulate(self._sketched, sketched, counts)
            _accumulate(self._moving, moving, counts)
            self._visits.append((sketched, new[Row.visitor_id]))
            return
        old_site, old_hour = old[Row.site_id], old[Row.start_ts] // HOUR_MS
        old_sketched: Signature = (old_site, old_hour, _sketched_values(old))
        old_moving: Signature = (old_site, old_hour, _moving_values(old))
        old_counts = _counts(old)
        c, o = counts, old_counts
        diff = (0, c[1] - o[1], c[2] - o[2], c[3] - o[3], c[4] - o[4])  # c[0] == o[0] == 1
        grown = diff if any(diff) else None
        if _shift(self._sketched, sketched, old_sketched, counts, old_counts, grown):
            before = set(self._keys_of(old_sketched))
            moved = [k for k in self._keys_of(sketched) if k not in before]
            if moved:
                self._visits.append((moved, new[Row.visitor_id]))
        _shift(self._moving, moving, old_moving, counts, old_counts, grown)

    def _keys_of(self, sig: Signature) -> list[Key]:
        keys = self._keys.get(sig)
        if keys is None:
            keys = self._keys[sig] = _sketched_keys(sig)
        return keys

    def settle(self) -> None:
        """Turn the sessions' signatures into keys (counters, then visitors in order)."""
        # Every key gets its entry, even a zero one: `write` stores a key's sketch only with
        # its counters' row.
        for sig, counts in self._sketched.items():
            self._add_many(self._keys_of(sig), counts)
        for sig, counts in self._moving.items():
            self._add_many(_moving_keys(sig), counts)
        visitors = self.visitors
        for item, visitor in self._visits:
            for key in item if isinstance(item, list) else self._keys_of(item):
                found = visitors.get(key)
                if found is None:
                    visitors[key] = {visitor}
                else:
                    found.add(visitor)
        self._sketched, self._moving, self._visits = {}, {}, []

    def _add_many(self, keys: Sequence[Key], counts: Sequence[int]) -> None:
        c0, c1, c2, c3, c4 = counts
        rows = self.rows
        for key in keys:
            row = rows.get(key)
            if row is None:
                rows[key] = [c0, c1, c2, c3, c4, 0]
            else:
                row[0] += c0
                row[1] += c1
                row[2] += c2
                row[3] += c3
                row[4] += c4

    def events(self, events: Sequence[Sequence[Any]], starts: dict[int, int]) -> None:
        """Page views under page and page_url, custom events under event, every event's
        properties under prop:KEY, at the hour its session started; with its visitor."""
        self.settle()  # the sessions' visitors first, as they came
        rows, visitors = self.rows, self.visitors
        parsed: dict[str, list[tuple[str, str]]] = {}  # a batch repeats its properties
        for ev in events:
            name, props = ev[_NAME], ev[_PROPS]
            if name == ENGAGEMENT and not props:
                continue
            site, hour, visitor = ev[_SITE], starts[ev[_SID]] // HOUR_MS, ev[_VISITOR]
            if name == PAGEVIEW:
                path = ev[_PATH]
                _one(rows, visitors, (site, hour, "page", path), _PAGEVIEWS, visitor)
                url = page_url(ev[_HOST], path)
                _one(rows, visitors, (site, hour, "page_url", url), _PAGEVIEWS, visitor)
            elif name != ENGAGEMENT:
                _one(rows, visitors, (site, hour, "event", name), _EVENTS, visitor)
            if props:
                items = parsed.get(props)
                if items is None:
                    items = parsed[props] = [
                        (f"prop:{key}", prop_value(value))
                        for key, value in json.loads(props).items()
                    ]
                for dim, value in items:
                    _one(rows, visitors, (site, hour, dim, value), _EVENTS, visitor)


_PAGEVIEWS, _EVENTS = COUNTERS.index("pageviews"), COUNTERS.index("events")
_SITE, _SID, _VISITOR = _E["site_id"], _E["session_id"], _E["visitor_id"]
_NAME, _PATH, _HOST, _PROPS = _E["name"], _E["pathname"], _E["hostname"], _E["props"]


def _one(
    rows: dict[Key, list[int]], visitors: dict[Key, set[int]], key: Key, counter: int, visitor: int
) -> None:
    """One more under `key`'s counter, and its visitor."""
    row = rows.get(key)
    if row is None:
        row = rows[key] = [0] * len(COUNTERS)
    row[counter] += 1
    found = visitors.get(key)
    if found is None:
        visitors[key] = {visitor}
    else:
        found.add(visitor)


def _shift(
    into: dict[Signature, list[int]],
    sig: Signature,
    old_sig: Signature,
    counts: Sequence[int],
    old_counts: Sequence[int],
    diff: Sequence[int] | None,
) -> bool:
    """A grown session's counters under `into`: the difference (`diff`, None when nothing
    changed) where its signature stayed, else the old counts out and the new in. True when the
    signature moved."""
    if sig == old_sig:
        if diff is not None:
            _accumulate(into, sig, diff)
        return False
    _accumulate(into, sig, counts)
    _accumulate(into, old_sig, old_counts, -1)
    return True


def _accumulate(
    into: dict[Signature, list[int]], sig: Signature, c: Sequence[int], sign: int = 1
) -> None:
    """`sign` x the five session counters `c` more under `sig` (unrolled: ~4x a loop's speed)."""
    found = into.get(sig)
    if found is None:
        into[sig] = [sign * c[0], sign * c[1], sign * c[2], sign * c[3], sign * c[4]]
    elif sign == 1:
        found[0] += c[0]
        found[1] += c[1]
        found[2] += c[2]
        found[3] += c[3]
        found[4] += c[4]
    else:
        found[0] -= c[0]
        found[1] -= c[1]
        found[2] -= c[2]
        found[3] -= c[3]
        found[4] -= c[4]


def _add_counts(excluded: Any) -> dict[str, Any]:
    counts = {c: getattr(rollup_hours.c, c) + getattr(excluded, c) for c in COUNTERS}
    return {**counts, "visitors": func.coalesce(excluded.visitors, rollup_hours.c.visitors)}


# A Key's order. The table's key is (site_id, dim, hour, value), the order reports read it in
# (migration 0026): the upsert names that as its conflict target.
_KEY_COLS = ("site_id", "hour", "dim", "value")
_DAY_KEY_COLS = ("site_id", "day", "dim", "value")


@cache
def _upsert_counts(dialect: str) -> Insert:
    conflict = [c.name for c in rollup_hours.primary_key.columns]
    return upsert(dialect, rollup_hours, conflict, _add_counts)


_WEEK_KEY_COLS = ("site_id", "week", "dim", "value")


@cache
def _upsert_days(dialect: str) -> Insert:
    return upsert(dialect, visitor_days, _DAY_KEY_COLS, lambda ex: {"visitors": ex.visitors})


@cache
def _upsert_weeks(dialect: str) -> Insert:
    return upsert(dialect, visitor_weeks, _WEEK_KEY_COLS, lambda ex: {"visitors": ex.visitors})


async def _grown(
    conn: AsyncConnection, table: Any, key_cols: Sequence[str], adds: dict[Key, set[int]]
) -> dict[Key, bytes]:
    """Each key's stored sketch with its new visitors added (read, merge, serialize), for the
    keys whose sketch changed: a visitor already counted under a key leaves its bytes as they
    are, and a hot key's row (tens of KiB) is then not written again."""
    stored = await select_keys(conn, table, key_cols, ("visitors",), list(adds))
    out: dict[Key, bytes] = {}
    for key, ids in adds.items():
        old = stored.get(key, (None,))[0]
        blob = sketches.add(old, ids)
        if blob != old:
            out[key] = blob
    return out


async def write(conn: AsyncConnection, deltas: Deltas) -> None:
    deltas.settle()
    counts, adds = _cut_keys(deltas)
    if conn.dialect.name == "postgresql":
        await lock_keys(conn, _lock_ids(adds))
    hourly_sketches = await _grown(conn, rollup_hours, _KEY_COLS, adds)
    # Sorted by key: concurrent writers (several processes on PostgreSQL) lock rows in one order.
    # No sketch (None) keeps the stored one (the upsert's coalesce).
    rows = sorted(
        (*k, *v, hourly_sketches.get(k))
        for k, v in counts.items()
        if any(v) or k in hourly_sketches
    )
    if rows:
        columns = (*_KEY_COLS, *COUNTERS, "visitors")
        await execute_rows(conn, _upsert_counts(conn.dialect.name), columns, rows)
    by_day: dict[Key, set[int]] = {}
    by_week: dict[Key, set[int]] = {}
    for (site, hour, dim, value), ids in adds.items():
        day = hour // HOURS_PER_DAY
        by_day.setdefault((site, day, dim, value), set()).update(ids)
        by_week.setdefault((site, day // DAYS_PER_WEEK, dim, value), set()).update(ids)
    for table, keys, stmt, grouped in (
        (visitor_days, _DAY_KEY_COLS, _upsert_days, by_day),
        (visitor_weeks, _WEEK_KEY_COLS, _upsert_weeks, by_week),
    ):
        grown = await _grown(conn, table, keys, grouped)
        rows = sorted((*k, blob) for k, blob in grown.items())
        await execute_rows(conn, stmt(conn.dialect.name), (*keys, "visitors"), rows)


def _cut_keys(deltas: Deltas) -> tuple[dict[Key, list[int]], dict[Key, set[int]]]:
    """Counters and visitor additions under their stored keys (values cut by key_text, so a
    long path in 4-byte UTF-8 fits a PostgreSQL index entry; two such paths share a row)."""
    counts: dict[Key, list[int]] = {}
    for (s, h, d, v), c in deltas.rows.items():
        key = (s, h, d, key_text(v))
        if key in counts:
            counts[key] = [a + b for a, b in zip(counts[key], c, strict=True)]
        else:
            counts[key] = c
    adds: dict[Key, set[int]] = {}
    for (s, h, d, v), ids in deltas.visitors.items():
        adds.setdefault((s, h, d, key_text(v)), set()).update(ids)
    return counts, adds


def _lock_ids(adds: dict[Key, set[int]]) -> list[int]:
    """Lock keys of the hour, day and week rows whose sketches this batch reads and rewrites: two
    writers must not both read a sketch and each write back their own addition."""
    ids = []
    for site, hour, dim, value in adds:
        ids.append(lock_id("hour", site, hour, dim, value))
        ids.append(lock_id("day", site, hour // HOURS_PER_DAY, dim, value))
        ids.append(lock_id("week", site, hour // HOURS_PER_DAY // DAYS_PER_WEEK, dim, value))
    return ids
