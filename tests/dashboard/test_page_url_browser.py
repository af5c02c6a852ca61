"""The Pages card's Page URLs tab (issue 17) in Chromium: its rows are the API's page_url
breakdown (host and path, `dash.example/pricing`), and a row filters every panel by it, named
"Page URL" in the chip. Screenshots (light, dark, a phone) go to $PULSE_SCREENSHOTS when set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.conftest import DEMO_SITE, DashboardServer, Visit, open_dashboard
from tests.dashboard.test_dashboard_browser import assert_kpis_match, assert_rows_match, close, rows

pytestmark = pytest.mark.browser
TAB = "#pages .tab[data-dimension=page_url]"


def shoot(visit: Visit, name: str) -> None:
    folder = os.environ.get("PULSE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        visit.page.wait_for_timeout(400)
        visit.page.locator("#pages").screenshot(path=str(Path(folder) / f"{name}.png"))


def test_the_page_urls_tab_shows_the_api_s_rows_and_a_row_filters_by_it(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page, api = visit.page, dashboard_server.api
    try:
        page.click(TAB)
        visit.ready()
        shown = rows(page, "pages")
        assert_rows_match(shown, api("breakdown/page_url", range="7d"), ("visitors", "count"))
        assert all(row["value"].startswith(f"{DEMO_SITE}/") for row in shown)
        assert visit.requested("/breakdown/page_url"), "the tab asks its own dimension"
        shoot(visit, "page-urls-1440-light")
        top = shown[0]["value"]
        page.click(f"#pages tbody tr[data-value='{top}'] .row-button")
        visit.ready()
        assert page.text_content("#filter-chips .chip span") == f"Page URL is {top}"
        scoped = {"range": "7d", "filter": f"page_url=={top}"}
        assert_kpis_match(page, api("summary", **scoped))
        assert_rows_match(
            rows(page, "acquisition"),
            api("breakdown/source", **scoped),
            ("visitors", "bounce_rate"),
        )
        assert visit.problems == []
    finally:
        close(visit)


@pytest.mark.parametrize(("theme", "width"), [("dark", 1440), ("light", 390)])
def test_the_page_urls_tab_in_the_dark_and_on_a_phone(
    browser: Any, dashboard_server: DashboardServer, theme: str, width: int
) -> None:
    visit = open_dashboard(
        browser, dashboard_server, f"/?site={DEMO_SITE}", width=width, height=900, theme=theme
    )
    try:
        visit.see("pages")
        visit.page.click(TAB)
        visit.ready()
        assert visit.page.evaluate("document.documentElement.dataset.theme") == theme
        assert rows(visit.page, "pages"), "the tab shows rows"
        shoot(visit, f"page-urls-{width}-{theme}")
        assert visit.problems == []
    finally:
        close(visit)
