"""Passwords (issue 19): the policy refuses whitespace-only, invisible-padded and common
passwords; a signed-in user changes their own password and every other session ends; an
operator resets one with `pulse user password EMAIL`."""

from __future__ import annotations

import subprocess
import sys

import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from app.auth.passwords import PasswordError, check_strength
from app.settings import Settings
from tests.auth.helpers import PASSWORD, add_user, csrf_of, login
from tests.conftest import SITE

NEW = "a brand new passphrase"


@pytest.mark.parametrize(
    "password",
    [
        " " * 12,
        "\t\n" * 8,
        "abc\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b",  # zero-width spaces pad it
        "abcdefg\u202e\u202e\u202e\u202e",
        "password123",
        "QWERTYUIOP",
        "1234567890",
        "short",
    ],
)
def test_the_policy_refuses_weak_passwords(password: str) -> None:
    with pytest.raises(PasswordError):
        check_strength(password)


def test_the_policy_accepts_a_real_passphrase() -> None:
    assert check_strength("correct horse battery") == "correct horse battery"
    assert check_strength("Zürich in der Nacht") == "Zürich in der Nacht"


async def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(
    migrated: Settings, app: Quart
) -> None:
    await add_user(migrated, "ana@example.com", roles={SITE: "viewer"})
    here, elsewhere = app.test_client(), app.test_client()
    for client in (here, elsewhere):
        assert await login(client, "ana@example.com") == 303
    summary = f"/api/v1/sites/{SITE}/summary"
    assert (await elsewhere.get(summary)).status_code == 200
    token = await csrf_of(here)
    change = "/api/account/password"
    wrong = await here.post(
        change,
        json={"current_password": "not my password", "new_password": NEW},
        headers={"X-CSRF-Token": token},
    )
    assert wrong.status_code == 403 and (await wrong.get_json())["field"] == "current_password"
    weak = await here.post(
        change,
        json={"current_password": PASSWORD, "new_password": "password123"},
        headers={"X-CSRF-Token": token},
    )
    assert weak.status_code == 400 and (await weak.get_json())["field"] == "new_password"
    missing = await here.post(
        change, json={"current_password": PASSWORD}, headers={"X-CSRF-Token": token}
    )
    assert missing.status_code == 400 and (await missing.get_json())["field"] == "new_password"
    no_csrf = await here.post(change, json={"current_password": PASSWORD, "new_password": NEW})
    assert no_csrf.status_code == 403
    done = await here.post(
        change,
        json={"current_password": PASSWORD, "new_password": NEW},
        headers={"X-CSRF-Token": token},
    )
    assert done.status_code == 200
    assert (await elsewhere.get(summary)).status_code == 401  # the other session is over
    assert (await here.get(summary)).status_code == 200  # this browser got a fresh one
    assert await login(app.test_client(), "ana@example.com") == 401  # the old password
    assert await login(app.test_client(), "ana@example.com", NEW) == 303


async def test_a_token_has_no_password_to_change(
    client: TestClientProtocol, admin_headers: dict[str, str]
) -> None:
    body = {"current_password": PASSWORD, "new_password": NEW}
    response = await client.post("/api/account/password", json=body, headers=admin_headers)
    assert response.status_code == 403


async def test_pulse_user_password_resets_and_ends_sessions(migrated: Settings, app: Quart) -> None:
    await add_user(migrated, "ana@example.com", admin=True)
    session = app.test_client()
    assert await login(session, "ana@example.com") == 303

    def reset(email: str, password: str) -> subprocess.CompletedProcess[str]:
        argv = ["--database-url", migrated.database_url, "user", "password", email]
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *argv, "--password-stdin"],
            input=password + "\n",
            capture_output=True,
            text=True,
        )

    assert reset("nobody@example.com", NEW).returncode != 0
    weak = reset("ana@example.com", "qwertyuiop")
    assert weak.returncode != 0 and "common" in weak.stderr
    done = reset("Ana@Example.com", NEW)
    assert done.returncode == 0, done.stderr
    assert (await session.get("/api/me")).status_code == 401
    assert await login(app.test_client(), "ana@example.com", NEW) == 303
