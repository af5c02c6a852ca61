"""The dashboard a site owner trusts (issue 16), in Debian's Chromium over `pulse demo` data:
tooltips without a CSP violation, partial periods marked and compared like with like, fast
changes that end right, the period controls against the API, the "+ Filter" menu, one page
state for a refused view, empty states in words, and visitor-sent values that never widen the
page. Screenshots go to the test's temporary directory."""

from __future__ import annotations

import random
import shutil
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.conftest import DEMO_SITE, DashboardServer, Visit, open_dashboard, screenshot
from tests.dashboard.test_dashboard_browser import (
    KPIS,
    NO_OVERFLOW,
    assert_kpis_match,
    chart_series,
    close,
    trend_values,
)

pytestmark = pytest.mark.browser

CHARTS = ("trend-chart", "vt-donut", "vt-chart", "world-chart", "flow-chart", "retention-chart")
EMOJI_PATH = "/" + "😀" * 300
SHOTS = Path("/work/notes/shots-16")  # the lead's copies, when that folder exists
COUNT_VIOLATIONS = (
    "window.__violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI))"
)


# A link followed inside the page (as Back/Forward do): the URL changes, popstate tells it.
NAVIGATE = (
    "(q) => { history.pushState(null, '', '/?' + q);"
    " dispatchEvent(new PopStateEvent('popstate')); }"
)


def keep(shot: Path) -> None:
    if SHOTS.is_dir():
        shutil.copy(shot, SHOTS / shot.name)


def hover_across(page: Any, element_id: str, steps: int = 9) -> int:
    """Move the mouse over the chart's box; answers how many tooltips showed text."""
    box = page.locator(f"#{element_id}").bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0, element_id
    shown = 0
    for i in range(1, steps + 1):
        for fy in (0.35, 0.6):
            page.mouse.move(
                box["x"] + box["width"] * i / (steps + 1), box["y"] + box["height"] * fy
            )
            page.wait_for_timeout(60)
            shown += page.evaluate(
                "[...document.querySelectorAll('.chart-tip')].some("
                "(t) => t.offsetParent !== null && t.textContent.trim() !== '')"
            )
    return shown


def no_error_on_screen(page: Any) -> None:
    assert page.is_hidden("#notice")
    assert (
        page.evaluate("document.querySelectorAll('.panel-error, .card .error:not(:empty)').length")
        == 0
    )
    assert page.evaluate("!document.getElementById('main').dataset.pageState")


def test_hovering_every_chart_logs_nothing_and_shows_styled_tooltips(
    browser: Any, dashboard_server: DashboardServer, tmp_path: Path
) -> None:
    for theme in ("light", "dark"):
        visit = open_dashboard(
            browser, dashboard_server, f"/?site={DEMO_SITE}&range=30d", theme=theme
        )
        page = visit.page
        try:
            page.evaluate(COUNT_VIOLATIONS)
            for element_id in CHARTS:
                assert hover_across(page, element_id) > 0, f"no tooltip over {element_id}"
            # ECharts' own content had style="" (blocked): ours is classes only.
            assert page.evaluate("document.querySelectorAll('.chart-tip [style]').length") == 0
            page.locator("#trend-chart").hover()
            shot = tmp_path / f"dashboard-{theme}-tooltip.png"
            page.screenshot(path=str(shot))
            keep(shot)
            assert page.evaluate("window.__violations") == []
            assert visit.problems == []
        finally:
            close(visit)


def test_a_partial_period_is_marked_and_compared_over_the_same_elapsed_span(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    """The server's clock is the real one, so "last 7 days" always holds now: the API's answer
    (tests/queries/test_api_periods.py proves it on a fake clock) and the page agree."""
    visit = open_dashboard(browser, dashboard_server)
    page, api = visit.page, dashboard_server.api
    try:
        summary = api("summary", range="7d")
        period, before = summary["period"], summary["previous_period"]
        assert period["partial"] is True
        elapsed = period["until_ms"] - period["start_ms"]
        assert abs((before["end_ms"] - before["start_ms"]) - elapsed) <= 1_000  # same span
        assert page.get_attribute("#kpis", "data-partial") == "yes"
        for name in KPIS:
            assert page.is_visible(f"#kpi-{name} .kpi-sofar"), name
        assert "so far" in page.text_content("#period-label")
        names = [s["name"] for s in chart_series(page, "trend-chart")]
        assert names == ["Unique visitors", "So far (unfinished)", "Previous period"]
        series = api("timeseries", range="7d", compare="previous")
        assert [p["partial"] for p in series["points"]][-1] is True
        so_far = chart_series(page, "trend-chart")[1]["data"]
        assert so_far[-1] == series["points"][-1]["visitors"] and so_far[0] is None
        # A finished period: no mark.
        page.select_option("#range", "yesterday")
        visit.ready()
        assert page.get_attribute("#kpis", "data-partial") == "no"
        assert page.is_hidden("#kpi-visitors .kpi-sofar")
        assert "So far (unfinished)" not in [s["name"] for s in chart_series(page, "trend-chart")]
        assert visit.problems == []
    finally:
        close(visit)


def test_every_range_and_interval_shows_the_apis_numbers(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page, api = visit.page, dashboard_server.api
    try:
        for range_ in (
            "today",
            "yesterday",
            "24h",
            "28d",
            "30d",
            "month",
            "last_month",
            "12mo",
            "all",
        ):
            page.select_option("#range", range_)
            visit.ready()
            assert visit.requested("/summary")[-1]["range"] == range_
            assert_kpis_match(page, api("summary", range=range_))
            points = api("timeseries", range=range_)["points"]
            assert trend_values(page) == [p["visitors"] for p in points], range_
        page.select_option("#range", "30d")
        for interval in ("hour", "day", "week", "month"):
            page.select_option("#interval", interval)
            visit.ready()
            assert visit.requested("/timeseries")[-1]["interval"] == interval
            points = api("timeseries", range="30d", interval=interval)["points"]
            assert trend_values(page) == [p["visitors"] for p in points], interval
        page.select_option("#compare", "year")
        visit.ready()
        assert visit.requested("/summary")[-1]["compare"] == "year"
        assert [s["name"] for s in chart_series(page, "trend-chart")][-1] == "Same period last year"
        # Compared with chosen days: both dates, then the request carries them.
        page.select_option("#compare", "custom")
        page.fill("#compare-from", "2026-01-01")
        page.fill("#compare-to", "2026-01-07")
        page.dispatch_event("#compare-to", "change")
        visit.ready()
        asked = visit.requested("/summary")[-1]
        assert (asked["compare"], asked["compare_from"], asked["compare_to"]) == (
            "custom",
            "2026-01-01",
            "2026-01-07",
        )
        chosen = api(
            "summary",
            range="30d",
            interval="month",
            compare="custom",
            compare_from="2026-01-01",
            compare_to="2026-01-07",
        )
        shown = page.get_attribute("#kpi-visitors .kpi-change", "title")
        assert shown.startswith(f"{chosen['metrics']['visitors']['previous']:,}")
        assert "compare_from=2026-01-01" in page.url
        page.select_option("#compare", "previous")
        visit.ready()
        assert "compare_from" not in page.url
        # Month buckets have month names, in the browser's locale (en-US here).
        page.select_option("#range", "12mo")
        visit.ready()
        axis = page.evaluate(
            "echarts.getInstanceByDom(document.getElementById('trend-chart'))"
            ".getOption().xAxis[0].data"
        )
        assert len(axis) == 12 and all(label[:3].isalpha() for label in axis), axis
        assert page.is_disabled("#interval option[value=hour]")  # 12 months of hours: refused
        assert visit.problems == []
    finally:
        close(visit)


def test_twenty_fast_changes_end_with_the_right_numbers_and_no_error(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page, api = visit.page, dashboard_server.api
    rng = random.Random(16)
    try:
        last: dict[str, str] = {"range": "7d", "filter": ""}
        for _ in range(20):
            move = rng.choice(("key", "range", "filter"))
            if move == "key":
                key = rng.choice("dwm")
                page.keyboard.press(key)
                last["range"] = {"d": "24h", "w": "7d", "m": "30d"}[key]
            elif move == "range":
                last["range"] = rng.choice(("today", "7d", "30d", "month"))
                page.select_option("#range", last["range"])
            else:
                last["filter"] = rng.choice(("", "device==mobile", "source==Google"))
                query = urllib.parse.urlencode(
                    {"site": DEMO_SITE, "range": last["range"], "filter": last["filter"]}
                )
                page.evaluate(NAVIGATE, query)
            page.wait_for_timeout(rng.choice((0, 20, 80, 150, 300)))
        visit.ready()
        wanted = {k: v for k, v in last.items() if v}
        assert_kpis_match(page, api("summary", **wanted))
        assert trend_values(page) == [p["visitors"] for p in api("timeseries", **wanted)["points"]]
        no_error_on_screen(page)
        assert visit.problems == []
    finally:
        close(visit)


def test_the_filter_menu_suggests_applies_and_removes(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server, f"/?site={DEMO_SITE}&range=30d")
    page, api = visit.page, dashboard_server.api
    try:
        page.click("#filter-open")
        page.select_option("#filter-dim", "page")
        page.select_option("#filter-op", "=~")
        page.fill("#filter-value", "BLOG")
        expected = api("suggestions/page", range="30d", q="BLOG", limit=12)["values"]
        assert expected, "the demo has blog pages"
        page.wait_for_timeout(400)
        visit.ready()
        offered = page.eval_on_selector_all(
            "#filter-suggestions option", "os => os.map(o => o.value)"
        )
        assert offered == [v["value"] for v in expected]
        page.click("#filter-menu button[type=submit]")
        visit.ready()
        assert page.is_hidden("#filter-menu")
        assert "filter=page%3D%7EBLOG" in page.url
        assert page.text_content("#filter-chips .chip span") == "Page contains BLOG"
        assert_kpis_match(page, api("summary", range="30d", filter="page=~BLOG"))
        page.click("#filter-chips .chip button")
        visit.ready()
        assert "filter=" not in page.url
        assert_kpis_match(page, api("summary", range="30d"))
        assert visit.problems == []
    finally:
        close(visit)


def test_an_unknown_site_and_a_bad_link_are_one_page_state(
    browser: Any, dashboard_server: DashboardServer, tmp_path: Path
) -> None:
    visit = open_dashboard(browser, dashboard_server, "/?site=nowhere.example")
    page = visit.page
    try:
        assert page.get_attribute("#page-state", "data-kind") == "unknown-site"
        assert DEMO_SITE in page.text_content("#page-state")  # offered instead
        assert page.is_hidden("#kpis") and page.is_hidden("#acquisition")
        assert len(visit.requested("/api/v1/sites/nowhere.example/")) == 1  # the summary alone
        shot = tmp_path / "dashboard-unknown-site.png"
        screenshot(visit, shot)
        keep(shot)
        page.goto(f"{dashboard_server.origin}/?site={DEMO_SITE}&filter=colour==red")
        visit.ready()
        assert page.get_attribute("#page-state", "data-kind") == "bad-link"
        assert "filter" in page.text_content("#page-state")
        page.click("#page-state button")
        visit.ready()
        assert page.evaluate("!document.getElementById('main').dataset.pageState")
        assert page.is_visible("#kpis") and "filter=" not in page.url
        # Developer words never reach the screen.
        text = page.text_content("body")
        for word in ("TypeError", "undefined", "npm", "Error:"):
            assert word not in text, word
    finally:
        close(visit)


def test_an_empty_filter_says_why_in_every_panel(
    browser: Any, dashboard_server: DashboardServer, tmp_path: Path
) -> None:
    visit = open_dashboard(
        browser, dashboard_server, f"/?site={DEMO_SITE}&filter=page==/nothing-here"
    )
    page = visit.page
    try:
        assert page.is_visible("#trend-empty")
        for panel in ("acquisition", "pages", "audience", "events"):
            assert "filters" in page.text_content(f"#{panel} .empty"), panel
        assert page.is_visible("#vt-empty") and page.is_hidden("#vt-note")
        assert page.evaluate("document.getElementById('vt-donut').classList.contains('is-empty')")
        assert page.is_visible("#flow-empty") and page.is_visible("#retention-empty")
        assert page.get_attribute("#retention-chart", "data-cohorts") == "0"
        no_error_on_screen(page)
        shot = tmp_path / "dashboard-empty-filter.png"
        screenshot(visit, shot)
        keep(shot)
        assert visit.problems == []
    finally:
        close(visit)


def test_a_300_character_emoji_path_never_widens_the_page(
    browser: Any, dashboard_server: DashboardServer, tmp_path: Path
) -> None:
    for n in range(3):  # busiest page today, so it is in every list and select
        answer = dashboard_server.post(EMOJI_PATH, f"emoji-{n}", site=DEMO_SITE)
        assert answer["accepted"] == 1, answer
        time.sleep(0.05)
    for _ in range(100):  # the writer commits every 500 ms
        stored = dashboard_server.api("suggestions/page", range="today", q="😀")["values"]
        if stored:
            break
        time.sleep(0.1)
    assert stored and len(stored[0]["value"]) > 100
    path = stored[0]["value"]
    query = urllib.parse.urlencode(
        {"site": DEMO_SITE, "range": "today", "filter": f"page=={path}", "flow_from": path}
    )
    for width, height in ((1440, 900), (390, 844)):
        visit = open_dashboard(browser, dashboard_server, f"/?{query}", width=width, height=height)
        page = visit.page
        try:
            assert page.evaluate(NO_OVERFLOW)
            assert page.evaluate("document.documentElement.scrollWidth") == width
            chip = page.locator("#filter-chips .chip span")
            assert chip.evaluate("(e) => e.scrollWidth > e.clientWidth")  # cut with an ellipsis
            assert page.get_attribute("#filter-chips .chip span", "title").endswith(path)
            page.select_option("#range", "7d")
            visit.ready()
            assert page.evaluate(NO_OVERFLOW)
            shot = tmp_path / f"dashboard-emoji-{width}.png"
            screenshot(visit, shot)
            keep(shot)
        finally:
            close(visit)


def test_flags_and_the_world_map_come_from_the_bundled_packages(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server, f"/?site={DEMO_SITE}&range=30d")
    page, api = visit.page, dashboard_server.api
    try:
        countries = api("breakdown/country", range="30d", limit=300)["results"]
        shaded = {r["value"]: r["visitors"] for r in countries if r["value"]}
        data = chart_series(page, "world-chart")[0]["data"]
        # ECharts lists every shape; those without visitors carry no value.
        assert {d["name"]: d["value"] for d in data if "value" in d} == shaded
        top = next(r["value"] for r in countries if r["value"])
        flag = page.locator(f"#audience tr[data-value='{top}'] img.flag")
        assert flag.get_attribute("src") == f"/assets/vendor/flags/{top.lower()}.svg"
        for _ in range(50):
            if flag.evaluate("(img) => img.complete && img.naturalWidth > 0"):
                break
            page.wait_for_timeout(50)
        assert flag.evaluate("(img) => img.naturalWidth > 0")
        google = page.locator("#acquisition tr[data-value='Google'] img.source-icon")
        assert google.get_attribute("src") == "/assets/vendor/icons/google.svg"
        assert page.locator("#acquisition tr[data-value='Direct'] img").count() == 0
        # The map's shapes are named by ISO alpha-2 code, as the API's countries are.
        names = page.evaluate(
            "echarts.getMap('pulse-world').geoJSON.features.map((f) => f.properties.name)"
        )
        # At 1:110m a city state has no shape (Singapore): the Countries table still lists it.
        assert set(shaded) - set(names) <= {"SG", "HK", "MO", "BH", "MT", "LU"}
        assert {"US", "CN", "DE", "IN"} <= set(names)
        assert not any(h != "127.0.0.1" for h in visit.hosts)  # nothing from elsewhere
        assert visit.problems == []
    finally:
        close(visit)


def test_screenshots_of_the_whole_page(
    browser: Any, dashboard_server: DashboardServer, tmp_path: Path
) -> None:
    for name, width, height, theme in (
        ("light", 1440, 900, "light"),
        ("dark", 1440, 900, "dark"),
        ("mobile", 390, 844, "light"),
    ):
        visit: Visit = open_dashboard(
            browser,
            dashboard_server,
            f"/?site={DEMO_SITE}&range=30d",
            width=width,
            height=height,
            theme=theme,
        )
        try:
            assert visit.page.evaluate(NO_OVERFLOW)
            shot = tmp_path / f"dashboard-{name}.png"
            screenshot(visit, shot)
            keep(shot)
            assert visit.problems == []
        finally:
            close(visit)
