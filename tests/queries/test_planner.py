"""The planner's table: (question, scope) -> path and reason; the columns' bounds and the
seal-token race; the SQLite scan share asked only for the SQL path; ?explain=1."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from app.goals.definition import PAGE, Goal
from app.goals.definition import parse as parse_goal
from app.queries import columnar, planner
from app.queries.filters import Filter, parse
from app.queries.period import make_period
from app.queries.planner import COLUMNS, ROLLUPS, SQL, Question
from app.queries.retention import cohort_bounds
from app.queries.scope import Scope
from app.statsapi.filters import PatternGoal
from tests.backends import Database
from tests.conftest import FIREFOX, SITE, wait_for_rows

DAY = 86_400_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z
UTC_DAYS = make_period(T0, T0 + 7 * DAY, "UTC", "day")
UTC_HOURS = make_period(T0, T0 + DAY, "UTC", "hour")
KOLKATA_DAYS = make_period(T0 - 19_800_000, T0 + 7 * DAY - 19_800_000, "Asia/Kolkata", "day")
KOLKATA_HOURS = make_period(T0 - 19_800_000, T0 + DAY - 19_800_000, "Asia/Kolkata", "hour")
NEW_YORK_DAYS = make_period(T0 + 18_000_000, T0 + 7 * DAY + 18_000_000, "America/New_York", "day")


def scope(period: Any = UTC_DAYS, filters: str = "") -> Scope:
    return Scope(1, period, tuple(parse(filters)))


BLOG = parse_goal({"name": "Blog", "page": "/blog/**"})
SIGNUP = parse_goal({"name": "Signup", "event": "Signup"})
PRO = parse_goal({"name": "Pro", "event": "Signup", "property": {"key": "plan", "value": "pro"}})
READ = parse_goal({"name": "Read", "page": "/pricing", "scroll": 50})
GIVEN = PatternGoal("^/blog", PAGE, page="^/blog", given_regex="^/blog")


def goal_scope(*goals: Goal, more: str = "") -> Scope:
    found = tuple(Filter("goal", "==", goal.name, goal) for goal in goals)
    return Scope(1, UTC_DAYS, (*found, *parse(more)))


CASES = [
    # question, scope, path, fallback, words of the reason
    (Question("summary"), scope(), ROLLUPS, COLUMNS, "whole UTC hours"),
    (Question("summary"), scope(KOLKATA_DAYS), ROLLUPS, COLUMNS, "part-hours at the ends"),
    (
        Question("summary"),
        scope(filters="source==Google"),
        COLUMNS,
        SQL,
        "filtered (source==Google)",
    ),
    (Question("breakdown", "source"), scope(NEW_YORK_DAYS), ROLLUPS, COLUMNS, "whole UTC hours"),
    (Question("breakdown", "page"), scope(KOLKATA_DAYS), ROLLUPS, COLUMNS, "part-hours"),
    (Question("breakdown", "exit_page"), scope(), COLUMNS, SQL, "exit_page: no visitor sketch"),
    (Question("breakdown", "country"), scope(filters="page=~blog"), COLUMNS, SQL, "filtered"),
    (Question("timeseries"), scope(UTC_HOURS), ROLLUPS, COLUMNS, "whole UTC hours"),
    (Question("timeseries"), scope(NEW_YORK_DAYS), ROLLUPS, COLUMNS, "whole UTC hours"),
    (Question("timeseries"), scope(KOLKATA_DAYS), COLUMNS, ROLLUPS, "6 bucket bounds cut"),
    (Question("timeseries"), scope(KOLKATA_HOURS), COLUMNS, SQL, "23 bucket bounds cut"),
    (Question("properties"), scope(), ROLLUPS, COLUMNS, "whole UTC hours"),
    (Question("properties"), scope(KOLKATA_DAYS), COLUMNS, SQL, "properties: bounds cut"),
    (Question("flows"), scope(), ROLLUPS, COLUMNS, "whole UTC hours"),
    (Question("flows", start_page="/pricing"), scope(), COLUMNS, SQL, "from a start page"),
    (Question("flows"), scope(KOLKATA_DAYS), COLUMNS, SQL, "flows: bounds cut"),
    (Question("funnel"), scope(), COLUMNS, SQL, "funnel: not in the rollups"),
    (Question("duration"), scope(), COLUMNS, SQL, "duration: not in the rollups"),
    (
        Question("retention", cohort_bounds=cohort_bounds(UTC_DAYS, "day")),
        scope(),
        ROLLUPS,
        COLUMNS,
        "cohorts of whole UTC days",
    ),
    (
        Question("retention", cohort_bounds=cohort_bounds(NEW_YORK_DAYS, "week")),
        scope(NEW_YORK_DAYS),
        COLUMNS,
        SQL,
        "cohorts cut inside UTC days",
    ),
    (
        Question("retention", cohort_bounds=cohort_bounds(UTC_DAYS, "day")),
        scope(filters="device==mobile"),
        COLUMNS,
        SQL,
        "filtered (device==mobile)",
    ),
    # Page goals and plain event goals are journey items: the sealed columns.
    (Question("goals", goals=(BLOG, SIGNUP, READ)), scope(), COLUMNS, SQL, "items of the sealed"),
    (Question("summary"), goal_scope(READ), COLUMNS, SQL, "filtered (goal==Read)"),
    (Question("breakdown", "source"), goal_scope(BLOG), COLUMNS, SQL, "filtered (goal==Blog)"),
    (Question("summary"), goal_scope(SIGNUP), COLUMNS, SQL, "filtered (goal==Signup)"),
    (Question("page_engagement"), scope(), COLUMNS, SQL, "sums per page of the sealed hours"),
    (Question("page_engagement"), scope(filters="page=~blog"), COLUMNS, SQL, "sealed hours"),
]

# Questions only SQL answers, forced or not.
SQL_ONLY = [
    (Question("goals", goals=(BLOG, PRO)), scope(), "Pro (event Signup where plan == pro)"),
    (Question("goals", goals=(PRO,)), scope(), "property-narrowed goals"),
    (Question("goals", goals=(BLOG,)), goal_scope(PRO), "through ix_events_props"),
    (Question("breakdown", "country"), goal_scope(BLOG, PRO), "Pro (event Signup"),
    # The Stats API's `matches`: its regular expression is the database's to read.
    (Question("summary"), goal_scope(GIVEN), "given regular expressions"),
    (Question("page_engagement"), scope(filters="device==mobile"), "filtered by device==mobile"),
    (Question("page_engagement"), goal_scope(BLOG), "sums per page, not per session"),
]


@pytest.mark.parametrize(("question", "scope_", "words"), SQL_ONLY)
@pytest.mark.parametrize("forced", [None, COLUMNS, SQL])
def test_what_only_sql_answers(
    question: Question, scope_: Scope, words: str, forced: str | None
) -> None:
    with planner.forced(forced):
        chosen = planner.plan(question, scope_)
    assert chosen.path == SQL
    assert words in chosen.reason
    assert chosen.reason.startswith(f"forced {forced}, but ") == (forced is not None)


@pytest.mark.parametrize(("question", "scope_", "path", "fallback", "words"), CASES)
def test_the_planner_table(
    question: Question, scope_: Scope, path: str, fallback: str, words: str
) -> None:
    chosen = planner.plan(question, scope_)
    assert (chosen.path, chosen.fallback) == (path, fallback)
    assert words in chosen.reason


@pytest.mark.parametrize("forced", [COLUMNS, SQL])
def test_one_switch_forces_every_question(forced: str) -> None:
    with planner.forced(forced):
        for question, scope_, *_ in CASES:
            assert planner.plan(question, scope_).path == forced
            assert planner.plan(question, scope_).reason == "forced"
    assert planner.plan(Question("summary"), scope()).path == ROLLUPS
    with pytest.raises(ValueError, match="no read path"):
        planner.forced("fast").__enter__()


# page_url: the sealed journeys hold paths without hostnames, so the columns never answer it.
PAGE_URL = [
    (Question("breakdown", "page_url"), scope(), ROLLUPS, "whole UTC hours"),
    (Question("breakdown", "page_url"), scope(KOLKATA_DAYS), ROLLUPS, "part-hours at the ends"),
    (Question("breakdown", "page_url"), scope(filters="device==mobile"), SQL, "page_url: the"),
    (Question("summary"), scope(filters="page_url==example.com/"), SQL, "without their host"),
    (Question("funnel"), scope(filters="page_url=~blog"), SQL, "page_url: the sealed journeys"),
    (Question("breakdown", "page"), scope(filters="page_url!=a.com/"), SQL, "page_url: the"),
]


@pytest.mark.parametrize(("question", "scope_", "path", "words"), PAGE_URL)
def test_page_url_never_takes_the_columns(
    question: Question, scope_: Scope, path: str, words: str
) -> None:
    chosen = planner.plan(question, scope_)
    assert (chosen.path, chosen.fallback) == (path, SQL) and words in chosen.reason
    with planner.forced(COLUMNS):
        forced = planner.plan(question, scope_)
    assert forced.path == SQL
    assert forced.reason.startswith("forced columns, but page_url: the sealed journeys")
    with planner.forced(SQL):
        assert planner.plan(question, scope_).reason == "forced"


def test_the_columns_bounds() -> None:
    assert planner.admit(planner.OPEN_LIMIT, planner.MAX_SESSIONS) is None
    assert (
        planner.admit(planner.OPEN_LIMIT + 1, 10) == "50,001 sessions in open hours (over 50,000)"
    )
    assert planner.admit(0, planner.MAX_SESSIONS + 1) == (
        "10,000,001 sessions in the period (over 10,000,000)"
    )


class _Loads:
    """columnar.load answering from a script: the reasons first, then a frame."""

    def __init__(self, *answers: Any) -> None:
        self.answers, self.calls = list(answers), 0

    async def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.answers.pop(0)


async def test_a_reseal_while_read_is_retried_once(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = columnar.Frame([], [])
    loads = _Loads(columnar.RESEALED, frame)
    monkeypatch.setattr(columnar, "load", loads)
    chosen = planner.plan(Question("funnel"), scope())
    assert await chosen.frame(None) is frame  # type: ignore[arg-type]
    assert (loads.calls, chosen.path) == (2, COLUMNS)

    loads = _Loads(columnar.RESEALED, columnar.RESEALED)
    monkeypatch.setattr(columnar, "load", loads)
    chosen = planner.plan(Question("funnel"), scope())
    assert await chosen.frame(None) is None  # type: ignore[arg-type]
    assert (loads.calls, chosen.path) == (2, SQL)
    assert chosen.reason.startswith(columnar.RESEALED)

    loads = _Loads("70,000 sessions in open hours (over 50,000)")
    monkeypatch.setattr(columnar, "load", loads)
    chosen = planner.plan(Question("timeseries"), scope(KOLKATA_DAYS))
    assert await chosen.frame(None) is None  # type: ignore[arg-type]
    assert (loads.calls, chosen.path) == (1, ROLLUPS)  # a bound is not retried
    assert chosen.reason.startswith("70,000 sessions in open hours")


async def test_the_scan_share_is_asked_only_for_sqlite_scans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []

    async def share(conn: Any, site_id: int, period: Any) -> float:
        asked.append(site_id)
        return 0.5

    monkeypatch.setattr(planner, "_history_share", share)
    sqlite = SimpleNamespace(dialect=SimpleNamespace(name="sqlite"))
    chosen = planner.plan(Question("summary"), scope(filters="device==mobile"))
    assert (await chosen.sql_scope(sqlite)).scan  # type: ignore[arg-type]
    assert "the period holds 50% of the site's sessions" in chosen.as_json()["reason"]
    unfiltered_funnel = planner.plan(Question("funnel"), scope())
    assert not (await unfiltered_funnel.sql_scope(sqlite)).scan  # type: ignore[arg-type]
    postgres = SimpleNamespace(dialect=SimpleNamespace(name="postgresql"))
    assert not (await chosen.sql_scope(postgres)).scan  # type: ignore[arg-type]
    assert asked == [1]


BASE = f"/api/v1/sites/{SITE}"


async def test_explain_returns_the_plans_beside_the_unchanged_body(
    client: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in ("/", "/pricing"):
        body = {"url": f"https://{SITE}{path}", "visitor_id": "v1"}
        await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    await wait_for_rows(db, 2)
    asked: list[int] = []
    share = planner._history_share

    async def counted(*args: Any) -> Any:
        asked.append(1)
        return await share(*args)

    monkeypatch.setattr(planner, "_history_share", counted)
    plain = await (await client.get(f"{BASE}/summary?range=24h")).get_data(as_text=True)
    explained = await (await client.get(f"{BASE}/summary?range=24h&explain=1")).get_json()
    assert explained["result"] == (await (await client.get(f"{BASE}/summary?range=24h")).get_json())
    assert "plans" not in plain and "result" not in plain
    assert [(p["question"], p["path"]) for p in explained["plans"]] == [
        ("summary", ROLLUPS),
        ("summary (previous period)", ROLLUPS),
    ]
    assert not asked  # no scan share for rollups
    monkeypatch.setattr(planner, "OPEN_LIMIT", -1)  # the open hours hold too many: SQL
    url = f"{BASE}/breakdown/country.csv?range=24h&filter=page==/pricing&explain=1"
    found = await (await client.get(url)).get_json()
    assert found["result"].splitlines()[0].startswith("value,visitors")
    (only,) = found["plans"]
    assert only["question"] == "breakdown country" and only["path"] == SQL
    assert only["reason"].startswith("1 sessions in open hours (over -1); filtered")
    assert asked == [1] if db.dialect == "sqlite" else not asked
    legacy = await (await client.get(f"/api/analytics/stats?site={SITE}&explain=1")).get_json()
    assert legacy["result"]["site"] == SITE
    assert "duration" in {p["question"] for p in legacy["plans"]}
    with_bad = await client.get(f"{BASE}/summary?explain=yes")
    assert with_bad.status_code == 400 and (await with_bad.get_json())["field"] == "explain"
