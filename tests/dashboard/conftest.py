"""Fixtures for the dashboard's browser tests: a real `pulse serve` subprocess over a database
that `pulse demo` filled (35 days, ~25 visits a day: a few seconds), an admin who logs in
through the form, an API token to read the numbers the page must show, and a share link.
The browser and the server helpers are the wall display's (tests/live/conftest.py)."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.auth.tokens import create_token
from app.auth.users import create_user
from app.settings import Settings
from app.sites.store import add_site
from app.storage.database import create_engine
from tests.live.conftest import NODE_MODULES, LiveServer, browser, share_slug
from tests.live.test_wall_browser import wait_until
from tests.support.server import pulse_serve

__all__ = ["browser", "wait_until"]

DEMO_SITE = "dash.example"
OTHER_SITE = "other.example"
EMAIL = "owner@dash.example"
PASSWORD = "correct horse battery staple"
READY = (
    "document.documentElement.dataset.started === '1'"
    " && document.documentElement.dataset.pending === '0'"
)


@dataclass
class DashboardServer(LiveServer):
    token: str = ""
    login_state: dict[str, Any] | None = field(default=None, repr=False)

    def api(self, report: str, site: str = DEMO_SITE, **params: Any) -> dict[str, Any]:
        """A report as the API answers it to a read token: what the page must show."""
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        request = urllib.request.Request(
            f"{self.origin}/api/v1/sites/{site}/{report}?{query}",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer


async def _accounts(settings: Settings) -> tuple[str, str]:
    """A second site, an admin who logs in, an admin API token and a share link for DEMO_SITE:
    in-process, as tests/live does (each `pulse` command would cost a Python start)."""
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        await add_site(conn, OTHER_SITE)
        await create_user(conn, EMAIL, PASSWORD, is_admin=True, now_ms=0)
        _, token = await create_token(conn, scope="admin", site_id=None, label="dash", now_ms=0)
    await engine.dispose()
    return token, await share_slug(settings, DEMO_SITE)


@pytest.fixture(scope="session")
def dashboard_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashboardServer]:
    if not (NODE_MODULES / "echarts").is_dir():
        pytest.fail("the dashboard needs its libraries: run `cd frontend && npm ci`")
    demo = ("demo", "--site", DEMO_SITE, "--days", "35", "--visitors-per-day", "25", "--seed", "7")
    made: list[str] = []

    def accounts(env: Mapping[str, str]) -> None:
        settings = Settings(database_url=env["PULSE_DATABASE_URL"])
        with ThreadPoolExecutor(1) as pool:  # sync Playwright may hold this thread's event loop
            made.extend(pool.submit(asyncio.run, _accounts(settings)).result())

    tmp = tmp_path_factory.mktemp("dashboard")
    with pulse_serve(tmp, setup=[demo], prepare=accounts) as server:
        token, slug = made
        yield DashboardServer(server.origin, server.db_path, f"/share/{slug}", token=token)


@dataclass
class Visit:
    """A browser tab on the dashboard, with what it did on the network and in its console."""

    context: Any
    page: Any
    problems: list[str] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)

    def ready(self) -> None:
        wait_until(self.page, READY)

    def see(self, card: str) -> None:
        """Scroll a card into view and wait for what that asked (the Goals card loads then)."""
        self.page.locator(f"#{card}").scroll_into_view_if_needed()
        wait_until(self.page, f"document.getElementById('{card}').dataset.loaded === '1'")
        self.ready()

    def requested(self, part: str) -> list[dict[str, str]]:
        """Query strings of the API requests whose path contains `part`, oldest first."""
        found = []
        for url in self.requests:
            parsed = urllib.parse.urlsplit(url)
            if part in parsed.path:
                found.append(dict(urllib.parse.parse_qsl(parsed.query)))
        return found


def _log_in(browser: Any, server: DashboardServer) -> dict[str, Any]:
    """Through the real form, once per session: `/` sends an anonymous visitor to the login."""
    if server.login_state is None:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{server.origin}/")
        assert "/login?next=/" in page.url, page.url
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.origin}/sites")  # two sites: the overview (issue 19)
        server.login_state = context.storage_state()
        context.close()
    return server.login_state


def open_dashboard(
    browser: Any,
    server: DashboardServer,
    path: str = f"/?site={DEMO_SITE}",
    *,
    width: int = 1440,
    height: int = 900,
    logged_in: bool = True,
    theme: str = "light",
) -> Visit:
    state = _log_in(browser, server) if logged_in else None
    context = browser.new_context(
        viewport={"width": width, "height": height},
        storage_state=state,
        color_scheme=theme,
        accept_downloads=True,
    )
    visit = Visit(context, context.new_page())

    def record(route: Any) -> None:
        url = route.request.url
        visit.hosts.add(urllib.parse.urlsplit(url).hostname or "")
        visit.requests.append(url)
        route.continue_()

    context.route("**/*", record)  # every request the page makes, whatever its host
    visit.page.on("pageerror", lambda exc: visit.problems.append(f"pageerror: {exc}"))
    visit.page.on(
        "console",
        lambda m: visit.problems.append(f"console: {m.text}") if m.type == "error" else None,
    )
    visit.page.goto(f"{server.origin}{path}")
    visit.ready()
    return visit


def screenshot(visit: Visit, path: Path) -> None:
    visit.page.wait_for_timeout(600)  # the charts' 300 ms entry animation has run
    visit.page.screenshot(path=str(path), full_page=True)
