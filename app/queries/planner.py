"""The planner: for each question over a scope, which read path answers it, and why.

Three paths answer every report with the same numbers (tests/queries/test_golden.py and the
recounts prove it):
- ROLLUPS: counters and visitor sketches per UTC hour (app/queries/rollup_reads.py), with the
  part-hour edges of a :30 zone rolled up from sessions (app/queries/edges.py). Only unfiltered
  questions, and only over dimensions that carry a sketch.
- COLUMNS: sealed hours as numpy columns plus the open hours' sessions as rows
  (app/queries/columnar.py). Any filter; bounded by the open sessions and the period's size.
- SQL: the scan of `sessions` (and `events`): the executable specification, always able.

Every rule that picks among them is here; query modules only follow `plan.path`. The one switch
`forced(path)` sends every question to one path (the recounts and the golden test use it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import DAY_MS, HOUR_MS
from app.dimensions import NOT_COLUMNAR, UNSKETCHED
from app.goals.definition import Goal
from app.queries import columnar
from app.queries.column_filters import on_columns
from app.queries.filters import GOAL, Filter
from app.queries.period import Period
from app.queries.scope import Scope
from app.storage.tables import rollup_hours

ROLLUPS, COLUMNS, SQL = "rollups", "columns", "sql"
PATHS = (ROLLUPS, COLUMNS, SQL)
# "duration": the original stats' average session duration.
KINDS = (
    "summary",
    "timeseries",
    "breakdown",
    "properties",
    "flows",
    "funnel",
    "retention",
    "duration",
    "goals",
    "page_engagement",
)

# Open hours' sessions are read as rows: beyond this many the SQL path is cheaper (a big import
# the sealer has not caught up with yet).
OPEN_LIMIT = 50_000
# A period of more sessions than this is scanned in SQL instead: its arrays would take ~0.5 GB
# (~50 bytes a session for a filtered breakdown's columns) — the bound on a report's memory.
MAX_SESSIONS = 10_000_000
# On SQLite, a period holding more than this share of the site's sessions is read by a scan:
# the index's random row lookups cost ~5x a sequential row (measured at 10M events: a filtered
# 30-day breakdown over 2M sessions took 13.2 s through the index, 2.8 s scanned).
SCAN_SHARE = 0.2
# Buckets shorter than this are not worth edges: an hourly bucket in a :30 zone is all edge.
MIN_EDGED_BUCKET_MS = 6 * HOUR_MS

_FORCED: ContextVar[str | None] = ContextVar("pulse_forced_path", default=None)
_EXPLAINED: ContextVar[list[dict[str, Any]] | None] = ContextVar("pulse_plans", default=None)


@dataclass(frozen=True)
class Question:
    kind: str
    dimension: str | None = None  # breakdown
    start_page: str | None = None  # flows
    cohort_bounds: tuple[int, ...] = ()  # retention
    period: Period | None = None  # when not the scope's (a summary's previous period)
    goals: tuple[Goal, ...] = ()  # the goal report's goals

    def describe(self) -> str:
        extra = self.dimension or self.start_page
        return f"{self.kind} {extra}" if extra else self.kind


@dataclass
class Plan:
    question: Question
    scope: Scope
    path: str
    reason: str
    # Where a declined COLUMNS plan goes: SQL, or ROLLUPS for a part-hour series.
    fallback: str = SQL
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.question.period or self.scope.period

    async def frame(
        self,
        conn: AsyncConnection,
        scope: Scope | None = None,
        dims: Sequence[str] = (),
        fields: Sequence[str] | None = None,
    ) -> columnar.Frame | None:
        """The columns of a COLUMNS plan (of `scope`, default the plan's); None when they
        decline — past a bound, or hours resealed while read twice (SQLite gives each SELECT
        its own snapshot, so a seal can land between two) — and the plan moves to its
        fallback, the reason kept."""
        if self.path != COLUMNS:
            return None
        scope = scope or self.scope
        for _ in range(2):  # the seal-token race: once more before falling back
            found = await columnar.load(conn, scope, self.period, dims, fields, admit)
            if isinstance(found, columnar.Frame):
                return found
            if found != columnar.RESEALED:
                break
        self.path, self.reason = self.fallback, f"{found}; {self.reason}"
        _remember(self)
        return None

    async def sql_scope(self, conn: AsyncConnection) -> Scope:
        """The scope for the SQL scan: on SQLite marked to scan the table front to back when
        the period holds much of the site's history (two small sums of the hourly rollups,
        asked only now that the scan is chosen)."""
        if conn.dialect.name != "sqlite":
            return self.scope
        if self.question.kind == "funnel" and not self.scope.filters:
            # The index (site_id, start_ts, visitor_id, journey) holds everything an unfiltered
            # funnel asks: its range read beats a scan whatever the period (30 days at 10M
            # events: 0.33 s against 0.64 s).
            self.notes.append("index-only read of the journeys")
            _remember(self)
            return self.scope
        share = await _history_share(conn, self.scope.site_id, self.period)
        if share is None or share <= SCAN_SHARE:
            return self.scope
        self.notes.append(f"table scan: the period holds {share:.0%} of the site's sessions")
        _remember(self)
        return replace(self.scope, scan=True)

    def as_json(self) -> dict[str, Any]:
        reason = "; ".join([self.reason, *self.notes])
        question = self.question.describe()
        if self.question.period not in (None, self.scope.period):
            question += " (previous period)"
        return {"question": question, "path": self.path, "reason": reason}


def admit(open_sessions: int, total: int) -> str | None:
    """Why the columns cannot take a period (None: they can)."""
    if open_sessions > OPEN_LIMIT:
        return f"{open_sessions:,} sessions in open hours (over {OPEN_LIMIT:,})"
    if total > MAX_SESSIONS:
        return f"{total:,} sessions in the period (over {MAX_SESSIONS:,})"
    return None


def plan(question: Question, scope: Scope) -> Plan:
    """The path for `question` over `scope`, and the reason (recorded for ?explain=1)."""
    forced = _FORCED.get()
    goals = _sql_only_reason(question, scope)
    beyond = _not_in_columns(question, scope)
    if goals is not None:  # only SQL can answer: not even a forced path may take it
        chosen = Plan(question, scope, SQL, f"forced {forced}, but {goals}" if forced else goals)
    elif forced == COLUMNS and beyond is not None:
        chosen = Plan(question, scope, SQL, f"forced columns, but {beyond}")
    elif forced in (COLUMNS, SQL):
        chosen = Plan(question, scope, forced, "forced")
    else:
        own = _own_path(question)
        path, reason, fallback = own or _choose(question, scope, question.period or scope.period)
        if beyond is not None:  # the columns can neither answer nor be a fallback
            fallback = SQL
            if path == COLUMNS:
                path, reason = SQL, f"{beyond}; {reason}"
        chosen = Plan(question, scope, path, reason, fallback)
    _remember(chosen)
    return chosen


def _sql_only_reason(q: Question, scope: Scope) -> str | None:
    """Why SQL alone answers a goal or page-engagement question (None: the sealed columns can
    too). A page goal or a plain event goal is a set of journey items, a scroll goal a set of
    scroll items; a property-narrowed goal is not (no column says which event carried which
    property). Per-page engagement is summed per sealed hour per page, not per session, so only
    page filters (on the sums' own key) narrow it."""
    off = [f.goal for f in scope.filters if f.dim == GOAL and f.goal and not on_columns(f.goal)]
    if q.kind == "goals":
        off += [goal for goal in q.goals if not on_columns(goal)]
    if off:
        named = ", ".join(dict.fromkeys(f"{g.name} ({g.describe()})" for g in off))
        return (
            f"goals {named}: property-narrowed goals (and given regular expressions) are "
            "matched on the stored events (no sealed column pairs an event with its "
            "properties), through ix_events_props"
        )
    if q.kind == "page_engagement":
        others = sorted({f"{f.dim}{f.op}{f.value}" for f in scope.filters if f.dim != "page"})
        if others:
            return (
                f"per-page engagement filtered by {';'.join(others)}: the sealed hours keep "
                "sums per page, not per session; engagement events paired with their page "
                "views in the stored events"
            )
    return None


def _own_path(q: Question) -> tuple[str, str, str] | None:
    """Goal and page-engagement questions without a rule against the columns: the columns
    (rollups count no goal and hold no engagement per page)."""
    if q.kind == "goals":
        reason = "goal report: page, event and scroll goals as items of the sealed columns"
        return COLUMNS, reason, SQL
    if q.kind == "page_engagement":
        reason = "per-page engagement: sums per page of the sealed hours; open and part hours"
        return COLUMNS, f"{reason} from the stored events", SQL
    return None


def _not_in_columns(q: Question, scope: Scope) -> str | None:
    """Why the sealed columns cannot answer `q` (None: they can): a filter on, or a breakdown
    by, a dimension they do not hold (page_url: the coded journeys keep each page view's path,
    not its hostname). Unfiltered, such a breakdown is still the rollups'."""
    named = [f.dim for f in scope.filters if f.dim in NOT_COLUMNAR]
    if q.dimension in NOT_COLUMNAR:
        named.append(q.dimension)
    if not named:
        return None
    dims = ", ".join(dict.fromkeys(named))
    return f"{dims}: the sealed journeys hold page paths without their hostnames (SQL)"


def _choose(q: Question, scope: Scope, period: Period) -> tuple[str, str, str]:
    if scope.filters:
        named = ";".join(f"{f.dim}{f.op}{f.value}" for f in scope.filters)
        return COLUMNS, f"filtered ({named}): rollups hold no per-session values", SQL
    if q.kind in ("funnel", "duration"):
        return COLUMNS, f"{q.kind}: not in the rollups", SQL
    if q.kind == "flows" and q.start_page is not None:
        return COLUMNS, "flows from a start page: flow_links start at the entry", SQL
    if q.dimension in UNSKETCHED:
        return COLUMNS, f"{q.dimension}: no visitor sketch (the value moves)", SQL
    if q.kind == "retention":
        if all(b % DAY_MS == 0 for b in q.cohort_bounds):
            return ROLLUPS, "unfiltered, cohorts of whole UTC days", COLUMNS
        return COLUMNS, "cohorts cut inside UTC days (site zone off UTC)", SQL
    part_hours = [b for b in period.bounds if b % HOUR_MS]
    if not part_hours:
        return ROLLUPS, "unfiltered, whole UTC hours", COLUMNS
    if q.kind in ("flows", "properties"):  # their rollups have no part-hour edges
        return COLUMNS, f"{q.kind}: bounds cut inside UTC hours", SQL
    if q.kind == "timeseries":
        return _series(period)
    return ROLLUPS, "unfiltered; the part-hours at the ends rolled up from sessions", COLUMNS


def _series(period: Period) -> tuple[str, str, str]:
    """A series cut inside UTC hours: every bucket bound would roll two part-hours up from
    sessions (~1 s for 30 days at 10M events), so sealed columns (~0.2 s) first."""
    edged = all(
        b - a >= MIN_EDGED_BUCKET_MS or (a % HOUR_MS == 0 and b % HOUR_MS == 0)
        for a, b in pairwise(period.bounds)
    )
    inner = [b for b in period.bounds[1:-1] if b % HOUR_MS]
    if edged and not inner:
        return ROLLUPS, "unfiltered; the part-hours at the ends rolled up from sessions", COLUMNS
    reason = f"{len(inner)} bucket bounds cut inside UTC hours"
    return COLUMNS, reason, ROLLUPS if edged else SQL


async def _history_share(conn: AsyncConnection, site_id: int, period: Period) -> float | None:
    r = rollup_hours.c
    total = func.coalesce(func.sum(r.sessions), 0)
    mine = and_(r.site_id == site_id, r.dim == "")
    hours = (r.hour >= period.start // HOUR_MS, r.hour < -(-period.end // HOUR_MS))
    everything = (await conn.execute(select(total).where(mine))).scalar_one()
    inside = (await conn.execute(select(total).where(mine, *hours))).scalar_one()
    return inside / everything if everything else None


# Imported history (app/queries/imported.py): the table answering a dimension, and its column.
IMPORTED = "imported"
IMPORTED_COLUMNS: dict[str, tuple[str, str]] = {
    "source": ("imported_sources", "source"),
    "referrer": ("imported_sources", "referrer"),
    **{f"utm_{p}": ("imported_sources", f"utm_{p}") for p in ("source", "medium", "campaign",
                                                              "term", "content")},
    "entry_page": ("imported_entry_pages", "entry_page"),
    "exit_page": ("imported_exit_pages", "exit_page"),
    "country": ("imported_locations", "country"),
    "device": ("imported_devices", "device"),
    "browser": ("imported_browsers", "browser"),
    "os": ("imported_operating_systems", "operating_system"),
    "page": ("imported_pages", "page"),
    "page_url": ("imported_pages", "page_url"),  # hostname + page (app/queries/imported.py)
    "event": ("imported_custom_events", "name"),
}  # fmt: skip
# Tables of page views and custom events: visitors and a count, no sessions to sum.
EVENT_TABLES = frozenset({"imported_pages", "imported_custom_events"})


@dataclass(frozen=True)
class ImportedRead:
    """Which imported table answers a question: grouped by `column` (a breakdown), with at most
    one filter, on a column the same table carries (as Plausible reads its imported tables)."""

    table: str
    column: str | None = None
    filter: Filter | None = None
    filter_column: str | None = None

    def describe(self) -> str:
        text = self.table
        if self.filter is not None:
            text += f" where {self.filter_column} {self.filter.op} {self.filter.value!r}"
        return text


def imported_read(q: Question, scope: Scope) -> ImportedRead | str:
    """The imported table for `q`, or why imported days cannot count in it (the report then
    answers from native data alone and says so)."""
    if q.kind not in ("summary", "timeseries", "breakdown"):
        return f"{q.kind}: imported history holds daily totals, not sessions or their paths"
    if q.kind == "timeseries" and (q.period or scope.period).interval == "hour":
        return "hourly buckets: imported history is per day"
    if len(scope.filters) > 1:
        return "more than one filter: an imported table carries one dimension"
    table, column = "imported_visitors", None
    if q.kind == "breakdown":
        if q.dimension not in IMPORTED_COLUMNS:
            return f"{q.dimension}: not in the imported tables"
        table, column = IMPORTED_COLUMNS[q.dimension]
    if not scope.filters:
        return ImportedRead(table, column)
    f = scope.filters[0]
    found = IMPORTED_COLUMNS.get(f.dim) if f.dim != GOAL else None
    if found is None:
        return f"filter on {f.dim}: not in the imported tables"
    if q.kind != "breakdown":
        if found[0] in EVENT_TABLES:
            return f"filter on {f.dim}: the imported {found[0]} table counts no sessions"
        table = found[0]
    if found[0] != table:
        return f"filter on {f.dim} with a {q.dimension} breakdown: no imported table has both"
    return ImportedRead(table, column, f, found[1])


def note_imported(q: Question, read: ImportedRead | str) -> None:
    """Record for ?explain=1 how imported days in the period were read (or why not)."""
    plans = _EXPLAINED.get()
    if plans is None:
        return
    if isinstance(read, ImportedRead):
        reason = f"imported days read from {read.describe()}"
    else:
        reason = f"left out: {read}"
    question = f"{q.describe()} (imported days)"
    plans.append({"question": question, "path": IMPORTED, "reason": reason})


@contextmanager
def forced(path: str | None) -> Iterator[None]:
    """Every question planned inside the block takes `path` (None: the planner's choice)."""
    if path is not None and path not in PATHS:
        raise ValueError(f"no read path {path!r}")
    token = _FORCED.set(path)
    try:
        yield
    finally:
        _FORCED.reset(token)


@contextmanager
def explained() -> Iterator[list[dict[str, Any]]]:
    """The plans made inside the block (their final path and reason), in order."""
    plans: list[dict[str, Any]] = []
    token = _EXPLAINED.set(plans)
    try:
        yield plans
    finally:
        _EXPLAINED.reset(token)


def _remember(p: Plan) -> None:
    """Record (or update) the plan for ?explain=1; a no-op outside `explained()`."""
    plans = _EXPLAINED.get()
    if plans is None:
        return
    entry = p.as_json()
    mark = id(p)
    for i, known in enumerate(plans):
        if known.get("_id") == mark:
            plans[i] = {**entry, "_id": mark}
            return
    plans.append({**entry, "_id": mark})
