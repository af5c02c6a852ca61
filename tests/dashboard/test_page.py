"""The dashboard's page and files (issue 7): behind a login or a share link, everything served
by Pulse itself as files (the CSP allows no inline script or style), every ES module import
resolvable without a build step."""

from __future__ import annotations

import re

import pytest
from quart.typing import TestClientProtocol

from app.api.pages import FRONTEND, VENDOR
from app.settings import Settings
from tests.conftest import SITE
from tests.live.conftest import share_slug
from tests.live.test_pages import require_node_modules

ASSETS = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"')  # what the page loads
IMPORTS = re.compile(r'^import [^;]+ from "(\./[^"]+)";', re.M)
DASHBOARD = FRONTEND / "dashboard"


async def test_anonymous_visitors_are_sent_to_the_login(client: TestClientProtocol) -> None:
    response = await client.get("/?site=example.com", headers={"Accept": "text/html"})
    assert response.status_code in (302, 303)
    assert response.location == "/login?next=/%3Fsite%3Dexample.com"


async def test_the_page_and_everything_it_loads_come_from_pulse(
    client: TestClientProtocol, admin_headers: dict[str, str]
) -> None:
    require_node_modules()
    page = await client.get("/", headers=admin_headers)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Robots-Tag"] == "noindex, nofollow"
    html = (await page.get_data()).decode()
    assert "style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    urls = [u for u in ASSETS.findall(html) if not u.startswith("data:")]
    assert "/assets/vendor/echarts-full.js" in urls
    assert all(u.startswith("/assets/") for u in urls), urls  # no CDN, no other host
    for url in urls:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert len(await response.get_data()) > 100, url


async def test_every_module_import_resolves(client: TestClientProtocol) -> None:
    """No bundler: each `import ... from "./x.js"` must be a file the server serves."""
    seen: set[str] = set()
    todo = ["js/main.js"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        response = await client.get(f"/assets/dashboard/{name}")
        assert response.status_code == 200, name
        assert "javascript" in response.headers["Content-Type"], name
        source = (await response.get_data()).decode()
        todo += [f"js/{target[2:]}" for target in IMPORTS.findall(source)]
    on_disk = {f"js/{p.name}" for p in (DASHBOARD / "js").glob("*.js")}
    assert seen == on_disk  # every module is used, none is missing


async def test_a_share_link_lands_on_the_dashboard(
    client: TestClientProtocol, migrated: Settings
) -> None:
    slug = await share_slug(migrated, SITE)
    opened = await client.get(f"/share/{slug}")
    assert opened.status_code == 303 and opened.location == f"/?site={SITE}"
    page = await client.get(f"/?site={SITE}")
    assert page.status_code == 200
    summary = await client.get(f"/api/v1/sites/{SITE}/summary")
    assert summary.status_code == 200
    me = await (await client.get("/api/me")).get_json()
    assert me["kind"] == "share"


@pytest.mark.parametrize(
    "path",
    ["/assets/dashboard/../package.json", "/assets/dashboard/nope.js", "/assets/vendor/echarts"],
)
async def test_nothing_else_is_reachable(client: TestClientProtocol, path: str) -> None:
    assert (await client.get(path)).status_code == 404


def test_the_full_echarts_build_is_the_pinned_package() -> None:
    assert VENDOR["echarts-full.js"].name == "echarts.min.js"  # sankey + heatmap
    assert "echarts" in VENDOR["echarts-full.js"].parts
