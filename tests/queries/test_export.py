"""`pulse export`: a site's traffic in Plausible's CSV export format, numbers computed by hand
from a small day of traffic in Berlin (a session counts on the local day it starts, an event on
its own), on SQLite and PostgreSQL; `--raw`; bad arguments."""

from __future__ import annotations

import argparse
import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from quart.typing import TestClientProtocol

from app.export import COLUMNS, ExportError, run_export
from app.settings import Settings
from tests.backends import Database
from tests.conftest import FIREFOX, add_sites, wait_for_rows

SITE = "berlin.example"


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


async def _send(client: TestClientProtocol, clock, at: str, **body: object) -> None:  # type: ignore[no-untyped-def]
    clock.set(_ms(at))
    path = body.pop("path")
    body = {"url": f"https://{SITE}{path}", **body}
    response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    assert response.status_code == 202, await response.get_data(as_text=True)


@pytest.fixture
async def traffic(client: TestClientProtocol, clock, db: Database, migrated: Settings) -> None:  # type: ignore[no-untyped-def]
    """Times in UTC; Berlin is UTC+1 in January."""
    await add_sites(migrated, SITE, timezone="Europe/Berlin")
    google = "https://www.google.com/"
    await _send(client, clock, "2026-01-01T10:00:00", path="/", visitor_id="a", referrer=google)
    await _send(client, clock, "2026-01-01T10:05:00", path="/pricing", visitor_id="a")
    for at, ms, depth in (("10:06:00", 20_000, 80), ("10:06:30", 5_000, 60)):
        await _send(
            client,
            clock,
            f"2026-01-01T{at}",
            path="/pricing",
            visitor_id="a",
            event_type="engagement",
            engagement_ms=ms,
            scroll_depth=depth,
        )
    hn = "https://news.ycombinator.com/item?id=1"
    await _send(client, clock, "2026-01-01T12:00:00", path="/blog", visitor_id="c", referrer=hn)
    # b starts at 23:50 in Berlin and goes on past midnight: one session of Jan 1.
    await _send(client, clock, "2026-01-01T22:50:00", path="/blog", visitor_id="b")
    await _send(client, clock, "2026-01-01T23:10:00", path="/blog", visitor_id="b")
    await _send(client, clock, "2026-01-02T12:00:00", path="/pricing", visitor_id="c")
    await _send(
        client,
        clock,
        "2026-01-02T12:01:00",
        path="/pricing",
        visitor_id="c",
        event_type="Signup",
        data={"plan": "pro"},
    )
    await _send(
        client,
        clock,
        "2026-01-02T12:02:00",
        path="/pricing",
        visitor_id="c",
        event_type="Outbound Link: Click",
        data={"url": "https://x.example/"},
    )
    await wait_for_rows(db, 10)


def _args(out: Path, **extra: object) -> argparse.Namespace:
    options = {"site": SITE, "date_from": None, "date_to": None, "raw": False, **extra}
    return argparse.Namespace(out=str(out), **options)


def _tables(path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as archive:
        found = {}
        for name in archive.namelist():
            text = archive.read(name).decode()
            header = next(csv.reader(io.StringIO(text)))
            table = name.split("_2026")[0]
            assert tuple(header) == COLUMNS[table], name
            found[table] = list(csv.DictReader(io.StringIO(text)))
        return found


def _pick(rows: list[dict[str, str]], *columns: str) -> list[tuple[str, ...]]:
    return [tuple(row[c] for c in columns) for row in rows]


@pytest.mark.usefixtures("traffic")
async def test_export_in_plausible_format(migrated: Settings, tmp_path: Path) -> None:
    out = tmp_path / "export.zip"
    said = await run_export(_args(out), migrated)
    assert "2 days" in said
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(f"{t}_20260101_20260102.csv" for t in COLUMNS)
    t = _tables(out)
    visitors = ("date", "visitors", "pageviews", "bounces", "visits", "visit_duration")
    assert _pick(t["imported_visitors"], *visitors) == [
        ("2026-01-01", "3", "4", "1", "3", "1590"),  # a 390 s + c 0 s + b 1,200 s
        ("2026-01-02", "1", "2", "0", "1", "120"),  # b's second page view counts here
    ]
    pages = ("date", "page", "visits", "visitors", "pageviews")
    engagement = (
        "total_scroll_depth",
        "total_scroll_depth_visits",
        "total_time_on_page",
        "total_time_on_page_visits",
    )
    assert _pick(t["imported_pages"], *pages, *engagement) == [
        ("2026-01-01", "/", "1", "1", "1", "0", "0", "0", "0"),
        ("2026-01-01", "/blog", "2", "2", "2", "0", "0", "0", "0"),
        ("2026-01-01", "/pricing", "1", "1", "1", "80", "1", "25", "1"),  # deepest, summed ms
        ("2026-01-02", "/blog", "1", "1", "1", "0", "0", "0", "0"),
        ("2026-01-02", "/pricing", "1", "1", "1", "0", "0", "0", "0"),
    ]
    assert {row["hostname"] for row in t["imported_pages"]} == {SITE}
    entry = ("date", "entry_page", "visitors", "entrances", "visit_duration", "bounces")
    assert _pick(t["imported_entry_pages"], *entry, "pageviews") == [
        ("2026-01-01", "/", "1", "1", "390", "0", "2"),
        ("2026-01-01", "/blog", "2", "2", "1200", "1", "3"),
        ("2026-01-02", "/pricing", "1", "1", "120", "0", "1"),
    ]
    exits = ("date", "exit_page", "visitors", "visit_duration", "exits", "bounces", "pageviews")
    assert _pick(t["imported_exit_pages"], *exits) == [
        ("2026-01-01", "/blog", "2", "1200", "2", "1", "3"),
        ("2026-01-01", "/pricing", "1", "390", "1", "0", "2"),
        ("2026-01-02", "/pricing", "1", "120", "1", "0", "1"),
    ]
    assert _pick(t["imported_custom_events"], *COLUMNS["imported_custom_events"]) == [
        ("2026-01-02", "Outbound Link: Click", "https://x.example/", "", "1", "1"),
        ("2026-01-02", "Signup", "", "", "1", "1"),
    ]
    sources = ("date", "source", "visitors", "visits", "bounces", "visit_duration")
    assert _pick(t["imported_sources"], *sources) == [
        ("2026-01-01", "", "1", "1", "0", "1200"),  # Direct is empty, as in Plausible
        ("2026-01-01", "Google", "1", "1", "0", "390"),
        ("2026-01-01", "Hacker News", "1", "1", "1", "0"),
        ("2026-01-02", "", "1", "1", "0", "120"),  # c came back directly
    ]
    google = next(row for row in t["imported_sources"] if row["source"] == "Google")
    assert google["referrer"] == "google.com" and google["utm_source"] == ""
    assert _pick(t["imported_devices"], "date", "device", "visits") == [
        ("2026-01-01", "Desktop", "3"),
        ("2026-01-02", "Desktop", "1"),
    ]
    browsers = _pick(t["imported_browsers"], "date", "browser", "browser_version", "visits")
    assert browsers == [
        ("2026-01-01", "Firefox", "133", "3"),
        ("2026-01-02", "Firefox", "133", "1"),
    ]
    assert t["imported_locations"] == []  # 127.0.0.1 has no country: Plausible leaves it out


@pytest.mark.usefixtures("traffic")
async def test_export_of_chosen_days_and_raw(migrated: Settings, tmp_path: Path) -> None:
    out = tmp_path / "day2.zip"
    await run_export(_args(out, date_from="2026-01-02", date_to="2026-01-02"), migrated)
    with zipfile.ZipFile(out) as archive:
        assert "imported_visitors_20260102_20260102.csv" in archive.namelist()
    t = _tables(out)
    assert [row["date"] for row in t["imported_visitors"]] == ["2026-01-02"]
    # Events of Jan 2 only: b's 00:10 page view, c's page view and two custom events.
    raw = tmp_path / "raw.csv"
    said = await run_export(_args(raw, raw=True, date_from="2026-01-02"), migrated)
    assert said.startswith("wrote 4 raw events")
    rows = list(csv.DictReader(raw.open()))
    assert [r["name"] for r in rows] == ["pageview", "pageview", "Signup", "Outbound Link: Click"]
    assert "ip" not in rows[0] and "site_id" not in rows[0]
    assert list(rows[0]) == RAW_HEADER
    # Every event with its session's client, also b's page view, whose entry was on Jan 1.
    clients = {(r["browser"], r["browser_version"], r["os"], r["device"]) for r in rows}
    assert clients == {("Firefox", "133", "Windows", "desktop")}
    assert [r["session_start"] for r in rows] == ["False", "True", "False", "False"]


# The raw export's columns, as they were when `events` held every field itself.
RAW_HEADER = [
    "ts",
    "name",
    "hostname",
    "pathname",
    "visitor_id",
    "session_id",
    "new_visitor",
    "session_start",
    "referrer",
    "referrer_domain",
    "source",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "country",
    "browser",
    "browser_version",
    "os",
    "os_version",
    "device",
    "screen_width",
    "screen_height",
    "language",
    "engagement_ms",
    "scroll_depth",
    "interactive",
    "props",
    "client_ts",
    "revenue_amount",
    "revenue_currency",
    "region",
    "city",
]


async def test_bad_export_arguments(migrated: Settings, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no site"):
        await run_export(_args(tmp_path / "x.zip", site="missing.example"), migrated)
    with pytest.raises(ExportError, match="--from"):
        await run_export(_args(tmp_path / "x.zip", date_from="yesterday"), migrated)
    with pytest.raises(ExportError, match="before"):
        await run_export(
            _args(tmp_path / "x.zip", date_from="2026-02-02", date_to="2026-02-01"), migrated
        )
    assert not list(tmp_path.glob("x.zip*"))
