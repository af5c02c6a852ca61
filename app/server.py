"""Running Pulse under Hypercorn with a graceful stop: SIGTERM/SIGINT stop accepting, in-flight
requests finish, then the app's shutdown drains the write queue before the process exits."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
from dataclasses import replace

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config

from app import create_app
from app.settings import Settings

GRACEFUL_TIMEOUT_S = 10.0


log = logging.getLogger("pulse")


def hypercorn_config(settings: Settings, fd: int | None = None) -> Config:
    config = Config()
    config.bind = [f"fd://{fd}" if fd is not None else f"{settings.host}:{settings.port}"]
    config.graceful_timeout = GRACEFUL_TIMEOUT_S
    config.accesslog = None
    config.errorlog = "-"
    config.loglevel = settings.log_level
    # The wall display's websocket must outlive idle periods; Live sends keepalives anyway.
    config.keep_alive_timeout = 75
    return config


async def serve(settings: Settings, fd: int | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    app = create_app(replace(settings, tune_gc=True))

    async def shutdown_trigger() -> None:
        await stop.wait()
        # Close websockets with 1001 now, not 1011 after Hypercorn's graceful timeout.
        await app.extensions["pulse"].live.stop()

    config = hypercorn_config(settings, fd)
    await hypercorn_serve(app, config, shutdown_trigger=shutdown_trigger)  # type: ignore[arg-type]


def serve_workers(settings: Settings, workers: int) -> int:
    """`pulse serve --workers N`: N server processes accepting on one listening socket (made
    here, inherited by each), every one a full Pulse with its own windows and writer, joined
    through PostgreSQL and Redis. SIGTERM/SIGINT are passed on; each child stops gracefully."""
    listener = socket.create_server((settings.host, settings.port), backlog=1024)
    listener.set_inheritable(True)
    fd = listener.fileno()
    command = [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--fd", str(fd)]
    env = {
        **os.environ,  # flags given to the parent reach the workers too
        "PULSE_DATABASE_URL": settings.database_url,
        "PULSE_BROKER_URL": settings.broker_url,
        "PULSE_LOG_LEVEL": settings.log_level,
    }
    children = [subprocess.Popen(command, pass_fds=(fd,), env=env) for _ in range(workers)]
    log.warning("Pulse on %s:%d with %d workers", settings.host, settings.port, workers)

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [child.wait() for child in children]
    listener.close()
    return max(codes, key=abs)
