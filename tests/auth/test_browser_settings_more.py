"""The settings sections for email reports, data (retention, imports, export), share-link embeds
and wall links, in Debian's Chromium against a real `pulse serve` with an SMTP server: each is
driven through its form and its effect checked through the API (an admin token, no cookies).
Screenshots of the whole page (light, dark, mobile) go to $PULSE_SCREENSHOTS when set."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auth.test_browser_settings import MOBILE, VIEWS, sign_in, signed_in
from tests.imports.fixture import SUFFIX, TABLES
from tests.support.browser import console_problems, screenshot, wait_ready
from tests.support.server import ServerProcess, pulse_cli, pulse_serve
from tests.support.smtp import Inbox, running_smtp

pytestmark = pytest.mark.browser

SHOP = "shop.example"
ADMIN, PASSWORD = "admin@example.com", "correct horse battery"
SETTINGS = f"/sites/{SHOP}/settings"
BAD_REQUEST = "the server responded with a status of 400"  # the 400s the tests provoke
CLIPBOARD = ["clipboard-read", "clipboard-write"]


class Server(ServerProcess):
    token: str = ""

    def api(self, path: str) -> Any:
        answer = httpx.get(f"{self.origin}{path}", headers=self.bearer())
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, path: str, **options: Any) -> Any:
        return httpx.post(f"{self.origin}{path}", headers=self.bearer(), **options)

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with running_smtp() as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[Server]:
    token: list[str] = []

    def prepare(env: Any) -> None:
        pulse_cli(env, "user", "create", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
        found = re.search(r"pulse_\S+", pulse_cli(env, "token", "create", "--admin"))
        assert found is not None
        token.append(found.group(0))

    setup = [("site", "add", SHOP, "--name", "Shop", "--timezone", "Europe/Berlin")]
    env = {"PULSE_SMTP_URL": inbox.url}
    tmp = tmp_path_factory.mktemp("settings-more")
    with pulse_serve(tmp, setup=setup, prepare=prepare, env=env, kind=Server) as running:
        running.token = token[0]
        yield running


@pytest.fixture(scope="module")
def admin_state(chromium: Any, server: Server) -> dict[str, Any]:
    context = chromium.new_context()
    page = context.new_page()
    sign_in(page, server.origin, next_path="/account")
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


def settings_page(
    chromium: Any, state: dict[str, Any], server: Server
) -> tuple[Any, Any, list[str]]:
    context, page = signed_in(chromium, state, SETTINGS, server.origin, permissions=CLIPBOARD)
    problems = console_problems(page)
    wait_ready(page)
    return context, page, problems


def test_email_reports_are_added_and_removed(
    chromium: Any, server: Server, admin_state: dict[str, Any]
) -> None:
    context, page, problems = settings_page(chromium, admin_state, server)
    reports = f"/api/v1/sites/{SHOP}/email-reports"
    assert page.locator("#no-smtp").is_hidden()  # the server has PULSE_SMTP_URL
    assert "Europe/Berlin" in page.inner_text("#report-form")  # the hour's zone is the site's
    page.fill("#report-form input[name=email]", "not-an-address")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-form .form-error:text('not an email address')")
    assert page.get_attribute("#report-form input[name=email]", "aria-invalid") == "true"
    page.fill("#report-form input[name=email]", "Boss@Shop.example")
    page.select_option("#report-form select[name=interval]", "monthly")
    page.select_option("#report-form select[name=hour]", "7")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector('#report-list li[data-report="boss@shop.example"]')
    (made,) = server.api(reports)["email_reports"]
    assert (made["email"], made["interval"], made["hour"]) == ("boss@shop.example", "monthly", 7)
    assert "Monthly at 07:00 Europe/Berlin" in page.inner_text("#report-list")
    page.click("#report-list button:text('Remove')")
    page.wait_for_selector("#report-list li", state="detached")
    assert server.api(reports)["email_reports"] == []
    assert [p for p in problems if BAD_REQUEST not in p] == []
    context.close()


def test_without_smtp_the_section_says_so(
    chromium: Any, server: Server, admin_state: dict[str, Any]
) -> None:
    context = chromium.new_context(storage_state=admin_state)
    page = context.new_page()

    def no_smtp(route: Any) -> None:  # the server's answer, as one without PULSE_SMTP_URL
        answer = route.fetch()
        route.fulfill(response=answer, json={**answer.json(), "smtp_configured": False})

    page.route(f"**/api/v1/sites/{SHOP}/email-reports", no_smtp)
    page.goto(f"{server.origin}{SETTINGS}")
    wait_ready(page)
    assert page.locator("#no-smtp").is_visible()
    assert "no SMTP server configured" in page.inner_text("#no-smtp")
    assert page.is_disabled("#report-form button[type=submit]")
    context.close()


def test_retention_is_saved_and_a_bad_value_named(
    chromium: Any, server: Server, admin_state: dict[str, Any]
) -> None:
    context, page, problems = settings_page(chromium, admin_state, server)
    field = "#retention-form input[name=keep_raw_days]"
    assert page.input_value(field) == ""  # forever
    page.fill(field, "1")
    page.click("#retention-form button[type=submit]")
    page.wait_for_selector("#retention-form .form-error:text('keep_raw_days must be')")
    assert page.get_attribute(field, "aria-invalid") == "true"
    page.fill(field, "90")
    page.click("#retention-form button[type=submit]")
    page.wait_for_selector("#retention-form .form-ok:text('kept 90 days')")
    (site,) = server.api("/api/admin/sites")
    assert site["keep_raw_days"] == 90
    page.reload()
    wait_ready(page)
    assert page.input_value(field) == "90"
    page.fill(field, "")
    page.click("#retention-form button[type=submit]")
    page.wait_for_selector("#retention-form .form-ok:text('forever')")
    assert server.api("/api/admin/sites")[0]["keep_raw_days"] is None
    assert [p for p in problems if BAD_REQUEST not in p] == []
    context.close()


def test_a_plausible_csv_is_imported_listed_and_removed_and_a_bad_one_located(
    chromium: Any, server: Server, admin_state: dict[str, Any], tmp_path: Path
) -> None:
    imports = f"/api/v1/sites/{SHOP}/imports"
    good = tmp_path / f"imported_visitors{SUFFIX}.csv"
    good.write_text(TABLES["imported_visitors"], encoding="utf-8")
    (tmp_path / "bad").mkdir()
    bad = tmp_path / "bad" / f"imported_visitors{SUFFIX}.csv"
    bad.write_text(TABLES["imported_visitors"].replace(",12,", ",x,"), encoding="utf-8")
    context, page, problems = settings_page(chromium, admin_state, server)
    page.set_input_files("#import-form input[name=file]", str(bad))
    page.click("#import-form button[type=submit]")
    error = page.wait_for_selector("#import-form .form-error:not(:empty)")
    assert "line 2, column 5: 'x' is not a whole number" in error.inner_text()
    assert "nothing was imported" in error.inner_text()
    assert server.api(imports)["imports"] == []

    page.select_option("#import-form select[name=source]", "plausible")
    page.set_input_files("#import-form input[name=file]", str(good))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-list li[data-source=plausible]")
    (made,) = server.api(imports)["imports"]
    assert (made["first_day"], made["last_day"], made["days"]) == ("2025-06-01", "2025-06-03", 3)
    row = page.inner_text("#import-list li")
    assert "2025-06-01 – 2025-06-03" in row and "3 days" in row
    assert "Imported 3 days" in page.inner_text("#import-form .form-ok")

    page.click("#import-list button:text('Remove')")  # asks first
    page.click("#import-list button:text('Cancel')")
    assert len(server.api(imports)["imports"]) == 1
    page.click("#import-list button:text('Remove')")
    assert "Remove this import" in page.inner_text("#import-list .question")
    page.click("#import-list button:text('Yes, remove')")
    page.wait_for_selector("#import-list li", state="detached")
    assert server.api(imports)["imports"] == []
    assert "pulse export" in page.inner_text("#export-command")
    assert [p for p in problems if BAD_REQUEST not in p] == []
    context.close()


def test_a_share_links_embed_origins_filter_and_snippets(
    chromium: Any, server: Server, admin_state: dict[str, Any]
) -> None:
    context, page, problems = settings_page(chromium, admin_state, server)
    page.fill("#share-form input[name=filter]", "goal==Signup")  # the live view cannot lock it
    page.click("#share-form button[type=submit]")
    page.wait_for_selector("#share-form .form-error:not(:empty)")
    assert page.get_attribute("#share-form input[name=filter]", "aria-invalid") == "true"
    page.fill("#share-form input[name=filter]", "country==DE")
    page.click("#share-form button[type=submit]")
    page.wait_for_selector("#share-list li")
    (link,) = server.api(f"/api/admin/sites/{SHOP}/shares")
    assert link["filter"] == "country==DE"
    item = page.locator(f'#share-list li[data-share="{link["slug"]}"]')
    item.locator("button:text('Embed')").click()
    panel = item.locator(".embed-panel")
    assert panel.locator(".locked-filter").inner_text() == "country==DE"

    origins = panel.locator("textarea[name=embed_origins]")
    origins.fill("http://blog.example.com")  # plain http only for localhost
    panel.locator("button:text('Save origins')").click()
    panel.locator(".form-error:text('is not an https origin')").wait_for()
    assert origins.get_attribute("aria-invalid") == "true"
    origins.fill("https://Blog.example.com/\nhttps://*.example.org")
    panel.locator("button:text('Save origins')").click()
    panel.locator(".form-ok:text('2 origin(s)')").wait_for()
    (saved,) = server.api(f"/api/admin/sites/{SHOP}/shares")
    assert saved["embed_origins"] == ["https://blog.example.com", "https://*.example.org"]
    counter = httpx.get(f"{server.origin}/share/{link['slug']}/counter")
    assert "https://blog.example.com" in counter.headers["Content-Security-Policy"]

    base = f"{server.origin}/share/{link['slug']}"
    page.select_option(f"#embed-{link['slug']} select[name=theme]", "dark")
    codes = {
        name: panel.locator(f"[data-snippet={name}] code").inner_text()
        for name in ("dashboard", "card", "counter", "component")
    }
    assert f'src="{base}?embed=1&theme=dark"' in codes["dashboard"]
    assert f'src="{base}/live-card?theme=dark"' in codes["card"]
    assert f'src="{base}/counter?theme=dark"' in codes["counter"]
    assert f'<script defer src="{server.origin}/embed.js"></script>' in codes["component"]
    assert f'<pulse-live share="{link["slug"]}" kind="card" theme="dark"' in codes["component"]
    panel.locator("[data-snippet=counter] button:text('Copy')").click()
    assert page.evaluate("navigator.clipboard.readText()") == codes["counter"]
    for name in ("card", "counter"):  # each snippet's page answers, framable by the origins
        src = re.search(r'src="([^"]+)"', codes[name])
        assert src is not None and httpx.get(src.group(1)).status_code == 200
    assert [p for p in problems if BAD_REQUEST not in p] == []
    context.close()


def test_a_wall_link_is_created_opens_without_cookies_and_is_revoked(
    chromium: Any, server: Server, admin_state: dict[str, Any]
) -> None:
    context, page, problems = settings_page(chromium, admin_state, server)
    page.fill("#kiosk-form input[name=label]", "Lobby TV")
    page.fill("#kiosk-form input[name=filter]", "page=~/shop")
    page.click("#kiosk-form button[type=submit]")
    url = page.inner_text("#kiosk-link .kiosk-url")
    assert re.fullmatch(rf"{re.escape(server.origin)}/kiosk/\S+", url), url
    assert page.get_attribute("#kiosk-link a:text('Open the wall')", "href") == url
    page.click("#kiosk-link button:text('Copy link')")
    assert page.evaluate("navigator.clipboard.readText()") == url
    (kiosk,) = server.api(f"/api/admin/sites/{SHOP}/kiosks")
    assert (kiosk["label"], kiosk["filter"]) == ("Lobby TV", "page=~/shop")
    page.wait_for_selector(f'#kiosk-list li[data-kiosk="{kiosk["id"]}"]:has-text("Lobby TV")')

    tv = chromium.new_context(viewport={"width": 1920, "height": 1080})  # no cookies
    wall = tv.new_page()
    wall.goto(url)
    assert f"/live?site={SHOP}" in wall.url and "kiosk=" in wall.url
    wall.wait_for_function(
        "() => document.getElementById('status').dataset.state === 'live'", timeout=15_000
    )
    tv.close()

    page.click(f'#kiosk-list li[data-kiosk="{kiosk["id"]}"] button:text("Revoke")')
    page.wait_for_selector("#kiosk-list li", state="detached")
    assert page.locator("#kiosk-link").is_hidden()
    assert server.api(f"/api/admin/sites/{SHOP}/kiosks")[0]["revoked_at"] is not None
    assert httpx.get(url, follow_redirects=False).status_code == 404
    assert problems == []
    context.close()


def test_screenshots_of_the_whole_page(
    chromium: Any, server: Server, admin_state: dict[str, Any]
) -> None:
    """With one of everything: a report, an import, a share link (embed panel open), a wall link;
    light, dark and a 390 px phone, never scrolling sideways."""
    body = {"email": "team@shop.example", "interval": "weekly", "hour": 8}
    assert server.post(f"/api/v1/sites/{SHOP}/email-reports", json=body).status_code == 201
    files = {"file": (f"imported_visitors{SUFFIX}.csv", TABLES["imported_visitors"])}
    made = server.post(f"/api/v1/sites/{SHOP}/imports", data={"source": "plausible"}, files=files)
    assert made.status_code == 201
    origins = {"embed_origins": ["https://blog.shop.example"]}
    share = server.post(f"/api/admin/sites/{SHOP}/shares", json=origins)
    assert share.status_code == 200
    kiosk = server.post(f"/api/admin/sites/{SHOP}/kiosks", json={"label": "Lobby TV"})
    assert kiosk.status_code == 200
    slug = share.json()["slug"]
    for scheme, viewport, suffix in (*((s, v, s) for s, v in VIEWS), ("light", MOBILE, "mobile")):
        context = chromium.new_context(
            color_scheme=scheme, viewport=viewport, storage_state=admin_state
        )
        page = context.new_page()
        problems = console_problems(page)
        page.goto(f"{server.origin}{SETTINGS}")
        wait_ready(page)
        page.click(f'#share-list li[data-share="{slug}"] button:text("Embed")')
        page.wait_for_selector(f"#embed-{slug} [data-snippet=component]")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (suffix, width)
        screenshot(page, f"settings-sections-{suffix}")
        assert problems == []
        context.close()
