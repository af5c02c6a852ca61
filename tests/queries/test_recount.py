"""Every metric and breakdown equals a brute-force recount over random traffic (Hypothesis),
with and without filters, in a site zone with a daylight-saving change inside the traffic."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.migrate import upgrade
from app.queries import column_counts, planner
from app.queries.breakdown import breakdown
from app.queries.filters import Filter, parse
from app.queries.period import Period, make_period, previous, resolve
from app.queries.scope import METRICS, Scope
from app.queries.summary import summary
from app.queries.timeseries import timeseries
from app.storage.database import create_engine
from app.storage.hourly import SESSION_DIMS
from tests.backends import PostgresDatabase, Template
from tests.queries import traffic

TZ = "Europe/Berlin"
# 2026-03-29: clocks go 02:00 -> 03:00 in Berlin. Traffic spans 2026-03-27 .. 2026-03-31.
T0 = 1_774_569_600_000  # 2026-03-27T00:00Z
HOUR = 3_600_000

hits = st.builds(
    traffic.Hit,
    visitor=st.integers(1, 6),
    at_ms=st.integers(0, 96 * HOUR).map(lambda m: T0 + m),
    name=st.sampled_from(["pageview", "pageview", "pageview", "engagement", "signup", "scroll"]),
    page=st.sampled_from(traffic.PAGES),
    source=st.integers(0, len(traffic.SOURCES) - 1),
    device=st.sampled_from(["desktop", "mobile"]),
    country=st.sampled_from(["DE", "CN", None]),
    interactive=st.booleans(),
    engagement_ms=st.integers(0, 60_000),
    props=st.sampled_from([{}, {"plan": "pro"}, {"plan": 3}, {"ok": True}]),
    # Issue 17's session dimensions: from the entry event.
    hostname=st.sampled_from(["example.com", "blog.example.com"]),
    language=st.sampled_from([None, "en-US", "de"]),
    screen_width=st.sampled_from([None, 375, 576, 991, 1280, 1440]),
    browser_version=st.sampled_from([None, "128.0"]),
    os_version=st.sampled_from([None, "14"]),
    region=st.sampled_from([None, "England, GB", "Bavaria, DE"]),
    city=st.sampled_from([None, "London, England, GB", "Munich, Bavaria, DE"]),
)
filter_texts = st.sampled_from(
    [
        "",
        "source==Google",
        "referrer==",  # no referrer
        "utm_campaign!=;device==mobile",  # a campaign, any
        "device==mobile;country!=DE",
        "page=~/BLOG/",
        "page!=/pricing",
        "event==signup",
        "prop:plan==pro",
        "visitor_type==new",
        "entry_page==/",
        "exit_page!~blog",
        "channel==Email;utm_campaign==spring",
        "referrer==x.com",
        "prop:plan!=3;device!=mobile",
        "screen==tablet",
        "language==en-US;hostname!=blog.example.com",
        "browser_version=~128;os_version==",
        "region==England, GB",
        "city=~munich;region!=",
        # page_url: a page view's hostname + path (hosts vary within a session here).
        "page_url==blog.example.com/pricing",
        "page_url!=example.com/",
        "page_url=~LE.COM/blog",  # contains, across the hostname and the path
        "page_url!~blog.example;device==mobile",
    ]
)
# Berlin (hour-aligned, DST), UTC (whole UTC days: retention and day sketches from rollups) and
# Kolkata (+5:30: bounds off the hour, so every report reads sessions instead).
zones = st.sampled_from([TZ, "UTC", "Asia/Kolkata"])
periods = st.sampled_from(
    [
        (T0, T0 + 96 * HOUR, "day"),
        (T0 + 40 * HOUR, T0 + 70 * HOUR, "hour"),
        (T0 + 47 * HOUR, T0 + 50 * HOUR, "hour"),
        (T0 - 48 * HOUR, T0, "day"),
        (T0 - 20 * 24 * HOUR, T0 + 20 * 24 * HOUR, "day"),  # whole weeks: visitor_weeks
        # Part-hour ends (a :30 zone's days): rollups inside, edges from sessions.
        (T0 + HOUR // 2, T0 + 96 * HOUR + HOUR // 2, "day"),
        (T0 + 3 * HOUR // 4, T0 + 20 * HOUR + HOUR // 4, "day"),
        (T0 + HOUR // 6, T0 + 5 * HOUR // 6, "day"),  # inside one UTC hour
        (T0 - 20 * 24 * HOUR, T0 + 20 * 24 * HOUR, "week"),  # local Mondays, DST inside
        (T0 - 30 * 24 * HOUR, T0 + 10 * 24 * HOUR, "month"),  # local 1sts
    ]
)
# Named ranges at a fake "now" inside the traffic: partial, cut at now's bucket, and compared
# with the same elapsed span before.
named_periods = st.sampled_from(
    [
        ("today", T0 + 50 * HOUR + 10 * 60_000, None),
        ("24h", T0 + 49 * HOUR + 30 * 60_000, None),
        ("7d", T0 + 60 * HOUR + 20 * 60_000, "week"),
        ("month", T0 + 70 * HOUR, None),
    ]
)


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


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    traffic_=st.lists(hits, max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=6),
    # None: every hour open (read from sessions); n: hours sealed as columns after batch n.
    seal_after=st.none() | st.integers(0, 7),
    # The read path (app/queries/planner.py): the planner's choice, sealed columns (with the
    # open hours as rows), or the SQL scan.
    path=st.sampled_from([None, planner.COLUMNS, planner.SQL]),
    # Groups counted one by one up to this many, else by one sort of all (both ways tested).
    few_groups=st.sampled_from([column_counts.FEW_GROUPS, 0]),
    filter_text=filter_texts,
    period=periods | named_periods,
    tz=zones,
)
def test_queries_equal_recount(
    template: Template,
    tmp_path: Path,
    traffic_: list[traffic.Hit],
    cuts: list[int],
    seal_after: int | None,
    path: str | None,
    few_groups: int,
    filter_text: str,
    period: tuple[Any, int, str | None],
    tz: str,
) -> None:
    db = template.fresh(tmp_path, "recount.db")
    url = db.url
    events = traffic.to_events(1, traffic_)
    asyncio.run(traffic.write(url, events, cuts, seal_after))
    filters = parse(filter_text)
    scope = Scope(1, _period(period, tz), tuple(filters))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(column_counts, "FEW_GROUPS", few_groups)
        with planner.forced(path):
            answers = asyncio.run(_ask(url, scope))
    _check(traffic.stored_sessions(db), scope, filters, answers)


def _period(spec: tuple[Any, int, str | None], tz: str) -> Period:
    first, second, interval = spec
    if isinstance(first, str):
        return resolve(first, second, tz, interval=interval)
    return make_period(first, second, tz, interval)


async def _ask(url: str, scope: Scope) -> dict[str, Any]:
    engine = create_engine(url)
    out: dict[str, Any] = {}
    async with engine.connect() as conn:
        out["summary"] = await summary(conn, scope)
        out["timeseries"] = await timeseries(conn, scope)
        for dim in [*SESSION_DIMS, "visitor_type", "page", "page_url", "event", "prop:plan"]:
            out[dim] = await breakdown(conn, scope, dim, limit=1000)
    await engine.dispose()
    return out


def _check(
    stored: dict[int, Any], scope: Scope, filters: list[Filter], got: dict[str, Any]
) -> None:
    p = scope.period
    expected = traffic.metrics(traffic.in_period(stored, p.start, p.end, filters))
    assert {m: v["value"] for m, v in got["summary"]["metrics"].items()} == expected
    before = previous(p)
    prior = traffic.metrics(traffic.in_period(stored, before.start, before.end, filters))
    assert {m: v["previous"] for m, v in got["summary"]["metrics"].items()} == prior
    points = got["timeseries"]["points"]
    assert len(points) == len(p.bounds) - 1
    for point, lo, hi in zip(points, p.bounds, p.bounds[1:], strict=False):
        bucket = traffic.metrics(traffic.in_period(stored, lo, hi, filters))
        assert {m: point[m] for m in METRICS} == bucket
    chosen = traffic.in_period(stored, p.start, p.end, filters)
    for dim in [*SESSION_DIMS, "visitor_type"]:
        groups: dict[Any, list[Any]] = {}
        for s in chosen:
            groups.setdefault(s["dims"][dim], []).append(s)
        want = {k: traffic.metrics(v)["visitors"] for k, v in groups.items()}
        assert {r["value"]: r["visitors"] for r in got[dim]["results"]} == want, dim
        assert got[dim]["totals"]["sessions"] == len(chosen)
    for dim in ("page", "page_url", "event", "prop:plan"):
        own = traffic.in_period(stored, p.start, p.end, filters, own=dim)
        want_ev = traffic.event_breakdown(own, dim, filters)
        found = {r["value"]: (r["count"], r["visitors"]) for r in got[dim]["results"]}
        assert found == want_ev, dim
