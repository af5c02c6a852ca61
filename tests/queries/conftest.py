"""Report tests read as an admin: the Accounts guard refuses anonymous reads (tests/auth proves
that); here the subject is the numbers. Every test runs against SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from quart import Quart

from tests.backends import BACKENDS


@pytest.fixture(scope="module", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class AuthorisedClient:
    def __init__(self, app: Quart, headers: dict[str, str]) -> None:
        self._client = app.test_client()
        self._headers = headers

    async def get(self, path: str, **kwargs: Any) -> Any:
        headers = {**self._headers, **kwargs.pop("headers", {})}
        return await self._client.get(path, headers=headers, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def client(app: Quart, admin_headers: dict[str, str]) -> AuthorisedClient:
    return AuthorisedClient(app, admin_headers)
