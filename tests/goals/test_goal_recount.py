"""The goal report and goal-filtered reports equal a brute-force recount over random traffic
(Hypothesis), whichever read path is forced, on SQLite and PostgreSQL: page patterns with `*`
and `**`, events, property-narrowed events, scroll goals; conversion rate per breakdown row."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.goals.definition import Goal, parse
from app.migrate import upgrade
from app.queries import planner
from app.queries.breakdown import breakdown
from app.queries.filters import Filter
from app.queries.filters import parse as parse_filters
from app.queries.goal_report import goal_report
from app.queries.period import make_period
from app.queries.scope import Scope, rate
from app.queries.summary import summary
from app.storage.database import create_engine
from tests.backends import PostgresDatabase, Template
from tests.queries import traffic

T0 = 1_774_569_600_000  # 2026-03-27T00:00Z
HOUR = 3_600_000
PAGES = ("/blog/a", "/blog/a/b", "/pricing", "/Docs", "/blog")

hits = st.builds(
    traffic.Hit,
    visitor=st.integers(1, 6),
    at_ms=st.integers(0, 36 * HOUR).map(lambda m: T0 + m),
    name=st.sampled_from(["pageview", "engagement", "signup", "Signup"]),
    page=st.sampled_from(PAGES),
    source=st.integers(0, len(traffic.SOURCES) - 1),
    device=st.sampled_from(["desktop", "mobile"]),
    engagement_ms=st.integers(0, 60_000),
    props=st.sampled_from([{}, {"plan": "pro"}, {"plan": 3}, {"plan": "free"}]),
    scroll_depth=st.sampled_from([None, 49, 50, 90]),  # the goals' thresholds too
)
GOALS = [
    parse(body)
    for body in (
        {"name": "Blog any", "page": "/blog/**"},
        {"name": "Blog one", "page": "/blog/*"},
        {"name": "Docs", "page": "/Docs"},
        {"name": "Signup", "event": "signup"},
        {"name": "Pro", "event": "signup", "property": {"key": "plan", "value": "pro"}},
        {"name": "Three", "event": "signup", "property": {"key": "plan", "value": 3}},
        {"name": "Pricing read", "page": "/pricing", "scroll": 50},
        {"name": "Blog deep", "page": "/blog/**", "scroll": 90},
    )
]
others = st.sampled_from(["", "device==mobile", "page=~/BLOG/", "source==Google", "event==Signup"])
periods = st.sampled_from([(T0, T0 + 48 * HOUR, "day"), (T0 + 5 * HOUR, T0 + 30 * HOUR, "hour")])


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


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    traffic_=st.lists(hits, min_size=15, max_size=50),
    cuts=st.lists(st.integers(0, 50), max_size=4),
    seal_after=st.none() | st.integers(0, 4),
    path=st.sampled_from([None, planner.COLUMNS, planner.SQL]),
    goal=st.sampled_from(GOALS),
    negated=st.booleans(),
    other=others,
    period=periods,
    tz=st.sampled_from(["UTC", "Asia/Kolkata"]),
)
def test_goals_equal_recount(
    template: Template,
    tmp_path: Path,
    traffic_: list[traffic.Hit],
    cuts: list[int],
    seal_after: int | None,
    path: str | None,
    goal: Goal,
    negated: bool,
    other: str,
    period: tuple[int, int, str],
    tz: str,
) -> None:
    db = template.fresh(tmp_path, "goals.db")
    asyncio.run(traffic.write(db.url, traffic.to_events(1, traffic_), cuts, seal_after))
    base = tuple(parse_filters(other))
    goal_filter = Filter("goal", "!=" if negated else "==", goal.name, goal)
    scope = Scope(1, make_period(*period[:2], tz, period[2]), base)
    with planner.forced(path), planner.explained() as plans:
        got = asyncio.run(_ask(db.url, scope, goal_filter))
    # Page goals and plain event goals on the path asked (the planner's choice: the sealed
    # columns); property-narrowed and scroll goals on SQL alone, forced or not.
    goal_plans = [p for p in plans if p["question"] == "goals" or "goal" in p["reason"]]
    assert goal_plans
    for p in goal_plans:
        only_sql = "property-narrowed goals" in p["reason"]
        assert p["path"] == (planner.SQL if only_sql or path == planner.SQL else planner.COLUMNS)
    assert any(p["path"] == planner.COLUMNS for p in goal_plans) == (path != planner.SQL)
    _check(traffic.stored_sessions(db), scope, goal_filter, got)


async def _ask(url: str, scope: Scope, goal_filter: Filter) -> dict[str, Any]:
    engine = create_engine(url)
    filtered = replace(scope, filters=(*scope.filters, goal_filter))
    out: dict[str, Any] = {}
    async with engine.connect() as conn:
        out["report"] = await goal_report(conn, scope, GOALS)
        out["summary"] = await summary(conn, filtered, compare=False)
        for dim in ("source", "device", "page"):
            out[dim] = await breakdown(conn, filtered, dim, limit=1000)
    await engine.dispose()
    return out


def _completes(s: dict[str, Any], goal: Goal) -> list[Any]:
    return [e for e in s["events"] if _hit(e, goal)]


def _hit(e: Any, goal: Goal) -> bool:
    props = json.loads(e["props"]) if e["props"] else {}
    return goal.matches(e["name"], e["pathname"], props, e["scroll_depth"])


def _check(stored: dict[int, Any], scope: Scope, gf: Filter, got: dict[str, Any]) -> None:
    p, base = scope.period, list(scope.filters)
    chosen = traffic.in_period(stored, p.start, p.end, base)
    everyone = len({s["visitor"] for s in chosen})
    assert got["report"]["total_visitors"] == everyone
    want = {}
    for goal in GOALS:
        done = [s for s in chosen if _completes(s, goal)]
        visitors = len({s["visitor"] for s in done})
        events = sum(len(_completes(s, goal)) for s in done)
        want[goal.name] = (visitors, events, rate(visitors, everyone))
    found = got["report"]["results"]
    assert {r["goal"]: (r["visitors"], r["events"], r["conversion_rate"]) for r in found} == want
    converted = traffic.in_period(stored, p.start, p.end, [*base, gf])
    assert got["summary"]["metrics"]["visitors"]["value"] == traffic.metrics(converted)["visitors"]
    for dim in ("source", "device"):
        rows = {r["value"]: (r["visitors"], r["total_visitors"], r["conversion_rate"])
                for r in got[dim]["results"]}  # fmt: skip
        expected = {}
        for value in {s["dims"][dim] for s in converted}:
            mine = {s["visitor"] for s in converted if s["dims"][dim] == value}
            whole = {s["visitor"] for s in chosen if s["dims"][dim] == value}
            expected[value] = (len(mine), len(whole), rate(len(mine), len(whole)))
        assert rows == expected, dim
        total = got[dim]["totals"]
        assert total["total_visitors"] == everyone
        assert total["conversion_rate"] == rate(total["visitors"], everyone)
    own = traffic.in_period(stored, p.start, p.end, [*base, gf], own="page")
    pages = traffic.event_breakdown(own, "page", base)
    whole_pages = traffic.event_breakdown(
        traffic.in_period(stored, p.start, p.end, base, own="page"), "page", base
    )
    rows = {
        r["value"]: (r["count"], r["visitors"], r["total_visitors"]) for r in got["page"]["results"]
    }
    assert rows == {k: (n, v, whole_pages[k][1]) for k, (n, v) in pages.items()}


def test_journeys_that_cannot_say_are_read_from_events(template: Template, tmp_path: Path) -> None:
    """A journey cut short (its completions past the cap) and one holding a path with a mark
    character (stored as U+FFFD) are read from their events on the columns path: the goal
    report and a goal filter equal the SQL path's, and the brute-force count."""
    long = [traffic.Hit(1, T0 + i * 1_000, "pageview", f"/blog/long-{i:03d}") for i in range(400)]
    odd = [traffic.Hit(2, T0 + 5_000, "pageview", "/blog/\x1fodd"), traffic.Hit(2, T0 + 6_000,
           "signup", "/blog/\x1fodd")]  # fmt: skip
    plain = [traffic.Hit(3, T0 + 7_000, "pageview", "/pricing")]
    db = template.fresh(tmp_path, "long.db")
    asyncio.run(traffic.write(db.url, traffic.to_events(1, long + odd + plain), [], 1))  # sealed
    journeys = [row["journey"] or "" for row in db.rows("SELECT journey FROM sessions")]
    assert sum(j.endswith("\x1c") for j in journeys) == 1  # cut short
    assert len(db.rows("SELECT hour FROM session_columns WHERE name = 'start'")) >= 1
    scope = Scope(1, make_period(T0, T0 + 48 * HOUR, "UTC", "day"))
    answers = {}
    for path in (planner.COLUMNS, planner.SQL):
        with planner.forced(path), planner.explained() as plans:
            answers[path] = asyncio.run(_ask(db.url, scope, Filter("goal", "==", "Blog any",
                                                                   GOALS[0])))  # fmt: skip
        assert any(p["question"] == "goals" and p["path"] == path for p in plans)
    assert answers[planner.COLUMNS] == answers[planner.SQL]
    results = answers[planner.SQL]["report"]["results"]
    report = {r["goal"]: (r["visitors"], r["events"]) for r in results}
    assert report["Blog any"] == (2, 401)  # 400 past the cut and the odd path
    assert report["Signup"] == (1, 1)
    assert answers[planner.COLUMNS]["summary"]["metrics"]["visitors"]["value"] == 2
