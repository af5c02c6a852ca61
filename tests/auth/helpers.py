"""Helpers for the accounts tests: users in the test database, logging in through the form."""

from __future__ import annotations

import re

from quart.typing import TestClientProtocol

from app.auth.users import create_user, set_role
from app.settings import Settings
from app.sites.store import list_sites
from app.storage.database import create_engine

PASSWORD = "correct horse battery"


async def add_user(
    settings: Settings, email: str, *, admin: bool = False, roles: dict[str, str] | None = None
) -> int:
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        user = await create_user(conn, email, PASSWORD, is_admin=admin, now_ms=0)
        by_domain = {s.domain: s.id for s in await list_sites(conn)}
        for domain, role in (roles or {}).items():
            await set_role(conn, user.id, by_domain[domain], role)
    await engine.dispose()
    return user.id


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" (?:content|value)="([^"]*)"', page)
    assert found, f"no {name} in page"
    return found.group(1)


async def login(client: TestClientProtocol, email: str, password: str = PASSWORD) -> int:
    page = await (await client.get("/login")).get_data(as_text=True)
    response = await client.post(
        "/login",
        form={"email": email, "password": password, "csrf_token": hidden(page, "csrf_token")},
    )
    return response.status_code


async def csrf_of(client: TestClientProtocol) -> str:
    """The logged-in session's CSRF token, as the admin page carries it."""
    page = await (await client.get("/admin")).get_data(as_text=True)
    return hidden(page, "csrf-token")
