"""The in-process embed tests run against SQLite and PostgreSQL (tests/backends.py): share
options, kiosk links and locked reports on either database."""

from __future__ import annotations

import pytest

from tests.backends import BACKENDS


@pytest.fixture(scope="module", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)
