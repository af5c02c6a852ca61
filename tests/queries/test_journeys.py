"""Flows, retention and funnels equal brute-force recounts over random traffic (Hypothesis):
loops, sessions shorter than the depth, a start page, filters, DST, empty ranges."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.queries import column_counts, planner, session_events
from app.queries.breakdown import breakdown
from app.queries.filters import parse
from app.queries.flows import flows
from app.queries.funnel import funnel, parse_steps
from app.queries.period import make_period
from app.queries.properties import property_keys
from app.queries.retention import cohort_bounds, retention
from app.queries.scope import Scope
from app.queries.summary import summary
from app.storage import journey
from app.storage.database import create_engine
from tests.backends import Template
from tests.queries import journeys, traffic
from tests.queries.test_recount import (
    HOUR,
    T0,
    TZ,
    filter_texts,
    hits,
    periods,
    template,
    zones,
)

__all__ = ["template"]  # the module fixture, shared with test_recount

step_texts = st.sampled_from(
    ["/,/pricing", "/,/", "/blog/a,event:signup", "event:signup,/pricing,/", "/Docs,event:scroll"]
)


async def _ask(url: str, scope: Scope, depth: int, page: str | None, steps: str) -> Any:
    engine = create_engine(url)
    async with engine.connect() as conn:
        answers = (
            await flows(conn, scope, depth, page, limit=1000),
            await flows(conn, scope, depth, page, limit=1),
            await retention(conn, scope, "day"),
            await retention(conn, scope, "week"),
            await funnel(conn, scope, parse_steps(steps)),
        )
    await engine.dispose()
    return answers


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    traffic_=st.lists(hits, max_size=60),
    filter_text=filter_texts,
    period=periods,
    tz=zones,
    depth=st.integers(1, 5),
    page=st.sampled_from([None, "/", "/pricing"]),
    steps=step_texts,
    # None: hours open; n: sealed as columns after batch n (of 3).
    seal_after=st.none() | st.integers(0, 3),
    path=st.sampled_from([None, planner.COLUMNS, planner.SQL]),
    # Groups counted one by one up to this many, else by one sort of all (both ways tested).
    few_groups=st.sampled_from([column_counts.FEW_GROUPS, 0]),
)
def test_journeys_equal_recount(
    template: Template,
    tmp_path: Path,
    traffic_: list[traffic.Hit],
    filter_text: str,
    period: tuple[int, int, str],
    tz: str,
    depth: int,
    page: str | None,
    steps: str,
    seal_after: int | None,
    path: str | None,
    few_groups: int,
) -> None:
    db = template.fresh(tmp_path, "journeys.db")
    url = db.url
    asyncio.run(traffic.write(url, traffic.to_events(1, traffic_), [17, 40], seal_after))
    filters = parse(filter_text)
    p = make_period(period[0], period[1], tz, period[2])
    scope = Scope(1, p, tuple(filters))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(column_counts, "FEW_GROUPS", few_groups)
        with planner.forced(path):
            answers = asyncio.run(_ask(url, scope, depth, page, steps))
    full, merged, by_day, by_week, funnel_ = answers
    stored = traffic.stored_sessions(db)

    nodes, links = journeys.flows(stored, p.start, p.end, filters, depth, page)
    assert {n["id"]: n["sessions"] for n in full["nodes"]} == dict(nodes)
    assert {(k["source"], k["target"]): k["sessions"] for k in full["links"]} == dict(links)
    exits = {n["step"] - 1: n["sessions"] for n in full["nodes"] if n["name"] == "(exit)"}
    assert [row["exits"] for row in full["steps"]] == [exits.get(k, 0) for k in range(1, depth + 1)]
    _check_merged(merged, full["sessions"])

    for answer, cohort in ((by_day, "day"), (by_week, "week")):
        bounds = cohort_bounds(p, cohort)
        want = journeys.retention(stored, bounds, filters)
        got = {
            (c, c + r["k"]): r["visitors"]
            for c, row in enumerate(answer["cohorts"])
            for r in row["retention"]
            if r["visitors"]
        }
        assert got == want, cohort

    want_steps = journeys.funnel(stored, p.start, p.end, filters, steps.split(","))
    assert [row["visitors"] for row in funnel_["steps"]] == want_steps


def _check_merged(merged: dict[str, Any], sessions: int) -> None:
    """limit=1: one value a step plus (other) and the ends; flow is conserved through nodes."""
    per_step: dict[int, list[str]] = {}
    for node in merged["nodes"]:
        per_step.setdefault(node["step"], []).append(node["name"])
    for step, names in per_step.items():
        ordinary = [n for n in names if n not in ("(exit)", "(continues)", "(other)")]
        assert len(ordinary) <= 1, step
    inflow: dict[str, int] = {}
    outflow: dict[str, int] = {}
    for link in merged["links"]:
        outflow[link["source"]] = outflow.get(link["source"], 0) + link["sessions"]
        inflow[link["target"]] = inflow.get(link["target"], 0) + link["sessions"]
    for node in merged["nodes"]:
        if node["step"] == 0:
            assert outflow[node["id"]] == node["sessions"]
        else:
            assert inflow[node["id"]] == node["sessions"]
    assert sum(n["sessions"] for n in merged["nodes"] if n["step"] == 0) == sessions


def test_loops_get_a_node_per_step(template: Template, tmp_path: Path) -> None:
    db = template.fresh(tmp_path, "loops.db")
    url = db.url
    walk = ["/", "/pricing", "/", "/pricing", "/"]
    hit_list = [traffic.Hit(1, T0 + i * 60_000, "pageview", p) for i, p in enumerate(walk)]
    hit_list.append(traffic.Hit(2, T0 + 5_000, "pageview", "/"))  # shorter than the depth
    asyncio.run(traffic.write(url, traffic.to_events(1, hit_list), []))
    scope = Scope(1, make_period(T0, T0 + 24 * HOUR, TZ, "hour"))
    found, _, _, _, _ = asyncio.run(_ask(url, scope, 4, None, "/,/"))
    links = {(k["source"], k["target"]): k["sessions"] for k in found["links"]}
    assert links == {
        ("0:Google", "1:/"): 2,
        ("1:/", "2:/pricing"): 1,
        ("1:/", "2:(exit)"): 1,
        ("2:/pricing", "3:/"): 1,
        ("3:/", "4:/pricing"): 1,
        ("4:/pricing", "5:(continues)"): 1,
    }
    assert found["steps"][0] == {"step": 1, "sessions": 2, "exits": 1, "exit_rate": 50.0}


def test_exits_of_a_step_add_up_over_every_page(template: Template, tmp_path: Path) -> None:
    """Sessions ending on different pages of one step all count as that step's exits."""
    db = template.fresh(tmp_path, "exits.db")
    pages = ["/", "/pricing", "/blog/a", "/"]
    hit_list = [traffic.Hit(v + 1, T0 + v * 60_000, "pageview", p) for v, p in enumerate(pages)]
    hit_list.append(traffic.Hit(9, T0 + 9 * 60_000, "pageview", "/"))
    hit_list.append(traffic.Hit(9, T0 + 10 * 60_000, "pageview", "/pricing"))
    asyncio.run(traffic.write(db.url, traffic.to_events(1, hit_list), []))
    scope = Scope(1, make_period(T0, T0 + 24 * HOUR, TZ, "hour"))
    found, _, _, _, _ = asyncio.run(_ask(db.url, scope, 4, None, "/,/pricing"))
    assert found["steps"][0] == {"step": 1, "sessions": 5, "exits": 4, "exit_rate": 80.0}


def test_empty_range(template: Template, tmp_path: Path) -> None:
    db = template.fresh(tmp_path, "empty.db")
    scope = Scope(1, make_period(T0, T0 + 7 * 24 * HOUR, TZ, "day"))
    got, _, by_day, _, funnel_ = asyncio.run(_ask(db.url, scope, 4, None, "/,/pricing"))
    assert got["nodes"] == [] and got["links"] == [] and got["sessions"] == 0
    # T0 is 01:00 in Berlin: 168 hours touch 8 local days.
    assert len(by_day["cohorts"]) == 8 and all(c["visitors"] == 0 for c in by_day["cohorts"])
    assert [s["visitors"] for s in funnel_["steps"]] == [0, 0]


@pytest.mark.parametrize("seal_after", [None, 1, 2])
@pytest.mark.parametrize("journey_bytes", [journey.MAX_BYTES, 40])
def test_a_long_session_reads_its_pages_past_the_stored_eleven(
    template: Template,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    journey_bytes: int,
    seal_after: int | None,
) -> None:
    """sessions.pages keeps 11 page views and the journey up to journey.MAX_BYTES; a flow
    starting at the 13th page reads the journey, or the session's events when the journey was
    cut before it, through both the start-page path and the link rollups (no start)."""
    monkeypatch.setattr(journey, "MAX_BYTES", journey_bytes)
    monkeypatch.setattr(session_events, "CHUNK", 1)
    db = template.fresh(tmp_path, "long.db")
    walk = [f"/p{i}" for i in range(15)]
    hit_list = [traffic.Hit(1, T0 + i * 60_000, "pageview", p) for i, p in enumerate(walk)]
    asyncio.run(traffic.write(db.url, traffic.to_events(1, hit_list), [7], seal_after))
    assert db.rows("SELECT pages FROM sessions")[0]["pages"].split("\n") == walk[:11]
    scope = Scope(1, make_period(T0, T0 + 24 * HOUR, "UTC", "hour"))
    late, _, _, _, _ = asyncio.run(_ask(db.url, scope, 3, "/p12", "/p0,/p1"))
    links = {(k["source"], k["target"]) for k in late["links"]}
    assert links == {
        ("0:Google", "1:/p12"),
        ("1:/p12", "2:/p13"),
        ("2:/p13", "3:/p14"),
        ("3:/p14", "4:(exit)"),
    }
    deep, _, _, _, _ = asyncio.run(_ask(db.url, scope, 10, None, "/p0,/p1"))
    assert ("10:/p9", "11:(continues)") in {(k["source"], k["target"]) for k in deep["links"]}


LONG_WALK = ["/", *(f"/docs/{i}" for i in range(12)), "/pricing", "signup"]


def _long_walk(visitor: int, start: int) -> list[traffic.Hit]:
    """One session of 14 page views then a signup, a minute apart: past a 40-byte journey."""
    return [
        traffic.Hit(visitor, start + i * 60_000, "pageview" if p.startswith("/") else p, p)
        for i, p in enumerate(LONG_WALK)
    ]


@pytest.mark.parametrize("seal_after", [None, 1, 9])  # sealed as columns after batch 1, at the end
@pytest.mark.parametrize("cuts", [[], [3], [1, 2, 5, 9, 20]])
def test_a_funnel_past_a_truncated_journey_reads_the_long_sessions_events(
    template: Template,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cuts: list[int],
    seal_after: int | None,
) -> None:
    """A journey stops at journey.MAX_BYTES; a funnel whose later steps lie past that point
    walks those sessions' events, so its counts still equal the recount."""
    monkeypatch.setattr(journey, "MAX_BYTES", 40)
    monkeypatch.setattr(session_events, "CHUNK", 1)  # one query per long session
    db = template.fresh(tmp_path, "truncated.db")
    hit_list = [*_long_walk(1, T0), *_long_walk(4, T0 + 5 * HOUR)[:14]]
    hit_list += [
        traffic.Hit(2, T0 + i * 60_000, "pageview", p) for i, p in enumerate(["/", "/pricing"])
    ]
    hit_list += [traffic.Hit(3, T0 + 5_000, "pageview", "/pricing")]  # the steps out of order
    hit_list.sort(key=lambda h: h.at_ms)
    asyncio.run(traffic.write(db.url, traffic.to_events(1, hit_list), cuts, seal_after))
    stored_journeys = [r["journey"] for r in db.rows("SELECT journey FROM sessions")]
    assert sum(journey.is_truncated(j) for j in stored_journeys) == 2
    assert all(len(j) <= 41 for j in stored_journeys)
    scope = Scope(1, make_period(T0, T0 + 24 * HOUR, "UTC", "hour"))
    stored = traffic.stored_sessions(db)
    for steps in ("/,/pricing", "/,/pricing,event:signup", "/pricing,/", "/docs/0,/docs/1"):
        _, _, _, _, got = asyncio.run(_ask(db.url, scope, 3, None, steps))
        want = journeys.funnel(stored, scope.period.start, scope.period.end, [], steps.split(","))
        assert [row["visitors"] for row in got["steps"]] == want, steps
    assert want == [2, 2]  # only the long sessions saw /docs/0 and /docs/1


@pytest.mark.parametrize("seal_after", [None, 1])
@pytest.mark.parametrize(
    "text", ["page==/pricing", "page!=/pricing", "event==signup", "page=~PRICING", "event!~sign"]
)
def test_page_and_event_filters_past_a_truncated_journey_read_the_events(
    template: Template,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    seal_after: int | None,
) -> None:
    """Page and event filters ask the journey; a journey cut before the page (or event) asks
    the session's events, so a filtered summary still equals the recount."""
    monkeypatch.setattr(journey, "MAX_BYTES", 40)
    db = template.fresh(tmp_path, "filtered.db")
    hit_list = _long_walk(1, T0)
    hit_list += [traffic.Hit(2, T0 + 90_000, "pageview", "/pricing")]
    hit_list += [traffic.Hit(3, T0 + 95_000, "pageview", "/docs/1")]
    hit_list.sort(key=lambda h: h.at_ms)
    asyncio.run(traffic.write(db.url, traffic.to_events(1, hit_list), [4], seal_after))
    filters = parse(text)
    scope = Scope(1, make_period(T0, T0 + 24 * HOUR, "UTC", "hour"), tuple(filters))
    got = asyncio.run(_summary(db.url, scope))
    stored = traffic.stored_sessions(db)
    want = traffic.metrics(traffic.in_period(stored, scope.period.start, scope.period.end, filters))
    assert {m: v["value"] for m, v in got["metrics"].items()} == want
    # Visitor 1 viewed /pricing and sent signup past its cut journey; 2 viewed /pricing only.
    expected = {"page!=/pricing": 1, "event==signup": 1, "event!~sign": 2}
    assert want["visitors"] == expected.get(text, 2)


async def _summary(url: str, scope: Scope) -> Any:
    engine = create_engine(url)
    async with engine.connect() as conn:
        answer = await summary(conn, scope, compare=False)
    await engine.dispose()
    return answer


@pytest.mark.parametrize("seal_after", [None, 1])
def test_a_repeated_step_needs_a_second_view(
    template: Template, tmp_path: Path, seal_after: int | None
) -> None:
    """Steps "/,/" need two views of "/" in order: one view reaches step 1 only (the same
    item never counts for two steps), on sessions' rows and on sealed columns alike."""
    db = template.fresh(tmp_path, "repeat.db")
    hit_list = [
        traffic.Hit(1, T0 + 1_000, "pageview", "/"),
        traffic.Hit(2, T0 + 2_000, "pageview", "/"),
        traffic.Hit(2, T0 + 3_000, "pageview", "/pricing"),
        traffic.Hit(2, T0 + 4_000, "pageview", "/"),
    ]
    asyncio.run(traffic.write(db.url, traffic.to_events(1, hit_list), [], seal_after))
    scope = Scope(1, make_period(T0, T0 + 24 * HOUR, "UTC", "hour"))
    _, _, _, _, got = asyncio.run(_ask(db.url, scope, 3, None, "/,/"))
    assert [row["visitors"] for row in got["steps"]] == [2, 1]


@pytest.mark.parametrize("seal_after", [None, 1])
def test_a_journey_cut_right_after_the_depth_still_says_continues(
    template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seal_after: int | None
) -> None:
    """The stored journey holds exactly `depth` pages and was cut: whether the session went on
    is in its events, so the last link is (continues), not (exit)."""
    monkeypatch.setattr(journey, "MAX_BYTES", 12)  # "\x1e/a\x1f" is 4 bytes: 3 pages fit
    db = template.fresh(tmp_path, "cut.db")
    walk = ["/a", "/b", "/c", "/d"]
    hit_list = [traffic.Hit(1, T0 + i * 60_000, "pageview", p) for i, p in enumerate(walk)]
    asyncio.run(traffic.write(db.url, traffic.to_events(1, hit_list), [], seal_after))
    assert journey.is_truncated(db.rows("SELECT journey FROM sessions")[0]["journey"])
    scope = Scope(1, make_period(T0, T0 + 24 * HOUR, "UTC", "hour"))
    for start in (None, "/a"):
        got, _, _, _, _ = asyncio.run(_ask(db.url, scope, 3, start, "/a,/b"))
        links = {(k["source"], k["target"]) for k in got["links"]}
        assert ("3:/c", "4:(continues)") in links, start


@pytest.mark.parametrize("seal_after", [None, 1])
@pytest.mark.parametrize("text", ["device==desktop", "page=~docs;device==desktop", "event!=x"])
def test_a_filtered_page_breakdown_reads_past_cut_and_odd_journeys(
    template: Template,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    seal_after: int | None,
) -> None:
    """A filtered page / event breakdown counts the journeys' items; a journey cut short, or
    holding a path with a mark character (stored as U+FFFD), is counted from its events, so
    the rows equal the recount."""
    monkeypatch.setattr(journey, "MAX_BYTES", 40)
    db = template.fresh(tmp_path, "items.db")
    hit_list = _long_walk(1, T0)
    hit_list += [traffic.Hit(2, T0 + 90_000, "pageview", "/docs/1")]
    hit_list += [traffic.Hit(2, T0 + 95_000, "pageview", "/odd\x1fpath")]
    hit_list += [traffic.Hit(3, T0 + 99_000, "pageview", "/docs/1", device="mobile")]
    hit_list.sort(key=lambda h: h.at_ms)
    asyncio.run(traffic.write(db.url, traffic.to_events(1, hit_list), [4], seal_after))
    filters = parse(text)
    scope = Scope(1, make_period(T0, T0 + 24 * HOUR, "UTC", "hour"), tuple(filters))
    stored = traffic.stored_sessions(db)
    for dim in ("page", "event"):
        got = asyncio.run(_breakdown(db.url, scope, dim))
        own = traffic.in_period(stored, scope.period.start, scope.period.end, filters, own=dim)
        want = traffic.event_breakdown(own, dim, filters)
        assert {r["value"]: (r["count"], r["visitors"]) for r in got["results"]} == want, dim
        assert got["totals"]["count"] == sum(n for n, _ in want.values())
    if text == "device==desktop":
        assert want == {"signup": (1, 1)}  # the event past visitor 1's cut journey


async def _breakdown(url: str, scope: Scope, dim: str) -> Any:
    engine = create_engine(url)
    async with engine.connect() as conn:
        answer = await breakdown(conn, scope, dim, limit=1000)
    await engine.dispose()
    return answer


@pytest.mark.parametrize("few_groups", [column_counts.FEW_GROUPS, 0])
@pytest.mark.parametrize("seal_after", [None, 1])
def test_retention_from_columns_equals_the_recount(
    template: Template, tmp_path: Path, few_groups: int, seal_after: int | None
) -> None:
    """Visitors coming back on later days, in a zone whose days are not UTC days (so the
    columns answer), counted by periods one by one and by one sort of all."""
    db = template.fresh(tmp_path, "retention.db")
    hit_list = [
        traffic.Hit(visitor, T0 + day * 24 * HOUR + visitor * 60_000, "pageview", "/")
        for visitor, days in ((1, (0, 1, 3)), (2, (0, 2)), (3, (1, 2, 3)), (4, (2,)))
        for day in days
    ]
    asyncio.run(traffic.write(db.url, traffic.to_events(1, hit_list), [], seal_after))
    stored = traffic.stored_sessions(db)
    for tz in (TZ, "Asia/Kolkata"):
        p = make_period(T0 - 24 * HOUR, T0 + 5 * 24 * HOUR, tz, "day")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(column_counts, "FEW_GROUPS", few_groups)
            _, _, by_day, _, _ = asyncio.run(_ask(db.url, Scope(1, p), 2, None, "/,/"))
        bounds = cohort_bounds(p, "day")
        got = {
            (c, c + r["k"]): r["visitors"]
            for c, row in enumerate(by_day["cohorts"])
            for r in row["retention"]
            if r["visitors"]
        }
        assert got == journeys.retention(stored, bounds, []), tz
        assert sum(v for (c, a), v in got.items() if a > c) >= 5  # visitors came back


@pytest.mark.parametrize("seal_after", [None, 1])
@pytest.mark.parametrize("text", ["device==desktop", "prop:plan==pro", "prop:plan!=3"])
def test_properties_from_columns_equal_the_recount(
    template: Template, tmp_path: Path, text: str, seal_after: int | None
) -> None:
    """Property breakdowns under filters and property filters read the sealed property items
    (or the open hours' events): the same rows as the recount."""
    db = template.fresh(tmp_path, "props.db")
    hit_list = [
        traffic.Hit(1, T0 + 1_000, "signup", "/", props={"plan": "pro", "ok": True}),
        traffic.Hit(1, T0 + 2_000, "signup", "/", props={"plan": 3}),
        traffic.Hit(2, T0 + 3_000, "signup", "/", props={"plan": "3"}, device="mobile"),
        traffic.Hit(3, T0 + 4_000, "pageview", "/", props={"plan": "pro"}),
        traffic.Hit(4, T0 + 5_000, "pageview", "/"),
    ]
    asyncio.run(traffic.write(db.url, traffic.to_events(1, hit_list), [], seal_after))
    filters = parse(text)
    scope = Scope(1, make_period(T0, T0 + 24 * HOUR, "UTC", "hour"), tuple(filters))
    stored = traffic.stored_sessions(db)
    for dim in ("prop:plan", "prop:ok", "page"):
        got = asyncio.run(_breakdown(db.url, scope, dim))
        own = traffic.in_period(stored, scope.period.start, scope.period.end, filters, own=dim)
        want = traffic.event_breakdown(own, dim, filters)
        assert {r["value"]: (r["count"], r["visitors"]) for r in got["results"]} == want, dim
    summary_ = asyncio.run(_summary(db.url, scope))
    chosen = traffic.in_period(stored, scope.period.start, scope.period.end, filters)
    assert {m: v["value"] for m, v in summary_["metrics"].items()} == traffic.metrics(chosen)
    keys: dict[str, int] = {}
    for s in chosen:
        for e in s["events"]:
            for key in json.loads(e["props"]) if e["props"] else {}:
                keys[key] = keys.get(key, 0) + 1
    listed = asyncio.run(_keys(db.url, scope))
    assert {k["key"]: k["events"] for k in listed["keys"]} == keys
    assert (
        summary_["metrics"]["visitors"]["value"]
        == {
            "device==desktop": 3,
            "prop:plan==pro": 2,
            "prop:plan!=3": 2,
        }[text]
    )


async def _keys(url: str, scope: Scope) -> Any:
    engine = create_engine(url)
    async with engine.connect() as conn:
        answer = await property_keys(conn, scope)
    await engine.dispose()
    return answer
