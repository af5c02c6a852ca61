"""The wall display in Debian's Chromium against a real `pulse serve` (issue 4).

The page loads from the server itself (same origin, so the websocket's Origin check passes),
entered through a share link as a TV on the wall would be; events are posted to /api/collect from
the test, and the page must show them without a reload. Screenshots land in the test's temporary
directory.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.live.conftest import WALL_SITE, LiveServer

pytestmark = pytest.mark.browser

ACTIVE = "Number(document.getElementById('active').textContent.replace(/[^0-9]/g, '') || -1)"
NO_SCROLL = (
    "document.documentElement.scrollHeight <= innerHeight"
    " && document.documentElement.scrollWidth <= innerWidth"
)


def wait_until(page: Any, expression: str, timeout_ms: int = 30_000) -> None:
    """page.wait_for_function evaluates its predicate with eval(), which the pages' CSP
    (script-src 'self') rightly forbids: poll from here instead, through the debugger protocol."""
    for _ in range(timeout_ms // 50):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"still false after {timeout_ms} ms: {expression}")


def open_wall(browser: Any, server: LiveServer, width: int, height: int) -> tuple[Any, Any, list]:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.goto(f"{server.origin}{server.share}")  # the share cookie; lands on the dashboard
    assert page.url.endswith(f"/?site={WALL_SITE}"), page.url
    page.goto(f"{server.origin}/live?site={WALL_SITE}")  # the dashboard's link to the wall
    return context, page, problems


def test_active_now_rises_after_events(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    context, page, problems = open_wall(browser, live_server, 1920, 1080)
    try:
        wait_until(page, "document.getElementById('status').dataset.state === 'live'")
        wait_until(page, f"{ACTIVE} >= 0")  # the first snapshot arrived
        before = page.evaluate(ACTIVE)
        for n in range(3):
            answer = live_server.post(f"/pricing/{n}", f"wall-visitor-{n}")
            assert answer["accepted"] == 1, answer
        # Pushed within the 1-s tick; 5 s leaves room for a loaded CI machine.
        wait_until(page, f"{ACTIVE} >= {before + 3}", timeout_ms=5000)
        wait_until(page, "document.querySelectorAll('#feed li').length >= 3")
        assert "/pricing/2" in page.text_content("#feed")
        assert "/pricing/" in page.text_content("#pages")
        assert page.evaluate("document.querySelectorAll('#chart canvas').length") >= 1
        assert page.evaluate(NO_SCROLL)
        page.screenshot(path=str(tmp_path / "wall-1920x1080.png"))
        page.set_viewport_size({"width": 3840, "height": 2160})
        page.wait_for_timeout(300)
        assert page.evaluate(NO_SCROLL)
        page.screenshot(path=str(tmp_path / "wall-3840x2160.png"))
        assert problems == []
    finally:
        context.close()


def test_falls_back_to_polling_when_websockets_are_blocked(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    # A proxy that kills every websocket handshake: the page must poll the REST snapshot.
    context.route_web_socket("**/ws/live*", lambda ws: ws.close(code=1006))
    page = context.new_page()
    try:
        page.goto(f"{live_server.origin}{live_server.share}")
        page.goto(f"{live_server.origin}/live?site={WALL_SITE}")
        # Three failed handshakes with backoff (<= 0.25-1 s, 2 s, 4 s) then a poll.
        wait_until(
            page, "document.getElementById('status').dataset.state === 'polling'", timeout_ms=15000
        )
        before = page.evaluate(ACTIVE)
        live_server.post("/polled", "polled-visitor")
        wait_until(page, f"{ACTIVE} > {before}", timeout_ms=12000)
        page.screenshot(path=str(tmp_path / "wall-polling.png"))
    finally:
        context.close()


def test_without_a_site_the_page_says_what_to_add(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        page.goto(f"{live_server.origin}{live_server.share}")  # the share cookie
        page.goto(f"{live_server.origin}/live")
        assert "?site=" in page.text_content("#missing")
        assert page.is_visible("#missing")
        # `hidden` wins over `.wall { display: grid }`: no empty panels under the help.
        assert page.is_hidden("#wall")
    finally:
        context.close()


# Every row of every list and of the feed lies whole inside its list and its panel.
ROWS_INSIDE = """() => [...document.querySelectorAll('.list ol, #feed')].flatMap((list) => {
  const panel = list.closest('.panel').getBoundingClientRect();
  const box = list.getBoundingClientRect();
  return [...list.children].filter((li) => {
    const r = li.getBoundingClientRect();
    return r.bottom > Math.min(box.bottom, panel.bottom) + 0.5 || r.right > panel.right + 0.5
      || r.top < panel.top;
  }).map((li) => list.closest('.panel').id + ': ' + li.textContent.slice(0, 40));
})"""
LONG_PATHS = ["/docs/" + "a-very-long-path-segment-" * 8, "/" + "\U0001f600" * 120]


def test_nothing_is_clipped_at_1080p_4k_and_portrait(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    for n in range(24):  # more rows than fit: pages, sources and the feed overflow
        answer = live_server.post(f"/clip/{n}" if n % 3 else LONG_PATHS[n % 2], f"clip-{n}")
        assert answer["accepted"] == 1, answer
        time.sleep(0.04)  # under the ingest rate limit (30 a second)
    context, page, problems = open_wall(browser, live_server, 1920, 1080)
    try:
        wait_until(page, "document.querySelectorAll('#feed li').length >= 5")
        for width, height in ((1920, 1080), (3840, 2160), (1080, 1920)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(1500)  # the next snapshot renders at this size
            assert page.evaluate(NO_SCROLL), (width, height)
            assert page.evaluate(ROWS_INSIDE) == [], (width, height)
            assert page.evaluate("document.querySelectorAll('#pages li').length") >= 3
            assert "updated" in page.text_content("#updated")
            assert page.text_content("#zone") == "UTC"
            shot = tmp_path / f"wall-{width}x{height}.png"
            page.screenshot(path=str(shot))
            if Path("/work/notes/shots-16").is_dir():
                shutil.copy(shot, Path("/work/notes/shots-16") / shot.name)
        assert problems == []
    finally:
        context.close()


def test_a_wall_without_updates_says_it_is_stale(browser: Any, live_server: LiveServer) -> None:
    context, page, _ = open_wall(browser, live_server, 1920, 1080)
    try:
        wait_until(page, "document.getElementById('wall').dataset.stale === 'no'")
        context.set_offline(True)  # the socket drops; polling fails too
        page.evaluate("window.pulseWall && window.pulseWall.close && window.pulseWall.close()")
        wait_until(page, "document.getElementById('wall').dataset.stale === 'yes'", 30_000)
        assert "stale" in page.text_content("#updated")
    finally:
        context.close()
