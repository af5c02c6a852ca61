"""Alembic on both backends: every revision upgrades and downgrades; 0002, 0005 to 0009
fold existing events into sessions and rollups (batch mode recreates tables on SQLite, plain
ALTERs on PostgreSQL)."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import column, insert, table

from app.events import EVENT_FIELDS
from app.migrate import alembic_config
from app.storage import sketches
from app.storage.batch import build_rows
from app.storage.database import create_engine
from app.storage.tables import ACQUISITION as EVENT_ACQUISITION
from app.storage.tables import SESSION_FIELDS, metadata
from tests.backends import Database, PostgresDatabase, SqliteDatabase, require_postgres
from tests.conftest import rows
from tests.queries import traffic

T0 = 1_774_569_600_000


@pytest.fixture
def empty(backend_name: str, tmp_path: Path) -> Iterator[Database]:
    """A database without any table (not the module's migrated one)."""
    if backend_name == "sqlite":
        yield SqliteDatabase(tmp_path / "empty.db")
        return
    require_postgres()
    database = PostgresDatabase().create(migrate=False)
    try:
        yield database
    finally:
        database.drop()


# Event columns later revisions add (0018: revenue; 0021: region, city): absent at 0001, where
# the events go in.
LATER_EVENT_COLUMNS = ("revenue_amount", "revenue_currency", "region", "city")


async def _insert_events(url: str, n_visitors: int) -> int:
    hits = [
        traffic.Hit(
            v,
            T0 + i * 60_000,
            name,
            "/" if i == 0 else "/pricing",
            screen_width=1280,
            os_version="17",
        )
        for v in range(1, n_visitors + 1)
        for i, name in enumerate(["pageview", "pageview", "signup"])
    ]
    batch = build_rows(list(traffic.to_events(1, hits)))
    engine = create_engine(url)
    async with engine.begin() as conn:
        values = [
            {k: v for k, v in zip(EVENT_FIELDS, row, strict=True) if k not in LATER_EVENT_COLUMNS}
            for row in batch.events
        ]
        # The table as 0001 made it (device and geo on every event until 0025).
        at_0001 = table("events", *(column(k) for k in values[0]))
        await conn.execute(insert(at_0001), values)
    await engine.dispose()
    return len(batch.events)


def _tables(db: Database) -> set[str]:
    if db.dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    return {r["name"] for r in rows(db, sql)}


async def _schema_drift(url: str) -> list[object]:
    """What autogenerate would change: the migrated schema must be exactly app/storage/tables."""
    engine = create_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    await engine.dispose()
    return list(diff)


def test_upgrade_backfills_and_downgrade_removes_everything(empty: Database) -> None:
    config = alembic_config(empty.url)
    head = ScriptDirectory.from_config(config).get_current_head()
    command.upgrade(config, "0001")
    n = asyncio.run(_insert_events(empty.url, 4))
    command.upgrade(config, "head")
    assert rows(empty, "SELECT version_num FROM alembic_version")[0][0] == head
    sessions = rows(empty, "SELECT * FROM sessions ORDER BY session_id")
    assert [(s["pageviews"], s["events"], s["exit_page"]) for s in sessions] == [
        (2, 3, "/pricing")
    ] * 4
    [total] = rows(empty, "SELECT sessions, pageviews FROM rollup_hours WHERE dim = ''")
    assert (total["sessions"], total["pageviews"]) == (4, 8) and n == 12
    # 0005: visitor sketches per hour and day; 0006: session pages and Sankey links.
    [hour_sketch] = rows(empty, "SELECT visitors FROM rollup_hours WHERE dim = ''")
    [day_sketch] = rows(empty, "SELECT visitors FROM visitor_days WHERE dim = ''")
    assert sketches.count([bytes(hour_sketch[0])]) == sketches.count([bytes(day_sketch[0])]) == 4
    # 0009: and per week, merged from the days.
    [week_sketch] = rows(empty, "SELECT week, visitors FROM visitor_weeks WHERE dim = ''")
    assert week_sketch[0] == T0 // 86_400_000 // 7 and sketches.count([bytes(week_sketch[1])]) == 4
    assert {s["pages"] for s in sessions} == {"/\n/pricing"}
    # 0007: the four visitors came on their first day.
    [cell] = rows(empty, "SELECT first_day, active_day, visitors FROM retention_days")
    assert cell[0] == cell[1] == T0 // 86_400_000 and sketches.count([bytes(cell[2])]) == 4
    links = rows(empty, "SELECT step, src, dst, sessions FROM flow_links WHERE grain = 24")
    assert sorted(tuple(link) for link in links) == [
        (0, sessions[0]["source"], "/", 4),
        (1, "/", "/pricing", 4),
        (2, "/pricing", "(exit)", 4),
    ]
    # 0008: each session's page views and custom event, in order.
    assert {s["journey"] for s in sessions} == {"\x1e/\x1f\x1e/pricing\x1f\x1dsignup\x1f"}
    # 0018: the entry event's hostname on each session, with its rollup row and sketches.
    assert {s["hostname"] for s in sessions} == {"example.com"}
    [host] = rows(
        empty, "SELECT value, sessions, visitors FROM rollup_hours WHERE dim = 'hostname'"
    )
    assert (host[0], host[1], sketches.count([bytes(host[2])])) == ("example.com", 4, 4)
    [week] = rows(empty, "SELECT visitors FROM visitor_weeks WHERE dim = 'hostname'")
    assert sketches.count([bytes(week[0])]) == 4
    assert rows(empty, "SELECT count(*) FROM rollup_hours WHERE dim = 'screen'")[0][0] == 1
    # 0021: no stored visit can be placed: one "no value" row per dimension, with the counts.
    for dim in ("region", "city"):
        [place] = rows(
            empty, f"SELECT value, sessions, visitors FROM rollup_hours WHERE dim = '{dim}'"
        )
        assert (place[0], place[1], sketches.count([bytes(place[2])])) == ("", 4, 4)
    assert len(rows(empty, "SELECT * FROM app_secrets")) == 1
    assert asyncio.run(_schema_drift(empty.url)) == []
    if empty.dialect == "sqlite":  # 0022: one B-tree per link, the links kept (4 sessions each)
        [ddl] = rows(empty, "SELECT sql FROM sqlite_master WHERE name = 'flow_links'")
        assert ddl[0].rstrip().endswith("WITHOUT ROWID")
        assert rows(empty, "SELECT count(*) FROM flow_links WHERE sessions != 4")[0][0] == 0

    # 0025: device and geo only on the sessions; raw versions and screen on entry events only.
    assert not set(SESSION_FIELDS) & set(rows(empty, "SELECT * FROM events LIMIT 1")[0].keys())
    assert {(s["country"], s["browser"], s["device"]) for s in sessions} == {
        ("DE", "Firefox", "desktop")
    }
    raw = rows(empty, "SELECT session_start, screen_width, os_version FROM events")
    assert (
        sorted((bool(r[0]), r[1], r[2]) for r in raw)
        == [(False, None, None)] * 8 + [(True, 1280, "17")] * 4
    )
    command.downgrade(config, "0022")  # every event gets its session's fields back
    back = rows(empty, "SELECT country, browser, device, screen_width, os_version FROM events")
    assert [tuple(r) for r in back] == [("DE", "Firefox", "desktop", 1280, "17")] * 12
    command.upgrade(config, "head")

    command.downgrade(config, "base")
    assert _tables(empty) <= {"alembic_version"}
    command.upgrade(config, "head")  # and back up again from nothing
    assert "users" in _tables(empty) and rows(empty, "SELECT * FROM events") == []


_PAGE_URL_ROWS = {
    "rollup_hours": "SELECT hour, value, sessions, pageviews, events, visitors FROM rollup_hours",
    "visitor_days": "SELECT day, value, visitors FROM visitor_days",
    "visitor_weeks": "SELECT week, value, visitors FROM visitor_weeks",
}


def _page_url_rows(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """page_url's stored rows, each sketch as its count (coupons may be stored in any order)."""
    return {
        table: sorted(
            (*r[:-1], sketches.count([bytes(r[-1])]))
            for r in rows(db, f"{sql} WHERE dim = 'page_url'")
        )
        for table, sql in _PAGE_URL_ROWS.items()
    }


def test_0023_rolls_up_stored_page_views_as_the_writer_does(empty: Database) -> None:
    """page_url's backfill: the stored page views of sessions on several hosts and days (one
    past midnight, one longer than the 500 sessions of a read) give exactly the rows, counters
    and sketches the writer made for them."""
    command.upgrade(alembic_config(empty.url), "head")
    hosts = ("example.com", "blog.example.com", "shop.example.com")
    hits = [
        traffic.Hit(v, T0 + v * 97_000 + i * 600_000, "pageview", f"/p{(v + i) % 4}",
                    hostname=hosts[(v * i) % 3])
        for v in range(1, 700)
        for i in range(3)
    ]  # fmt: skip
    late = T0 + 86_400_000 - 300_000  # 23:55 UTC, on until 00:25 the next day
    hits += [traffic.Hit(900, late + i * 600_000, "pageview", "/night") for i in range(4)]
    hits += [traffic.Hit(901, T0 + 60_000, "signup", "/")]  # no page view: no page_url row
    asyncio.run(traffic.write(empty.url, traffic.to_events(1, hits), [500, 1500]))
    written = _page_url_rows(empty)
    assert len(written["rollup_hours"]) > 20 and len(written["visitor_weeks"]) == 13
    night = [r for r in written["rollup_hours"] if r[1] == "example.com/night"]
    assert [(r[0], r[3]) for r in night] == [(late // 3_600_000, 4)]  # at the session's start

    command.downgrade(alembic_config(empty.url), "0022")
    assert _page_url_rows(empty) == {table: [] for table in _PAGE_URL_ROWS}
    command.upgrade(alembic_config(empty.url), "head")
    assert _page_url_rows(empty) == written


def _rollup_layout(db: Database) -> tuple[list[str], set[str]]:
    """rollup_hours' key columns in key order, and its other indexes."""
    if db.dialect == "sqlite":
        key = rows(
            db, "SELECT name FROM pragma_table_info('rollup_hours') WHERE pk > 0 ORDER BY pk"
        )
        indexes = rows(
            db,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rollup_hours' "
            "AND sql IS NOT NULL",
        )
    else:
        key = rows(
            db,
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'rollup_hours'::regclass "
            "AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
        )
        indexes = rows(
            db,
            "SELECT indexname FROM pg_indexes WHERE tablename = 'rollup_hours' "
            "AND indexname <> 'rollup_hours_pkey'",
        )
    return [r[0] for r in key], {r[0] for r in indexes}


def _sealed_rows(db: Database) -> list[tuple[object, ...]]:
    found = rows(db, "SELECT site_id, hour, name, built, data FROM session_columns")
    return sorted((r[0], r[1], r[2], r[3], bytes(r[4])) for r in found)


def _serialized(sealed: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """The rows as 0025 stored them: the columns decompressed, the page tallies as they are,
    and no `revenue` rows (0030 adds them, uncompressed like the tallies)."""
    return [
        (*r[:4], r[4] if r[2] == "page_tallies" else zlib.decompress(r[4]))
        for r in sealed
        if r[2] != "revenue"
    ]


async def _sealed_reports(url: str) -> list[tuple[str, object, list[str]]]:
    """Every report over two days, filtered and not: (name, answer, the planner's paths)."""
    from app.queries import planner
    from app.queries.breakdown import breakdown
    from app.queries.filters import parse
    from app.queries.flows import flows
    from app.queries.page_engagement import tallies
    from app.queries.period import make_period
    from app.queries.scope import Scope
    from app.queries.summary import summary
    from app.queries.timeseries import timeseries

    period = make_period(T0, T0 + 2 * 86_400_000, "UTC", "hour")
    engine = create_engine(url)
    out: list[tuple[str, object, list[str]]] = []
    async with engine.connect() as conn:
        for text in ("", "device==mobile", "page==/pricing"):
            scope = Scope(1, period, tuple(parse(text)))
            asked = {
                "summary": summary(conn, scope),
                "timeseries": timeseries(conn, scope),
                "pages": breakdown(conn, scope, "page", limit=100),
                "sources": breakdown(conn, scope, "source", limit=100),
                "countries": breakdown(conn, scope, "country", limit=100),
                "props": breakdown(conn, scope, "prop:plan", limit=100),
                "engagement": tallies(conn, scope),
                "flows": flows(conn, scope, 3, None, 10),
            }
            for name, run in asked.items():
                with planner.explained() as plans:
                    answer = await run
                out.append((f"{text} {name}", answer, [p["path"] for p in plans]))
    await engine.dispose()
    return out


def test_0026_0027_keep_rollups_and_sealed_columns(empty: Database) -> None:
    """0026 re-keys rollup_hours and 0027 compresses the sealed columns in place: the rollups'
    rows and the sealed hours (same tokens, same bytes once decompressed) survive a downgrade
    and an upgrade, and every report answers the same, from the rollups and the columns."""
    config = alembic_config(empty.url)
    command.upgrade(config, "head")
    hits = [
        traffic.Hit(
            v,
            T0 + v * 211_000 + i * 300_000,
            "Signup" if i == 3 else "pageview",
            traffic.PAGES[(v + i) % len(traffic.PAGES)],
            source=v % len(traffic.SOURCES),
            device="mobile" if v % 3 else "desktop",
            country=("DE", "US", None)[v % 3],
            props={"plan": ("pro", "free")[v % 2]} if i == 3 else {},
        )
        for v in range(1, 600)  # over ~35 hours
        for i in range(4)
    ]
    hits += [
        traffic.Hit(v, T0 + v * 211_000 + 60_000, "engagement", "/pricing", engagement_ms=4_000)
        for v in range(1, 600, 7)
    ]
    asyncio.run(traffic.write(empty.url, traffic.to_events(1, hits), [700, 1500], seal_after=3))
    rollups = sorted(tuple(r) for r in rows(empty, "SELECT * FROM rollup_hours"))
    sealed = _sealed_rows(empty)
    assert len({(r[0], r[1]) for r in sealed}) >= 30  # the hours with sessions, sealed
    before = asyncio.run(_sealed_reports(empty.url))
    # The filtered ones read the columns (else this would test nothing of 0027).
    assert any("columns" in paths for _, _, paths in before)

    command.downgrade(config, "0025")
    assert _rollup_layout(empty) == (
        ["site_id", "hour", "dim", "value"],
        {"ix_rollup_hours_site_dim_hour"},
    )
    assert sorted(tuple(r) for r in rows(empty, "SELECT * FROM rollup_hours")) == rollups
    # 0025's rows held the serialized columns as they were.
    assert _sealed_rows(empty) == _serialized(sealed)

    command.upgrade(config, "head")
    assert _rollup_layout(empty) == (["site_id", "dim", "hour", "value"], set())
    assert sorted(tuple(r) for r in rows(empty, "SELECT * FROM rollup_hours")) == rollups
    assert _sealed_rows(empty) == sealed  # 0030's revenue rows written again as they were
    after = asyncio.run(_sealed_reports(empty.url))
    assert [(name, answer) for name, answer, _ in after] == [(n, a) for n, a, _ in before]
    assert any("columns" in paths for _, _, paths in after)
    assert asyncio.run(_schema_drift(empty.url)) == []


def test_0030_backfills_each_sealed_hour_s_revenue_as_the_sealer_writes_it(empty: Database) -> None:
    """The `revenue` row 0030 writes for an hour sealed before it holds what the sealer
    stores: the hour's sessions' amount-carrying events (a session's purchase after the hour
    ended stays with the hour it started in), with the hour's token; an hour without revenue
    gets an empty row, an hour left open none."""
    command.upgrade(alembic_config(empty.url), "head")
    hits = [
        traffic.Hit(v, T0 + v * 1_500_000 + i * 1_200_000, "Purchase" if i else "pageview", "/")
        for v in range(1, 12)
        for i in range(2)
    ]
    hits.append(traffic.Hit(50, T0 + 10 * 3_600_000, "pageview", "/"))  # an hour without revenue
    hits.append(traffic.Hit(99, T0 + 40 * 3_600_000, "pageview", "/"))  # open: sealed never
    events = traffic.to_events(1, hits)
    amounts = ["19.99", "0.1", None, "-5"]
    for i, event in enumerate(e for e in events if e.name == "Purchase"):
        if amounts[i % 4] is not None:
            event.revenue_amount, event.revenue_currency = amounts[i % 4], ("EUR", "JPY")[i % 2]
    asyncio.run(traffic.write(empty.url, events[:-1], [], seal_after=1))
    asyncio.run(traffic.write(empty.url, events[-1:], []))
    sealed = _revenue_rows(empty)
    start = {e.session_id: e.ts // 3_600_000 for e in events if e.session_start}
    expected: dict[int, list[tuple[int, str, str, str]]] = {h: [] for h in start.values()}
    del expected[(T0 + 40 * 3_600_000) // 3_600_000]
    for e in events:
        if e.revenue_amount is not None:
            paid = (e.session_id, e.name, e.revenue_currency, e.revenue_amount)
            expected[start[e.session_id]].append(paid)  # type: ignore[arg-type]
    assert {hour: found for hour, (_, found) in sealed.items()} == {
        hour: sorted(found) for hour, found in expected.items()
    }
    assert sum(map(len, expected.values())) == 8 and [] in expected.values()
    # Paid in the hour after its session's start: stored with the start's hour.
    assert any(e.revenue_amount and e.ts // 3_600_000 != start[e.session_id] for e in events)

    command.downgrade(alembic_config(empty.url), "0025")
    assert _revenue_rows(empty) == {}
    command.upgrade(alembic_config(empty.url), "head")
    assert _revenue_rows(empty) == sealed


def _revenue_rows(db: Database) -> dict[int, tuple[int, list[tuple[int, str, str, str]]]]:
    """hour -> (token, its revenue events sorted) of each hour with a revenue row, checking
    the token is the one its hour is sealed with."""
    from app.storage import revenue_rows

    found = db.rows("SELECT hour, name, built, data FROM session_columns")
    marks = {r["hour"]: r["built"] for r in found if r["name"] == "start"}
    out = {}
    for r in found:
        if r["name"] == revenue_rows.NAME:
            assert r["built"] == marks[r["hour"]]
            rows = revenue_rows.decode(bytes(r["data"]))
            paid = zip(
                rows.session.tolist(), [rows.keys[c] for c in rows.codes.tolist()], strict=True
            )
            out[r["hour"]] = (r["built"], sorted((sid, *key) for sid, key in paid))
    return out


_WHOLE = ("id", "hostname", "visitor_id", "new_visitor", "session_start", *EVENT_ACQUISITION)


async def _events_whole(url: str) -> list[tuple[object, ...]]:
    """Every event's hostname, visitor and acquisition as the head schema's readers see them."""
    from sqlalchemy import select

    from app.storage import event_rows
    from app.storage.tables import events

    query = (
        select(*(event_rows.field(n) for n in _WHOLE))
        .select_from(event_rows.joined())
        .order_by(events.c.id)
    )
    engine = create_engine(url)
    async with engine.connect() as conn:
        found = [
            (r[0], r[1], r[2], bool(r[3]), bool(r[4]), *r[5:]) for r in await conn.execute(query)
        ]
    await engine.dispose()
    return found


async def _page_url_reports(url: str) -> list[object]:
    from app.queries.breakdown import breakdown
    from app.queries.filters import parse
    from app.queries.period import make_period
    from app.queries.scope import Scope
    from app.queries.summary import summary

    period = make_period(T0, T0 + 2 * 86_400_000, "UTC", "hour")
    engine = create_engine(url)
    out: list[object] = []
    async with engine.connect() as conn:
        for text in ("", "page_url==docs.example.com/pricing", "page_url=~example.com/pr"):
            scope = Scope(1, period, tuple(parse(text)))
            out.append(await summary(conn, scope))
            out.append(await breakdown(conn, scope, "page_url", limit=100))
            out.append(await breakdown(conn, scope, "event", limit=100))
    await engine.dispose()
    return out


def test_0031_keeps_every_event_s_session_values(empty: Database) -> None:
    """0031 drops the visitor from `events` and stores NULL for the hostname and acquisition an
    event shares with its session: every event reads back the same values (and 0030's rows hold
    them all again after a downgrade), and the reports answer the same."""
    config = alembic_config(empty.url)
    command.upgrade(config, "0030")
    hits = [
        traffic.Hit(
            v,
            T0 + v * 211_000 + i * 300_000,
            "Signup" if i == 3 else "pageview",
            traffic.PAGES[(v + i) % len(traffic.PAGES)],
            source=v % len(traffic.SOURCES) if i == 0 or v % 5 else 1,  # some later ones Direct
            hostname="docs.example.com" if (v + i) % 4 == 0 else "example.com",
        )
        for v in range(1, 300)
        for i in range(4)
    ]
    asyncio.run(_insert_at_0030(empty.url, hits))
    old = sorted(
        (r[0], r[1], r[2], bool(r[3]), bool(r[4]), *r[5:])
        for r in rows(empty, f"SELECT {', '.join(_WHOLE)} FROM events")
    )
    command.upgrade(config, "head")
    assert asyncio.run(_events_whole(empty.url)) == old
    stored = rows(empty, "SELECT hostname, source FROM events")
    # NULL where the session's, its own where it differs.
    assert {r[0] for r in stored} == {None, "docs.example.com", "example.com"}
    assert None in {r[1] for r in stored} and "Direct" in {r[1] for r in stored}
    before = asyncio.run(_page_url_reports(empty.url))
    sealed = asyncio.run(_sealed_reports(empty.url))
    command.downgrade(config, "0030")
    back = sorted(
        (r[0], r[1], r[2], bool(r[3]), bool(r[4]), *r[5:])
        for r in rows(empty, f"SELECT {', '.join(_WHOLE)} FROM events")
    )
    assert back == old
    command.upgrade(config, "head")
    assert asyncio.run(_events_whole(empty.url)) == old
    assert asyncio.run(_page_url_reports(empty.url)) == before
    assert [(n, a) for n, a, _ in asyncio.run(_sealed_reports(empty.url))] == [
        (n, a) for n, a, _ in sealed
    ]
    assert asyncio.run(_schema_drift(empty.url)) == []


async def _insert_at_0030(url: str, hits: list[traffic.Hit]) -> None:
    """The events as 0030's writer stored them (every value on every event), with their
    sessions and rollups as the writer keeps them."""
    from app.storage import rollups

    batch = build_rows(list(traffic.to_events(1, hits)))
    engine = create_engine(url)
    async with engine.begin() as conn:
        names = [n for n in EVENT_FIELDS if n not in SESSION_FIELDS[:7]]
        at_0030 = table("events", *(column(n) for n in names))
        values = [
            {n: v for n, v in zip(EVENT_FIELDS, row, strict=True) if n in names}
            for row in batch.events
        ]
        for v in values:
            if not v["session_start"]:
                for n in ("browser_version", "os_version", "screen_width", "screen_height"):
                    v[n] = None
        await conn.execute(insert(at_0030), values)
        await rollups.maintain(conn, batch.events)
    await engine.dispose()
