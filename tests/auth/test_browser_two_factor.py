"""Two-factor sign-in in Debian's Chromium against a real `pulse serve` (issue 19): a signed-in
user turns TOTP on (the page's own fetch with the session's CSRF token, the code computed here
from the secret as an authenticator app would), then a fresh browser signs in with the password
and the code, and lands where it was going. Screenshots of the code form, light, dark and
mobile, go to $PULSE_SCREENSHOTS when set."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.support.browser import launch_chromium
from tests.support.server import ServerProcess, pulse_cli, pulse_serve

pytestmark = pytest.mark.browser

SITE = "shop.example"
EMAIL = "ana@example.com"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    def accounts(env: Any) -> None:
        pulse_cli(env, "user", "create", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")

    with pulse_serve(
        tmp_path_factory.mktemp("totp"), setup=[("site", "add", SITE)], prepare=accounts
    ) as running:
        yield running


def sign_in(page: Any, origin: str, target: str) -> None:
    page.goto(f"{origin}/login?next={target}")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shoot(page: Any, name: str) -> None:
    folder = os.environ.get("PULSE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_turn_on_two_factor_and_sign_in_with_a_code(server: ServerProcess) -> None:
    origin = server.origin
    with launch_chromium() as chromium:
        mine = chromium.new_context()
        page = mine.new_page()
        sign_in(page, origin, "/admin")
        assert page.url == f"{origin}/admin"
        enabled = page.evaluate(
            """async () => {
              const csrf = document.querySelector('meta[name="csrf-token"]').content;
              const headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"};
              const begun = await fetch("/api/account/totp", {method: "POST", headers});
              return await begun.json();
            }"""
        )
        code = pyotp.TOTP(enabled["secret"]).now()
        answer = page.evaluate(
            """async (code) => {
              const csrf = document.querySelector('meta[name="csrf-token"]').content;
              const headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"};
              const r = await fetch("/api/account/totp/enable",
                                    {method: "POST", headers, body: JSON.stringify({code})});
              return {status: r.status, body: await r.json()};
            }""",
            code,
        )
        assert answer["status"] == 200 and len(answer["body"]["recovery_codes"]) == 10

        for scheme, viewport, name in (
            ("light", {"width": 1280, "height": 800}, "totp-light"),
            ("dark", {"width": 1280, "height": 800}, "totp-dark"),
            ("light", {"width": 390, "height": 844}, "totp-mobile"),
        ):
            fresh = chromium.new_context(color_scheme=scheme, viewport=viewport)
            other = fresh.new_page()
            sign_in(other, origin, f"/live?site={SITE}")
            assert "/login" in other.url and other.locator("#code").is_visible()
            assert other.locator("label[for=code]").inner_text().startswith("Code from")
            shoot(other, name)
            fresh.close()

        # One more fresh browser signs in with the next code (the enabling one is spent).
        fresh = chromium.new_context()
        other = fresh.new_page()
        sign_in(other, origin, f"/live?site={SITE}")
        other.fill("#code", "000000")
        other.click("button[type=submit]")
        assert "does not work" in other.locator(".error").inner_text()
        totp = pyotp.TOTP(enabled["secret"])
        fresh_code = totp.now() if totp.now() != code else totp.at(int(time.time()) + 30)
        other.fill("#code", fresh_code)
        other.click("button[type=submit]")
        other.wait_for_url(f"{origin}/live?site={SITE}")
        assert other.url == f"{origin}/live?site={SITE}"
