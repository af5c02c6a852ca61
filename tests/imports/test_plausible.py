"""`pulse import plausible`: a hand-written Plausible export (tests/imports/fixture.py) -> every
report that can use it equals the sums computed by hand from its rows; `imported=false` leaves it
out; explain=1 names the imported read; reports that cannot use it say so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from tests.conftest import add_sites
from tests.imports.fixture import write_csvs, write_zip
from tests.imports.support import SITE, by_value, pulse_import, report


@pytest.fixture
async def imported(migrated: Settings, tmp_path: Path) -> str:
    await add_sites(migrated, SITE)
    return await pulse_import(migrated, "plausible", write_zip(tmp_path / "export.zip"))


async def test_the_import_says_what_it_stored(imported: str) -> None:
    assert imported.startswith("import 1: plausible, 3 days (2025-06-01 .. 2025-06-03), 31 rows")
    assert "skipped" not in imported


@pytest.mark.usefixtures("imported")
async def test_summary_is_the_sum_of_the_visitors_table(client: Any) -> None:
    body = await report(client, "summary")
    assert body["imported"] is True
    metrics = {name: m["value"] for name, m in body["metrics"].items()}
    assert metrics == {
        "visitors": 16,  # 10 + 5 + 1 (the repeated 2025-06-02 row is added) + 0
        "sessions": 19,
        "pageviews": 41,
        "views_per_session": 2.16,  # 41 / 19
        "bounce_rate": 31.6,  # 6 / 19
        "avg_engagement_ms": 82105,  # 1,560 s of visits / 19
        "new_visitors": 0,  # not in Plausible's tables
        "returning_visitors": 0,
    }
    without = await report(client, "summary", "range=custom&from=2025-06-01&to=2025-06-03"
                           "&imported=false")  # fmt: skip
    assert "imported" not in without
    assert without["metrics"]["visitors"]["value"] == 0


@pytest.mark.usefixtures("imported")
async def test_timeseries_per_day(client: Any) -> None:
    body = await report(client, "timeseries", "range=custom&from=2025-06-01&to=2025-06-03"
                        "&interval=day&compare=none")  # fmt: skip
    assert body["imported"] is True
    points = [
        (p["bucket"][:10], p["visitors"], p["sessions"], p["pageviews"]) for p in body["points"]
    ]
    assert points == [
        ("2025-06-01", 10, 12, 30),
        ("2025-06-02", 6, 7, 11),
        ("2025-06-03", 0, 0, 0),
    ]
    weekly = await report(client, "timeseries", "range=custom&from=2025-05-26&to=2025-06-08"
                          "&interval=week&compare=none")  # fmt: skip
    assert [p["visitors"] for p in weekly["points"]] == [10, 6]  # 2025-06-01 is a Sunday


@pytest.mark.usefixtures("imported")
async def test_source_breakdown_and_filter(client: Any) -> None:
    body = await report(client, "breakdown/source")
    assert body["imported"] is True
    rows = by_value(body)
    assert {v: (r["visitors"], r["sessions"], r["pageviews"]) for v, r in rows.items()} == {
        "Google": (10, 12, 27),  # 6+3+1 visitors, the repeated row included
        "Direct": (4, 5, 10),  # Plausible's empty source
        "Hacker News": (2, 2, 4),
    }
    assert rows["Google"]["bounce_rate"] == 25.0  # 3 / 12
    assert rows["Google"]["avg_engagement_ms"] == 80000  # 960 s / 12
    assert body["totals"]["visitors"] == 16
    campaigns = by_value(await report(client, "breakdown/utm_campaign"))
    assert campaigns["été-2025"]["visitors"] == 2
    google = await report(client, "summary", "range=custom&from=2025-06-01&to=2025-06-03"
                          "&filter=source==Google")  # fmt: skip
    assert google["imported"] is True
    assert google["metrics"]["visitors"]["value"] == 10
    assert google["metrics"]["pageviews"]["value"] == 27
    referrers = by_value(await report(client, "breakdown/referrer", "range=custom&from=2025-06-01"
                                      "&to=2025-06-03&filter=source==Hacker%20News"))  # fmt: skip
    assert referrers == {"news.ycombinator.com": referrers["news.ycombinator.com"]}
    assert referrers["news.ycombinator.com"]["visitors"] == 2


@pytest.mark.usefixtures("imported")
async def test_every_imported_dimension(client: Any) -> None:
    def visitors(body: dict[str, Any], key: str = "visitors") -> dict[Any, Any]:
        return {v: r[key] for v, r in by_value(body).items()}

    pages = await report(client, "breakdown/page")
    assert visitors(pages) == {"/": 12, "/blog/ünïcode": 3, "/pricing": 2}
    assert visitors(pages, "count") == {"/": 23, "/blog/ünïcode": 15, "/pricing": 3}
    urls = await report(client, "breakdown/page_url")  # imported_pages' hostname + page
    assert visitors(urls, "count") == {
        "imp.example/": 23, "imp.example/blog/ünïcode": 15, "imp.example/pricing": 3
    }  # fmt: skip
    narrowed = await report(client, "breakdown/page_url", "range=custom&from=2025-06-01"
                            "&to=2025-06-03&filter=page_url=~example/blog")  # fmt: skip
    assert visitors(narrowed) == {"imp.example/blog/ünïcode": 3}
    assert visitors(await report(client, "breakdown/entry_page"), "sessions") == {"/": 19}
    assert visitors(await report(client, "breakdown/exit_page"), "sessions") == {
        "/": 13,
        "/pricing": 6,
    }
    events = await report(client, "breakdown/event")
    assert visitors(events, "count") == {"Signup": 4, "Outbound Link: Click": 1}
    assert visitors(await report(client, "breakdown/country")) == {"DE": 12, "US": 4}
    assert visitors(await report(client, "breakdown/device")) == {"desktop": 10, "mobile": 6}
    assert visitors(await report(client, "breakdown/browser")) == {"Firefox": 10, "Chrome": 6}
    assert visitors(await report(client, "breakdown/os")) == {"macOS": 10, "Linux": 6}


@pytest.mark.usefixtures("imported")
async def test_reports_that_cannot_use_it_say_so(client: Any) -> None:
    flows = await report(client, "flows")
    assert "imported" not in flows
    assert flows["imported_excluded"].startswith("flows: imported history holds daily totals")
    assert "imported_excluded" in await report(client, "retention")
    funnel = await report(client, "funnel", "range=custom&from=2025-06-01&to=2025-06-03"
                          "&steps=/,/pricing")  # fmt: skip
    assert "imported_excluded" in funnel
    two = await report(client, "summary", "range=custom&from=2025-06-01&to=2025-06-03"
                       "&filter=source==Google;country==DE")  # fmt: skip
    assert (
        two["imported_excluded"] == "more than one filter: an imported table carries one dimension"
    )
    assert two["metrics"]["visitors"]["value"] == 0
    hourly = await report(client, "timeseries", "range=custom&from=2025-06-01&to=2025-06-01"
                          "&interval=hour")  # fmt: skip
    assert hourly["imported_excluded"] == "hourly buckets: imported history is per day"
    mixed = await report(client, "breakdown/country", "range=custom&from=2025-06-01"
                         "&to=2025-06-03&filter=source==Google")  # fmt: skip
    assert "no imported table has both" in mixed["imported_excluded"]
    # Region codes (DE-BE) and GeoNames city ids are stored, not reported: no offline map to
    # Pulse's labels ("Berlin, DE").
    for dim in ("region", "city"):
        native_only = await report(client, f"breakdown/{dim}")
        assert native_only["imported_excluded"] == f"{dim}: not in the imported tables", dim
        assert native_only["results"] == [], dim


@pytest.mark.usefixtures("imported")
async def test_explain_names_the_imported_read(client: Any) -> None:
    body = await report(client, "breakdown/source", "range=custom&from=2025-06-01&to=2025-06-03"
                        "&explain=1")  # fmt: skip
    plans = [p for p in body["plans"] if p["path"] == "imported"]
    assert plans == [
        {
            "question": "breakdown source (imported days)",
            "path": "imported",
            "reason": "imported days read from imported_sources",
        }
    ]


async def test_loose_csv_files_and_the_all_range(
    migrated: Settings, tmp_path: Path, client: Any
) -> None:
    await add_sites(migrated, SITE)
    said = await pulse_import(migrated, "plausible", *write_csvs(tmp_path))
    assert "3 days" in said
    body = await report(client, "summary", "range=all")
    assert body["period"]["from"].startswith("2025-06-01")
    assert body["metrics"]["visitors"]["value"] == 16
