"""Running Pulse under Hypercorn with a graceful stop: SIGTERM/SIGINT stop accepting, in-flight
requests finish, then the app's shutdown drains the write queue before the process exits."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import replace

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config

from app import create_app
from app.settings import Settings

GRACEFUL_TIMEOUT_S = 10.0


def hypercorn_config(settings: Settings) -> Config:
    config = Config()
    config.bind = [f"{settings.host}:{settings.port}"]
    config.graceful_timeout = GRACEFUL_TIMEOUT_S
    config.accesslog = None
    config.errorlog = "-"
    config.loglevel = settings.log_level
    # The wall display's websocket must outlive idle periods; Live sends keepalives anyway.
    config.keep_alive_timeout = 75
    return config


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    app = create_app(replace(settings, tune_gc=True))

    async def shutdown_trigger() -> None:
        await stop.wait()
        # Close websockets with 1001 now, not 1011 after Hypercorn's graceful timeout.
        await app.extensions["pulse"].live.stop()

    await hypercorn_serve(app, hypercorn_config(settings), shutdown_trigger=shutdown_trigger)  # type: ignore[arg-type]
