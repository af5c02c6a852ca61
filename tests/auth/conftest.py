"""Accounts tests run against SQLite and PostgreSQL (tests/backends.py): users, roles, tokens
and share links on either database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.backends import BACKENDS
from tests.support.browser import launch_chromium


@pytest.fixture(scope="module", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium per browser-test module (tests/support/browser.py)."""
    with launch_chromium() as browser:
        yield browser
