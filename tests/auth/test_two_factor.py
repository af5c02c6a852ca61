"""Two-factor sign-in (issue 19): enable TOTP with a code computed here from the secret (as an
authenticator app would), sign in with password then code, refuse a wrong or replayed code,
sign in once with each recovery code, and turn it off with the password."""

from __future__ import annotations

import pyotp
from quart import Quart
from quart.typing import TestClientProtocol

from app.clock import FakeClock
from app.settings import Settings
from tests.auth.helpers import PASSWORD, add_user, csrf_of, hidden, login
from tests.conftest import SITE


async def password_step(client: TestClientProtocol, email: str) -> tuple[int, str]:
    page = await (await client.get("/login")).get_data(as_text=True)
    form = {"email": email, "password": PASSWORD, "next": "/live"}
    answer = await client.post("/login", form={**form, "csrf_token": hidden(page, "csrf_token")})
    return answer.status_code, await answer.get_data(as_text=True)


async def code_step(client: TestClientProtocol, page: str, code: str) -> tuple[int, str]:
    form = {
        "csrf_token": hidden(page, "csrf_token"),
        "pending": hidden(page, "pending"),
        "next": hidden(page, "next"),
        "code": code,
    }
    answer = await client.post("/login/totp", form=form)
    return answer.status_code, answer.headers.get("Location", "")


async def test_two_factor_sign_in_end_to_end(
    migrated: Settings, app: Quart, clock: FakeClock
) -> None:
    await add_user(migrated, "ana@example.com", roles={SITE: "viewer"})
    me = app.test_client()
    assert await login(me, "ana@example.com") == 303
    csrf = {"X-CSRF-Token": await csrf_of(me)}
    assert await (await me.get("/api/account/totp")).get_json() == {"enabled": False}
    begun = await (await me.post("/api/account/totp", headers=csrf)).get_json()
    assert begun["uri"].startswith("otpauth://totp/Pulse:ana%40example.com?secret=")
    app_code = pyotp.TOTP(begun["secret"])
    now_s = clock.now_ms() // 1000
    wrong = await me.post("/api/account/totp/enable", json={"code": "000000"}, headers=csrf)
    assert wrong.status_code == 400 and (await wrong.get_json())["field"] == "code"
    enabled = await me.post(
        "/api/account/totp/enable", json={"code": app_code.at(now_s)}, headers=csrf
    )
    assert enabled.status_code == 200
    recovery = (await enabled.get_json())["recovery_codes"]
    assert len(recovery) == 10 and len(set(recovery)) == 10

    # The password alone no longer signs in: it leads to the code form.
    other = app.test_client()
    status, page = await password_step(other, "ana@example.com")
    assert status == 200 and 'name="pending"' in page
    assert (await other.get(f"/api/v1/sites/{SITE}/summary")).status_code == 401
    assert (await code_step(other, page, "123456"))[0] == 401
    clock.advance(seconds=30)  # the enabling code's step is spent; the next one signs in
    assert await code_step(other, page, app_code.at(clock.now_ms() // 1000)) == (303, "/live")
    assert (await other.get(f"/api/v1/sites/{SITE}/summary")).status_code == 200

    # The same code again (overheard) does not sign in a second browser.
    third = app.test_client()
    _, page = await password_step(third, "ana@example.com")
    assert (await code_step(third, page, app_code.at(clock.now_ms() // 1000)))[0] == 401
    # A recovery code works once.
    assert (await code_step(third, page, recovery[0]))[0] == 303
    fourth = app.test_client()
    _, page = await password_step(fourth, "ana@example.com")
    assert (await code_step(fourth, page, recovery[0]))[0] == 401
    # A forged or expired proof of the password is refused.
    forged = page.replace(hidden(page, "pending"), "1." + "9" * 13 + ".00")
    assert (await code_step(fourth, forged, recovery[1]))[0] == 401
    clock.advance(minutes=6)
    assert (await code_step(fourth, page, recovery[1]))[0] == 401

    # Off again with the password (not without it).
    refused = await me.delete(
        "/api/account/totp", json={"password": "wrong password"}, headers=csrf
    )
    assert refused.status_code == 403
    off = await me.delete("/api/account/totp", json={"password": PASSWORD}, headers=csrf)
    assert off.status_code == 200
    assert await login(app.test_client(), "ana@example.com") == 303


async def test_codes_are_rate_limited_per_account(
    migrated: Settings, app: Quart, clock: FakeClock
) -> None:
    await add_user(migrated, "ana@example.com")
    me = app.test_client()
    assert await login(me, "ana@example.com") == 303
    csrf = {"X-CSRF-Token": await csrf_of(me)}
    secret = (await (await me.post("/api/account/totp", headers=csrf)).get_json())["secret"]
    code = pyotp.TOTP(secret).at(clock.now_ms() // 1000)
    assert (
        await me.post("/api/account/totp/enable", json={"code": code}, headers=csrf)
    ).status_code == 200
    guesser = app.test_client()
    _, page = await password_step(guesser, "ana@example.com")
    for guess in range(5):
        assert (await code_step(guesser, page, f"{guess:06d}"))[0] == 401
    assert (await code_step(guesser, page, "999999"))[0] == 429


async def test_tokens_have_no_two_factor(
    client: TestClientProtocol, admin_headers: dict[str, str]
) -> None:
    assert (await client.post("/api/account/totp", headers=admin_headers)).status_code == 403
