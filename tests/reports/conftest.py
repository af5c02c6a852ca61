"""Email report tests run against SQLite and PostgreSQL (tests/backends.py): the subscription
table, its once-only claim and the report's queries on either database."""

from __future__ import annotations

import pytest

from tests.backends import BACKENDS


@pytest.fixture(scope="module", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)
