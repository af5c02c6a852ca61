"""Revenue equals a brute-force recount (Hypothesis): per goal and per goal-filtered breakdown
row, the completions' amounts summed as Decimals per currency, whichever read path is forced,
sealed or not (with or without the sealed hours' revenue rows), on SQLite and PostgreSQL.
Amounts like 0.1 and 0.2 are where a float sum would drift (0.30000000000000004)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, delete

from app import revenue
from app.goals.definition import Goal, parse
from app.migrate import upgrade
from app.queries import planner
from app.queries.breakdown import breakdown
from app.queries.filters import Filter
from app.queries.filters import parse as parse_filters
from app.queries.goal_report import goal_report
from app.queries.period import make_period
from app.queries.scope import Scope
from app.storage import revenue_rows
from app.storage.database import create_engine
from app.storage.tables import session_columns
from tests.backends import PostgresDatabase, Template
from tests.queries import traffic

T0 = 1_774_569_600_000  # 2026-03-27T00:00Z
HOUR = 3_600_000
AMOUNTS = ("0.1", "0.2", "19.99", "-5", "1000000", "0.000001", "7")
CURRENCIES = ("EUR", "USD", "JPY")

hits = st.builds(
    traffic.Hit,
    visitor=st.integers(1, 6),
    at_ms=st.integers(0, 36 * HOUR).map(lambda m: T0 + m),
    name=st.sampled_from(["pageview", "Purchase", "Refund"]),
    page=st.sampled_from(("/", "/checkout", "/pricing")),
    source=st.integers(0, len(traffic.SOURCES) - 1),
    device=st.sampled_from(["desktop", "mobile"]),
    props=st.sampled_from([{}, {"plan": "pro"}]),
)
paid = st.none() | st.tuples(st.sampled_from(AMOUNTS), st.sampled_from(CURRENCIES))
GOALS = [
    parse(body)
    for body in (
        {"name": "Purchase", "event": "Purchase"},
        {"name": "Pro purchase", "event": "Purchase", "property": {"key": "plan", "value": "pro"}},
        {"name": "Refund", "event": "Refund"},
        {"name": "Checkout", "page": "/checkout"},  # page views carry no revenue
    )
]


@pytest.fixture(scope="module")
def template(
    tmp_path_factory: pytest.TempPathFactory,
    backend_name: str,
    pg_database: PostgresDatabase | None,
) -> Template:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    if pg_database is None:
        upgrade(f"sqlite+aiosqlite:///{path}")
    return Template(backend_name, path, pg_database)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    traffic_=st.lists(st.tuples(hits, paid), min_size=10, max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=3),
    seal_after=st.none() | st.integers(0, 3),
    path=st.sampled_from([None, planner.COLUMNS, planner.SQL]),
    goal=st.sampled_from(GOALS),
    other=st.sampled_from(["", "device==mobile", "source==Google", "page==/pricing"]),
    unlisted=st.sampled_from([None, 2, 1]),
)
def test_revenue_equals_recount(
    template: Template,
    tmp_path: Path,
    traffic_: list[tuple[traffic.Hit, tuple[str, str] | None]],
    cuts: list[int],
    seal_after: int | None,
    path: str | None,
    goal: Goal,
    other: str,
    unlisted: int | None,
) -> None:
    """`unlisted`: sealed hours lose their revenue rows (every other one, or all), as hours
    sealed before migration 0030 would: the columns path reads those hours from events."""
    db = template.fresh(tmp_path, "revenue.db")
    ordered = sorted(traffic_, key=lambda pair: pair[0].at_ms)  # to_events' own (stable) order
    events = traffic.to_events(1, [hit for hit, _ in ordered])
    for event, (hit, money) in zip(events, ordered, strict=True):
        if money is not None and hit.name != "pageview":
            event.revenue_amount, event.revenue_currency = money
    asyncio.run(traffic.write(db.url, events, cuts, seal_after))
    if unlisted is not None:
        asyncio.run(_drop_revenue_rows(db.url, unlisted))
    scope = Scope(1, make_period(T0, T0 + 48 * HOUR, "UTC", "day"), tuple(parse_filters(other)))
    goal_filter = Filter("goal", "==", goal.name, goal)
    with planner.forced(path):
        got = asyncio.run(_ask(db.url, scope, goal_filter))
    stored = traffic.stored_sessions(db)
    chosen = traffic.in_period(stored, scope.period.start, scope.period.end, list(scope.filters))
    for row in got["report"]["results"]:
        definition = next(g for g in GOALS if g.name == row["goal"])
        assert row["revenue"] == _expected(chosen, definition), row["goal"]
    for dim in ("source", "device"):
        if goal.kind != "event":  # only custom events carry revenue: no revenue columns
            assert all("total_revenue" not in r for r in got[dim]["results"]), dim
            continue
        for row in got[dim]["results"]:
            mine = [s for s in chosen if s["dims"][dim] == row["value"]]
            sums = _sums(mine, goal)
            total, average = revenue.totals_and_averages(sums)
            assert (row["total_revenue"], row["average_revenue"]) == (total, average), dim
        everything = revenue.totals_and_averages(_sums(chosen, goal))[0]
        assert got[dim]["totals"]["total_revenue"] == everything


async def _drop_revenue_rows(url: str, every: int) -> None:
    engine = create_engine(url)
    c = session_columns.c
    async with engine.begin() as conn:
        mine = and_(c.name == revenue_rows.NAME, c.hour % every == 0)
        await conn.execute(delete(session_columns).where(mine))
    await engine.dispose()


async def _ask(url: str, scope: Scope, goal_filter: Filter) -> dict[str, Any]:
    engine = create_engine(url)
    filtered = replace(scope, filters=(*scope.filters, goal_filter))
    out: dict[str, Any] = {}
    async with engine.connect() as conn:
        out["report"] = await goal_report(conn, scope, GOALS)
        for dim in ("source", "device"):
            out[dim] = await breakdown(conn, filtered, dim, limit=1000)
    await engine.dispose()
    return out


def _sums(sessions: list[dict[str, Any]], goal: Goal) -> dict[str, tuple[Decimal, int]]:
    """Decimal sums per currency of the goal's completions, straight from the events rows."""
    sums: dict[str, tuple[Decimal, int]] = {}
    for s in sessions:
        for e in s["events"]:
            if e["revenue_amount"] is None or not traffic.event_hit(
                e, Filter("goal", "==", goal.name, goal)
            ):
                continue
            total, n = sums.get(e["revenue_currency"], (Decimal(0), 0))
            sums[e["revenue_currency"]] = (total + Decimal(e["revenue_amount"]), n + 1)
    return sums


def _expected(sessions: list[dict[str, Any]], goal: Goal) -> list[dict[str, Any]]:
    expected = []
    for code, (total, n) in sorted(_sums(sessions, goal).items()):
        mean = total / n
        # The average's own rule, restated: half-even to the amounts' scale, at least cents.
        scale = max(2, -total.as_tuple().exponent)  # type: ignore[operator]
        average = mean.quantize(Decimal(1).scaleb(-scale))
        text = format(total.normalize(), "f")
        expected.append({"currency": code, "total": "0" if text == "-0" else text,
                         "average": format(average, "f"), "events": n})  # fmt: skip
    return expected
