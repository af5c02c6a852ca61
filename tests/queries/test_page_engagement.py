"""time_on_page and scroll_depth equal a brute-force recount (Hypothesis) per page and site-wide,
whichever read path is forced, sealed or not, under page and session filters, on SQLite and
PostgreSQL; the HTTP answers (opt-in `metrics=`, CSV, 400s) and the golden bodies unchanged."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.migrate import upgrade
from app.queries import planner
from app.queries.breakdown import breakdown
from app.queries.filters import parse as parse_filters
from app.queries.period import make_period
from app.queries.scope import Scope
from app.queries.summary import summary
from app.storage.database import create_engine
from tests.backends import Database, PostgresDatabase, Template
from tests.conftest import FIREFOX, SITE, wait_for_rows
from tests.queries import traffic

T0 = 1_774_569_600_000  # 2026-03-27T00:00Z
HOUR = 3_600_000
PAGES = ("/", "/blog/a", "/pricing")
BASE = f"/api/v1/sites/{SITE}"

hits = st.builds(
    traffic.Hit,
    visitor=st.integers(1, 5),
    at_ms=st.integers(0, 30 * HOUR).map(lambda m: T0 + m),
    name=st.sampled_from(["pageview", "pageview", "engagement", "engagement", "Signup"]),
    page=st.sampled_from(PAGES),
    device=st.sampled_from(["desktop", "mobile"]),
    engagement_ms=st.none() | st.integers(0, 90_000),
    scroll_depth=st.none() | st.integers(0, 100),
)
filters = st.sampled_from(
    ["", "page==/pricing", "page!=/pricing", "page=~blog", "device==mobile", "event==Signup"]
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


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    traffic_=st.lists(hits, min_size=5, max_size=50),
    cuts=st.lists(st.integers(0, 50), max_size=3),
    seal_after=st.none() | st.integers(0, 3),
    path=st.sampled_from([None, planner.COLUMNS, planner.SQL]),
    other=filters,
    window=st.sampled_from([(T0, T0 + 48 * HOUR), (T0 + 6 * HOUR, T0 + 20 * HOUR)]),
)
def test_engagement_equals_recount(
    template: Template,
    tmp_path: Path,
    traffic_: list[traffic.Hit],
    cuts: list[int],
    seal_after: int | None,
    path: str | None,
    other: str,
    window: tuple[int, int],
) -> None:
    db = template.fresh(tmp_path, "engaged.db")
    asyncio.run(traffic.write(db.url, traffic.to_events(1, traffic_), cuts, seal_after))
    scope = Scope(1, make_period(*window, "UTC", "hour"), tuple(parse_filters(other)))
    with planner.forced(path), planner.explained() as plans:
        rows, site = asyncio.run(_ask(db.url, scope))
    # The sealed hours' sums unless forced to SQL, or filtered by more than pages.
    only_sql = any(f.dim != "page" for f in scope.filters) or path == planner.SQL
    want_path = planner.SQL if only_sql else planner.COLUMNS
    assert {p["path"] for p in plans if "engagement" in p["question"]} == {want_path}
    stored = traffic.stored_sessions(db)
    chosen = traffic.in_period(stored, *window, list(scope.filters), own="page")
    page_filters = [f for f in scope.filters if f.dim == "page"]
    views = _views(chosen, page_filters)
    want = {page: _metrics(mine) for page, mine in _by_page(views).items()}
    assert {r["value"]: (r["count"], r["time_on_page"], r["scroll_depth"]) for r in rows} == {
        page: (sum(v["views"] for v in _by_page(views)[page]), *want[page]) for page in want
    }
    # Site-wide, as the page breakdown's totals: a page filter picks the pages averaged.
    assert site == _metrics(views)


async def _ask(url: str, scope: Scope) -> tuple[list[dict[str, Any]], tuple[Any, Any]]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        pages = await breakdown(conn, scope, "page", limit=1000, engagement=True)
        head = await summary(conn, scope, compare=False, engagement=True)
    await engine.dispose()
    metrics = head["metrics"]
    if pages["results"]:
        total = pages["totals"]
        row_views = sum(r["count"] for r in pages["results"])
        assert row_views == total["count"]
    return pages["results"], (metrics["time_on_page"]["value"], metrics["scroll_depth"]["value"])


def _views(sessions: list[dict[str, Any]], page_filters: list[Any]) -> list[dict[str, Any]]:
    """Every visit of a page (a session's events on one path) that had a page view passing the
    page filters: its counted views, engaged ms and deepest scroll."""
    found = []
    for s in sessions:
        visits: dict[str, dict[str, Any]] = {}
        for e in s["events"]:
            if e["name"] not in ("pageview", "engagement"):
                continue
            visit = visits.setdefault(e["pathname"], {"page": e["pathname"], "views": 0,
                                                       "ms": 0, "depth": None})  # fmt: skip
            if e["name"] == "pageview":
                visit["views"] += all(traffic.event_hit(e, f) != f.negated for f in page_filters)
                continue
            visit["ms"] += e["engagement_ms"] or 0
            if e["scroll_depth"] is not None:
                visit["depth"] = max(visit["depth"] or 0, e["scroll_depth"])
        found.extend(v for v in visits.values() if v["views"])
    return found


def _by_page(views: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for v in views:
        grouped.setdefault(v["page"], []).append(v)
    return grouped


def _metrics(visits: list[dict[str, Any]]) -> tuple[int, float | None]:
    depths = [v["depth"] for v in visits if v["depth"] is not None]
    views = sum(v["views"] for v in visits)
    time_on_page = sum(v["ms"] for v in visits) // views if views else 0
    return time_on_page, round(sum(depths) / len(depths), 1) if depths else None


async def test_the_api_gives_them_when_asked(client: Any, db: Database) -> None:
    visits: list[tuple[str, str, dict[str, Any]]] = [
        ("v1", "/pricing", {}),
        ("v1", "/pricing", {"event_type": "engagement", "engagement_ms": 3000, "scroll_depth": 40}),
        ("v1", "/pricing", {"event_type": "engagement", "engagement_ms": 1000, "scroll_depth": 90}),
        ("v2", "/pricing", {}),  # left without engaging: 0 ms, no depth
        ("v2", "/", {}),
        ("v2", "/", {"event_type": "engagement", "engagement_ms": 500, "scroll_depth": 100}),
    ]
    for visitor, path, extra in visits:
        body = {"url": f"https://{SITE}{path}", "visitor_id": visitor, **extra}
        response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
        assert response.status_code == 202
    await wait_for_rows(db, len(visits))
    asked = "range=24h&metrics=time_on_page,scroll_depth"
    pages = await (await client.get(f"{BASE}/breakdown/page?{asked}")).get_json()
    got = {r["value"]: (r["count"], r["time_on_page"], r["scroll_depth"]) for r in pages["results"]}
    assert got == {"/pricing": (2, 2000, 90.0), "/": (1, 500, 100.0)}
    assert (pages["totals"]["time_on_page"], pages["totals"]["scroll_depth"]) == (1500, 95.0)
    plain = await (await client.get(f"{BASE}/breakdown/page?range=24h")).get_json()
    assert all("time_on_page" not in r for r in plain["results"])  # opt-in
    csv = await (await client.get(f"{BASE}/breakdown/page.csv?{asked}")).get_data(as_text=True)
    assert csv.splitlines()[0] == "value,visitors,count,time_on_page,scroll_depth"
    head = await (await client.get(f"{BASE}/summary?{asked}")).get_json()
    assert head["metrics"]["time_on_page"]["value"] == 1500
    assert head["metrics"]["scroll_depth"]["value"] == 95.0
    for bad in ("breakdown/source?metrics=time_on_page", "summary?metrics=dwell"):
        response = await client.get(f"{BASE}/{bad}")
        assert response.status_code == 400 and (await response.get_json())["field"] == "metrics"
