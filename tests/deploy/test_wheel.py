"""The wheel runs Pulse without the source tree and without Node: built from this checkout
(`pip wheel .`, after `make build`), installed into a fresh venv, started in an empty directory
with a PATH that holds only the venv, it serves the tracker, the pages and every asset they load
(precompressed), keeps its data in ./data (or $PULSE_DATA_DIR) and says so, and Chromium logs in
and draws the dashboard from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import launch_chromium
from tests.support.server import ROOT, free_port, stop, wait_healthy

ADMIN, PASSWORD = "owner@example.com", "a long enough passphrase"
SITE = "wheel.example"


def _run(*argv: str | Path, **kwargs: Any) -> str:
    done = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=600, **kwargs
    )
    assert done.returncode == 0, f"{argv}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel built from this checkout (and its dependencies)."""
    if not (ROOT / "frontend" / "dist" / "served-libraries.json").is_file():
        pytest.fail("run `make build` first (the wheel carries its output)")
    out = tmp_path_factory.mktemp("wheel")
    _run(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "-q", "-w", out / "dist")
    [wheel] = (out / "dist").glob("pulse_analytics-*.whl")
    _run(sys.executable, "-m", "venv", out / "venv")
    _run(out / "venv" / "bin" / "pip", "install", "-q", wheel)
    return out / "venv"


@pytest.fixture(scope="module")
def served(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("empty")
    env = {"PATH": str(venv / "bin"), "HOME": str(home), "PULSE_LOG_LEVEL": "WARNING"}
    assert shutil.which("node", path=env["PATH"]) is None  # no Node on this PATH
    pulse = venv / "bin" / "pulse"
    _run(pulse, "migrate", cwd=home, env=env)
    _run(pulse, "site", "add", SITE, cwd=home, env=env)
    _run(pulse, "user", "create", ADMIN, "--password-stdin", input=PASSWORD, cwd=home, env=env)
    port = free_port()
    log_path = home / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [pulse, "serve", "--port", str(port), "--no-migrate"],
            cwd=home,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    origin = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(origin, proc, log_path)
        yield origin
    finally:
        stop(proc)
    said = log_path.read_text()
    assert f"data in SQLite file {home / 'data' / 'pulse.db'}" in said
    assert (home / "data" / "pulse.db").is_file()


def _get(url: str, encoding: str = "identity") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request, timeout=10) as response:
        headers = {name.lower(): value for name, value in response.headers.items()}
        return response.status, headers, response.read()


def test_the_installed_package_is_not_the_checkout(venv: Path, tmp_path: Path) -> None:
    found = _run(
        venv / "bin" / "python",
        "-c",
        "import app.paths as p; print(p.BUNDLED, p.FRONTEND)",
        cwd=tmp_path,  # not the checkout, whose app/ would shadow the installed one
    )
    assert found.startswith("True ") and str(venv) in found
    assert _run(venv / "bin" / "pulse", "--version").strip().startswith("pulse 0.")


def test_serves_the_tracker_and_every_asset_without_node(served: str) -> None:
    status, _, body = _get(f"{served}/js/pulse.js")
    assert status == 200 and body == (ROOT / "sdk" / "dist" / "pulse.min.js").read_bytes()
    for path in (
        "/assets/dashboard/dashboard.css",
        "/assets/dashboard/js/main.js",
        "/assets/live/wall.js",
        "/assets/vendor/echarts-full.js",
        "/assets/vendor/msgpack.js",
        "/assets/vendor/countries-110m.json",
        "/assets/vendor/flags/de.svg",
    ):
        status, headers, plain = _get(f"{served}{path}")
        assert status == 200 and plain, path
        status, headers, packed = _get(f"{served}{path}", "br")
        assert headers.get("content-encoding") == "br" and len(packed) < len(plain), path
    status, _, page = _get(f"{served}/login")
    assert status == 200 and b"<form" in page


@pytest.mark.browser
def test_chromium_logs_in_and_draws_the_dashboard(served: str) -> None:
    with launch_chromium() as chromium:
        page = chromium.new_page()
        failed: list[str] = []
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        page.on("pageerror", lambda exc: failed.append(str(exc)))
        page.goto(f"{served}/login?next=/")
        page.fill("#email", ADMIN)
        page.fill("#password", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_selector("#trend-chart canvas", timeout=20_000)
        page.wait_for_selector("#kpis button, #kpis [role=button], #kpis > *", timeout=10_000)
        page.goto(f"{served}/live?site={SITE}")
        page.wait_for_selector("canvas", timeout=20_000)
        assert failed == []


def test_pulse_data_dir_moves_the_data(venv: Path, tmp_path: Path) -> None:
    env = {"PATH": str(venv / "bin"), "HOME": str(tmp_path), "PULSE_DATA_DIR": str(tmp_path / "d")}
    os.mkdir(tmp_path / "d")
    said = _run(venv / "bin" / "pulse", "migrate", cwd=tmp_path, env=env)
    assert str(tmp_path / "d" / "pulse.db") in said
    assert (tmp_path / "d" / "pulse.db").is_file()
