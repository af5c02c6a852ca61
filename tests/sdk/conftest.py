"""Fixtures for the tracker's tests: its build, a real Pulse server, a customer site, Chromium.

Production shape, on one machine: the customer's pages come from a small stdlib HTTP server
addressed as `http://localhost:P1`, the script and /api/collect from a real `pulse serve`
subprocess at `http://127.0.0.1:P2` (another origin, so every send is cross-origin), with its own
temporary SQLite file that the tests read with sqlite3.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.backends import EVENTS
from tests.support.browser import launch_chromium
from tests.support.server import ROOT, ServerProcess, free_port, pulse_serve

# Older names, still imported by tests/live/test_server_shutdown.py.
from tests.support.server import pulse_cli as _pulse_cli  # noqa: F401
from tests.support.server import wait_healthy as _wait_healthy  # noqa: F401

SDK = ROOT / "sdk"
DIST = SDK / "dist" / "pulse.min.js"
# Headless Chromium says "HeadlessChrome", which the server rightly drops as a bot: the pages
# present the stock desktop UA of the same Chromium.
DESKTOP_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
# Sites the browser tests send to, registered before the server starts.
TEST_SITES = ("localhost", "plausible-style.test", "umami-style.test")
DEFAULT_ATTRS = 'data-site="localhost" data-local data-allow-automation'


# --- the build ---------------------------------------------------------------------------


def build_tracker(out: Path | None = None) -> str:
    """Run sdk/build.mjs (into `out`, or sdk/dist/pulse.min.js); return its report line."""
    node = shutil.which("node")
    if node is None or not (SDK / "node_modules" / "terser").is_dir():
        pytest.fail(
            "the tracker build needs Node and the pinned terser: run `cd sdk && npm ci` "
            "(make build does it)"
        )
    cmd = [node, str(SDK / "build.mjs")] + (["--out", str(out)] if out else [])
    done = subprocess.run(cmd, cwd=SDK, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"sdk build failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


@pytest.fixture(scope="session")
def built_tracker() -> Path:
    """sdk/dist/pulse.min.js, freshly built from sdk/pulse.js (the server serves this file)."""
    build_tracker()
    return DIST


# --- the Pulse server --------------------------------------------------------------------


class PulseServer(ServerProcess):
    @property
    def collect_url(self) -> str:
        return f"{self.origin}/api/collect"

    def rows(self, path_prefix: str, count: int, timeout: float = 6.0) -> list[dict[str, Any]]:
        """The events whose pathname starts with `path_prefix`, oldest first.

        Polls until at least `count` rows landed (the writer commits at least every 500 ms),
        then once more after one more commit interval, so a row that should not exist shows.
        """
        sql = f"{EVENTS} WHERE events.pathname LIKE ? ORDER BY events.id"
        pattern = path_prefix.replace("%", r"\%") + "%"
        deadline = time.monotonic() + timeout
        rows = self.query(sql, (pattern,))
        while len(rows) < count and time.monotonic() < deadline:
            time.sleep(0.1)
            rows = self.query(sql, (pattern,))
        time.sleep(0.7)
        return self.query(sql, (pattern,))


@pytest.fixture(scope="session")
def pulse_server(
    built_tracker: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PulseServer]:
    with pulse_serve(
        tmp_path_factory.mktemp("pulse"),
        setup=[("site", "add", site) for site in TEST_SITES],
        env={"PULSE_INGEST_RATE_LIMIT": "0"},
        kind=PulseServer,
    ) as server:
        yield server


# --- the customer's site -----------------------------------------------------------------


class CustomerSite:
    """Serves pages that tests register, at http://localhost:PORT (a different origin)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0].split("#", 1)[0]
                if path.startswith("/files/"):
                    # A download: the browser saves it and stays on the page.
                    self._send(200, b"%PDF-1.4\n", "application/pdf", attachment=True)
                elif path in site.pages:
                    self._send(200, site.pages[path].encode(), "text/html; charset=utf-8")
                else:
                    # Unknown paths (SPA routes after a reload) get the closest registered page.
                    page = next((v for k, v in site.pages.items() if path.startswith(k)), None)
                    if page is None:
                        self._send(404, b"not found", "text/plain")
                    else:
                        self._send(200, page.encode(), "text/html; charset=utf-8")

            def do_POST(self) -> None:
                # A collect endpoint that is "down": 500, as a crashed upstream would answer.
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._send(500, b"upstream error", "text/plain")

            def _send(self, status: int, body: bytes, ctype: str, attachment: bool = False) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if attachment:
                    self.send_header("Content-Disposition", 'attachment; filename="report.pdf"')
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def page(
        self,
        path: str,
        script_src: str,
        attrs: str = DEFAULT_ATTRS,
        body: str = "",
        head: str = "",
    ) -> str:
        """Register an HTML page carrying the tracker tag; return its URL."""
        self.pages[path] = (
            "<!doctype html><html><head><meta charset=utf-8>"
            # No favicon request: a 404 would be a console error that is not the tracker's.
            '<link rel="icon" href="data:,">'
            f"<title>{html.escape(path)}</title>{head}"
            f'<script defer src="{script_src}" {attrs}></script>'
            f"</head><body>{body}</body></html>"
        )
        return self.origin + path


@pytest.fixture(scope="session")
def customer_site() -> Iterator[CustomerSite]:
    site = CustomerSite()
    site.thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


# --- the browser -------------------------------------------------------------------------


# Module scope, not session: see tests/support/browser.py.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@dataclass
class Tab:
    """One page in a fresh browser context, recording what the tracker sends and logs."""

    page: Any
    context: Any
    collect_url: str
    sent: list[dict[str, Any]] = field(default_factory=list)
    console: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("request", self._on_request)
        page.on("console", lambda message: self.console.append(message))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _on_request(self, request: Any) -> None:
        if request.method == "POST" and request.url.startswith(self.collect_url):
            body = json.loads(request.post_data or "null")
            self.sent.extend(body if isinstance(body, list) else [body])

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.sent if event_type in (None, e.get("event_type"))]

    def wait_sent(self, count: int, event_type: str | None = None, timeout_ms: int = 5000) -> None:
        """Wait until `count` events (of a type) were sent."""
        deadline = time.monotonic() + timeout_ms / 1000
        while len(self.events(event_type)) < count and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
        assert len(self.events(event_type)) >= count, self.sent

    def console_errors(self) -> list[str]:
        return [f"{m.type}: {m.text} @ {m.location}" for m in self.console if m.type == "error"]


@pytest.fixture
def make_tab(browser: Any, pulse_server: PulseServer) -> Iterator[Callable[..., Tab]]:
    contexts: list[Any] = []

    def make(collect_url: str | None = None, init_script: str | None = None, **options: Any) -> Tab:
        context = browser.new_context(
            user_agent=DESKTOP_UA,
            locale="en-US",
            viewport={"width": 1280, "height": 720},
            accept_downloads=True,
            **options,
        )
        contexts.append(context)
        # The outside world is unreachable here: external links land on a stub page.
        context.route(
            re.compile(r"^https?://(www\.)?example\.(org|com)/.*"),
            lambda route: route.fulfill(
                status=200, body="<p>elsewhere</p>", content_type="text/html"
            ),
        )
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        tab = Tab(page, context, collect_url or pulse_server.collect_url)
        tab.watch(page)
        return tab

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def tab(make_tab: Callable[..., Tab]) -> Tab:
    return make_tab()


@pytest.fixture
def prefix(request: pytest.FixtureRequest) -> str:
    """A path prefix unique to the test, so its rows are told apart in the shared database."""
    return "/t/" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")


@pytest.fixture
def script_src(pulse_server: PulseServer) -> str:
    return f"{pulse_server.origin}/js/pulse.js"
