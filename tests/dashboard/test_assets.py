"""Static files go out precompressed (`make build` writes brotli and gzip copies), with an ETag
per variant and long caching for the pinned libraries; a copy older than its file is ignored."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from quart.typing import TestClientProtocol

from app.api.assets import accepted, precompressed
from app.api.pages import FRONTEND, VENDOR, VENDOR_MAX_AGE_S
from tests.live.test_pages import require_node_modules

ECHARTS = "/assets/vendor/echarts-full.js"


def require_build() -> None:
    copy = FRONTEND / "dist" / VENDOR["echarts-full.js"].relative_to(FRONTEND)
    if not Path(f"{copy}.br").is_file():
        pytest.fail("the precompressed files are missing: run `make build`")


async def test_the_echarts_build_goes_out_as_brotli_or_gzip_with_etags(
    client: TestClientProtocol,
) -> None:
    require_node_modules()
    require_build()
    plain = await client.get(ECHARTS, headers={"Accept-Encoding": "identity"})
    br = await client.get(ECHARTS, headers={"Accept-Encoding": "gzip, deflate, br"})
    gz = await client.get(ECHARTS, headers={"Accept-Encoding": "gzip;q=1.0, br;q=0"})
    raw = await plain.get_data()
    assert "Content-Encoding" not in plain.headers and len(raw) > 1_000_000
    assert br.headers["Content-Encoding"] == "br" and gz.headers["Content-Encoding"] == "gzip"
    assert len(await br.get_data()) < len(raw) / 3  # 1.1 MB -> ~0.3 MB
    assert gzip.decompress(await gz.get_data()) == raw
    assert {r.headers["Vary"] for r in (plain, br, gz)} == {"Accept-Encoding"}
    tags = {plain.headers["ETag"], br.headers["ETag"], gz.headers["ETag"]}
    assert len(tags) == 3  # a cache never mixes the variants
    assert br.headers["Cache-Control"] == f"public, max-age={VENDOR_MAX_AGE_S}"
    again = await client.get(
        ECHARTS, headers={"Accept-Encoding": "br", "If-None-Match": br.headers["ETag"]}
    )
    assert again.status_code == 304 and not await again.get_data()


async def test_page_files_are_compressed_and_revalidated(client: TestClientProtocol) -> None:
    require_build()
    css = await client.get("/assets/dashboard/panels.css", headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200 and css.headers["Cache-Control"] == "no-cache"
    assert css.headers["Content-Type"].startswith("text/css")
    if "Content-Encoding" in css.headers:  # the file may be newer than its copy (an edit)
        assert css.headers["Content-Encoding"] == "gzip"


def test_a_copy_older_than_its_file_is_not_sent(tmp_path: Path) -> None:
    source = tmp_path / "live" / "wall.js"
    source.parent.mkdir()
    source.write_text("x" * 100)
    copy = tmp_path / "dist" / "live" / "wall.js.br"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"br")
    assert precompressed(source, tmp_path, "br, gzip") == (copy, "br")
    assert precompressed(source, tmp_path, "gzip") is None  # no .gz copy
    os.utime(copy, (1, 1))  # the file was edited after the build
    assert precompressed(source, tmp_path, "br") is None


def test_accept_encoding_is_read_with_its_refusals() -> None:
    assert accepted("gzip, deflate, br") == {"gzip", "deflate", "br"}
    assert accepted("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted("") == set()


async def test_flags_and_map_data_are_served_from_the_pinned_packages(
    client: TestClientProtocol,
) -> None:
    require_node_modules()
    flag = await client.get("/assets/vendor/flags/de.svg")
    assert flag.status_code == 200 and flag.headers["Content-Type"].startswith("image/svg+xml")
    for bad in (
        "/assets/vendor/flags/zz.svg",
        "/assets/vendor/flags/../x.svg",
        "/assets/vendor/flags/deu.svg",
    ):
        assert (await client.get(bad)).status_code == 404, bad
    icon = await client.get("/assets/vendor/icons/google.svg")
    assert icon.status_code == 200 and b"<svg" in await icon.get_data()
    for bad in (
        "/assets/vendor/icons/Google.svg",
        "/assets/vendor/icons/nope-nope.svg",
        "/assets/vendor/icons/..%2Fpackage.json",
        "/assets/vendor/icons/x.js",
    ):
        assert (await client.get(bad)).status_code == 404, bad
    world = await client.get("/assets/vendor/countries-110m.json")
    assert world.headers["Content-Type"].startswith("application/json")
    assert (await world.get_json())["type"] == "Topology"
    codes = await (await client.get("/assets/vendor/country-codes.json")).get_json()
    assert ["DE", "DEU", "276", "ISO 3166-2:DE"] in codes
