"""A wall held to a filter says so (issue 21): a kiosk link locked to `country==DE` opens /live
showing only Germany's visits, and the header carries an "Only: Germany" chip, readable from
across a room at 1080p and 4K; a kiosk link without a lock shows none. In Debian's Chromium
against a real `pulse serve`; screenshots go to $PULSE_SCREENSHOTS when set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live.test_wall_browser import wait_until
from tests.support.browser import launch_chromium
from tests.support.server import ServerProcess, pulse_serve

pytestmark = pytest.mark.browser
SITE = "lock.example"
CHIP_SHOWN = "!document.getElementById('lock').hidden"
CHIP_PX = "parseFloat(getComputedStyle(document.getElementById('lock')).fontSize)"
CHIP_INSIDE = """(() => { const r = document.getElementById('lock').getBoundingClientRect();
  return r.width > 0 && r.right <= innerWidth && r.bottom <= innerHeight; })()"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with pulse_serve(tmp_path_factory.mktemp("lock"), setup=[("site", "add", SITE)]) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


def kiosk_path(server: ServerProcess, *options: str) -> str:
    created = server.cli("kiosk", "add", "--site", SITE, *options)
    return created.split()[-1]


def shoot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("PULSE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def test_a_locked_kiosk_wall_shows_its_filter_at_1080p_and_4k(
    browser: Any, server: ServerProcess, tmp_path: Path
) -> None:
    path = kiosk_path(server, "--label", "Berlin office", "--filter", "country==DE")
    token = path.rsplit("/", 1)[-1]
    answer = httpx.get(f"{server.origin}/api/v1/sites/{SITE}/lock", params={"kiosk": token})
    assert answer.json()["filters"] == [
        {"dimension": "country", "label": "Country", "op": "==", "value": "DE"}
    ]
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto(f"{server.origin}{path}")
        assert "kiosk=" in page.url
        wait_until(page, CHIP_SHOWN, 15_000)
        assert page.text_content("#lock") == "Only: Germany"
        assert "country==DE" in (page.get_attribute("#lock", "title") or "")
        wait_until(page, "document.getElementById('status').dataset.state === 'live'", 15_000)
        for (width, height), least_px in (((1920, 1080), 24), ((3840, 2160), 48)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(400)
            assert page.evaluate(CHIP_PX) >= least_px, (width, height)  # a TV across a room
            assert page.evaluate(CHIP_INSIDE), (width, height)
            shoot(page, tmp_path, f"wall-lock-{width}x{height}")
        assert problems == []
    finally:
        context.close()


def test_a_kiosk_without_a_lock_shows_no_chip(browser: Any, server: ServerProcess) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        page.goto(f"{server.origin}{kiosk_path(server, '--filter', 'hostname==shop.example')}")
        wait_until(page, CHIP_SHOWN, 15_000)  # the control: another lock reads as its own
        assert page.text_content("#lock") == "Only: Hostname = shop.example"
        page.goto(f"{server.origin}{kiosk_path(server, '--label', 'Lobby')}")
        wait_until(page, "document.getElementById('status').dataset.state === 'live'", 15_000)
        page.wait_for_timeout(500)  # the lock's answer has come (it precedes the socket)
        assert page.is_hidden("#lock")
    finally:
        context.close()
