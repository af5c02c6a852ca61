"""The wall display's page and files: served by Pulse, pinned libraries from npm, no CDN."""

from __future__ import annotations

import json
import re

import pytest
from quart.typing import TestClientProtocol

from app.api.pages import FRONTEND, VENDOR
from tests.live.conftest import NODE_MODULES

ASSETS = re.compile(r'(?:src|href)="([^"]+)"')


def require_node_modules() -> None:
    if not (NODE_MODULES / "echarts").is_dir():
        pytest.fail("frontend libraries not installed: run `cd frontend && npm ci`")


async def test_the_wall_page_and_everything_it_loads_come_from_pulse(
    client: TestClientProtocol, watcher: dict[str, str]
) -> None:
    require_node_modules()
    page = await client.get("/live?site=example.com", headers=watcher)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = (await page.get_data()).decode()
    urls = [u for u in ASSETS.findall(html) if not u.startswith("data:")]
    assert urls and all(u.startswith("/assets/") for u in urls), urls  # no CDN, no other host
    for url in urls:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert len(await response.get_data()) > 100, url


async def test_vendor_files_are_the_pinned_packages(client: TestClientProtocol) -> None:
    require_node_modules()
    pinned = json.loads((FRONTEND / "package.json").read_text())["dependencies"]
    assert pinned == {
        "echarts": "6.1.0",
        "@msgpack/msgpack": "3.1.3",
        # The dashboard's world map and flags (issue 16).
        "flag-icons": "7.5.0",
        "i18n-iso-countries": "7.14.0",
        "simple-icons": "16.37.0",
        "topojson-client": "3.1.0",
        "world-atlas": "2.0.2",
    }
    for package, version in pinned.items():
        installed = json.loads((NODE_MODULES / package / "package.json").read_text())
        assert installed["version"] == version, f"{package}: run `cd frontend && npm ci`"
    response = await client.get("/assets/vendor/echarts.js")
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert "max-age=604800" in response.headers["Cache-Control"]  # a week
    etag = response.headers["ETag"]
    again = await client.get("/assets/vendor/echarts.js", headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/assets/vendor/zrender.js",
        "/assets/vendor/../package.json",
        "/assets/live/../package.json",
        "/assets/node_modules/echarts/package.json",
        "/assets/live/nope.js",
    ],
)
async def test_nothing_else_is_reachable(client: TestClientProtocol, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404


def test_vendor_map_points_into_node_modules() -> None:
    assert all(NODE_MODULES in path.parents for path in VENDOR.values())
