"""The first load stays fast (issue 14): the Goals card's report and the Pages card's engagement
columns are each one SQL scan (250-700 ms at 300k events), so the dashboard asks the goal report
only when the card comes near the screen, and time on page / scroll depth only when the
Engagement tab is chosen. Requests recorded by Playwright."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dashboard.conftest import DashboardServer, open_dashboard
from tests.dashboard.test_dashboard_browser import close

pytestmark = pytest.mark.browser


def _engagement(visit: Any) -> list[dict[str, str]]:
    return [q for q in visit.requested("/breakdown/page") if "time_on_page" in q.get("metrics", "")]


def test_goals_wait_until_scrolled_near_and_engagement_until_its_tab(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    visit = open_dashboard(browser, dashboard_server)
    page = visit.page
    try:
        page.wait_for_timeout(500)  # an observer that fired late would have asked by now
        assert visit.requested("/summary"), "the first load happened"
        assert visit.requested("/goals/report") == []
        assert _engagement(visit) == []
        assert page.get_attribute("#goals", "data-loaded") is None
        visit.see("goals")
        assert len(visit.requested("/goals/report")) == 1
        # Seen once, the card follows the view like every other: one new request per change.
        page.select_option("#range", "28d")
        visit.ready()
        assert [q["range"] for q in visit.requested("/goals/report")] == ["7d", "28d"]
        assert _engagement(visit) == []
        page.click("#pages .tab[data-tab=engagement]")
        visit.ready()
        [asked] = _engagement(visit)
        assert asked["range"] == "28d"
        assert page.locator("#pages thead th").all_text_contents()[1:] == [
            "Visitors",
            "Time",
            "Scroll",
        ]
        assert visit.problems == []
    finally:
        close(visit)
