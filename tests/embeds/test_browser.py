"""Embeds and kiosk screens in Debian's Chromium against a real `pulse serve` (issue 21).

The "other site" is a page served from another 127.0.0.1 port (another origin), with a strict
CSP of its own. Events are posted to /api/collect from the test; the pages must show them
without a reload (asserted on content, with generous timeouts, never on timing).
Screenshots go to $PULSE_SCREENSHOTS when set (else the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIREFOX
from tests.live.test_wall_browser import wait_until
from tests.support.browser import launch_chromium
from tests.support.server import ServerProcess, free_port, pulse_serve

pytestmark = pytest.mark.browser
SITE = "embed.example"
THEMES = ("light", "dark", "transparent")
SIZE = 'width="380" height="190"'


@dataclass
class Setup:
    pulse: ServerProcess
    host: str  # the other origin
    framed: str  # slug of a share that lists the host's origin
    bare: str  # slug of a share that lists none
    pages: dict[str, str]


def post(origin: str, visitor: str, path: str = "/") -> None:
    body = json.dumps({"url": f"https://{SITE}{path}", "visitor_id": visitor}).encode()
    request = urllib.request.Request(
        f"{origin}/api/collect",
        data=body,
        headers={"Content-Type": "application/json", "User-Agent": FIREFOX},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["accepted"] == 1


def host_pages(pulse: str, framed: str, bare: str) -> dict[str, str]:
    frames = "".join(
        f'<iframe id="{kind}-{theme}" src="{pulse}/share/{framed}/{path}?theme={theme}" '
        f'width="{width}" height="{height}"></iframe>'
        for kind, path, width, height in (
            ("card", "live-card", 380, 190),
            ("counter", "counter", 220, 70),
        )
        for theme in THEMES
    )
    return {
        "/allowed": f'<iframe id="f" src="{pulse}/share/{framed}/live-card" {SIZE}></iframe>',
        "/refused": f'<iframe id="f" src="{pulse}/share/{bare}/live-card" {SIZE}></iframe>',
        "/dashboard": (
            f'<iframe id="f" src="{pulse}/share/{framed}?embed=1&theme={{theme}}" '
            'width="1200" height="900"></iframe>'
        ),
        "/gallery": f'<link rel="stylesheet" href="/gallery.css">{frames}',
        "/component": (
            f'<script defer src="{pulse}/embed.js"></script>'
            f'<pulse-live id="card" share="{framed}" kind="card" theme="dark"></pulse-live>'
            f'<pulse-live id="counter" share="{framed}" kind="counter"></pulse-live>'
        ),
    }


GALLERY_CSS = (
    "body { margin: 0; padding: 16px; display: grid; gap: 12px;"
    " grid-template-columns: repeat(3, max-content);"
    " background: linear-gradient(135deg, #f3c77a, #7aa7f3); }"
    " iframe { border: 0; }"
)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    host_port = free_port()
    host = f"http://127.0.0.1:{host_port}"
    with pulse_serve(
        tmp_path_factory.mktemp("embeds"),
        setup=[("site", "add", SITE, "--name", "Embed Example")],
        env={"PULSE_LIVE_REAUTH_MS": "500"},
    ) as pulse:
        framed = pulse.cli("share", "add", "--site", SITE, "--embed-origins", host).split()[-1]
        bare = pulse.cli("share", "add", "--site", SITE).split()[-1]
        framed, bare = framed.rsplit("/", 1)[-1], bare.rsplit("/", 1)[-1]
        pages = host_pages(pulse.origin, framed, bare)
        ws = pulse.origin.replace("http://", "ws://")
        # The host's own strict CSP: scripts from itself and Pulse, sockets to Pulse only.
        csp = (
            f"default-src 'none'; script-src 'self' {pulse.origin}; connect-src {ws}; "
            f"style-src 'self'; frame-src {pulse.origin}"
        )

        class Host(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path == "/gallery.css":
                    body, kind = GALLERY_CSS.encode(), "text/css"
                else:
                    path, _, theme = self.path.partition("?theme=")
                    text = pages.get(path, "").replace("{theme}", theme or "light")
                    body, kind = (
                        f"<!doctype html><html><body>{text}</body></html>".encode(),
                        "text/html",
                    )
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Security-Policy", csp)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", host_port), Host)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Setup(pulse, host, framed, bare, pages)
        finally:
            server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PULSE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    return problems


def frame_of(page: Any, selector: str) -> Any:
    return page.query_selector(selector).content_frame()


def card_active(frame: Any) -> int:
    text = frame.evaluate(
        "(() => { const c = document.querySelector('pulse-live');"
        " const n = c && c.shadowRoot && c.shadowRoot.querySelector('[data-k=active]');"
        " return n ? n.textContent : ''; })()"
    )
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else -1


def wait_frame(frame: Any, check: Any, timeout_ms: int = 15_000) -> None:
    for _ in range(timeout_ms // 100):
        if check():
            return
        frame.page.wait_for_timeout(100)
    raise AssertionError("the frame never got there")


def test_framed_when_the_origin_is_allowed_and_the_card_updates_live(
    browser: Any, setup: Setup, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 800, "height": 400})
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(f"{setup.host}/allowed")
        frame = frame_of(page, "#f")
        wait_frame(frame, lambda: card_active(frame) >= 0)  # the first snapshot arrived
        before = card_active(frame)
        post(setup.pulse.origin, "card-visitor-1", "/pricing")
        # Pushed on the leading edge: well under a second; 10 s leaves room for a loaded box.
        wait_frame(frame, lambda: card_active(frame) == before + 1, 10_000)
        assert page.url == f"{setup.host}/allowed"  # no reload, no navigation
        assert problems == []
    finally:
        context.close()


def test_refused_when_the_origin_is_not_listed(browser: Any, setup: Setup) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{setup.host}/refused")
        page.wait_for_timeout(1500)
        frame = frame_of(page, "#f")
        # Chromium replaces a frame its CSP refuses with an error page: no widget in it.
        has_widget = frame.evaluate("!!document.querySelector('pulse-live')")
        assert not has_widget, frame.url
    finally:
        context.close()


def test_the_web_component_works_on_a_strict_csp_page(
    browser: Any, setup: Setup, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 700, "height": 320})
    page = context.new_page()
    problems = watch(page)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{setup.host}/component")
        active = (
            "(() => { const c = document.getElementById('card');"
            " const n = c && c.shadowRoot && c.shadowRoot.querySelector('[data-k=active]');"
            " return n ? Number(n.textContent.replace(/[^0-9]/g, '') || -1) : -1; })()"
        )
        wait_until(page, f"{active} >= 0", 15_000)
        before = page.evaluate(active)
        post(setup.pulse.origin, "component-visitor-1", "/docs")
        wait_until(page, f"{active} === {before + 1}", 10_000)
        state = "document.getElementById('counter').shadowRoot.querySelector('.box').dataset.state"
        wait_until(page, f"{state} === 'live'", 10_000)
        page.screenshot(path=str(shots(tmp_path) / "component-strict-csp.png"))
        assert problems == [] and violations == [], (problems, violations)
    finally:
        context.close()


def test_card_and_counter_themes_look_right(browser: Any, setup: Setup, tmp_path: Path) -> None:
    post(setup.pulse.origin, "theme-visitor-1", "/")
    context = browser.new_context(viewport={"width": 1240, "height": 420})
    page = context.new_page()
    try:
        page.goto(f"{setup.host}/gallery")
        for kind in ("card", "counter"):
            for theme in THEMES:
                frame = frame_of(page, f"#{kind}-{theme}")
                wait_frame(frame, lambda f=frame: card_active(f) >= 1)
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots(tmp_path) / "embeds-card-counter-themes.png"))
    finally:
        context.close()


def test_a_kiosk_link_opens_the_wall_without_cookies_and_revoked_closes(
    browser: Any, setup: Setup, tmp_path: Path
) -> None:
    created = setup.pulse.cli("kiosk", "add", "--site", SITE, "--label", "Lobby")
    kiosk_id = created.split()[3]
    path = created.split()[-1]
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(f"{setup.pulse.origin}{path}")
        assert "/live?site=" in page.url and "kiosk=" in page.url
        status = "document.getElementById('status').dataset.state"
        wait_until(page, f"{status} === 'live'", 15_000)
        for n in range(3):
            post(setup.pulse.origin, f"kiosk-visitor-{n}", f"/kiosk/{n}")
        wait_until(page, "document.getElementById('feed').textContent.includes('/kiosk/2')")
        assert [c["name"] for c in context.cookies()] == []  # nothing stored on the TV
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots(tmp_path) / "kiosk-wall-1920x1080.png"))
        setup.pulse.cli("kiosk", "revoke", kiosk_id)
        wait_until(page, f"{status} !== 'live'", 15_000)  # closed by the re-check
        page.reload()
        assert "/login" in page.url  # the link no longer opens the wall
        assert problems == []
    finally:
        context.close()


def test_the_embedded_dashboard_loads_in_a_frame_without_cookies(
    browser: Any, setup: Setup, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1240, "height": 940})
    page = context.new_page()
    try:
        for theme in ("light", "dark"):
            page.goto(f"{setup.host}/dashboard?theme={theme}")
            frame = frame_of(page, "#f")
            ready = (
                "document.documentElement.dataset.embed === '1'"
                " && document.documentElement.dataset.started === '1'"
                " && document.documentElement.dataset.pending === '0'"
                " && /[0-9]/.test(document.querySelector('#kpi-visitors .kpi-value').textContent)"
            )
            wait_frame(frame, lambda f=frame, r=ready: bool(f.evaluate(r)), 20_000)
            assert frame.evaluate("document.documentElement.dataset.theme") == theme
            assert frame.evaluate("getComputedStyle(document.querySelector('.brand')).display") == (
                "none"
            )
            assert frame.evaluate("!document.querySelector('.page-error, #notice:not([hidden])')")
            page.wait_for_timeout(500)
            page.screenshot(path=str(shots(tmp_path) / f"embed-dashboard-{theme}.png"))
        assert context.cookies() == []  # no cookie was needed, none was set
    finally:
        context.close()


def test_a_locked_share_link_says_what_its_dashboard_shows(
    browser: Any, setup: Setup, tmp_path: Path
) -> None:
    """The server narrows every report of a `country==DE` link; the header says so (else its
    numbers would read as the whole site's), and an unlocked link shows no such badge."""
    locked = setup.pulse.cli("share", "add", "--site", SITE, "--filter", "country==DE")
    slug = locked.split()[-1].rsplit("/", 1)[-1]
    cases = ((f"/share/{slug}", "Only: Country is Germany"), (f"/share/{setup.bare}", ""))
    for path, text in cases:
        context = browser.new_context(viewport={"width": 1240, "height": 800})
        page = context.new_page()
        try:
            problems = watch(page)
            page.goto(f"{setup.pulse.origin}{path}")
            page.wait_for_function("() => document.documentElement.dataset.started === '1'")
            badge = page.locator("#lock-badge")
            if text:
                badge.wait_for(state="visible")
                assert badge.text_content() == text
                page.screenshot(path=str(shots(tmp_path) / "share-locked.png"))
            else:
                page.wait_for_timeout(500)
                assert badge.is_hidden()
            assert problems == []
        finally:
            context.close()
