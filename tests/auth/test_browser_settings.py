"""The sites overview, onboarding, settings and account pages (issue 19) in Debian's Chromium
against a real `pulse serve`: signing in lands on /sites, whose active-now number moves when a
page view arrives; adding a site ends on its snippet, which waits live and reports the first
visit; the settings sections change the database (goals, share links, invitations, rules,
roles); "require two-factor" sends a user without it to enrol. Screenshots (light, dark,
mobile) go to $PULSE_SCREENSHOTS when set."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest

from tests.conftest import FIREFOX
from tests.support.browser import console_problems, screenshot, wait_ready
from tests.support.server import ServerProcess, pulse_cli, pulse_serve

pytestmark = pytest.mark.browser

SHOP, BLOG = "shop.example", "blog.example"
ADMIN, VIEWER = "admin@example.com", "vera@example.com"
PASSWORD = "correct horse battery"
VIEWS = (("light", {"width": 1280, "height": 900}), ("dark", {"width": 1280, "height": 900}))
MOBILE = {"width": 390, "height": 844}
ACTIVE_NOW = """([site, n]) =>
  document.querySelector(`li[data-site="${site}"] .active-now`).dataset.value === n"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    def accounts(env: Any) -> None:
        pulse_cli(env, "user", "create", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
        pulse_cli(
            env, "user", "create", VIEWER, "--viewer", "--password-stdin", stdin=PASSWORD + "\n"
        )
        pulse_cli(env, "user", "role", VIEWER, "--site", SHOP, "--role", "viewer")

    setup = [("site", "add", SHOP, "--name", "Shop"), ("site", "add", BLOG)]
    with pulse_serve(tmp_path_factory.mktemp("settings"), setup=setup, prepare=accounts) as running:
        yield running


@pytest.fixture(scope="module")
def admin_state(chromium: Any, server: ServerProcess) -> dict[str, Any]:
    """The admin's signed-in cookies, from one pass through the form (sign-ins are limited to
    5 a minute per account and per IP, so each browser below reuses them)."""
    context = chromium.new_context()
    page = context.new_page()
    sign_in(page, server.origin, next_path="/account")
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


def signed_in(chromium: Any, state: dict[str, Any], path: str, origin: str, **options: Any) -> Any:
    context = chromium.new_context(storage_state=state, **options)
    page = context.new_page()
    page.goto(f"{origin}{path}")
    return context, page


def visit(server: ServerProcess, site: str, path: str, visitor: str) -> None:
    event = {"url": f"https://{site}{path}", "visitor_id": visitor}
    headers = {"User-Agent": FIREFOX, "Content-Type": "application/json"}
    answer = httpx.post(f"{server.origin}/api/collect", json=[event], headers=headers)
    assert answer.status_code == 202, answer.text


def sign_in(page: Any, origin: str, email: str = ADMIN, next_path: str = "") -> None:
    page.goto(f"{origin}/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def screenshots(
    chromium: Any, state: dict[str, Any], server: ServerProcess, path: str, name: str
) -> None:
    """The page in light, dark and on a phone, each in a fresh signed-in browser."""
    for scheme, viewport, suffix in (*((s, v, s) for s, v in VIEWS), ("light", MOBILE, "mobile")):
        context = chromium.new_context(color_scheme=scheme, viewport=viewport, storage_state=state)
        page = context.new_page()
        problems = console_problems(page)
        page.goto(f"{server.origin}{path}")
        wait_ready(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (name, suffix, width)  # never scrolls sideways
        screenshot(page, f"{name}-{suffix}")
        assert problems == []
        context.close()


def test_signing_in_lands_on_the_overview_and_active_now_moves_live(
    chromium: Any, server: ServerProcess, admin_state: dict[str, Any]
) -> None:
    visit(server, BLOG, "/hello", "early-reader")
    context = chromium.new_context()
    page = context.new_page()
    problems = console_problems(page)
    sign_in(page, server.origin)  # no next: `/` sends a user with two sites to /sites
    assert page.url == f"{server.origin}/sites"
    wait_ready(page)
    cards = page.locator("#sites > li")
    assert cards.count() == 2
    blog = page.locator(f'li[data-site="{BLOG}"]')
    assert blog.locator(".visitors-today").inner_text() == "1"
    assert blog.locator(".visitors-7d").inner_text() == "1"
    shop = page.locator(f'li[data-site="{SHOP}"] .active-now')
    page.wait_for_function(ACTIVE_NOW, arg=[SHOP, "0"])
    visit(server, SHOP, "/", "live-one")
    visit(server, SHOP, "/cart", "live-two")
    page.wait_for_function(ACTIVE_NOW, arg=[SHOP, "2"])  # pushed over /ws/live, no reload
    assert shop.inner_text() == "2"
    assert page.locator("#add-site").is_visible()
    assert problems == []
    context.close()
    screenshots(chromium, admin_state, server, "/sites", "overview")


def test_adding_a_site_shows_the_snippet_and_waits_for_the_first_visit(
    chromium: Any, server: ServerProcess, admin_state: dict[str, Any]
) -> None:
    context, page = signed_in(
        chromium,
        admin_state,
        "/sites",
        server.origin,
        timezone_id="Europe/Berlin",
        permissions=["clipboard-read", "clipboard-write"],
    )
    problems = console_problems(page)
    wait_ready(page)
    page.click("#add-site")
    page.wait_for_url(f"{server.origin}/sites/new")
    wait_ready(page)
    assert page.input_value("#timezone") == "Europe/Berlin"  # guessed from the browser
    assert page.locator("label[for=domain]").inner_text() == "Domain"
    page.fill("#domain", "https://New.Example/landing")
    page.fill("#name", "New site")
    page.click("#new-site button[type=submit]")
    page.wait_for_url(f"{server.origin}/sites/new.example/setup")
    wait_ready(page)
    row = server.query("SELECT name, timezone FROM sites WHERE domain = 'new.example'")
    assert row == [{"name": "New site", "timezone": "Europe/Berlin"}]

    page.click("[data-copy=pulse]")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == (
        f'<script defer src="{server.origin}/js/pulse.js" data-site="new.example"></script>'
    )
    page.click("#tab-plausible")
    assert 'data-domain="new.example"' in page.locator("#panel-plausible code").inner_text()
    page.keyboard.press("ArrowRight")  # the tabs are keyboard-usable
    assert page.locator("#panel-umami").is_visible()
    assert "Waiting for the first visit" in page.inner_text("#wait-text")

    visit(server, "new.example", "/pricing", "first-visitor")
    page.wait_for_function(
        "() => document.getElementById('wait-state').dataset.state === 'received'",
        timeout=15_000,
    )
    text = page.inner_text("#wait-text")
    assert re.fullmatch(r"First visit received from /pricing, \d+ s ago", text), text
    assert page.locator("#wait-help").is_hidden()
    assert problems == []
    context.close()
    screenshots(chromium, admin_state, server, "/sites/new.example/setup", "onboarding")


def test_settings_sections_change_the_site(
    chromium: Any, server: ServerProcess, admin_state: dict[str, Any]
) -> None:
    clipboard = ["clipboard-read", "clipboard-write"]
    context, page = signed_in(
        chromium, admin_state, f"/?site={SHOP}", server.origin, permissions=clipboard
    )
    problems = console_problems(page)
    page.wait_for_selector("#admin-link:not([hidden])")
    page.click("#admin-link")  # the dashboard's header links to the site's settings
    page.wait_for_url(f"{server.origin}/sites/{SHOP}/settings")
    wait_ready(page)
    assert page.get_attribute("#back", "href") == f"/?site={SHOP}"

    # General and rules.
    page.fill("#general input[name=name]", "The Shop")
    page.click("#general button[type=submit]")
    page.wait_for_selector("#general .form-ok:text('Saved.')")
    page.fill("#rules textarea[name=excluded_paths]", "/admin/*\n/preview/**")
    page.click("#rules button[type=submit]")
    page.wait_for_selector("#rules .form-ok:not(:empty)")
    row = server.query("SELECT name, excluded_paths FROM sites WHERE domain = ?", (SHOP,))
    assert row[0]["name"] == "The Shop" and "/preview/**" in row[0]["excluded_paths"]

    # Goals: a 400 names the field next to it, then one is added and removed.
    page.fill("#goal-form input[name=name]", "Pricing")
    page.click("#goal-form button[type=submit]")
    page.wait_for_selector("#goal-form .form-error:not(:empty)")
    assert page.get_attribute("#goal-form input[name=target]", "aria-invalid") == "true"
    page.fill("#goal-form input[name=target]", "/pricing")
    page.click("#goal-form button[type=submit]")
    page.wait_for_selector("#goal-list li[data-goal=Pricing]")
    assert [r["name"] for r in server.query("SELECT name FROM goals")] == ["Pricing"]

    # Share links: create, copy, revoke.
    page.click("#share-form button[type=submit]")
    page.wait_for_selector("#share-list li")
    url = page.inner_text("#share-list .share-url")
    page.click("#share-list li button:text('Copy link')")
    assert page.evaluate("navigator.clipboard.readText()") == url
    slug = url.rsplit("/", 1)[-1]
    assert httpx.get(url, follow_redirects=False).status_code == 303  # it opens the view
    page.click("#share-list li button:text('Revoke')")
    page.wait_for_selector("#share-list li", state="detached")
    revoked = server.query("SELECT revoked_at FROM share_links WHERE slug = ?", (slug,))
    assert revoked[0]["revoked_at"] is not None

    # Members: a role by email for an existing account, an invitation link for a new one.
    page.fill("#role-form input[name=email]", VIEWER)
    page.select_option("#role-form select[name=role]", "owner")
    page.click("#role-form button[type=submit]")
    page.wait_for_selector(f'#member-list li[data-member="{VIEWER}"] .pill:text("owner")')
    page.fill("#invite-form input[name=email]", "newbie@example.com")
    page.click("#invite-form button[type=submit]")
    page.wait_for_selector('#invitation-list li[data-invitation="newbie@example.com"]')
    link = page.inner_text("#invitation-link .invitation-url")
    assert link.startswith(f"{server.origin}/invite/")
    assert httpx.get(link).status_code == 200  # the accept form
    roles = server.query(
        "SELECT role FROM site_roles JOIN users ON users.id = user_id WHERE email = ?", (VIEWER,)
    )
    assert roles == [{"role": "owner"}]
    expected = "the server responded with a status of 400"  # the goal without a page
    assert [p for p in problems if expected not in p] == []
    context.close()
    screenshots(chromium, admin_state, server, f"/sites/{SHOP}/settings", "settings")


def enrol(page: Any, shot: str = "") -> None:
    """Turn two-factor on through the account page, with a code computed from its secret."""
    page.click("#totp-begin")
    secret = page.inner_text("#totp-secret")
    assert page.locator("img.qr").evaluate("img => img.naturalWidth") > 0
    if shot:
        screenshot(page, shot)
    page.fill("#totp-confirm input[name=code]", pyotp.TOTP(secret).now())
    page.click("#totp-confirm button[type=submit]")
    page.wait_for_selector("#recovery li")
    assert page.locator("#recovery li").count() == 10


def test_required_two_factor_sends_a_user_to_enrol(
    chromium: Any, server: ServerProcess, admin_state: dict[str, Any]
) -> None:
    admin, page = signed_in(chromium, admin_state, "/admin", server.origin)
    problems = console_problems(page)
    wait_ready(page)
    page.click("#require-2fa")  # refused while the admin's own two-factor is off
    page.wait_for_selector("#instance .form-error:text('turn on your own')")
    assert not page.is_checked("#require-2fa")
    page.goto(f"{server.origin}/account")
    wait_ready(page)
    page.click("#instance-link a")  # the account page leads an admin to the instance settings
    page.wait_for_url(f"{server.origin}/admin")
    page.goto(f"{server.origin}/account")
    wait_ready(page)
    enrol(page)
    page.goto(f"{server.origin}/admin")
    wait_ready(page)
    page.check("#require-2fa")
    page.wait_for_selector("#instance .form-ok:not(:empty)")

    user = chromium.new_context(viewport=MOBILE)
    other = user.new_page()
    sign_in(other, server.origin, email=VIEWER)
    assert other.url == f"{server.origin}/account?enrol=1"
    wait_ready(other)
    assert other.locator("#enrol").is_visible()
    refused = other.evaluate("fetch('/api/v1/overview').then(r => r.status)")
    assert refused == 403
    enrol(other, "account-enrol-mobile")
    other.goto(f"{server.origin}/sites")  # enrolled: the pages open again
    wait_ready(other)
    assert other.url == f"{server.origin}/sites"

    # Users and tokens, for admins on the same page (/admin).
    page.reload()
    wait_ready(page)
    page.wait_for_selector(f'#user-list li[data-user="{VIEWER}"] .pill.ok')  # enrolled now
    page.fill("#token-form input[name=label]", "wall")
    page.click("#token-form button[type=submit]")
    assert page.locator("#new-token").inner_text().startswith("pulse_")
    page.click("#token-list li button:text('Revoke')")
    page.wait_for_selector("#token-list li", state="detached")
    assert server.query("SELECT revoked_at FROM api_tokens WHERE label = 'wall'")[0]["revoked_at"]
    page.uncheck("#require-2fa")
    page.wait_for_selector("#instance .form-ok:text('optional')")
    expected = "the server responded with a status of 400"  # the refused first check
    assert [p for p in problems if expected not in p] == []
    admin.close()
    user.close()
    screenshots(chromium, admin_state, server, "/account", "account")
