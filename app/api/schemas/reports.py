"""Report bodies: summary, timeseries, breakdown, flows, retention, funnel, properties,
suggestions, the goal report, the dimension vocabulary, and ?explain=1's wrapper."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from app.api.schemas.base import Body, Num


class Period(Body):
    """The period a report covers, in the site's time zone; `until_ms` is now when the period
    is still running (`partial`)."""

    from_: str | None = msgspec.field(name="from")
    start_ms: int
    end_ms: int
    interval: str
    timezone: str
    partial: bool
    until_ms: int | None


class MetricValue(Body):
    value: Num | None
    previous: Num | None | UnsetType = UNSET  # absent with compare=none
    change: Num | None | UnsetType = UNSET  # % change; null when the previous value is 0


class Summary(Body):
    metrics: dict[str, MetricValue]
    period: Period
    previous_period: Period | UnsetType = UNSET
    # Imported history (app/queries/imported.py): true when it counts in the answer; else why
    # imported days in the period do not (absent when the period holds none).
    imported: bool | UnsetType = UNSET
    imported_excluded: str | UnsetType = UNSET
    # "raw events purged before <date>": the answer read raw rows a retention purge removed.
    partial: str | UnsetType = UNSET


class SeriesPoint(Body):
    """One bucket; the metrics asked for (`metrics=`) are present."""

    bucket: str
    partial: bool | UnsetType = UNSET
    visitors: Num | None | UnsetType = UNSET
    sessions: Num | None | UnsetType = UNSET
    pageviews: Num | None | UnsetType = UNSET
    views_per_session: Num | None | UnsetType = UNSET
    bounce_rate: Num | None | UnsetType = UNSET
    avg_engagement_ms: Num | None | UnsetType = UNSET
    new_visitors: Num | None | UnsetType = UNSET
    returning_visitors: Num | None | UnsetType = UNSET


class PreviousSeries(Body):
    period: Period
    points: list[SeriesPoint]


class Timeseries(Body):
    metrics: list[str]
    period: Period
    points: list[SeriesPoint]
    previous: PreviousSeries | UnsetType = UNSET
    # Imported history (app/queries/imported.py): true when it counts in the answer; else why
    # imported days in the period do not (absent when the period holds none).
    imported: bool | UnsetType = UNSET
    imported_excluded: str | UnsetType = UNSET
    # "raw events purged before <date>": the answer read raw rows a retention purge removed.
    partial: str | UnsetType = UNSET


class BreakdownRow(Body):
    """Session dimensions carry visitors..avg_engagement_ms, event dimensions visitors and
    count; with a goal filter also total_visitors and conversion_rate, and on session
    dimensions the goal's total_revenue and average_revenue ({currency: exact decimal text})."""

    value: str | None | UnsetType = UNSET  # absent in `totals`
    visitors: Num | None | UnsetType = UNSET
    sessions: Num | None | UnsetType = UNSET
    pageviews: Num | None | UnsetType = UNSET
    bounce_rate: Num | None | UnsetType = UNSET
    avg_engagement_ms: Num | None | UnsetType = UNSET
    count: Num | None | UnsetType = UNSET
    total_visitors: Num | None | UnsetType = UNSET
    conversion_rate: Num | None | UnsetType = UNSET
    total_revenue: dict[str, str] | UnsetType = UNSET
    # Page breakdown with metrics=time_on_page,scroll_depth (null depth: none reported).
    time_on_page: Num | None | UnsetType = UNSET
    scroll_depth: Num | None | UnsetType = UNSET
    average_revenue: dict[str, str] | UnsetType = UNSET


class Breakdown(Body):
    dimension: str
    period: Period
    results: list[BreakdownRow]
    sort: str
    order: str
    limit: int
    offset: int
    total_rows: int
    totals: BreakdownRow | None  # null with totals=none
    # Imported history (app/queries/imported.py): true when it counts in the answer; else why
    # imported days in the period do not (absent when the period holds none).
    imported: bool | UnsetType = UNSET
    imported_excluded: str | UnsetType = UNSET
    # "raw events purged before <date>": the answer read raw rows a retention purge removed.
    partial: str | UnsetType = UNSET


class FlowNode(Body):
    id: str
    name: str
    step: int
    sessions: int


class FlowLink(Body):
    source: str
    target: str
    sessions: int


class FlowStep(Body):
    step: int
    sessions: int
    exits: int
    exit_rate: Num | None


class Flows(Body):
    period: Period
    depth: int
    start_page: str | None
    sessions: int
    nodes: list[FlowNode]
    links: list[FlowLink]
    steps: list[FlowStep]
    # Imported history (app/queries/imported.py): true when it counts in the answer; else why
    # imported days in the period do not (absent when the period holds none).
    imported: bool | UnsetType = UNSET
    imported_excluded: str | UnsetType = UNSET
    # "raw events purged before <date>": the answer read raw rows a retention purge removed.
    partial: str | UnsetType = UNSET


class RetentionCell(Body):
    k: int
    visitors: int
    share: Num | None


class Cohort(Body):
    cohort: str
    start_ms: int
    visitors: int
    retention: list[RetentionCell]


class Retention(Body):
    period: Period
    cohort: str
    cohorts: list[Cohort]
    # Imported history (app/queries/imported.py): true when it counts in the answer; else why
    # imported days in the period do not (absent when the period holds none).
    imported: bool | UnsetType = UNSET
    imported_excluded: str | UnsetType = UNSET
    # "raw events purged before <date>": the answer read raw rows a retention purge removed.
    partial: str | UnsetType = UNSET


class FunnelStep(Body):
    step: int
    label: str
    visitors: int
    dropped: int
    conversion: Num | None
    overall: Num | None


class Funnel(Body):
    period: Period
    steps: list[FunnelStep]
    # Imported history (app/queries/imported.py): true when it counts in the answer; else why
    # imported days in the period do not (absent when the period holds none).
    imported: bool | UnsetType = UNSET
    imported_excluded: str | UnsetType = UNSET
    # "raw events purged before <date>": the answer read raw rows a retention purge removed.
    partial: str | UnsetType = UNSET


class PropertyKey(Body):
    key: str
    events: int


class Properties(Body):
    period: Period
    keys: list[PropertyKey]


class Suggestion(Body):
    value: str | None
    visitors: int


class Suggestions(Body):
    dimension: str
    period: Period
    values: list[Suggestion]


class Revenue(Body):
    """One currency's revenue: exact decimal text (summed as decimals, never converted)."""

    currency: str
    total: str
    average: str  # over the completions carrying revenue, half-even to their scale (>= cents)
    events: int


class GoalRow(Body):
    id: int
    goal: str
    kind: str
    visitors: int
    events: int
    conversion_rate: Num | None
    revenue: list[Revenue]  # one entry per currency; empty without revenue


class GoalReport(Body):
    period: Period
    results: list[GoalRow]
    total_visitors: int


class Dimension(Body):
    name: str
    label: str
    grain: str
    filterable: bool


class Dimensions(Body):
    dimensions: list[Dimension]


class Plan(Body):
    question: str
    path: str
    reason: str


class Explained(Body):
    """?explain=1: the report as `result`, and the read path chosen for each question."""

    result: Any
    plans: list[Plan]
