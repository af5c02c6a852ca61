"""Graceful shutdown of a real server process: every event that got a 202 is on disk, whole,
and nothing that was not sent."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx

from tests.conftest import FIREFOX, SITE, rows

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pulse(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


async def _wait_healthy(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):  # 30 s: a loaded CI machine imports slowly
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("server did not start")


async def _post_until_refused(url: str, stop_after: float) -> tuple[set[int], int | None]:
    """Post batches of 10 (batch n to path /p<n>) as fast as possible; return the batches that
    got a 202, and the one whose answer was lost when the server went away (if any)."""
    accepted: set[int] = set()
    loop = asyncio.get_running_loop()
    started = loop.time()
    n = 0
    async with httpx.AsyncClient(headers={"User-Agent": FIREFOX}, timeout=5) as client:
        while loop.time() - started < stop_after:
            body = [{"url": f"https://{SITE}/p{n}", "visitor_id": f"v{i}"} for i in range(10)]
            try:
                response = await client.post(f"{url}/api/collect", json=body)
            except httpx.TransportError:
                return accepted, n
            if response.status_code == 202 and response.json()["accepted"] == 10:
                accepted.add(n)
            n += 1
    return accepted, None


async def test_sigterm_drains_everything_accepted(tmp_path: Path) -> None:
    db = tmp_path / "pulse.db"
    port = free_port()
    env = {
        **os.environ,
        "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "PULSE_FLUSH_INTERVAL_MS": "3000",
        "PULSE_LOG_LEVEL": "WARNING",
        "PULSE_INGEST_RATE_LIMIT": "0",
    }
    pulse(env, "migrate")
    pulse(env, "site", "add", SITE)
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-migrate"],
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await _wait_healthy(url)
        posting = asyncio.create_task(_post_until_refused(url, stop_after=10))
        await asyncio.sleep(1.0)
        server.send_signal(signal.SIGTERM)
        accepted, lost_answer = await posting
        assert await asyncio.to_thread(server.wait, 30) == 0
    finally:
        if server.poll() is None:
            server.kill()
    assert len(accepted) > 10
    # The 3 s flush interval means most of these were still queued when SIGTERM arrived.
    per_batch = Counter(int(r["pathname"][2:]) for r in rows(db))
    missing = sorted(n for n in accepted if per_batch[n] != 10)
    assert not missing, f"batches answered 202 but not stored whole: {missing[:5]}"
    # A request can be taken and stored while its answer is lost as the connection closes
    # (seen once in ~20 runs): that batch may be on disk, whole; nothing else may.
    extra = set(per_batch) - accepted
    assert extra <= {lost_answer}, f"stored without being sent or answered: {sorted(extra)[:5]}"
    assert all(per_batch[n] == 10 for n in extra)
