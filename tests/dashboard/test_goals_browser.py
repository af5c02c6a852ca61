"""The Goals panel and a goal filter in Chromium (issue 17): the panel shows the goal report's
visitors, conversion rates and revenue; a row's click filters by the goal and every breakdown
gains the API's conversion-rate column; the Pages card's Engagement tab shows time on page and
scroll depth. The Goals card loads once scrolled near (test_first_load_browser.py).
Screenshots (light, dark, a phone) go to $PULSE_SCREENSHOTS when it is set."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIREFOX
from tests.dashboard.conftest import DEMO_SITE, DashboardServer, open_dashboard
from tests.dashboard.test_dashboard_browser import NO_OVERFLOW, assert_rows_match, close, rows

pytestmark = pytest.mark.browser
GOALS = ({"name": "Signup", "event": "Signup"}, {"name": "Pricing", "page": "/pricing"})


def _add_goals(server: DashboardServer) -> None:
    for body in GOALS:
        request = urllib.request.Request(
            f"{server.origin}/api/v1/sites/{DEMO_SITE}/goals",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            urllib.request.urlopen(request, timeout=30).close()
        except urllib.error.HTTPError as error:  # 400: already there (an earlier test run)
            assert error.code == 400, error


def _purchase(server: DashboardServer) -> None:
    """A signup paying 49.90 EUR now, through the tracker's endpoint: revenue in the period
    whatever the demo's random plans gave it."""
    body = {"url": f"https://{DEMO_SITE}/signup", "event_type": "Signup", "visitor_id": "rev-1",
            "revenue": {"amount": "49.90", "currency": "EUR"}}  # fmt: skip
    request = urllib.request.Request(
        f"{server.origin}/api/collect",
        data=json.dumps(body).encode(),
        headers={"User-Agent": FIREFOX, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202


def _shoot(visit: Any, name: str) -> None:
    folder = os.environ.get("PULSE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        visit.page.wait_for_timeout(600)  # the charts' entry animation
        visit.page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_the_goals_panel_and_a_goal_filter_s_conversion_columns(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    _add_goals(dashboard_server)
    _purchase(dashboard_server)
    api = dashboard_server.api
    visit = open_dashboard(browser, dashboard_server)
    page = visit.page
    try:
        visit.see("goals")
        report = api("goals/report", range="7d")
        shown = rows(page, "goals")
        assert [r["value"] for r in shown] == [g["goal"] for g in report["results"]]
        for row, goal in zip(shown, report["results"], strict=True):
            assert (row["visitors"], row["conversion_rate"]) == (
                goal["visitors"],
                goal["conversion_rate"],
            )
        signup = next(g for g in report["results"] if g["goal"] == "Signup")
        [eur] = signup["revenue"]  # the demo's pro plans pay 49 EUR at signup, and ours
        cell = page.text_content("#goals tr[data-value='Signup'] td[data-metric=revenue]")
        assert cell is not None and "€" in cell and eur["currency"] == "EUR"
        assert (
            page.get_attribute(
                "#goals tr[data-value='Signup'] td[data-metric=revenue]", "data-value"
            )
            == f"{eur['total']} EUR"
        )
        # Time on page and scroll depth in the Pages card's Engagement tab, as the API says.
        page.click("#pages .tab[data-tab=engagement]")
        visit.ready()
        pages = api("breakdown/page", range="7d", metrics="time_on_page,scroll_depth", limit=10)
        assert_rows_match(rows(page, "pages"), pages, ("visitors", "time_on_page"))
        _shoot(visit, "goals-1440-light")
        # A goal row filters: the chip, and a conversion-rate column in every breakdown.
        page.click("#goals tr[data-value='Signup'] .row-button")
        visit.ready()
        assert page.text_content("#filter-chips .chip span") == "Goal is Signup"
        assert visit.requested("/breakdown/source")[-1]["filter"] == "goal==Signup"
        scoped = {"range": "7d", "filter": "goal==Signup"}
        assert_rows_match(
            rows(page, "acquisition"),
            api("breakdown/source", **scoped),
            ("visitors", "conversion_rate"),
        )
        assert_rows_match(
            rows(page, "audience"), api("breakdown/country", **scoped), ("conversion_rate",)
        )
        headings = page.locator("#acquisition thead th").all_text_contents()
        assert headings[-1] == "CR"
        # The panel still lists every goal, the chosen one marked.
        assert [r["value"] for r in rows(page, "goals")] == [g["goal"] for g in report["results"]]
        assert page.locator("#goals tr.chosen").get_attribute("data-value") == "Signup"
        page.click("#theme")
        page.wait_for_timeout(400)
        _shoot(visit, "goals-filtered-1440-dark")
        page.click("#clear-filters")
        visit.ready()
        assert page.locator("#acquisition thead th").all_text_contents()[-1] != "CR"
        assert visit.problems == []
    finally:
        close(visit)


def test_the_goals_panel_on_a_phone(browser: Any, dashboard_server: DashboardServer) -> None:
    _add_goals(dashboard_server)
    visit = open_dashboard(browser, dashboard_server, width=375, height=812)
    try:
        visit.see("goals")
        assert rows(visit.page, "goals")
        assert visit.page.evaluate(NO_OVERFLOW)
        _shoot(visit, "goals-375-phone")
        folder = os.environ.get("PULSE_SCREENSHOTS")
        for card in ("pages", "goals") if folder else ():
            visit.page.locator(f"#{card}").screenshot(path=f"{folder}/{card}-card-375-phone.png")
        assert visit.problems == []
    finally:
        close(visit)
