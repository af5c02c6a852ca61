"""Reports over sealed hours' columns (app/storage/columns.py), with numpy.

Used where the rollups cannot answer (filters, part-hour zones' series, funnels, flows from a
start page, retention off UTC days) unless a filter is on a property. A period's sealed hours
come as one block per UTC day (from a bounded in-memory cache keyed by the day's build tokens,
else from `session_columns`), its open hours' sessions as rows. Only columns carrying the
tokens the hours were listed with are used: SQLite gives each SELECT its own snapshot, so an
hour sealed again or unsealed in between sends the report to the SQL scan. Filters become a
lookup over each dimension's dictionary; groups are counted with bincount; distinct visitors per
group are one sort of the group's visitor ids. The numbers are the SQL path's definitions
exactly (the recounts in tests/queries run both).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import HOUR_MS, HOURS_PER_DAY
from app.queries import session_events
from app.queries.column_cache import UNSHARED_BYTES, ColumnCache
from app.queries.filters import Filter, event_row_condition
from app.queries.period import Period
from app.queries.rollup_reads import Counts
from app.queries.scope import Scope
from app.storage import columns, journey
from app.storage.columns import MARK, Column, Labels, Ragged
from app.storage.tables import rollup_hours, session_columns, sessions

# Why a load declined: an hour's seal token moved between listing and reading (the planner
# retries once, then falls back).
RESEALED = "hours sealed again or unsealed while read"
# Below this many groups, visitors are counted group by group (one sort each); above, by one
# sort of all (group, visitor) pairs.
FEW_GROUPS = 64
_IN_CHUNK = 400
# Filter results remembered per cached journey column (a day's: one bool per session each).
MEMO_KEYS = 16
_MEMO_LOCK = threading.Lock()
T = TypeVar("T")
_METRICS = ("start", "visitor", "pageviews", "bounce", "engagement")


Block = dict[str, Column]  # columns by name: one UTC day's sealed hours, or the open hours


class Frame:
    """The period's sessions that pass the filters: per block the kept rows' positions, each
    column gathered (and its labels merged across blocks) when first asked."""

    def __init__(self, blocks: list[Block], kept: list[np.ndarray]) -> None:
        self._blocks = blocks
        self._kept = kept
        self._gathered: dict[str, np.ndarray] = {}
        self.size = sum(len(k) for k in kept)

    def numbers(self, name: str) -> np.ndarray:
        found = self._gathered.get(name)
        if found is None:
            chunks = [np.asarray(b[name])[k] for b, k in zip(self._blocks, self._kept, strict=True)]
            empty = np.zeros(0, np.int64 if name == "start" else columns.NUMERIC[name].lstrip("<"))
            found = np.concatenate(chunks) if chunks else empty
            self._gathered[name] = found
        return found

    def ragged(self, name: str) -> Ragged:
        """A ragged column of the kept sessions: one dictionary for the period."""
        runs, sizes, codes = [], [], []
        for block, kept in zip(self._blocks, self._kept, strict=True):
            column = block[name]
            assert isinstance(column, Ragged)
            size, chosen = _take(column, kept)
            runs.append(column)
            sizes.append(size)
            codes.append(chosen)
        return _join_ragged(runs, sizes, codes)

    def labels(self, dim: str) -> Labels:
        """The dimension's values: one dictionary for the period, each block's codes mapped."""
        parts = []
        for block, kept in zip(self._blocks, self._kept, strict=True):
            column = block[dim]
            assert isinstance(column, Labels)
            parts.append((column.labels, column.codes[kept]))
        labels, codes = _one_dictionary(parts)
        return Labels(labels, codes)

    def spans(self, positions: np.ndarray) -> dict[int, tuple[int, int]]:
        """session id -> (start, end) of the sessions at `positions`: what a read of their
        events needs (app/queries/session_events.py)."""
        start = self.numbers("start")[positions]
        end = start + self.numbers("duration")[positions]
        pairs = zip(start.tolist(), end.tolist(), strict=True)
        return dict(zip(self.numbers("session")[positions].tolist(), pairs, strict=True))


# What a page or event filter reads: the journeys, and for a truncated one the session's events.
_JOURNEY_FILTER = ("journey", "truncated", "session", "duration")


Admit = Callable[[int, int], "str | None"]  # (open sessions, sessions) -> why not, or None


async def load(
    conn: AsyncConnection,
    scope: Scope,
    period: Period,
    dims: Iterable[str] = (),
    fields: Sequence[str] | None = None,
    admit: Admit | None = None,
) -> Frame | str:
    """The period's sessions passing the scope's filters, with the columns `fields` (default:
    the session metrics) and those of `dims`; or why not: `admit` (the planner's bounds)
    refused the period, or RESEALED."""
    fields = (*_METRICS, "new") if fields is None else fields
    wanted = {f.dim for f in scope.filters if not f.event_grain} | set(dims) | {"new"}
    wanted.discard("visitor_type")  # it is "new"
    journeys = _JOURNEY_FILTER if any(f.dim in ("page", "event") for f in scope.filters) else ()
    props = ("props",) if any(f.dim.startswith("prop:") for f in scope.filters) else ()
    names = list(dict.fromkeys(["start", *fields, *journeys, *props, *sorted(wanted)]))
    cache = scope.columns or ColumnCache(UNSHARED_BYTES)
    blocks = await _read(conn, scope.site_id, period, names, cache, admit or (lambda o, t: None))
    if isinstance(blocks, str):
        return blocks
    journey_filters = [f for f in scope.filters if f.event_grain]
    stored = await off_loop(_journey_hits, blocks, journey_filters)
    beyond = await _past_journeys(conn, scope.site_id, blocks, period, stored)
    return await off_loop(_frame_of, blocks, period, scope.filters, stored, beyond)


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Array work in a worker thread: numpy releases the GIL while it sorts and gathers, so
    ingest and websockets go on meanwhile (on the event loop, a 30-day retention stalled it
    ~410 ms)."""
    return await asyncio.to_thread(fn, *args)


def _journey_hits(blocks: list[Block], filters: list[Filter]) -> dict[Filter, list[np.ndarray]]:
    return {f: [_in_journey(block, f) for block in blocks] for f in filters}


def _frame_of(
    blocks: list[Block],
    period: Period,
    filters: Sequence[Filter],
    stored: dict[Filter, list[np.ndarray]],
    beyond: dict[Filter, set[int]],
) -> Frame:
    kept = [_kept(i, block, period, filters, stored, beyond) for i, block in enumerate(blocks)]
    return Frame(blocks, kept)


def _kept(
    i: int,
    block: Block,
    period: Period,
    filters: Sequence[Filter],
    stored: dict[Filter, list[np.ndarray]],
    beyond: dict[Filter, set[int]],
) -> np.ndarray:
    """Positions of block i's sessions inside the period that pass every filter."""
    start = np.asarray(block["start"])
    keep = np.ones(len(start), dtype=bool)
    if len(start) and (start.min() < period.start or start.max() >= period.end):
        keep &= (start >= period.start) & (start < period.end)
    for f in filters:
        if f.event_grain:
            hit = stored[f][i] | _in_set(block, beyond.get(f, set()))
            keep &= ~hit if f.negated else hit
        else:
            keep &= _passes(block, f)
    return np.flatnonzero(keep)


def _in_journey(block: Block, f: Filter) -> np.ndarray:
    """Sessions whose stored journey holds a page view (event) matching the filter's positive
    form (filters.event_row_condition's meaning); for a property filter, an event carrying the
    property with that value."""
    run = block["props" if f.dim.startswith("prop:") else "journey"]
    assert isinstance(run, Ragged)
    op = f.op.replace("!", "=")
    key = ("sessions", f.dim, op, f.value)
    found = run.memo.get(key)
    if found is None:
        sessions = len(run.offsets) - 1
        codes = _matching_items(run, f.dim, op, f.value)
        found = np.zeros(sessions, dtype=bool)
        if len(codes):
            owner = np.repeat(np.arange(sessions), np.diff(run.offsets))
            found = np.bincount(owner[np.isin(run.codes, codes)], minlength=sessions) > 0
        _remember(run, key, found)
    return found


def _remember(run: Ragged, key: tuple[str, ...], value: np.ndarray) -> None:
    """A filter's result kept with the cached column (the dashboard asks ~10 reports with the
    same filters); the oldest go past MEMO_KEYS. Reports compute in worker threads: one lock."""
    with _MEMO_LOCK:
        while len(run.memo) >= MEMO_KEYS:
            run.memo.pop(next(iter(run.memo)))
        run.memo[key] = value


def _matching_items(run: Ragged, dim: str, op: str, value: str) -> np.ndarray:
    """The codes of the run's items a positive page / event filter matches, kept with the
    cached column (a day's journeys hold ~20k distinct items at 10M events a month)."""
    key = ("match", dim, op, value)
    found = run.memo.get(key)
    if found is None:
        if op == "==":  # one exact item
            if dim.startswith("prop:"):
                item = columns.prop_item(dim[5:], value)
            else:
                item = journey.page(value) if dim == "page" else journey.event(value)
            found = np.flatnonzero(np.array([label == item for label in run.labels], dtype=bool))
        else:
            mark = journey.PAGE if dim == "page" else journey.EVENT
            positive = Filter(dim, op, value)
            found = np.array(
                [
                    i
                    for i, label in enumerate(run.labels)
                    if label.startswith(mark) and positive.matches(label[1:-1])
                ],
                dtype=np.int64,
            )
        _remember(run, key, found)
    return found


def _in_set(block: Block, ids: set[int]) -> np.ndarray:
    if not ids:
        return np.zeros(len(np.asarray(block["start"])), dtype=bool)
    sessions = np.asarray(block["session"])
    return np.isin(sessions, np.fromiter(ids, dtype=np.int64, count=len(ids)))


async def _past_journeys(
    conn: AsyncConnection,
    site_id: int,
    blocks: list[Block],
    period: Period,
    stored: dict[Filter, list[np.ndarray]],
) -> dict[Filter, set[int]]:
    """Per page / event filter, the truncated sessions with a matching event past their stored
    journey (read from `events`: few sessions, chunked)."""
    found: dict[Filter, set[int]] = {}
    for f, in_journeys in stored.items():
        if f.dim.startswith("prop:"):  # properties are stored whole: nothing past them
            continue
        spans: dict[int, tuple[int, int]] = {}
        for block, hit in zip(blocks, in_journeys, strict=True):
            start = np.asarray(block["start"])
            chosen = np.asarray(block["truncated"]).astype(bool)
            chosen &= (start >= period.start) & (start < period.end) & ~hit
            ends = start + np.asarray(block["duration"])
            sids = np.asarray(block["session"])[chosen].tolist()
            pairs = zip(start[chosen].tolist(), ends[chosen].tolist(), strict=True)
            spans.update(zip(sids, pairs, strict=True))
        if spans:
            condition = event_row_condition(f)
            hits = await session_events.by_session(conn, site_id, spans, ("name",), condition)
            found[f] = set(hits)
    return found


async def _read(
    conn: AsyncConnection,
    site_id: int,
    period: Period,
    names: list[str],
    cache: ColumnCache,
    admit: Admit,
) -> list[Block] | str:
    r, c = rollup_hours.c, session_columns.c
    marked = and_(c.site_id == r.site_id, c.hour == r.hour, c.name == MARK)
    meta = (
        select(r.hour, r.sessions, c.built)
        .select_from(rollup_hours.outerjoin(session_columns, marked))
        .where(r.site_id == site_id, r.dim == "", r.value == "", r.sessions > 0)
        .where(r.hour >= period.start // HOUR_MS, r.hour < -(-period.end // HOUR_MS))
        .order_by(r.hour)
    )
    sealed: dict[int, list[tuple[int, int]]] = {}
    open_hours: list[int] = []
    open_sessions = 0
    total = 0
    for hour, count, built in await conn.execute(meta):
        total += count
        if built is None:
            open_hours.append(hour)
            open_sessions += count
        else:
            sealed.setdefault(hour // HOURS_PER_DAY, []).append((hour, built))
    refused = admit(open_sessions, total)
    if refused is not None:
        return refused
    blocks = await _days(conn, site_id, sealed, names, cache)
    if blocks is None:
        return RESEALED
    if open_hours:
        # One index range per run of open hours, clipped to the period (SQLite uses one range
        # per OR term; the period's bounds beside them made it range over the whole period).
        spans = [
            _span(site_id, max(lo * HOUR_MS, period.start), min(hi * HOUR_MS, period.end))
            for lo, hi in _runs(open_hours)
        ]
        rows, props = await columns.fetch(conn, site_id, or_(*spans), names)
        blocks.append(await off_loop(columns.from_rows, rows, names, props))
    return blocks


async def _days(
    conn: AsyncConnection,
    site_id: int,
    sealed: dict[int, list[tuple[int, int]]],
    names: list[str],
    cache: ColumnCache,
) -> list[Block] | None:
    """One block per UTC day of sealed hours: from the cache (keyed by the hours' build
    tokens, so a day with an hour sealed again is a new key), else read and merged."""

    def key(day: int, name: str) -> tuple[Any, ...]:
        return (site_id, day, name, tuple(built for _, built in sealed[day]))

    blocks: dict[int, Block] = {}
    missing: list[int] = []
    for day in sealed:
        found = {name: cache.get(key(day, name)) for name in names}
        if any(column is None for column in found.values()):
            missing.append(day)
        else:
            blocks[day] = found  # type: ignore[assignment]
    hours = [hour for day in missing for hour, _ in sealed[day]]
    decoded: dict[tuple[int, str], Column] = {}
    token = {hour: built for day in missing for hour, built in sealed[day]}
    c = session_columns.c
    for i in range(0, len(hours), _IN_CHUNK):
        query = select(c.hour, c.name, c.built, c.data).where(
            c.site_id == site_id, c.hour.in_(hours[i : i + _IN_CHUNK]), c.name.in_(names)
        )
        found_rows = [row for row in await conn.execute(query) if row.built == token[row.hour]]
        decoded.update(await off_loop(_decoded, found_rows))
    for day in missing:
        if any((h, name) not in decoded for h, _ in sealed[day] for name in names):
            # Sealed again or unsealed since the hours were listed (each SELECT may see a
            # newer commit on SQLite), or sealed by an older release without this column.
            return None
    built = await off_loop(_blocks_of, decoded, {day: sealed[day] for day in missing}, names)
    for day, block in built.items():
        for name, column in block.items():
            cache.put(key(day, name), column)
        blocks[day] = block
    return [blocks[day] for day in sorted(blocks)]


def _decoded(found: list[Any]) -> dict[tuple[int, str], Column]:
    return {(row.hour, row.name): columns.decode(row.name, row.data, row.hour) for row in found}


def _blocks_of(
    decoded: dict[tuple[int, str], Column],
    days: dict[int, list[tuple[int, int]]],
    names: list[str],
) -> dict[int, Block]:
    return {
        day: {name: _concat([decoded[(h, name)] for h, _ in hours]) for name in names}
        for day, hours in days.items()
    }


def _concat(chunks: list[Column]) -> Column:
    if isinstance(chunks[0], Ragged):
        runs = [chunk for chunk in chunks if isinstance(chunk, Ragged)]
        return _join_ragged(runs, [np.diff(r.offsets) for r in runs], [r.codes for r in runs])
    if isinstance(chunks[0], Labels):
        coded = [chunk for chunk in chunks if isinstance(chunk, Labels)]
        labels, codes = _one_dictionary([(chunk.labels, chunk.codes) for chunk in coded])
        return Labels(labels, codes.astype(_width(labels)))
    return np.concatenate([np.asarray(chunk) for chunk in chunks])


def _one_dictionary(parts: Sequence[tuple[list[Any], np.ndarray]]) -> tuple[list[Any], np.ndarray]:
    """Codes into several dictionaries as codes into one: each part's codes mapped through a
    lookup table of its labels' places in the merged dictionary."""
    index: dict[Any, int] = {}
    mapped = []
    for labels, codes in parts:
        lookup = np.array([index.setdefault(v, len(index)) for v in labels], np.int32)
        mapped.append(lookup[codes] if len(labels) else codes.astype(np.int32))
    return list(index), np.concatenate(mapped) if mapped else np.zeros(0, np.int32)


def _width(labels: list[Any]) -> type[np.integer[Any]]:
    return np.uint16 if len(labels) < 65536 else np.int32


def _join_ragged(
    runs: Sequence[Ragged], sizes: Sequence[np.ndarray], codes: Sequence[np.ndarray]
) -> Ragged:
    """One Ragged of several: each run's (chosen) codes mapped into one dictionary."""
    labels, joined = _one_dictionary([(r.labels, c) for r, c in zip(runs, codes, strict=True)])
    lengths = np.concatenate(sizes) if sizes else np.zeros(0, np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return Ragged(labels, offsets, joined.astype(_width(labels)))


def _take(run: Ragged, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kept sessions' run lengths and their items' codes, in order."""
    starts = run.offsets[kept]
    sizes = run.offsets[kept + 1] - starts
    total = int(sizes.sum())
    if not total:
        return sizes, run.codes[:0]
    first = np.cumsum(sizes) - sizes  # where each kept run begins in the output
    return sizes, run.codes[np.repeat(starts - first, sizes) + np.arange(total)]


def _span(site_id: int, start: int, end: int) -> Any:
    s = sessions.c
    return and_(s.site_id == site_id, s.start_ts >= start, s.start_ts < end)


def _runs(hours: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive hours as [lo, hi) runs."""
    runs: list[tuple[int, int]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + 1)
        else:
            runs.append((hour, hour + 1))
    return runs


def _passes(block: Block, f: Filter) -> np.ndarray:
    """The block's sessions passing one session-dimension filter (filters.session_condition's
    meaning: no value differs from every value, `==` nothing means no value, `=~` ignores
    case)."""
    if f.dim == "visitor_type":
        hit = np.asarray(block["new"]) == (1 if f.value == "new" else 0)
        return ~hit if f.negated else hit
    column = block[f.dim]
    assert isinstance(column, Labels)
    table = np.array([f.passes(label) for label in column.labels], dtype=bool)
    return table[column.codes] if len(table) else np.zeros(len(column.codes), dtype=bool)


def totals(frame: Frame, visitor_types: bool = True) -> Counts:
    return _counted(frame, np.zeros(frame.size, dtype=np.uint8), 1, visitor_types)[0][0]


def buckets(frame: Frame, bounds: Sequence[int]) -> list[Counts]:
    """Counts per bucket [bounds[i], bounds[i + 1])."""
    edges = np.asarray(bounds, dtype=np.int64)
    group = np.searchsorted(edges, frame.numbers("start"), side="right") - 1
    return _counted(frame, group, len(bounds) - 1, True)[0]


def by_label(
    frame: Frame, dimension: str, with_totals: bool = False
) -> tuple[list[tuple[str | None, Counts]], Counts | None]:
    """Counts per value of a session dimension (visitor_type: "new" / "returning"), and the
    totals if asked (their visitors merged from the groups' sorted visitor ids: a merge of
    sorted runs, half a fresh sort's time)."""
    if dimension == "visitor_type":
        labels: list[str | None] = ["returning", "new"]
        group = frame.numbers("new")
    else:
        found = frame.labels(dimension)
        labels, group = found.labels, found.codes
    counts, runs = _counted(frame, group, len(labels), False)
    rows = [(labels[i], c) for i, c in enumerate(counts) if c.sessions]
    if not with_totals:
        return rows, None
    total = Counts(visitors=_distinct(np.sort(runs, kind="stable")))
    for _, c in rows:
        total.sessions += c.sessions
        total.pageviews += c.pageviews
        total.bounces += c.bounces
        total.engagement_ms += c.engagement_ms
    return rows, total


def _counted(
    frame: Frame, group: np.ndarray, n: int, visitor_types: bool
) -> tuple[list[Counts], np.ndarray]:
    """Session metrics per group 0..n-1 (new / returning visitors only if `visitor_types`),
    and the visitor ids grouped, sorted within each group."""
    group = group.astype(np.uint16 if n < 65536 else np.int64, copy=False)
    sessions_n = np.bincount(group, minlength=n)
    pageviews = np.bincount(group, weights=frame.numbers("pageviews"), minlength=n)
    bounces = np.bincount(group, weights=frame.numbers("bounce"), minlength=n)
    engagement = np.bincount(group, weights=frame.numbers("engagement"), minlength=n)
    new = frame.numbers("new") if visitor_types else None
    folded, runs = _visitors(group, n, frame.numbers("visitor"), new)
    counts = [
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
    return counts, runs


def _visitors(
    group: np.ndarray, n: int, visitor: np.ndarray, new: np.ndarray | None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Per group: distinct visitors, and (with `new`) the visitors with a new session and those
    with a returning one (a visitor's sessions folded, as scope.metrics_query does); and the
    visitor ids in group order, sorted within each group."""
    counts = [np.zeros(n, dtype=np.int64) for _ in range(3)]
    if not len(group):
        return counts, visitor
    if n <= FEW_GROUPS:  # one sort per group
        order = np.argsort(group, kind="stable")
        edges = np.searchsorted(group[order], np.arange(n + 1))
        runs = []
        for k in range(n):
            if edges[k] == edges[k + 1]:
                continue
            chosen = order[edges[k] : edges[k + 1]]
            ordered, result = _fold(visitor[chosen], None if new is None else new[chosen])
            runs.append(ordered)
            for i in range(3):
                counts[i][k] = result[i]
        return counts, np.concatenate(runs)
    by_visitor = np.argsort(visitor)  # one sort of all, then a stable (radix) sort by group
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
    return counts, v


def retention_cells(
    first: Frame, everyone: Frame, bounds: Sequence[int]
) -> dict[tuple[int, int], int]:
    """(cohort period, active period) -> visitors, as app/queries/retention.py defines them:
    a visitor's cohort is the start of their first new session in `first` (the filtered
    sessions); they are active in the period of each of their sessions in `everyone` from then
    on. Cohort visitors get dense numbers, so distinct visitors per active period are marks in
    one boolean array (a sort per period otherwise)."""
    if first is everyone:  # unfiltered: one sort by visitor numbers everyone
        cohort_visitor, first_ts, at = _first_new_sessions(everyone)
    else:
        new = first.numbers("new").astype(bool)
        found, first_ts, _ = _first_new_sessions(first, new)
        cohort_visitor = found
        later = everyone.numbers("visitor")
        at = np.minimum(np.searchsorted(found, later), max(len(found) - 1, 0))
        if len(found):
            at[found[at] != later] = -1
    if not len(cohort_visitor):
        return {}
    later_ts = everyone.numbers("start")
    mine = (at >= 0) & (later_ts >= first_ts[np.maximum(at, 0)])
    edges = np.asarray(bounds, dtype=np.int64)
    periods, people = len(bounds) - 1, len(cohort_visitor)
    cohort_of = np.searchsorted(edges, first_ts, side="right") - 1  # per cohort visitor
    dense = at[mine]
    active = np.searchsorted(edges, later_ts[mine], side="right") - 1
    cells: dict[tuple[int, int], int] = {}
    if periods > FEW_GROUPS:  # distinct (active, visitor) keys by one sort
        keys = np.sort(active.astype(np.int64) * people + dense)
        first_key = np.ones(len(keys), dtype=bool)
        first_key[1:] = keys[1:] != keys[:-1]
        keys = keys[first_key]
        flat = np.bincount(cohort_of[keys % people] * periods + keys // people)
        return {divmod(int(i), periods): int(flat[i]) for i in np.flatnonzero(flat)}
    by_period = np.argsort(active, kind="stable")
    limits = np.searchsorted(active[by_period], np.arange(periods + 1))
    seen = np.zeros(people, dtype=bool)
    for a in range(periods):
        if limits[a] == limits[a + 1]:
            continue
        seen[:] = False
        seen[dense[by_period[limits[a] : limits[a + 1]]]] = True
        per_cohort = np.bincount(cohort_of[seen], minlength=periods)
        for c in np.flatnonzero(per_cohort).tolist():
            cells[(c, a)] = int(per_cohort[c])
    return cells


def _first_new_sessions(
    frame: Frame, chosen: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The visitors with a new session among the frame's (or its `chosen`) sessions, sorted;
    the start of each one's first new session; and per frame session its visitor's number in
    that list (-1: none). Without `chosen`, every session is numbered."""
    visitor, start = frame.numbers("visitor"), frame.numbers("start")
    new = frame.numbers("new").astype(bool)
    if chosen is not None:
        visitor, start, new = visitor[chosen], start[chosen], new[chosen]
    order = np.argsort(visitor)
    ordered = visitor[order]
    leads = np.ones(len(ordered), dtype=bool)
    leads[1:] = ordered[1:] != ordered[:-1]
    runs = np.flatnonzero(leads)
    if not len(runs):
        return ordered, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    never = np.iinfo(np.int64).max
    first_new = np.minimum.reduceat(np.where(new[order], start[order], never), runs)
    has_new = first_new < never
    number = np.cumsum(has_new) - 1  # per run: its visitor's number among those with one
    per_session = np.empty(len(ordered), dtype=np.int64)
    per_session[order] = np.where(has_new, number, -1)[np.cumsum(leads) - 1]
    return ordered[runs][has_new], first_new[has_new], per_session


def distinct_by_group(
    group: np.ndarray, n: int, visitor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct visitors per group 0..n-1, and the visitor ids grouped (sorted within each
    group, repeats kept)."""
    if not len(group):
        return np.zeros(n, dtype=np.int64), visitor
    group = group.astype(np.uint16 if n < 65536 else np.int64, copy=False)
    found, runs = _visitors(group, n, visitor, None)
    return found[0], runs


def _distinct(ordered: np.ndarray) -> int:
    return 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1])) if len(ordered) else 0


def _fold(visitor: np.ndarray, new: np.ndarray | None) -> tuple[np.ndarray, tuple[int, int, int]]:
    """One group's visitor ids sorted, and its visitors, new and returning visitors."""
    if new is None:
        ordered = np.sort(visitor)
        return ordered, (_distinct(ordered), 0, 0)
    if len(visitor) and visitor.min() < 0:  # not a server-made 63-bit id: argsort
        order = np.lexsort((new, visitor))
        ordered, flags = visitor[order], new[order]
    else:  # (id, new) in one unsigned key: a sort, not an argsort and two gathers
        keys = np.sort((visitor.astype(np.uint64) << np.uint64(1)) | new.astype(np.uint64))
        ordered, flags = (keys >> np.uint64(1)).astype(np.int64), (keys & np.uint64(1))
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    last = np.ones(len(ordered), dtype=bool)
    last[:-1] = first[1:]
    # Sorted by (visitor, new): a visitor's last flag is its max, its first flag its min.
    any_new = int(np.count_nonzero(flags[last]))
    all_new = int(np.count_nonzero(flags[first]))
    visitors = int(np.count_nonzero(first))
    return ordered, (visitors, any_new, visitors - all_new)
