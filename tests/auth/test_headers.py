"""Security headers and CORS (issue 6): a CSP without unsafe-inline on pages, nosniff,
frame-ancestors, Referrer-Policy; CORS only on the ingest endpoints and the script."""

from __future__ import annotations

from pathlib import Path

from quart.typing import TestClientProtocol

from app.api.headers import CSP
from tests.conftest import SITE

FRONTEND = Path(__file__).resolve().parents[2] / "frontend" / "auth"


async def test_pages_carry_a_strict_csp_and_the_other_headers(client: TestClientProtocol) -> None:
    response = await client.get("/login")
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Access-Control-Allow-Origin" not in headers


async def test_cors_is_open_on_ingest_and_script_only(
    client: TestClientProtocol, admin_headers: dict[str, str]
) -> None:
    preflight = await client.options("/api/collect", headers={"Origin": "https://a.example"})
    # Ingest reads no cookies: the caller's origin, with credentials (sendBeacon sends them).
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    script = await client.get("/js/pulse.js")
    if script.status_code == 200:  # the tracker is built by `make serve`; absent in bare checkouts
        assert script.headers.get("Access-Control-Allow-Origin") == "*"
    api = await client.get(
        f"/api/v1/sites/{SITE}/summary", headers={**admin_headers, "Origin": "https://a.example"}
    )
    assert api.status_code == 200 and "Access-Control-Allow-Origin" not in api.headers
    assert api.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_auth_pages_have_no_inline_script_or_style() -> None:
    for page in FRONTEND.glob("*.html"):
        text = page.read_text()
        assert "<style" not in text and " style=" not in text, page.name
        assert "<script>" not in text and " on" + "click=" not in text, page.name
        for line in text.splitlines():
            if "<script" in line:
                assert "src=" in line, (page.name, line)


async def test_every_auth_page_gets_the_shared_head(client: TestClientProtocol) -> None:
    """frontend/auth/_head.html is put into each page (app/api/render.py), first in <head>."""
    shared = (FRONTEND / "_head.html").read_text().strip()
    for name in ("login.html", "setup.html", "share.html", "admin.html"):
        assert "<!-- shared head: _head.html -->" in (FRONTEND / name).read_text(), name
    page = await (await client.get("/login")).get_data(as_text=True)
    assert "<head>\n" + "  " + shared + "\n  <title>Pulse · log in</title>" in page
    assert page.count('<meta charset="utf-8">') == 1
    assert (await client.get("/assets/auth/_head.html")).status_code == 404
