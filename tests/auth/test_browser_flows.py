"""Accounts and security in Debian's Chromium against a real `pulse serve` (issue 6).

What the in-process tests (test_login.py, test_access.py) prove with a test client, proven again
the way a person meets it: the /login form, the /admin and site settings pages' own JavaScript
(fetch + the session's CSRF token), a share link opened in a browser that has never seen Pulse.
Every check is an outcome: the HTTP status, the rows in the server's database, what a credential
can read afterwards, and the text on the page.

The login limit (5 attempts a minute per IP) covers every test here: the module logs in three
times in all (one wrong password, one right, one for the admin session the other tests share).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from tests.conftest import FIREFOX
from tests.support.browser import launch_chromium
from tests.support.server import ServerProcess, pulse_cli, pulse_serve

pytestmark = pytest.mark.browser

SITE = "shop.example"  # a viewer's site; the admin's token is scoped to it
OTHER = "other.example"  # nobody here shares or scopes anything to it
NEW_SITE = "blog.example"  # added through the admin page
ADMIN = "admin@example.com"
READER = "reader@example.com"
PASSWORD = "correct horse battery"
SHARE_PASSWORD = "shown on the tv"


def _accounts(env: Mapping[str, str]) -> None:
    """Before the server starts: with a user in the database it logs no setup link."""
    pulse_cli(env, "user", "create", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
    pulse_cli(env, "user", "create", READER, "--viewer", "--password-stdin", stdin=PASSWORD + "\n")
    pulse_cli(env, "user", "role", READER, "--site", SITE, "--role", "viewer")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with pulse_serve(
        tmp_path_factory.mktemp("auth"),
        setup=[("site", "add", SITE), ("site", "add", OTHER)],
        prepare=_accounts,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


def watch(page: Any) -> list[str]:
    """Console errors and uncaught exceptions of `page`, as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    # The console's "Failed to load resource" does not say which: the response does.
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    return problems


def cookie(context: Any, name: str) -> dict[str, Any] | None:
    return next((c for c in context.cookies() if c["name"] == name), None)


def http_status(url: str, token: str | None = None) -> int:
    """GET `url` outside any browser, with a Bearer token or nothing."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def collect(server: ServerProcess, domain: str) -> dict[str, Any]:
    body = json.dumps({"url": f"https://{domain}/", "visitor_id": "browser-test"}).encode()
    request = urllib.request.Request(
        f"{server.origin}/api/collect",
        data=body,
        headers={"Content-Type": "application/json", "User-Agent": FIREFOX},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def submit_login(page: Any, email: str, password: str) -> Any:
    """Fill and send the /login form on `page`; the POST's response."""
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith("/login")
    ) as answer:
        page.click("form[action='/login'] button[type=submit]")
    return answer.value


@pytest.fixture(scope="module")
def admin_state(browser: Any, server: ServerProcess) -> dict[str, Any]:
    """The admin's logged-in browser state (cookies), from one login through the form."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.origin}/login")
    assert submit_login(page, ADMIN, PASSWORD).status == 303
    # The default `next`: `/`, which sends a user with two sites to the overview (issue 19).
    page.wait_for_url(f"{server.origin}/sites")
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


def open_admin(browser: Any, server: ServerProcess, state: dict[str, Any]) -> tuple[Any, Any]:
    from playwright.sync_api import expect

    context = browser.new_context(storage_state=state)
    page = context.new_page()
    page.goto(f"{server.origin}/admin")
    expect(page.locator("#whoami")).to_have_text(ADMIN)  # /api/me answered: the script runs
    return context, page


def test_login_form_refuses_a_wrong_password_lands_on_next_and_logout_ends_the_session(
    browser: Any, server: ServerProcess
) -> None:
    from playwright.sync_api import expect

    origin = server.origin
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{origin}/live?site={SITE}")  # a protected page sends us to log in
        assert page.url == f"{origin}/login?next=/live%3Fsite%3D{SITE}"

        wrong = submit_login(page, READER, "not the password")
        assert wrong.status == 401
        expect(page.locator("p.error")).to_have_text("Wrong email or password.")
        assert cookie(context, "pulse_session") is None
        assert context.request.get(f"{origin}/api/me").status == 401

        problems = watch(page)
        right = submit_login(page, READER, PASSWORD)
        assert right.status == 303
        page.wait_for_url(f"{origin}/live?site={SITE}")  # the `next` the form carried
        session = cookie(context, "pulse_session")
        assert session is not None and session["httpOnly"] and session["sameSite"] == "Lax"
        me = context.request.get(f"{origin}/api/me").json()
        assert me["kind"] == "user" and me["user"]["email"] == READER and me["admin"] is False
        assert context.request.get(f"{origin}/api/v1/sites/{SITE}/realtime").status == 200
        assert context.request.get(f"{origin}/api/v1/sites/{OTHER}/realtime").status == 404
        page.wait_for_timeout(500)
        assert problems == []

        page.goto(f"{origin}/admin")
        expect(page.locator("#whoami")).to_have_text(READER)
        # A viewer is told where their things are; no admin section is even drawn.
        expect(page.locator("#not-admin")).to_be_visible()
        for form in ("#user-form", "#invite-form", "#token-form", "#require-2fa"):
            expect(page.locator(form)).to_have_count(0)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{origin}/login")
        assert cookie(context, "pulse_session") is None
        assert context.request.get(f"{origin}/api/me").status == 401
        # The cookie is dead on the server too, not only forgotten by this browser.
        replay = browser.new_context()
        replay.add_cookies([session])
        assert replay.request.get(f"{origin}/api/me").status == 401
        replay.close()
        page.goto(f"{origin}/admin")
        assert page.url == f"{origin}/login?next=/admin"
    finally:
        context.close()


def test_admin_page_creates_uses_and_revokes_an_api_token(
    browser: Any, server: ServerProcess, admin_state: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    context, page = open_admin(browser, server, admin_state)
    problems = watch(page)
    try:
        form = page.locator("#token-form")
        form.get_by_label("Scope").select_option(SITE)
        form.get_by_label("Label").fill("grafana")
        form.get_by_role("button", name="Create token").click()
        secret = page.locator("#new-token")  # shown this once, with a copy button
        expect(secret).to_have_text(re.compile(r"^pulse_\S{20,}$"))
        raw = secret.text_content()
        assert raw is not None
        row = page.locator("#token-list li", has_text="grafana")
        expect(row.locator(".pill")).to_have_text(f"read {SITE}")
        expect(row.locator("code")).to_have_text(raw[:12] + "…")
        stored = server.query("SELECT * FROM api_tokens WHERE label = 'grafana'")
        assert len(stored) == 1 and stored[0]["revoked_at"] is None
        assert raw not in json.dumps(stored)  # kept hashed

        realtime = f"{server.origin}/api/v1/sites/{{}}/realtime"
        assert http_status(realtime.format(SITE), raw) == 200
        assert http_status(realtime.format(OTHER), raw) == 404  # scoped to its site

        row.get_by_role("button", name="Revoke the token grafana").click()
        expect(row).to_have_count(0)  # only live tokens are listed
        assert server.query("SELECT revoked_at FROM api_tokens WHERE label = 'grafana'")[0][
            "revoked_at"
        ]
        assert http_status(realtime.format(SITE), raw) == 401  # at once, no restart
        assert problems == []
    finally:
        context.close()


def test_admin_adds_a_site_shares_it_behind_a_password_and_revokes_the_link(
    browser: Any, server: ServerProcess, admin_state: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    origin = server.origin
    context = browser.new_context(storage_state=admin_state)
    page = context.new_page()
    problems = watch(page)
    visitor = browser.new_context()  # a browser that never logged in
    try:
        page.goto(f"{origin}/sites/new")
        page.fill("#domain", NEW_SITE)
        page.fill("#timezone", "Europe/Berlin")
        page.select_option("#identity_mode", "cookieless")
        page.get_by_role("button", name="Add the site").click()
        page.wait_for_url(f"{origin}/sites/{NEW_SITE}/setup")
        sql = "SELECT id, timezone, identity_mode FROM sites WHERE domain = ?"
        (site_row,) = server.query(sql, (NEW_SITE,))
        assert (site_row["timezone"], site_row["identity_mode"]) == ("Europe/Berlin", "cookieless")
        assert collect(server, NEW_SITE)["accepted"] == 1  # the running server knows it at once

        page.goto(f"{origin}/sites/{NEW_SITE}/settings")
        form = page.locator("#share-form")
        form.locator("input[name=password]").fill(SHARE_PASSWORD)
        form.get_by_role("button", name="Create link").click()
        share_row = page.locator("#share-list li")
        expect(share_row.locator(".pill")).to_have_text("password")
        link = share_row.locator("code.share-url").text_content() or ""
        assert re.fullmatch(rf"{re.escape(origin)}/share/[\w-]{{16}}", link), link
        (stored,) = server.query(
            "SELECT password_hash, revoked_at FROM share_links WHERE site_id = ?",
            (site_row["id"],),
        )
        assert stored["password_hash"].startswith("$argon2id$") and stored["revoked_at"] is None

        enter_shared_view(visitor, link, NEW_SITE, origin)

        share_row.get_by_role("button", name=re.compile("^Revoke")).click()
        expect(share_row).to_have_count(0)
        (stored,) = server.query(
            "SELECT revoked_at FROM share_links WHERE site_id = ?", (site_row["id"],)
        )
        assert stored["revoked_at"] is not None
        # Whoever had the link is out at once, and the link itself is refused.
        realtime = f"{origin}/api/v1/sites/{NEW_SITE}/realtime"
        assert visitor.request.get(realtime).status == 401
        fresh = browser.new_context()
        refused = fresh.new_page().goto(link)
        assert refused is not None and refused.status == 404
        assert "revoked" in refused.text()
        assert "noindex" in refused.headers.get("x-robots-tag", "")
        fresh.close()
        assert problems == []
    finally:
        visitor.close()
        context.close()


def enter_shared_view(visitor: Any, link: str, domain: str, origin: str) -> None:
    """The share link in a fresh browser: the password prompt (never indexed), a wrong password
    refused, the right one opening a read-only view of that one site."""
    from playwright.sync_api import expect

    page = visitor.new_page()
    prompt = page.goto(link)
    assert prompt is not None and prompt.status == 200
    assert "noindex" in prompt.headers.get("x-robots-tag", "")
    assert "noindex" in (page.get_attribute('meta[name="robots"]', "content") or "")
    expect(page.locator("h1")).to_have_text("This shared view needs a password")
    realtime = f"{origin}/api/v1/sites/{domain}/realtime"
    assert visitor.request.get(realtime).status == 401  # the link alone opens nothing

    page.fill("#password", "a guess")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 401
    expect(page.locator("p.error")).to_have_text("Wrong password.")
    assert cookie(visitor, "pulse_share") is None
    assert visitor.request.get(realtime).status == 401

    problems = watch(page)
    page.fill("#password", SHARE_PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 303
    assert "noindex" in answer.value.headers.get("x-robots-tag", "")
    # Where the link lands is the dashboard's business (the wall today, `/` later): it is one
    # of Pulse's own pages, not a login form, and it loads without errors.
    page.wait_for_url(lambda url: "/share/" not in url)
    page.wait_for_load_state("load")
    assert page.url.startswith(origin + "/") and "/login" not in page.url, page.url
    page.wait_for_timeout(1500)  # its scripts fetch and connect
    assert problems == []
    # Read-only, for that site only.
    assert cookie(visitor, "pulse_share") is not None
    assert visitor.request.get(realtime).status == 200
    assert visitor.request.get(f"{origin}/api/v1/sites/{SITE}/realtime").status == 404
    change = visitor.request.post(f"{origin}/api/admin/sites", data={"domain": "evil.example"})
    assert change.status == 403


FETCH_POST = """async ([path, token]) => {
  const headers = {"Content-Type": "application/json"};
  if (token) headers["X-CSRF-Token"] = token;
  const body = JSON.stringify({domain: "csrf.example"});
  const r = await fetch(path, {method: "POST", headers, body});
  return [r.status, await r.text()];
}"""
FORM_POST = """() => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/logout";
  document.body.appendChild(form);
  form.submit();
}"""


def test_state_changes_without_the_csrf_token_are_refused(
    browser: Any, server: ServerProcess, admin_state: dict[str, Any]
) -> None:
    origin = server.origin
    context, page = open_admin(browser, server, admin_state)
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    try:
        # The session cookie goes along (same origin), the token does not: refused.
        status, body = page.evaluate(FETCH_POST, ["/api/admin/sites", None])
        assert status == 403 and "CSRF" in body
        status, _ = page.evaluate(FETCH_POST, ["/api/admin/sites", "forged-token"])
        assert status == 403
        assert server.query("SELECT id FROM sites WHERE domain = 'csrf.example'") == []

        # A form posted without the hidden field, as a forged form would be.
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.evaluate(FORM_POST)
        assert answer.value.status == 403
        page.wait_for_url(f"{origin}/logout")  # the refusal page has replaced the admin page
        assert context.request.get(f"{origin}/api/me").status == 200  # still logged in

        # The control: the same request with the admin page's token goes through.
        page.goto(f"{origin}/admin")  # back from the refusal the form navigated to
        status, _ = page.evaluate(FETCH_POST, ["/api/admin/sites", token])
        assert status == 200
        assert len(server.query("SELECT id FROM sites WHERE domain = 'csrf.example'")) == 1
    finally:
        context.close()
