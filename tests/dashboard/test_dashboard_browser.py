"""The dashboard in Debian's Chromium against a real `pulse serve` over `pulse demo` data
(issue 7). Every figure the page shows is compared with the API's answer for the same view."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.conftest import (
    DEMO_SITE,
    OTHER_SITE,
    DashboardServer,
    Visit,
    open_dashboard,
    screenshot,
    wait_until,
)

pytestmark = pytest.mark.browser

KPIS = (
    "visitors",
    "sessions",
    "pageviews",
    "views_per_session",
    "bounce_rate",
    "avg_engagement_ms",
)
PANELS = (
    "acquisition",
    "pages",
    "audience",
    "visitor-types",
    "world",
    "events",
    "funnel",
    "flows",
    "retention",
)
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def kpi(page: Any, name: str) -> float:
    return float(page.get_attribute(f"#kpi-{name} .kpi-value", "data-value"))


def rows(page: Any, panel: str) -> list[dict[str, Any]]:
    """A breakdown card's rows as shown: the raw value and each metric column's number."""
    return page.evaluate(
        """(panel) => [...document.querySelectorAll(`#${panel} tbody tr`)].map((tr) => ({
            value: tr.dataset.value,
            label: tr.querySelector('.label-col').textContent,
            ...Object.fromEntries([...tr.querySelectorAll('td.num')].map(
                (td) => [td.dataset.metric, Number(td.dataset.value)])),
        }))""",
        panel,
    )


def chart_data(page: Any, element_id: str) -> list[Any]:
    """The data of the first series ECharts holds for the chart in `element_id`."""
    return page.evaluate(
        "(id) => echarts.getInstanceByDom(document.getElementById(id)).getOption().series[0].data",
        element_id,
    )


def chart_series(page: Any, element_id: str) -> list[dict[str, Any]]:
    """Every series (name and data) ECharts holds for the chart in `element_id`."""
    return page.evaluate(
        """(id) => echarts.getInstanceByDom(document.getElementById(id)).getOption().series
            .map((s) => ({name: s.name, data: s.data}))""",
        element_id,
    )


def trend_values(page: Any) -> list[Any]:
    """The trend line as drawn: the finished buckets' series with the unfinished bucket's
    "So far" segment (drawn apart, dashed) filled in."""
    series = chart_series(page, "trend-chart")
    done = series[0]["data"]
    tail = next((s["data"] for s in series if s["name"].startswith("So far")), None)
    return [d if d is not None or tail is None else tail[i] for i, d in enumerate(done)]


def previous_line(page: Any) -> dict[str, Any] | None:
    names = ("Previous period", "Same period last year")
    return next((s for s in chart_series(page, "trend-chart") if s["name"] in names), None)


def retention_cells(page: Any) -> list[list[Any]]:
    """Every heat-map cell's [k, row, share], row by row (day 0 and later days are two series:
    day 0 is drawn neutral, the colour scale spans the later ones)."""
    cells = [c["value"] for s in chart_series(page, "retention-chart") for c in s["data"]]
    return sorted(cells, key=lambda c: (c[1], c[0]))


def assert_rows_match(shown: list[dict[str, Any]], api: dict[str, Any], metrics: tuple) -> None:
    assert shown, "the card shows no rows"
    assert len(shown) == len(api["results"])
    for row, expected in zip(shown, api["results"], strict=True):
        assert row["value"] == ("" if expected["value"] is None else str(expected["value"]))
        for metric in metrics:
            assert row[metric] == expected[metric], (metric, row, expected)


def assert_kpis_match(page: Any, summary: dict[str, Any]) -> None:
    for name in KPIS:
        assert kpi(page, name) == summary["metrics"][name]["value"], name


def close(visit: Visit) -> None:
    visit.context.close()


def test_every_panel_shows_the_apis_numbers_with_no_console_error(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page, api = visit.page, dashboard_server.api
    try:
        summary = api("summary", range="7d")
        assert summary["metrics"]["visitors"]["value"] > 0  # the demo wrote this week
        assert_kpis_match(page, summary)
        visitors_text = page.text_content("#kpi-visitors .kpi-value")
        assert int(visitors_text.replace(",", "")) == summary["metrics"]["visitors"]["value"]
        change = page.get_attribute("#kpi-visitors .kpi-change", "data-change")
        if summary["metrics"]["visitors"]["change"] is not None:
            assert float(change) == summary["metrics"]["visitors"]["change"]
        series = api("timeseries", range="7d", compare="previous")
        assert trend_values(page) == [p["visitors"] for p in series["points"]]
        # Comparing (the default): the period before as a dashed line with its legend entry.
        before = previous_line(page)
        assert before is not None and before["name"] == "Previous period"
        assert before["data"] == [p["visitors"] for p in series["previous"]["points"]]
        assert any(before["data"])  # the demo wrote the week before too
        page.select_option("#compare", "none")
        visit.ready()
        assert previous_line(page) is None
        assert page.get_attribute("#trend-chart", "data-compared") == "no"
        page.select_option("#compare", "previous")
        visit.ready()
        assert_rows_match(
            rows(page, "acquisition"),
            api("breakdown/source", range="7d"),
            ("visitors", "bounce_rate"),
        )
        assert_rows_match(
            rows(page, "pages"), api("breakdown/page", range="7d"), ("visitors", "count")
        )
        assert_rows_match(
            rows(page, "audience"),
            api("breakdown/country", range="7d"),
            ("visitors", "bounce_rate"),
        )
        assert_rows_match(
            rows(page, "events"), api("breakdown/event", range="7d"), ("visitors", "count")
        )
        # Properties: the busiest key of the period is chosen, the others offered.
        keys = [k["key"] for k in api("properties", range="7d")["keys"]]
        assert keys, "the demo's custom events carry properties"
        page.click("#events .tab[data-dimension=prop]")
        visit.ready()
        assert page.input_value("#events input[name=key]") == keys[0]
        offered = page.eval_on_selector_all("#events datalist option", "os => os.map(o => o.value)")
        assert offered == keys
        assert_rows_match(
            rows(page, "events"),
            api(f"breakdown/prop:{keys[0]}", range="7d"),
            ("visitors", "count"),
        )
        types = api("breakdown/visitor_type", range="7d")["results"]
        for entry in types:
            shown = page.get_attribute(
                f"#vt-legend [data-type={entry['value']}] .num", "data-value"
            )
            assert int(shown) == entry["visitors"]
        for panel in PANELS:
            assert page.get_attribute(f"#{panel}", "data-state") == "ready", panel
        # Another tab of a card: its own dimension, from the API.
        page.click("#audience .tab[data-dimension=browser]")
        visit.ready()
        assert_rows_match(
            rows(page, "audience"),
            api("breakdown/browser", range="7d"),
            ("visitors", "bounce_rate"),
        )
        assert page.is_hidden("#notice")
        assert visit.problems == []
    finally:
        close(visit)


def test_sankey_and_cohort_heat_map_render_the_apis_graph(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server, f"/?site={DEMO_SITE}&range=30d")
    page, api = visit.page, dashboard_server.api
    try:
        flows = api("flows", range="30d", depth=4)
        nodes = chart_data(page, "flow-chart")
        assert [n["name"] for n in nodes] == [n["id"] for n in flows["nodes"]]
        assert [n["value"] for n in nodes] == [n["sessions"] for n in flows["nodes"]]
        assert page.evaluate("document.querySelectorAll('#flow-chart canvas').length") >= 1
        # The depth control asks the API for another graph.
        page.select_option("#flow-depth", "2")
        visit.ready()
        assert visit.requested("/flows")[-1]["depth"] == "2"
        shallow = api("flows", range="30d", depth=2)
        assert len(chart_data(page, "flow-chart")) == len(shallow["nodes"])
        # A starting page: start=/path (a custom range keeps `from` for its first day).
        start = page.evaluate("document.querySelector('#flow-from option:nth-child(2)').value")
        page.select_option("#flow-from", start)
        visit.ready()
        assert visit.requested("/flows")[-1]["start"] == start
        started = api("flows", range="30d", depth=2, start=start)
        assert len(chart_data(page, "flow-chart")) == len(started["nodes"])

        retention = api("retention", range="30d", cohort="week")
        cohorts = [c for c in retention["cohorts"] if c["visitors"]]  # a cohort of 0: no row
        expected = [
            [r["k"], row, r["share"]]
            for row, cohort in enumerate(cohorts)
            for r in cohort["retention"]
        ]
        assert retention_cells(page) == expected
        assert len(retention["cohorts"]) >= 4  # 30 days of weekly cohorts
        assert visit.problems == []
    finally:
        close(visit)


def test_changing_the_range_changes_the_request_and_the_numbers(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page, api = visit.page, dashboard_server.api
    try:
        week = api("summary", range="7d")["metrics"]["visitors"]["value"]
        assert kpi(page, "visitors") == week
        page.select_option("#range", "30d")
        visit.ready()
        assert visit.requested("/summary")[-1]["range"] == "30d"
        assert all(q["range"] == "30d" for q in visit.requested("/breakdown/")[-4:])
        month = api("summary", range="30d")
        assert month["metrics"]["visitors"]["value"] > week
        assert_kpis_match(page, month)
        assert "range=30d" in page.url
        page.select_option("#range", "24h")
        visit.ready()
        assert visit.requested("/timeseries")[-1]["range"] == "24h"
        day = api("timeseries", range="24h")
        assert day["period"]["interval"] == "hour"
        assert len(chart_data(page, "trend-chart")) == len(day["points"])
        # A custom range: two dates.
        page.select_option("#range", "custom")
        page.fill("#date-from", week_start := api("summary", range="7d")["period"]["from"][:10])
        page.fill("#date-to", week_start)
        page.dispatch_event("#date-to", "change")
        visit.ready()
        asked = visit.requested("/summary")[-1]
        assert (asked["range"], asked["from"], asked["to"]) == ("custom", week_start, week_start)
        one_day = api("summary", range="custom", **{"from": week_start, "to": week_start})
        assert_kpis_match(page, one_day)
        assert visit.problems == []
    finally:
        close(visit)


def test_clicking_a_source_adds_a_chip_and_narrows_every_panel(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page, api = visit.page, dashboard_server.api
    try:
        everyone = api("summary", range="7d")["metrics"]["visitors"]["value"]
        top = rows(page, "acquisition")[0]["value"]
        page.click(f"#acquisition tbody tr[data-value='{top}'] .row-button")
        visit.ready()
        assert page.text_content("#filter-chips .chip span") == f"Source is {top}"
        assert visit.requested("/summary")[-1]["filter"] == f"source=={top}"
        scoped = {"range": "7d", "filter": f"source=={top}"}
        narrowed = api("summary", **scoped)
        assert 0 < narrowed["metrics"]["visitors"]["value"] < everyone
        assert_kpis_match(page, narrowed)
        assert_rows_match(
            rows(page, "pages"), api("breakdown/page", **scoped), ("visitors", "count")
        )
        assert_rows_match(
            rows(page, "audience"), api("breakdown/country", **scoped), ("visitors", "bounce_rate")
        )
        assert_rows_match(
            rows(page, "acquisition"),
            api("breakdown/source", **scoped),
            ("visitors", "bounce_rate"),
        )
        assert [n["name"] for n in chart_data(page, "flow-chart")] == [
            n["id"] for n in api("flows", depth=4, **scoped)["nodes"]
        ]
        # A second filter from another card, then the chips' remove buttons.
        country = rows(page, "audience")[0]["value"]
        page.click(f"#audience tbody tr[data-value='{country}'] .row-button")
        visit.ready()
        both = {"range": "7d", "filter": f"source=={top};country=={country}"}
        assert page.locator("#filter-chips .chip").count() == 2
        assert_kpis_match(page, api("summary", **both))
        page.click("#filter-chips .chip[data-dim=source] button")
        visit.ready()
        only_country = api("summary", range="7d", filter=f"country=={country}")
        assert_kpis_match(page, only_country)
        page.click("#clear-filters")
        visit.ready()
        assert page.locator("#filter-chips .chip").count() == 0 and page.is_hidden("#clear-filters")
        assert kpi(page, "visitors") == everyone
        assert visit.problems == []
    finally:
        close(visit)


def test_filters_with_a_semicolon_and_with_no_value_round_trip(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    """`\\;` escapes a semicolon in a value and `referrer==` means "no referrer": the chips
    read them, the requests carry them unchanged, and the numbers are the API's."""
    text = "utm_campaign!=spring\\;summer;referrer=="
    query = urllib.parse.urlencode({"site": DEMO_SITE, "range": "7d", "filter": text})
    visit = open_dashboard(browser, dashboard_server, f"/?{query}")
    page, api = visit.page, dashboard_server.api
    try:
        chips = page.locator("#filter-chips .chip span").all_text_contents()
        assert chips == ["UTM campaign is not spring;summer", "Referrer is (none)"]
        assert visit.requested("/summary")[-1]["filter"] == text
        direct = api("summary", range="7d", filter=text)
        everyone = api("summary", range="7d")["metrics"]["visitors"]["value"]
        assert 0 < direct["metrics"]["visitors"]["value"] < everyone
        assert_kpis_match(page, direct)
        # Removing the first chip keeps the second, re-escaped as it came.
        page.click("#filter-chips .chip[data-dim=utm_campaign] button")
        visit.ready()
        assert visit.requested("/summary")[-1]["filter"] == "referrer=="
        assert visit.problems == []
    finally:
        close(visit)


def test_the_url_restores_the_same_view(browser: Any, dashboard_server: DashboardServer) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page, api = visit.page, dashboard_server.api
    try:
        page.select_option("#range", "30d")
        visit.ready()
        page.click("#audience .tab[data-dimension=device]")
        visit.ready()
        device = rows(page, "audience")[0]["value"]
        page.click(f"#audience tbody tr[data-value='{device}'] .row-button")
        visit.ready()
        page.click("#kpi-sessions")
        page.fill("#funnel-step-0", "/")
        page.fill("#funnel-step-1", "/pricing")
        page.click("#funnel button[type=submit]")
        visit.ready()
        link = page.url
        assert "range=30d" in link and "filter=device" in link and "funnel=" in link
    finally:
        close(visit)

    again = open_dashboard(browser, dashboard_server, "/" + link.split("/", 3)[3])
    page = again.page
    try:
        scoped = {"range": "30d", "filter": f"device=={device}"}
        assert page.input_value("#range") == "30d"
        assert page.text_content("#filter-chips .chip span") == f"Device is {device}"
        assert_kpis_match(page, api("summary", **scoped))
        assert page.get_attribute("#kpi-sessions", "aria-pressed") == "true"
        sessions = [p["sessions"] for p in api("timeseries", **scoped)["points"]]
        assert trend_values(page) == sessions
        funnel = api("funnel", steps="/,/pricing", **scoped)
        shown = page.evaluate(
            "[...document.querySelectorAll('#funnel-result li')]"
            ".map((li) => Number(li.dataset.visitors))"
        )
        assert shown == [s["visitors"] for s in funnel["steps"]]
        # Each change is a history entry: Back restores the view before it.
        page.click("#filter-chips .chip button")
        again.ready()
        assert kpi(page, "visitors") == api("summary", range="30d")["metrics"]["visitors"]["value"]
        page.go_back()
        again.ready()
        assert page.url == link
        assert_kpis_match(page, api("summary", **scoped))
        assert again.problems == []
    finally:
        close(again)


def test_csv_download_of_a_table(
    browser: Any, dashboard_server: DashboardServer, tmp_path: Path
) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page = visit.page
    try:
        with page.expect_download() as download:
            page.click("#acquisition .csv")
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
        assert target.name == f"{DEMO_SITE}-source-7d.csv"
        lines = target.read_text().splitlines()
        assert lines[0] == "value,visitors,sessions,pageviews,bounce_rate,avg_engagement_ms"
        api = dashboard_server.api("breakdown/source", range="7d", limit=1000)
        assert len(lines) == 1 + len(api["results"])
        first = api["results"][0]
        assert lines[1].split(",")[:3] == [
            first["value"],
            str(first["visitors"]),
            str(first["sessions"]),
        ]
    finally:
        close(visit)


def test_keyboard_reaches_the_range_selector_and_changes_it(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page = visit.page
    try:
        page.click("body", position={"x": 5, "y": 5})
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "range":
                break
        assert page.evaluate("document.activeElement.id") == "range"
        page.keyboard.press("ArrowDown")  # 7d -> 28d, as on a closed <select>
        visit.ready()
        assert page.input_value("#range") == "28d"
        assert visit.requested("/summary")[-1]["range"] == "28d"
        # The cards, tabs and rows are buttons: Tab reaches them and Enter works.
        page.focus("#kpi-pageviews")
        page.keyboard.press("Enter")
        assert page.get_attribute("#kpi-pageviews", "aria-pressed") == "true"
        page.focus("#acquisition tbody .row-button")
        page.keyboard.press("Enter")
        visit.ready()
        assert page.locator("#filter-chips .chip").count() == 1
        assert visit.problems == []
    finally:
        close(visit)


def test_screenshots_light_and_dark_and_nothing_leaves_localhost(
    browser: Any, dashboard_server: DashboardServer, tmp_path: Path
) -> None:
    visit = open_dashboard(browser, dashboard_server, theme="light")
    page = visit.page
    try:
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
        light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        screenshot(visit, tmp_path / "dashboard-1440x900-light.png")
        page.click("#theme")
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light_bg
        page.wait_for_timeout(400)  # chart redraw animations
        screenshot(visit, tmp_path / "dashboard-1440x900-dark.png")
        page.reload()  # the choice is remembered
        visit.ready()
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert (tmp_path / "dashboard-1440x900-light.png").stat().st_size > 50_000
        assert (tmp_path / "dashboard-1440x900-dark.png").stat().st_size > 50_000
        assert visit.requests and visit.hosts == {"127.0.0.1"}, visit.hosts
        assert any("/assets/vendor/echarts-full.js" in url for url in visit.requests)
        assert visit.problems == []
    finally:
        close(visit)


def test_a_phone_has_no_horizontal_overflow(
    browser: Any, dashboard_server: DashboardServer, tmp_path: Path
) -> None:
    visit = open_dashboard(browser, dashboard_server, width=375, height=812)
    page = visit.page
    try:
        assert page.evaluate(NO_OVERFLOW), page.evaluate("document.documentElement.scrollWidth")
        page.select_option("#range", "custom")
        visit.ready()
        assert page.evaluate(NO_OVERFLOW)
        screenshot(visit, tmp_path / "dashboard-375-phone.png")
        assert visit.problems == []
    finally:
        close(visit)


def test_active_now_comes_from_the_websocket(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page = visit.page
    try:
        wait_until(page, "document.getElementById('live-badge').dataset.state === 'live'")
        assert page.get_attribute("#live-badge", "href") == f"/live?site={DEMO_SITE}"
        answer = dashboard_server.post("/pricing", "dashboard-live-visitor", site=DEMO_SITE)
        assert answer["accepted"] == 1, answer
        wait_until(
            page,
            "Number(document.getElementById('active-now').dataset.value) >= 1",
            timeout_ms=5000,
        )
        realtime = dashboard_server.api("realtime")
        shown = int(page.get_attribute("#active-now", "data-value"))
        assert shown >= 1 and abs(shown - realtime["active_now"]) <= 1
    finally:
        close(visit)


def test_the_site_switcher_changes_site(browser: Any, dashboard_server: DashboardServer) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page = visit.page
    try:
        options = page.evaluate("[...document.querySelectorAll('#site option')].map(o => o.value)")
        assert set(options) == {DEMO_SITE, OTHER_SITE}
        page.select_option("#site", OTHER_SITE)
        visit.ready()
        assert f"site={OTHER_SITE}" in page.url
        assert kpi(page, "visitors") == 0  # no traffic there
        assert page.is_visible("#acquisition .empty")
        assert visit.problems == []
    finally:
        close(visit)


def test_a_share_link_opens_the_read_only_dashboard(
    browser: Any, dashboard_server: DashboardServer, tmp_path: Path
) -> None:
    visit = open_dashboard(browser, dashboard_server, dashboard_server.share, logged_in=False)
    page = visit.page
    try:
        assert page.url == f"{dashboard_server.origin}/?site={DEMO_SITE}"
        assert page.is_visible("#shared-badge")
        assert page.is_hidden("#site") and page.text_content("#site-name") == DEMO_SITE
        assert page.is_hidden("#admin-link")
        assert page.get_attribute("#live-badge", "href") == f"/live?site={DEMO_SITE}"
        assert_kpis_match(page, dashboard_server.api("summary", range="7d"))
        assert not any("/api/admin/" in url for url in visit.requests)
        screenshot(visit, tmp_path / "dashboard-shared.png")
        # The share grants this one site: another one's reports stay closed.
        page.goto(f"{dashboard_server.origin}/?site={OTHER_SITE}")
        visit.ready()
        # One page state, not the same refusal in every card; the same as for a missing site.
        assert page.get_attribute("#page-state", "data-kind") == "unknown-site"
        assert "is open to you" in page.text_content("#page-state")
        assert page.is_hidden("#kpis") and page.is_hidden("#flows")
    finally:
        close(visit)
