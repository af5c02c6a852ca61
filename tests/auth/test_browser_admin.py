"""/admin in the dashboard's design (issue 19) and the sign-in pages in light and dark, in
Debian's Chromium against a real `pulse serve` with a real SMTP server (aiosmtpd).

The server starts with no account: its setup link makes the admin, who lands on /admin and,
from there, adds users with a role, changes a role per site, deletes one, invites by email,
creates and revokes an API token, requires two-factor sign-in (refused until their own is on)
and sends a test email. Every check is an outcome (the database, the inbox, what a token can
read). Each sign-in page is opened in light and dark: the page follows the system's scheme and
the dashboard's stored choice. Screenshots go to $PULSE_SCREENSHOTS when set."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest

from app.reports.tokens import make as unsubscribe_token
from tests.support.browser import console_problems, screenshot, wait_ready
from tests.support.server import ServerProcess, pulse_serve
from tests.support.smtp import Inbox, Mail, running_smtp

pytestmark = pytest.mark.browser

SHOP, BLOG = "shop.example", "blog.example"
ADMIN, VERA, FAY = "admin@example.com", "vera@example.com", "fay@example.com"
KIM = "kim@example.com"
PASSWORD = "correct horse battery"
SECRET_KEY = "a test secret key, 32 characters or more"
SCHEMES = (("light", {"width": 1280, "height": 900}), ("dark", {"width": 1280, "height": 900}))
MOBILE = {"width": 390, "height": 844}
BACKGROUND = "getComputedStyle(document.body).backgroundColor"
API = """async ([method, path, body]) => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"};
  const init = {method, headers};
  if (body !== null) init.body = JSON.stringify(body);
  const r = await fetch(path, init);
  return {status: r.status, body: r.status === 204 ? null : await r.json()};
}"""


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with running_smtp() as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[ServerProcess]:
    env = {"PULSE_SMTP_URL": inbox.url, "PULSE_SECRET_KEY": SECRET_KEY}
    env["PULSE_SMTP_FROM"] = "Pulse <pulse@example.com>"
    setup = [("site", "add", SHOP), ("site", "add", BLOG)]
    with pulse_serve(tmp_path_factory.mktemp("admin"), setup=setup, env=env) as running:
        yield running


def mail_to(inbox: Inbox, address: str, containing: str = "", timeout: float = 10.0) -> Mail:
    """The latest message to `address` whose text has `containing` (waiting for it)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in inbox.to(address) if containing in m.text]
        if found:
            return found[-1]
        assert time.monotonic() < deadline, f"no mail to {address} with {containing!r}"
        time.sleep(0.05)


def both_schemes(chromium: Any, url: str, name: str, status: int = 200) -> None:
    """The page in a light and a dark system: it follows, on the dashboard's own colours."""
    backgrounds = []
    for scheme, viewport in SCHEMES:
        context = chromium.new_context(color_scheme=scheme, viewport=viewport)
        page = context.new_page()
        problems = console_problems(page)
        answer = page.goto(url)
        assert answer is not None and answer.status == status, (name, answer and answer.status)
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        backgrounds.append(page.evaluate(BACKGROUND))
        screenshot(page, f"{name}-{scheme}")
        # A 404 page: the browser logs the document's own status as a console error.
        others = [p for p in problems if status == 200 or f"status of {status}" not in p]
        assert others == [], (name, scheme, others)
        context.close()
    assert backgrounds == ["rgb(246, 247, 249)", "rgb(13, 17, 23)"], (name, backgrounds)


@pytest.fixture(scope="module")
def admin_state(chromium: Any, server: ServerProcess) -> dict[str, Any]:
    """No account yet: the setup link from the server's log makes the admin, on /admin."""
    found = re.search(r"/setup/[\w-]+", server.log_path.read_text())
    assert found is not None, server.log_path.read_text()
    both_schemes(chromium, f"{server.origin}{found.group(0)}", "auth-setup")
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{server.origin}{found.group(0)}")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.origin}/admin")
    wait_ready(page)
    assert page.locator("#whoami").inner_text() == ADMIN
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


def open_admin(chromium: Any, server: ServerProcess, state: dict[str, Any]) -> tuple[Any, Any]:
    context = chromium.new_context(
        storage_state=state, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.goto(f"{server.origin}/admin")
    wait_ready(page)
    return context, page


def roles_of(server: ServerProcess, email: str) -> dict[str, str]:
    rows = server.query(
        "SELECT s.domain, r.role FROM site_roles r JOIN sites s ON s.id = r.site_id"
        " JOIN users u ON u.id = r.user_id WHERE u.email = ?",
        (email,),
    )
    return {row["domain"]: row["role"] for row in rows}


def test_users_are_added_with_a_role_changed_per_site_invited_and_deleted(
    chromium: Any, server: ServerProcess, admin_state: dict[str, Any], inbox: Inbox
) -> None:
    from playwright.sync_api import expect

    context, page = open_admin(chromium, server, admin_state)
    problems = console_problems(page)
    form = page.locator("#user-form")
    form.get_by_label("Email", exact=True).fill(VERA)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_label("Site", exact=True).select_option(SHOP)
    form.get_by_label("Role there").select_option("viewer")
    form.get_by_role("button", name="Add user").click()
    vera = page.locator(f'#user-list li[data-user="{VERA}"]')
    expect(vera.get_by_label(SHOP, exact=True)).to_have_value("viewer")
    assert roles_of(server, VERA) == {SHOP: "viewer"}

    vera.get_by_label(BLOG, exact=True).select_option("owner")  # a role changed in place, per site
    expect(vera.locator("[role=status]")).to_have_text(f"Saved: owner on {BLOG}.")
    vera.get_by_label(SHOP, exact=True).select_option("")
    expect(vera.locator("[role=status]")).to_have_text(f"Saved: no access on {SHOP}.")
    assert roles_of(server, VERA) == {BLOG: "owner"}

    invite = page.locator("#invite-form")
    invite.get_by_label("Email", exact=True).fill(FAY)
    invite.get_by_label("Site", exact=True).select_option(BLOG)
    invite.get_by_label("Role", exact=True).select_option("viewer")
    invite.get_by_role("button", name="Create invitation").click()
    link = page.locator("#invite-link code")
    expect(link).to_have_text(re.compile(rf"^{re.escape(server.origin)}/invite/\S+$"))
    assert (link.text_content() or "").split("/invite/")[1] in mail_to(inbox, FAY, "/invite/").text

    form.get_by_label("Email", exact=True).fill(KIM)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Add user").click()
    kim = page.locator(f'#user-list li[data-user="{KIM}"]')
    expect(kim.get_by_label(SHOP, exact=True)).to_have_value("")  # no role yet
    page.on("dialog", lambda dialog: dialog.accept())
    kim.get_by_role("button", name=f"Delete {KIM}").click()
    expect(kim).to_have_count(0)
    assert server.query("SELECT id FROM users WHERE email = ?", (KIM,)) == []
    assert len(server.query("SELECT id FROM users WHERE email = ?", (VERA,))) == 1
    assert page.locator(f'#user-list li[data-user="{ADMIN}"]').get_by_role("button").count() == 0
    assert problems == []
    context.close()


def test_a_token_is_shown_once_works_and_is_revoked(
    chromium: Any, server: ServerProcess, admin_state: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    context, page = open_admin(chromium, server, admin_state)
    form = page.locator("#token-form")
    form.get_by_label("Label").fill("wall screen")
    form.get_by_label("Scope").select_option(SHOP)
    form.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_have_text(re.compile(r"^pulse_\S{20,}$"))
    raw = page.locator("#new-token").text_content() or ""
    page.get_by_role("button", name="Copy token").click()
    assert page.evaluate("navigator.clipboard.readText()") == raw
    realtime = f"{server.origin}/api/v1/sites/{SHOP}/realtime"
    bearer = {"Authorization": f"Bearer {raw}"}
    assert httpx.get(realtime, headers=bearer).status_code == 200
    page.get_by_role("button", name="Revoke the token wall screen").click()
    expect(page.locator("#token-list li", has_text="wall screen")).to_have_count(0)
    assert httpx.get(realtime, headers=bearer).status_code == 401
    context.close()


def test_require_two_factor_is_refused_until_the_admins_own_is_on(
    chromium: Any, server: ServerProcess, admin_state: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    context, page = open_admin(chromium, server, admin_state)
    page.click("#require-2fa")
    expect(page.locator("#require-2fa-error")).to_contain_text("turn on your own two-factor")
    assert not page.is_checked("#require-2fa")
    begun = page.evaluate(API, ["POST", "/api/account/totp", None])
    code = pyotp.TOTP(begun["body"]["secret"]).now()
    enabled = page.evaluate(API, ["POST", "/api/account/totp/enable", {"code": code}])
    assert enabled["status"] == 200
    page.check("#require-2fa")
    expect(page.locator("#require-2fa-saved")).to_contain_text("Saved: users without")
    assert page.evaluate(API, ["GET", "/api/admin/instance", None])["body"]["require_two_factor"]
    page.keyboard.press("Space")  # the checkbox has the focus: off again from the keyboard
    expect(page.locator("#require-2fa-saved")).to_have_text("Saved: two-factor is optional.")
    assert not page.evaluate(API, ["GET", "/api/admin/instance", None])["body"][
        "require_two_factor"
    ]
    context.close()


def test_mail_settings_are_shown_and_a_test_email_reaches_the_admin(
    chromium: Any, server: ServerProcess, admin_state: dict[str, Any], inbox: Inbox
) -> None:
    from playwright.sync_api import expect

    context, page = open_admin(chromium, server, admin_state)
    expect(page.get_by_label("From address")).to_have_value("Pulse <pulse@example.com>")
    expect(page.get_by_label("Status")).to_have_value("Configured")
    before = len(inbox.to(ADMIN))
    page.get_by_role("button", name="Send a test email").click()
    expect(page.locator("#test-email-result")).to_contain_text(f"Sent to {ADMIN}")
    assert len(inbox.to(ADMIN)) == before + 1
    assert mail_to(inbox, ADMIN).message["Subject"] == "Pulse test email"
    context.close()


def test_admin_page_in_light_dark_and_on_a_phone(
    chromium: Any, server: ServerProcess, admin_state: dict[str, Any]
) -> None:
    for scheme, viewport, suffix in (*((s, v, s) for s, v in SCHEMES), ("dark", MOBILE, "mobile")):
        context = chromium.new_context(
            color_scheme=scheme, viewport=viewport, storage_state=admin_state
        )
        page = context.new_page()
        problems = console_problems(page)
        page.goto(f"{server.origin}/admin")
        wait_ready(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('#sections input, #sections select')]
               .filter((n) => n.type !== 'hidden' && !n.labels.length).map((n) => n.name)"""
        )
        assert unlabelled == []  # a label on every field
        screenshot(page, f"admin-{suffix}")
        assert problems == []
        context.close()


def test_sign_in_pages_follow_the_light_or_dark_theme(
    chromium: Any, server: ServerProcess, admin_state: dict[str, Any], inbox: Inbox
) -> None:
    origin = server.origin
    both_schemes(chromium, f"{origin}/login", "auth-login")
    context, page = open_admin(chromium, server, admin_state)
    invited = page.evaluate(
        API,
        [
            "POST",
            "/api/admin/invitations",
            {"email": "gus@example.com", "site": SHOP, "role": "viewer"},
        ],
    )
    both_schemes(chromium, f"{origin}{invited['body']['path']}", "auth-invite")
    shared = page.evaluate(API, ["POST", f"/api/admin/sites/{SHOP}/shares", {"password": PASSWORD}])
    both_schemes(chromium, f"{origin}{shared['body']['path']}", "auth-share")
    report = {"email": "reader@example.com", "interval": "weekly", "hour": 8}
    made = page.evaluate(API, ["POST", f"/api/v1/sites/{SHOP}/email-reports", report])
    token = unsubscribe_token(SECRET_KEY.encode(), made["body"]["id"], report["email"])
    both_schemes(chromium, f"{origin}/unsubscribe/{token}", "auth-unsubscribe")
    both_schemes(chromium, f"{origin}/unsubscribe/1.nope", "auth-unsubscribed", 404)
    context.close()
    httpx.post(f"{origin}/api/auth/reset", json={"email": ADMIN})
    reset = re.search(r"/reset/[\w.-]+", mail_to(inbox, ADMIN, "/reset/").text)
    assert reset is not None
    both_schemes(chromium, f"{origin}{reset.group(0)}", "auth-reset")
    for scheme, viewport in SCHEMES:  # the admin has two-factor on (the test above)
        fresh = chromium.new_context(color_scheme=scheme, viewport=viewport)
        page = fresh.new_page()
        page.goto(f"{origin}/login")
        page.fill("#email", ADMIN)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#code")
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        screenshot(page, f"auth-totp-{scheme}")
        fresh.close()
    # The dashboard's stored choice wins over the system's, on these pages too.
    chosen = chromium.new_context(color_scheme="light")
    chosen.add_init_script("localStorage.setItem('pulse-theme', 'dark')")
    page = chosen.new_page()
    page.goto(f"{origin}/login")
    assert page.evaluate(BACKGROUND) == "rgb(13, 17, 23)"
    page.set_viewport_size(MOBILE)
    screenshot(page, "auth-login-mobile-dark")
    chosen.close()
