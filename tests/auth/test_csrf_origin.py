"""The CSRF Origin check and `Origin: null` (found by tests/auth/test_browser_flows.py).

A page served with `Referrer-Policy: no-referrer` (the share-link password page) makes the
browser send `Origin: null` even when the form posts to the page's own origin. Fetch Metadata's
`Sec-Fetch-Site: same-origin` tells that case apart from a sandboxed frame or a data: URL."""

from __future__ import annotations

import pytest
from quart.typing import TestClientProtocol

from app.settings import Settings
from tests.auth.helpers import PASSWORD, add_user, hidden


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, 303),
        ({"Origin": "null"}, 403),  # no metadata: nothing says it is ours
        ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, 403),
        ({"Origin": "null", "Sec-Fetch-Site": "same-site"}, 403),  # a sibling subdomain
        ({"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"}, 403),
    ],
)
async def test_a_null_origin_passes_only_as_same_origin_fetch_metadata(
    migrated: Settings, client: TestClientProtocol, headers: dict[str, str], status: int
) -> None:
    await add_user(migrated, "ana@example.com")
    page = await (await client.get("/login")).get_data(as_text=True)
    form = {"email": "ana@example.com", "password": PASSWORD}
    response = await client.post(
        "/login", form={**form, "csrf_token": hidden(page, "csrf_token")}, headers=headers
    )
    assert response.status_code == status
