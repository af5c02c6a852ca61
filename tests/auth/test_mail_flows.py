"""Invitations and password resets by email, against a real SMTP server (aiosmtpd): an
invitation with "send": true emails its link, which creates the account; a reset request always
answers 202 (no account enumeration) and emails an existing account a single-use, 1-hour link
stored hashed; the reset page sets a password under the policy and ends every session; the
requests are rate-limited."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Callable

import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from app.clock import FakeClock
from app.settings import Settings
from tests.auth.helpers import add_user, hidden, login
from tests.auth.test_invitations import NEW, accept
from tests.conftest import SITE, rows
from tests.support.smtp import Inbox

LINK = re.compile(r"https://pulse\.example(/(?:invite|reset)/[\w-]+)")


@pytest.fixture
async def app(make_app: Callable[..., Quart], smtp_server: Inbox) -> AsyncIterator[Quart]:
    quart_app = make_app(smtp_url=smtp_server.url, public_url="https://pulse.example")
    async with quart_app.test_app():
        yield quart_app


def link_in(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(1)


async def test_an_invitation_sent_by_email(
    app: Quart, admin_headers: dict[str, str], smtp_server: Inbox
) -> None:
    client = app.test_client()
    body = {"email": "bea@example.com", "site": SITE, "role": "viewer", "send": True}
    made = await client.post("/api/admin/invitations", json=body, headers=admin_headers)
    assert made.status_code == 201
    answer = await made.get_json()
    assert answer["sent"] is True
    (mail,) = await smtp_server.wait_for(1)
    assert mail.recipients == ["bea@example.com"]
    assert mail.message["Subject"] == f"You are invited to {SITE} on Pulse"
    path = link_in(mail.text)
    assert path == answer["path"] and f'href="https://pulse.example{path}"' in mail.html
    assert await accept(app.test_client(), path) == 303
    bad = await client.post(
        "/api/admin/invitations", json={**body, "send": "yes"}, headers=admin_headers
    )
    assert bad.status_code == 400 and (await bad.get_json())["field"] == "send"


async def test_sending_an_invitation_needs_smtp(
    make_app: Callable[..., Quart], admin_headers: dict[str, str]
) -> None:
    plain = make_app()
    async with plain.test_app():
        body = {"email": "bea@example.com", "site": SITE, "role": "viewer", "send": True}
        refused = await plain.test_client().post(
            "/api/admin/invitations", json=body, headers=admin_headers
        )
        assert refused.status_code == 400 and (await refused.get_json())["field"] == "send"


async def reset(client: TestClientProtocol, path: str, password: str) -> int:
    page = await client.get(path)
    if page.status_code != 200:
        return page.status_code
    token = hidden(await page.get_data(as_text=True), "csrf_token")
    answer = await client.post(path, form={"csrf_token": token, "password": password})
    return answer.status_code


async def test_password_reset_by_email(
    app: Quart, migrated: Settings, smtp_server: Inbox, clock: FakeClock, db: object
) -> None:
    await add_user(migrated, "ana@example.com")
    signed_in = app.test_client()
    assert await login(signed_in, "ana@example.com") == 303
    assert (await signed_in.get("/api/me")).status_code == 200
    anyone = app.test_client()
    # The same answer for an account and for no account; only the account gets an email.
    for email in ("nobody@example.com", "Ana@Example.com"):
        answer = await anyone.post("/api/auth/reset", json={"email": email})
        assert answer.status_code == 202 and await answer.get_json() == {"status": "accepted"}
    (mail,) = await smtp_server.wait_for(1)
    assert mail.recipients == ["ana@example.com"]
    path = link_in(mail.text)
    raw = path.rsplit("/", 1)[1]
    stored = [r[0] for r in rows(db, "SELECT token_hash FROM password_resets")]  # type: ignore[arg-type]
    assert stored == [hashlib.sha256(raw.encode()).hexdigest()]  # hashed at rest
    assert await reset(app.test_client(), path, "password123") == 400  # the policy applies
    assert await reset(app.test_client(), path, NEW) == 303
    assert (await signed_in.get("/api/me")).status_code == 401  # its sessions ended
    assert await login(app.test_client(), "ana@example.com") == 401
    assert await login(app.test_client(), "ana@example.com", NEW) == 303
    assert await reset(app.test_client(), path, "another long passphrase") == 404  # single use
    # A second link expires after an hour.
    await anyone.post("/api/auth/reset", json={"email": "ana@example.com"})
    (_, second) = await smtp_server.wait_for(2)
    clock.advance(minutes=61)
    assert await reset(app.test_client(), link_in(second.text), "another long passphrase") == 404
    assert (await anyone.get("/reset/short")).status_code == 404
    bad = await anyone.post("/api/auth/reset", json={})
    assert bad.status_code == 400 and (await bad.get_json())["field"] == "email"


async def test_reset_requests_are_rate_limited(
    app: Quart, migrated: Settings, smtp_server: Inbox
) -> None:
    await add_user(migrated, "ana@example.com")
    client = app.test_client()
    codes = [
        (await client.post("/api/auth/reset", json={"email": "ana@example.com"})).status_code
        for _ in range(6)
    ]
    assert codes == [202] * 5 + [429]
    limited = await client.post("/api/auth/reset", json={"email": "ana@example.com"})
    assert int(limited.headers["Retry-After"]) > 0
    await smtp_server.wait_for(3)
    assert len(smtp_server.messages) == 3  # 3 emails an hour per account, the rest silently not
    foreign = await client.post(
        "/api/auth/reset",
        json={"email": "x@example.com"},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
