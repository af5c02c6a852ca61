"""GET /js/pulse.js and its aliases: bytes, caching, ETag/304, CORS, gzip, and 503 unbuilt."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from quart import Quart

from app.api import script

PATHS = ("/js/pulse.js", "/sdk.js", "/js/script.js", "/script.js")


@pytest.fixture
def app(built_tracker: Path) -> Iterator[Quart]:
    script._tracker, script._warned = None, False  # read afresh: each test sees the current build
    app = Quart(__name__)
    app.register_blueprint(script.bp)
    yield app
    script._tracker = None


@pytest.mark.parametrize("path", PATHS)
async def test_serves_the_built_script(app: Quart, built_tracker: Path, path: str) -> None:
    response = await app.test_client().get(path)
    assert response.status_code == 200
    assert await response.get_data() == built_tracker.read_bytes()
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    digest = hashlib.sha256(built_tracker.read_bytes()).hexdigest()[:32]
    assert response.headers["ETag"] == f'"{digest}"'


async def test_if_none_match_answers_304(app: Quart) -> None:
    client = app.test_client()
    etag = (await client.get("/js/pulse.js")).headers["ETag"]
    for header in (etag, f'"other", W/{etag}', "*"):
        response = await client.get("/sdk.js", headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert await response.get_data() == b""
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "public, max-age=86400"
    response = await client.get("/sdk.js", headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200


async def test_gzip_when_accepted(app: Quart, built_tracker: Path) -> None:
    client = app.test_client()
    response = await client.get("/js/pulse.js", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    body = await response.get_data()
    assert gzip.decompress(body) == built_tracker.read_bytes()
    assert len(body) <= 1_500
    plain_etag = (await client.get("/js/pulse.js")).headers["ETag"]
    assert response.headers["ETag"] != plain_etag  # a strong ETag names one representation
    refused = await client.get("/js/pulse.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


async def test_503_until_built(
    app: Quart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(script, "SCRIPT_PATH", tmp_path / "missing.js")
    response = await app.test_client().get("/js/pulse.js")
    assert response.status_code == 503
    assert await response.get_json() == {"error": "tracker not built: run make build"}
    assert "tracker not built" in caplog.text
