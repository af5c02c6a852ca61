"""Session reports over sealed hours' columns (app/storage/columns.py), with numpy.

Used where the rollups cannot answer, when every filter is on a session dimension: a period's
sealed hours come as arrays (from a bounded in-memory cache keyed by the hour's build token, else
from `session_columns`), its open hours' sessions as rows, both in the caller's snapshot. Filters
become a lookup over each dimension's dictionary; groups are counted with bincount; distinct
visitors per group are one sort of the group's visitor ids. The numbers are the SQL path's
definitions exactly (tests/queries/test_recount.py runs both).

Measured at 10M events (30 days, 2.2M sessions): the filtered country breakdown that scanned
session rows in ~1 s reads the arrays in tens of ms (see ARCHITECTURE.md for the figures).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.filters import Filter
from app.queries.period import HOUR_MS, Period
from app.queries.rollup_reads import Counts
from app.queries.scope import Scope
from app.storage import columns
from app.storage.columns import MARK, Column, Labels
from app.storage.hourly import SESSION_DIMS
from app.storage.tables import rollup_hours, session_columns, sessions

# Open hours' sessions are read as rows: beyond this many the SQL path is cheaper (a big import
# the sealer has not caught up with yet).
OPEN_LIMIT = 50_000
# Below this many groups, visitors are counted group by group (one sort each); above, by one
# sort of all (group, visitor) pairs.
FEW_GROUPS = 64
_IN_CHUNK = 400
_METRICS = ("start", "visitor", "pageviews", "bounce", "engagement")


class ColumnCache:
    """Decoded columns by (site, hour, name, build token), least recently used out first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._items: OrderedDict[tuple[int, int, str, int], Column] = OrderedDict()

    def get(self, key: tuple[int, int, str, int]) -> Column | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: tuple[int, int, str, int], column: Column) -> None:
        if key in self._items:
            return
        self._items[key] = column
        self.used += column.nbytes
        while self.used > self.max_bytes and self._items:
            _, old = self._items.popitem(last=False)
            self.used -= old.nbytes


CACHE = ColumnCache(256 << 20)


def configure(max_mb: int) -> None:
    CACHE.max_bytes = max_mb << 20


@dataclass
class Frame:
    """The period's sessions (those passing the filters) as arrays."""

    start: np.ndarray
    visitor: np.ndarray
    new: np.ndarray
    pageviews: np.ndarray
    bounce: np.ndarray
    engagement: np.ndarray
    dims: dict[str, Labels]


def usable(scope: Scope) -> bool:
    return not any(f.event_grain for f in scope.filters)


async def load(
    conn: AsyncConnection, scope: Scope, period: Period, dims: Iterable[str] = ()
) -> Frame | None:
    """The period's sessions passing the scope's filters, with the columns of `dims`; None when
    the filters need events or too many sessions sit in open hours."""
    if not usable(scope):
        return None
    wanted = {f.dim for f in scope.filters if f.dim != "visitor_type"} | set(dims)
    wanted.discard("visitor_type")
    names = [*_METRICS, "new", *sorted(wanted)]
    found = await _read(conn, scope.site_id, period, names)
    if found is None:
        return None
    frame = _frame(found, names)
    keep = (frame.start >= period.start) & (frame.start < period.end)
    for f in scope.filters:
        keep &= _passes(frame, f)
    return _select(frame, keep)


async def _read(
    conn: AsyncConnection, site_id: int, period: Period, names: list[str]
) -> dict[str, list[Column]] | None:
    r, c = rollup_hours.c, session_columns.c
    marked = and_(c.site_id == r.site_id, c.hour == r.hour, c.name == MARK)
    meta = (
        select(r.hour, r.sessions, c.built)
        .select_from(rollup_hours.outerjoin(session_columns, marked))
        .where(r.site_id == site_id, r.dim == "", r.value == "", r.sessions > 0)
        .where(r.hour >= period.start // HOUR_MS, r.hour < -(-period.end // HOUR_MS))
        .order_by(r.hour)
    )
    sealed: list[tuple[int, int]] = []
    open_hours: list[int] = []
    open_sessions = 0
    for hour, count, built in await conn.execute(meta):
        if built is None:
            open_hours.append(hour)
            open_sessions += count
        else:
            sealed.append((hour, built))
    if open_sessions > OPEN_LIMIT:
        return None
    parts: dict[str, list[Column]] = {name: [] for name in names}
    await _sealed(conn, site_id, sealed, names, parts)
    if open_hours:
        condition = and_(
            sessions.c.site_id == site_id,
            sessions.c.start_ts >= period.start,
            sessions.c.start_ts < period.end,
            or_(*(_span(lo, hi) for lo, hi in _runs(open_hours))),
        )
        rows = (await conn.execute(columns.session_query(names, condition))).all()
        for name, column in columns.from_rows(rows, names).items():
            parts[name].append(column)
    return parts


async def _sealed(
    conn: AsyncConnection,
    site_id: int,
    sealed: list[tuple[int, int]],
    names: list[str],
    parts: dict[str, list[Column]],
) -> None:
    """The sealed hours' columns into `parts`, in hour order: from the cache, else read."""
    missing = [
        hour
        for hour, built in sealed
        if any(CACHE.get((site_id, hour, name, built)) is None for name in names)
    ]
    c = session_columns.c
    for i in range(0, len(missing), _IN_CHUNK):
        query = select(c.hour, c.name, c.built, c.data).where(
            c.site_id == site_id, c.hour.in_(missing[i : i + _IN_CHUNK]), c.name.in_(names)
        )
        for hour, name, built, data in await conn.execute(query):
            CACHE.put((site_id, hour, name, built), columns.decode(name, data, hour))
    for hour, built in sealed:
        for name in names:
            found = CACHE.get((site_id, hour, name, built))
            if found is None:  # evicted while this report read: decode it again
                query = select(c.data).where(c.site_id == site_id, c.hour == hour, c.name == name)
                found = columns.decode(name, (await conn.execute(query)).scalar_one(), hour)
            parts[name].append(found)


def _span(lo: int, hi: int) -> Any:
    return and_(sessions.c.start_ts >= lo * HOUR_MS, sessions.c.start_ts < hi * HOUR_MS)


def _runs(hours: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive hours as [lo, hi) runs."""
    runs: list[tuple[int, int]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + 1)
        else:
            runs.append((hour, hour + 1))
    return runs


def _frame(parts: dict[str, list[Column]], names: list[str]) -> Frame:
    def numbers(name: str, dtype: Any) -> np.ndarray:
        chunks = [np.asarray(p) for p in parts[name]]
        return np.concatenate(chunks).astype(dtype, copy=False) if chunks else np.zeros(0, dtype)

    dims = {name: _merge_labels(parts[name]) for name in names if name in SESSION_DIMS}  # type: ignore[arg-type]
    return Frame(
        start=numbers("start", np.int64),
        visitor=numbers("visitor", np.int64),
        new=numbers("new", np.uint8),
        pageviews=numbers("pageviews", np.int64),
        bounce=numbers("bounce", np.uint8),
        engagement=numbers("engagement", np.int64),
        dims=dims,
    )


def _merge_labels(chunks: list[Labels]) -> Labels:
    """One dictionary for the period: each chunk's codes mapped through a lookup table."""
    index: dict[str | None, int] = {}
    mapped = []
    for chunk in chunks:
        lookup = np.array([index.setdefault(label, len(index)) for label in chunk.labels])
        mapped.append(lookup.astype(np.int32)[chunk.codes] if len(chunk.codes) else chunk.codes)
    codes = np.concatenate(mapped).astype(np.int32) if mapped else np.zeros(0, np.int32)
    return Labels(list(index), codes)


def _passes(frame: Frame, f: Filter) -> np.ndarray:
    """The sessions passing one session-dimension filter (filters.session_condition's meaning:
    no value differs from every value, `==` nothing means no value, `=~` ignores case)."""
    if f.dim == "visitor_type":
        hit = frame.new == (1 if f.value == "new" else 0)
        return ~hit if f.negated else hit
    column = frame.dims[f.dim]
    table = np.array([_hit(label, f) != f.negated for label in column.labels], dtype=bool)
    return table[column.codes] if len(table) else np.zeros(len(column.codes), dtype=bool)


def _hit(label: str | None, f: Filter) -> bool:
    if f.op in ("==", "!="):
        return label in (None, "") if f.value == "" else label == f.value
    return label is not None and f.value.lower() in label.lower()


def _select(frame: Frame, keep: np.ndarray) -> Frame:
    return Frame(
        start=frame.start[keep],
        visitor=frame.visitor[keep],
        new=frame.new[keep],
        pageviews=frame.pageviews[keep],
        bounce=frame.bounce[keep],
        engagement=frame.engagement[keep],
        dims={k: Labels(v.labels, v.codes[keep]) for k, v in frame.dims.items()},
    )


def totals(frame: Frame, visitor_types: bool = True) -> Counts:
    group = np.zeros(len(frame.start), dtype=np.uint8)
    return counted(frame, group, 1, visitor_types)[0]


def buckets(frame: Frame, bounds: Sequence[int]) -> list[Counts]:
    """Counts per bucket [bounds[i], bounds[i + 1])."""
    group = np.searchsorted(np.asarray(bounds, dtype=np.int64), frame.start, side="right") - 1
    return counted(frame, group, len(bounds) - 1, True)


def by_label(frame: Frame, dimension: str) -> list[tuple[str | None, Counts]]:
    """Counts per value of a session dimension (visitor_type: "new" / "returning")."""
    if dimension == "visitor_type":
        labels: list[str | None] = ["returning", "new"]
        group = frame.new
    else:
        labels, group = frame.dims[dimension].labels, frame.dims[dimension].codes
    found = counted(frame, group, len(labels), False)
    return [(labels[i], c) for i, c in enumerate(found) if c.sessions]


def counted(frame: Frame, group: np.ndarray, n: int, visitor_types: bool) -> list[Counts]:
    """Session metrics per group 0..n-1 (new / returning visitors only if `visitor_types`)."""
    group = group.astype(np.uint16 if n < 65536 else np.int64, copy=False)
    sessions_n = np.bincount(group, minlength=n)
    pageviews = np.bincount(group, weights=frame.pageviews, minlength=n)
    bounces = np.bincount(group, weights=frame.bounce, minlength=n)
    engagement = np.bincount(group, weights=frame.engagement, minlength=n)
    folded = _visitors(group, n, frame.visitor, frame.new if visitor_types else None)
    return [
        Counts(
            visitors=int(folded[0][i]),
            sessions=int(sessions_n[i]),
            pageviews=int(pageviews[i]),
            bounces=int(bounces[i]),
            engagement_ms=int(engagement[i]),
            new_visitors=int(folded[1][i]),
            returning_visitors=int(folded[2][i]),
        )
        for i in range(n)
    ]


def _visitors(
    group: np.ndarray, n: int, visitor: np.ndarray, new: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: distinct visitors, and (with `new`) the visitors with a new session and those
    with a returning one (a visitor's sessions folded, as scope.metrics_query does)."""
    counts = [np.zeros(n, dtype=np.int64) for _ in range(3)]
    if not len(group):
        return counts[0], counts[1], counts[2]
    if n <= FEW_GROUPS:
        order = np.argsort(group, kind="stable")
        edges = np.searchsorted(group[order], np.arange(n + 1))
        for k in range(n):
            if edges[k] == edges[k + 1]:
                continue
            chosen = order[edges[k] : edges[k + 1]]
            result = _fold(visitor[chosen], None if new is None else new[chosen])
            for i in range(3):
                counts[i][k] = result[i]
        return counts[0], counts[1], counts[2]
    by_visitor = np.argsort(visitor)
    order = by_visitor[np.argsort(group[by_visitor], kind="stable")]
    g, v = group[order], visitor[order]
    first = np.ones(len(g), dtype=bool)
    first[1:] = (g[1:] != g[:-1]) | (v[1:] != v[:-1])
    starts = np.flatnonzero(first)
    owners = g[starts]
    counts[0] = np.bincount(owners, minlength=n)
    if new is not None:
        flags = new[order]
        counts[1] = np.bincount(owners, weights=np.maximum.reduceat(flags, starts), minlength=n)
        returning = 1 - np.minimum.reduceat(flags, starts).astype(np.int64)
        counts[2] = np.bincount(owners, weights=returning, minlength=n)
    return counts[0], counts[1], counts[2]


def _fold(visitor: np.ndarray, new: np.ndarray | None) -> tuple[int, int, int]:
    if new is None:
        ordered = np.sort(visitor)
        return 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1])), 0, 0
    order = np.argsort(visitor)
    ordered, flags = visitor[order], new[order]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(first)
    any_new = int(np.maximum.reduceat(flags, starts).sum())
    all_new = int(np.minimum.reduceat(flags, starts).sum())
    return len(starts), any_new, len(starts) - all_new
