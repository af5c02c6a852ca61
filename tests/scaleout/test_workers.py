"""`pulse serve --workers N`: N real server processes on one port, joined through Redis."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.conftest import FIREFOX
from tests.sdk.conftest import ROOT, _pulse_cli, _wait_healthy, free_port

SITE = "workers.example"


def test_more_than_one_worker_needs_a_broker(tmp_path: Path) -> None:
    env = {**os.environ, "PULSE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    env.pop("PULSE_BROKER_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--workers", "2", "--no-migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "PULSE_BROKER_URL" in done.stderr


def test_two_workers_on_one_port_share_sessions(
    tmp_path: Path, redis_url: str, prefix: str
) -> None:
    db = tmp_path / "pulse.db"
    env = {
        **os.environ,
        "PULSE_DATABASE_URL": f"sqlite:///{db}",
        "PULSE_LOG_LEVEL": "WARNING",
        "PULSE_INGEST_RATE_LIMIT": "0",
        "PULSE_BROKER_PREFIX": prefix,
    }
    _pulse_cli(env, "migrate")
    _pulse_cli(env, "site", "add", SITE)
    port, log_path = free_port(), tmp_path / "server.log"
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-migrate"]
    command += ["--workers", "2", "--broker-url", redis_url]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    origin = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(origin, proc, log_path)
        for k in range(8):  # new connections: the kernel spreads them over both workers
            body = json.dumps({"url": f"https://{SITE}/p{k}", "visitor_id": "same"}).encode()
            request = urllib.request.Request(
                f"{origin}/api/collect", data=body, headers={"User-Agent": FIREFOX}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 202
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log_path.read_text()
    with sqlite3.connect(db) as conn:
        count, sessions, starts = conn.execute(
            "SELECT count(*), count(DISTINCT session_id), sum(session_start) FROM events"
        ).fetchone()
    assert (count, sessions, starts) == (8, 1, 1)
