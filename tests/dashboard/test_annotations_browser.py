"""Annotations on the trend chart in Chromium (issue 20): an existing note drawn as a marker
(a one-bucket note as a markLine, a longer one as a markArea, on the buckets the API's time
series names) and named in the tooltip; a note added by clicking a bucket exists through the
API and can be removed from the list; a share link sees the markers but cannot add or remove.
Screenshots (light, dark, a phone) go to $PULSE_SCREENSHOTS when it is set."""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.conftest import DEMO_SITE, DashboardServer, Visit, open_dashboard, wait_until
from tests.dashboard.test_dashboard_browser import close

pytestmark = pytest.mark.browser
NOTES = f"/api/v1/sites/{DEMO_SITE}/annotations"


def call(server: DashboardServer, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{server.origin}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def notes(server: DashboardServer) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = call(server, "GET", NOTES)["annotations"]
    return answer


def marks(page: Any) -> dict[str, Any]:
    """The trend's main series' markLine and markArea data, as ECharts holds them."""
    return page.evaluate(
        """() => {
            const s = echarts.getInstanceByDom(document.getElementById('trend-chart'))
                .getOption().series[0];
            return {
                lines: (s.markLine.data || []).map((d) => [d.xAxis, d.name]),
                areas: (s.markArea.data || []).map((d) => [d[0].xAxis, d[1].xAxis, d[0].name]),
            };
        }"""
    )


def bucket_point(page: Any, index: int) -> dict[str, float]:
    """Where bucket `index` is on the page, halfway up the plot."""
    return page.evaluate(
        """(index) => {
            const el = document.getElementById('trend-chart');
            const chart = echarts.getInstanceByDom(el);
            const box = el.getBoundingClientRect();
            const x = chart.convertToPixel({ xAxisIndex: 0 }, index);
            return { x: box.left + x, y: box.top + box.height / 2 };
        }""",
        index,
    )


def shoot(visit: Visit, name: str) -> None:
    folder = os.environ.get("PULSE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        visit.page.wait_for_timeout(600)
        visit.page.locator("#trend-card").screenshot(path=str(Path(folder) / f"{name}.png"))


def _days(server: DashboardServer) -> list[str]:
    return [p["bucket"][:10] for p in server.api("timeseries", range="7d")["points"]]


def test_existing_notes_are_markers_with_their_text_in_the_tooltip(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    days = _days(dashboard_server)
    point = call(
        dashboard_server, "POST", NOTES, {"text": "Deploy 4.2", "start": f"{days[4]}T12:00:00Z"}
    )
    band = call(
        dashboard_server,
        "POST",
        NOTES,
        {"text": "Spring sale <b>", "date_from": days[1], "date_to": days[2]},
    )
    visit = open_dashboard(browser, dashboard_server)
    page = visit.page
    try:
        wait_until(page, "document.getElementById('trend-chart').dataset.notes !== undefined")
        drawn = marks(page)
        assert [4, "Deploy 4.2"] in drawn["lines"]
        assert [1, 2, "Spring sale <b>"] in drawn["areas"]
        listed = page.locator("#trend-notes li").all_text_contents()
        assert any("Deploy 4.2" in t for t in listed) and any("Spring sale" in t for t in listed)
        # The tooltip of a bucket in the band names the note, as text (escaped, no tag made).
        spot = bucket_point(page, 2)
        page.mouse.move(spot["x"], spot["y"])
        tip = page.locator(".chart-tip .tip-annotation-text")
        tip.first.wait_for(state="visible", timeout=5000)
        assert tip.all_text_contents() == ["Spring sale <b>"]
        page.mouse.move(spot["x"] + 1, spot["y"] + 1)  # still there after a small move
        shoot(visit, "trend-notes-1440-light")
        page.click("#theme")
        page.wait_for_timeout(400)
        assert [4, "Deploy 4.2"] in marks(page)["lines"]  # redrawn in the dark palette
        shoot(visit, "trend-notes-1440-dark")
        assert visit.problems == []
    finally:
        close(visit)
        for note in (point, band):
            call(dashboard_server, "DELETE", f"{NOTES}/{note['id']}")


def test_a_note_added_from_the_chart_exists_and_can_be_removed(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    days = _days(dashboard_server)
    visit = open_dashboard(browser, dashboard_server)
    page = visit.page
    try:
        assert page.is_visible("#note-open")
        spot = bucket_point(page, 3)
        page.mouse.click(spot["x"], spot["y"])
        assert page.is_visible("#note-form")
        assert page.input_value("#note-date") == days[3]  # the clicked bucket's day
        assert page.evaluate("document.activeElement.id") == "note-text"
        page.keyboard.type("Newsletter sent")
        page.keyboard.press("Enter")
        visit.ready()
        [added] = [n for n in notes(dashboard_server) if n["text"] == "Newsletter sent"]
        expected = date.fromisoformat(days[3])
        assert added["start"] == f"{expected.isoformat()}T00:00:00Z"  # the demo site is UTC
        assert added["end"] == f"{(expected + timedelta(days=1)).isoformat()}T00:00:00Z"
        assert page.is_hidden("#note-form")
        assert [3, "Newsletter sent"] in marks(page)["lines"]
        # A time makes it an instant; an error from the API is shown in the form.
        page.click("#note-open")
        page.fill("#note-text", "x" * 1000 + "y")  # maxlength keeps it at 1000
        page.fill("#note-date", days[5])
        page.fill("#note-time", "09:30")
        page.fill("#note-end-date", days[4])  # before the start: the API's 400 names `end`
        page.click("#note-form button[type=submit]")
        wait_until(page, "document.getElementById('note-error').textContent !== ''")
        assert "end" in page.text_content("#note-error")
        page.keyboard.press("Escape")
        assert page.is_hidden("#note-form")
        # Removed from the list: gone from the API and from the chart.
        page.click(f"#trend-notes li[data-id='{added['id']}'] .note-remove")
        visit.ready()
        gone = f"!document.querySelector(`#trend-notes li[data-id='{added['id']}']`)"
        wait_until(page, gone)
        assert all(n["id"] != added["id"] for n in notes(dashboard_server))
        assert [3, "Newsletter sent"] not in marks(page)["lines"]
        # Chromium logs the refused POST itself; nothing else went wrong.
        assert [p for p in visit.problems if "status of 400" not in p] == []
    finally:
        close(visit)
        for note in notes(dashboard_server):
            if note["text"] == "Newsletter sent":
                call(dashboard_server, "DELETE", f"{NOTES}/{note['id']}")


def test_a_share_link_sees_the_notes_but_cannot_add_or_remove(
    browser: Any, dashboard_server: DashboardServer
) -> None:
    days = _days(dashboard_server)
    note = call(dashboard_server, "POST", NOTES, {"text": "Shared note", "date": days[5]})
    visit = open_dashboard(browser, dashboard_server, dashboard_server.share, logged_in=False)
    page = visit.page
    try:
        wait_until(page, "document.getElementById('trend-chart').dataset.notes !== undefined")
        assert [5, "Shared note"] in marks(page)["lines"]
        assert page.is_hidden("#note-open")
        spot = bucket_point(page, 2)
        page.mouse.click(spot["x"], spot["y"])
        page.wait_for_timeout(200)
        assert page.is_hidden("#note-form")
        assert page.locator("#trend-notes .note-remove").count() == 0
        assert visit.problems == []  # the page itself asked nothing it may not
        shared = page.evaluate(
            """(path) => fetch(path, {method: 'POST',
                headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({text: 'sneaky', date: '2026-01-01'}),
            }).then((r) => r.status)""",
            NOTES,
        )
        assert shared == 403
    finally:
        close(visit)
        call(dashboard_server, "DELETE", f"{NOTES}/{note['id']}")
