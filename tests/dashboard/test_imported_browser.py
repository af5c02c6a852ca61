"""Imported history on the dashboard (issue 18): a small Plausible export imported with
`pulse import` (in-process, tests/imports) into the second site; the summary then answers
`"imported": true`, the page says so under the KPI cards (naming the import for an admin), and
"Leave out imported data" puts imported=false in the URL and in every report request, and the
numbers drop to the native ones. Screenshots go to $PULSE_SCREENSHOTS when it is set."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from tests.dashboard.conftest import OTHER_SITE, DashboardServer, open_dashboard
from tests.dashboard.test_dashboard_browser import NO_OVERFLOW, close, kpi
from tests.imports.fixture import write_zip
from tests.imports.support import pulse_import

pytestmark = pytest.mark.browser
PERIOD = "range=custom&from=2025-06-01&to=2025-06-03"
VIEW = f"/?site={OTHER_SITE}&{PERIOD}"


@pytest.fixture(scope="module")
def imported(dashboard_server: DashboardServer, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The fixture's three days of June 2025 in OTHER_SITE (no native traffic there)."""
    export = write_zip(tmp_path_factory.mktemp("import") / "plausible.zip")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{dashboard_server.db_path}")
    with ThreadPoolExecutor(1) as pool:  # sync Playwright may hold this thread's event loop
        pool.submit(asyncio.run, pulse_import(settings, "plausible", export, site=OTHER_SITE))
        pool.shutdown(wait=True)


def _shoot(visit: Any, name: str) -> None:
    folder = os.environ.get("PULSE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        visit.page.wait_for_timeout(600)
        visit.page.screenshot(path=str(Path(folder) / f"{name}.png"))


def test_imported_days_are_marked_and_can_be_left_out(
    browser: Any, dashboard_server: DashboardServer, imported: None
) -> None:
    api = dashboard_server.api
    days = {"range": "custom", "from": "2025-06-01", "to": "2025-06-03"}
    counted = api("summary", site=OTHER_SITE, **days)
    native = api("summary", site=OTHER_SITE, **days, imported="false")
    assert counted["imported"] is True
    assert counted["metrics"]["visitors"]["value"] == 16  # 10 + 5 + 1 + 0 (tests/imports)
    visit = open_dashboard(browser, dashboard_server, VIEW)
    page = visit.page
    try:
        assert page.is_visible("#imported")
        note = page.text_content("#imported-note") or ""
        assert "Plausible" in note and "3 days" in note, note  # the import, as the API lists it
        assert kpi(page, "visitors") == 16
        assert not page.is_checked("#imported-toggle")
        _shoot(visit, "imported-1440-light")
        page.check("#imported-toggle")
        visit.ready()
        assert "imported=false" in page.url
        assert kpi(page, "visitors") == native["metrics"]["visitors"]["value"] == 0
        for report in ("/summary", "/timeseries", "/breakdown/source", "/breakdown/country"):
            assert visit.requested(report)[-1].get("imported") == "false", report
        assert page.is_visible("#imported") and page.is_checked("#imported-toggle")
        # The URL keeps it: a reload (or a shared link) opens with imported data left out.
        page.reload()
        visit.ready()
        assert page.is_checked("#imported-toggle") and kpi(page, "visitors") == 0
        page.uncheck("#imported-toggle")
        visit.ready()
        assert "imported=false" not in page.url and kpi(page, "visitors") == 16
        assert visit.problems == []
    finally:
        close(visit)


def test_no_note_without_imported_days(browser: Any, dashboard_server: DashboardServer) -> None:
    visit = open_dashboard(browser, dashboard_server)  # the demo site: native days only
    try:
        assert visit.page.is_hidden("#imported")
    finally:
        close(visit)


def test_the_imported_note_on_a_phone_and_in_dark(
    browser: Any, dashboard_server: DashboardServer, imported: None
) -> None:
    visit = open_dashboard(browser, dashboard_server, VIEW, width=390, height=844, theme="dark")
    try:
        assert visit.page.is_visible("#imported")
        assert visit.page.evaluate(NO_OVERFLOW)
        _shoot(visit, "imported-390-dark")
        assert visit.problems == []
    finally:
        close(visit)
