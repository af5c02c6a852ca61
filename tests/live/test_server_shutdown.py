"""SIGTERM on a real `pulse serve`: the wall's websocket must close with 1001 at once.

Hypercorn waits up to its graceful timeout (10 s) for open connections before the app's shutdown
hooks run, and a live websocket never ends by itself: unless the hub is stopped when the signal
arrives, screens wait 10 s and then see 1011. That needs `app/server.py` to stop the hub in its
shutdown trigger (asked of the lead); until then this test is an expected failure.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from wsproto import ConnectionType, WSConnection
from wsproto.events import CloseConnection, Message, Request

from tests.live.conftest import WALL_SITE
from tests.sdk.conftest import ROOT, _pulse_cli, _wait_healthy, free_port


async def close_code_after_sigterm(
    port: int, token: str, server: subprocess.Popen[bytes]
) -> tuple[bool, int | None]:
    """(whether SIGTERM went out after a first snapshot, the close code seen within 3 s)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    ws = WSConnection(ConnectionType.CLIENT)
    target, auth = f"/ws/live?site={WALL_SITE}", [(b"authorization", f"Bearer {token}".encode())]
    writer.write(ws.send(Request(host=f"127.0.0.1:{port}", target=target, extra_headers=auth)))
    signalled, deadline = False, time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            data = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
        except TimeoutError:
            break
        ws.receive_data(data)
        for event in ws.events():
            if isinstance(event, Message) and not signalled:
                server.send_signal(signal.SIGTERM)  # the first snapshot is in: stop the server
                signalled, deadline = True, time.monotonic() + 3.0  # well inside Hypercorn's 10 s
            elif isinstance(event, CloseConnection):
                return signalled, event.code
    return signalled, None


def test_sigterm_closes_live_sockets_with_1001(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}",
        "PULSE_LOG_LEVEL": "WARNING",
    }
    _pulse_cli(env, "migrate")
    _pulse_cli(env, "site", "add", WALL_SITE)
    made = subprocess.run(
        [sys.executable, "-m", "app.cli", "token", "create", "--site", WALL_SITE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    token = made.stdout.split()[-1]  # printed once, as the last word
    port, log_path = free_port(), tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-migrate"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", server, log_path)
        assert asyncio.run(close_code_after_sigterm(port, token, server)) == (True, 1001)
    finally:
        server.kill()
        server.wait()
