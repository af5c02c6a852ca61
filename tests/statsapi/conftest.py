"""Seeded traffic for the Plausible Stats API tests: a few visits over 45 days on a fake clock,
countries from the bundled geo database (X-Forwarded-For behind one trusted hop), a Signup
event and two goals — so each Plausible answer can be compared with Pulse's own API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from app.clock import FakeClock
from tests.backends import BACKENDS, Database
from tests.conftest import FIREFOX, SITE, make_token, wait_for_rows

HOUR = 3_600_000
DAY = 24 * HOUR
NOW = 1_768_397_400_000  # 2026-01-14T13:30Z (the site's zone is UTC)
IPS = {"DE": "88.198.1.7", "US": "8.8.8.7", "FR": "62.210.16.7"}
# (visitor, hours before NOW, country, referrer, [pages], custom event or None)
VISITS: list[tuple[str, float, str, str | None, list[str], str | None]] = [
    ("v1", 3.5, "DE", "https://www.google.com/", ["/", "/blog/a"], "Signup"),
    ("v2", 28.5, "US", None, ["/blog/b"], None),
    ("v3", 75, "DE", "https://t.co/xyz", ["/pricing", "/Blog/c"], None),
    ("v4", 20 * 24, "FR", "https://www.google.com/", ["/"], None),
    ("v1", 22 * 24, "DE", "https://www.google.com/", ["/blog/a/deep"], "Signup"),
    ("v5", 40 * 24, "US", None, ["/"], None),
    ("v6", 45 * 24, "DE", None, ["/blog/a", "/x"], None),
]
N_EVENTS = sum(len(p) + (e is not None) for _, _, _, _, p, e in VISITS)


@pytest.fixture(scope="module", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def app(make_app: Callable[..., Quart]) -> AsyncIterator[Quart]:
    quart_app = make_app(trusted_proxy_hops=1)
    async with quart_app.test_app():
        yield quart_app


async def _post(client: TestClientProtocol, ip: str, body: dict[str, Any]) -> None:
    headers = {"User-Agent": FIREFOX, "X-Forwarded-For": ip}
    response = await client.post("/api/collect", json=body, headers=headers)
    assert response.status_code == 202, await response.get_data(as_text=True)


@pytest.fixture
async def seeded(
    client: TestClientProtocol, clock: FakeClock, db: Database, admin_headers: dict[str, str]
) -> None:
    for visitor, hours, country, referrer, pages, event in sorted(VISITS, key=lambda v: -v[1]):
        at = NOW - int(hours * HOUR)
        for i, path in enumerate(pages):
            clock.set(at + i * 60_000)
            body: dict[str, Any] = {"url": f"https://{SITE}{path}", "visitor_id": visitor}
            if i == 0 and referrer:
                body["referrer"] = referrer
            await _post(client, IPS[country], body)
        if event:
            clock.set(at + len(pages) * 60_000)
            last = f"https://{SITE}{pages[-1]}"
            await _post(
                client, IPS[country], {"url": last, "visitor_id": visitor, "event_type": event}
            )
    clock.set(NOW)
    await wait_for_rows(db, N_EVENTS)
    for goal in ({"name": "Signup", "event": "Signup"}, {"name": "Blog", "page": "/blog/**"}):
        path = f"/api/v1/sites/{SITE}/goals"
        response = await client.post(path, json=goal, headers=admin_headers)
        assert response.status_code in (200, 201), await response.get_data(as_text=True)


@pytest.fixture
async def read_headers(migrated: Any) -> dict[str, str]:
    """A read-only token for the site: what a Plausible API key is in Pulse."""
    return {"Authorization": f"Bearer {await make_token(migrated, SITE)}"}


class Api:
    """GETs and POSTs with a header set, answering (status, JSON)."""

    def __init__(self, client: TestClientProtocol, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    async def get(self, path: str) -> tuple[int, Any]:
        response = await self.client.get(path, headers=self.headers)
        return response.status_code, await response.get_json()

    async def post(self, path: str, body: Any) -> tuple[int, Any]:
        response = await self.client.post(path, json=body, headers=self.headers)
        return response.status_code, await response.get_json()


@pytest.fixture
def plausible(client: TestClientProtocol, read_headers: dict[str, str]) -> Api:
    return Api(client, read_headers)


@pytest.fixture
def pulse(client: TestClientProtocol, admin_headers: dict[str, str]) -> Api:
    return Api(client, admin_headers)
