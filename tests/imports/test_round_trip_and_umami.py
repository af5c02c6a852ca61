"""`pulse export` -> `pulse import` gives the same reports per day (visitors are per-day counts
in an import); Umami's raw website_event CSV folded into daily aggregates, numbers by hand."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.export import run_export
from app.settings import Settings
from tests.backends import Database
from tests.conftest import FIREFOX, add_sites, wait_for_rows
from tests.imports.support import SITE, by_value, pulse_import, report

SOURCE = "src.example"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


async def _send(client: Any, clock: Any, at: str, agent: str = FIREFOX, **body: Any) -> None:
    clock.set(_ms(at))
    body = {"url": f"https://{SOURCE}{body.pop('path')}", **body}
    response = await client.post("/api/collect", json=body, headers={"User-Agent": agent})
    assert response.status_code == 202, await response.get_data(as_text=True)


async def _traffic(client: Any, clock: Any, db: Database) -> None:
    google, hn = "https://www.google.com/", "https://news.ycombinator.com/item?id=1"
    await _send(client, clock, "2025-06-01T10:00:00", path="/", visitor_id="a", referrer=google)
    await _send(client, clock, "2025-06-01T10:02:00", path="/pricing", visitor_id="a")
    await _send(client, clock, "2025-06-01T12:00:00", path="/blog/é", visitor_id="b", referrer=hn)
    await _send(client, clock, "2025-06-01T13:00:00", CHROME_ANDROID, path="/", visitor_id="c")
    await _send(client, clock, "2025-06-02T09:00:00", path="/", visitor_id="a", referrer=google)
    await _send(client, clock, "2025-06-02T09:01:00", path="/", visitor_id="a", event_type="Signup")
    await _send(client, clock, "2025-06-02T15:00:00", CHROME_ANDROID, path="/blog/é",
                visitor_id="d")  # fmt: skip
    await wait_for_rows(db, 7)


def _day(day: str) -> str:
    return f"range=custom&from={day}&to={day}"


async def _seen(client: Any, site: str, query: str) -> dict[str, Any]:
    """What a person compares: the per-day series, and each breakdown's visitors, sessions,
    page views and bounce rate (counts for page and event) per value, one day at a time."""
    path = f"/api/v1/sites/{site}"
    found: dict[str, Any] = {}
    series = await client.get(f"{path}/timeseries?{query}&interval=day&compare=none")
    found["series"] = [
        {k: p[k] for k in ("bucket", "visitors", "sessions", "pageviews", "bounce_rate")}
        for p in (await series.get_json())["points"]
    ]
    for day in ("2025-06-01", "2025-06-02"):
        for dimension in ("source", "referrer", "entry_page", "exit_page", "device", "browser",
                          "os", "page", "event"):  # fmt: skip
            response = await client.get(f"{path}/breakdown/{dimension}?{_day(day)}")
            rows = by_value(await response.get_json())
            keep = ("visitors", "sessions", "pageviews", "bounce_rate", "count")
            found[f"{day} {dimension}"] = {
                v: {k: r[k] for k in keep if k in r} for v, r in rows.items()
            }
    return found


async def test_export_then_import_gives_the_same_reports(
    client: Any, clock: Any, db: Database, migrated: Settings, tmp_path: Path
) -> None:
    await add_sites(migrated, SOURCE, SITE)
    await _traffic(client, clock, db)
    out = tmp_path / "export.zip"
    args = argparse.Namespace(out=str(out), site=SOURCE, date_from=None, date_to=None, raw=False)
    await run_export(args, migrated)
    said = await pulse_import(migrated, "plausible", out)
    assert "2 days (2025-06-01 .. 2025-06-02)" in said
    clock.set(_ms("2026-01-01T00:00:00"))
    query = "range=custom&from=2025-06-01&to=2025-06-02"
    native, imported = await _seen(client, SOURCE, query), await _seen(client, SITE, query)
    assert imported == native
    assert native["2025-06-01 source"]["Google"]["visitors"] == 1  # the comparison holds data
    both = await report(client, "summary", query)
    assert both["imported"] is True
    assert both["metrics"]["sessions"]["value"] == 5
    assert both["metrics"]["pageviews"]["value"] == 6


UMAMI_HEADER = (
    "website_id,session_id,visit_id,event_id,hostname,browser,os,device,screen,language,country,"
    "region,city,url_path,url_query,utm_source,utm_medium,utm_campaign,utm_content,utm_term,"
    "referrer_path,referrer_query,referrer_domain,page_title,gclid,fbclid,msclkid,ttclid,"
    "li_fat_id,twclid,event_type,event_name,tag,distinct_id,created_at,job_id\n"
)


def _umami(session: str, visit: str, path: str, at: str, **extra: str) -> str:
    fields = {
        "website_id": "w",
        "session_id": session,
        "visit_id": visit,
        "event_id": f"{visit}-{at}",
        "hostname": SITE,
        "browser": extra.get("browser", "chrome"),
        "os": extra.get("os", "Mac OS"),
        "device": extra.get("device", "laptop"),
        "country": extra.get("country", "DE"),
        "url_path": path,
        "referrer_domain": extra.get("referrer", ""),
        "utm_source": extra.get("utm_source", ""),
        "event_type": extra.get("event_type", "1"),
        "event_name": extra.get("event_name", ""),
        "created_at": at,
    }
    columns = UMAMI_HEADER.strip().split(",")
    return ",".join(fields.get(c, "") for c in columns) + "\n"


async def test_umami_events_become_daily_aggregates(
    client: Any, migrated: Settings, tmp_path: Path
) -> None:
    await add_sites(migrated, SITE)
    csv = tmp_path / "website_event.csv"
    csv.write_text(
        UMAMI_HEADER
        # s1: two visits on June 1 (one from Google, 2 page views over 90 s; one bounce)
        + _umami("s1", "v1", "/", "2025-06-01 10:00:00", referrer="www.google.com")
        + _umami("s1", "v1", "/pricing", "2025-06-01 10:01:30.250")
        + _umami("s1", "v2", "/blog", "2025-06-01 18:00:00")
        # s2 on June 2: one page view and a custom event (not a bounce), tagged newsletter
        + _umami("s2", "v3", "/", "2025-06-02T08:00:00Z", device="mobile", browser="ios",
                 os="iOS", country="us", utm_source="newsletter")
        + _umami("s2", "v3", "/", "2025-06-02T08:00:10Z", event_type="2", event_name="Signup",
                 device="mobile", browser="ios", os="iOS"),
        encoding="utf-8",
    )  # fmt: skip
    said = await pulse_import(migrated, "umami", csv)
    assert said.startswith("import 1: umami, 2 days (2025-06-01 .. 2025-06-02)")
    summary = await report(client, "summary")
    values = {m: summary["metrics"][m]["value"] for m in ("visitors", "sessions", "pageviews")}
    assert values == {"visitors": 2, "sessions": 3, "pageviews": 4}
    assert summary["metrics"]["bounce_rate"]["value"] == 33.3  # v2 only
    assert summary["metrics"]["avg_engagement_ms"]["value"] == 33333  # (90 + 0 + 10) s / 3
    sources = by_value(await report(client, "breakdown/source"))
    assert {v: r["sessions"] for v, r in sources.items()} == {
        "Google": 1,
        "Direct": 1,
        "newsletter": 1,
    }
    entry = by_value(await report(client, "breakdown/entry_page"))
    assert {v: r["sessions"] for v, r in entry.items()} == {"/": 2, "/blog": 1}
    exits = by_value(await report(client, "breakdown/exit_page"))
    assert {v: r["sessions"] for v, r in exits.items()} == {"/pricing": 1, "/blog": 1, "/": 1}
    pages = by_value(await report(client, "breakdown/page"))
    assert {v: (r["visitors"], r["count"]) for v, r in pages.items()} == {
        "/": (2, 2),
        "/pricing": (1, 1),
        "/blog": (1, 1),
    }
    events = by_value(await report(client, "breakdown/event"))
    assert {v: r["count"] for v, r in events.items()} == {"Signup": 1}
    assert {
        v: r["visitors"] for v, r in by_value(await report(client, "breakdown/device")).items()
    } == {
        "desktop": 1,
        "mobile": 1,
    }
    browsers = by_value(await report(client, "breakdown/browser"))
    assert {v: r["sessions"] for v, r in browsers.items()} == {"Chrome": 2, "Safari": 1}
    countries = by_value(await report(client, "breakdown/country"))
    assert {v: r["sessions"] for v, r in countries.items()} == {"DE": 2, "US": 1}


async def test_a_bad_umami_file_names_line_and_column(migrated: Settings, tmp_path: Path) -> None:
    import pytest

    from app.imports.files import ImportFileError
    from tests.imports.support import imported_rows

    await add_sites(migrated, SITE)
    csv = tmp_path / "website_event.csv"
    csv.write_text(
        UMAMI_HEADER
        + _umami("s1", "v1", "/", "2025-06-01 10:00:00")
        + _umami("s1", "v1", "/", "yesterday"),
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError, match=r"website_event.csv, line 3, column 35: 'yesterday'"):
        await pulse_import(migrated, "umami", csv)
    assert imported_rows(migrated) == 0
