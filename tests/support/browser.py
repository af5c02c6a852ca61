"""Debian's Chromium through sync Playwright, for the browser tests of every package.

Use it from a module-scoped fixture: sync Playwright holds a running event loop on its thread
until it stops, and pytest-asyncio cannot start its own loop (async tests elsewhere) meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("PULSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_services() -> bool:
    return os.environ.get("PULSE_REQUIRE_SERVICES") == "1"


def chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    message = (
        f"{CHROMIUM} not found: install Debian's chromium "
        "(`apt-get update && apt-get install -y chromium`) to run the browser tests"
    )
    if require_services():
        pytest.fail(message + " (PULSE_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """A headless Chromium (skips the test when it is not installed)."""
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def console_problems(page: Any) -> list[str]:
    """A list that fills with `page`'s uncaught exceptions and console errors as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return problems


def wait_ready(page: Any) -> None:
    """Until the settings/admin/account page says it has drawn (`data-ready="1"`)."""
    page.wait_for_function("() => document.documentElement.dataset.ready === '1'", timeout=15_000)


def screenshot(page: Any, name: str, full: bool = True) -> None:
    """`name`.png in $PULSE_SCREENSHOTS, when set (for a person to look at)."""
    folder = os.environ.get("PULSE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full)
