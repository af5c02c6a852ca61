"""Pulse: self-hosted, privacy-first web analytics with a live wall display."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quart import Quart

    from app.clock import Clock
    from app.ingest.geo import GeoLookup
    from app.settings import Settings

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    geo: GeoLookup | None = None,
) -> Quart:
    # Imported here so `import app.settings` (CLI, migrations) stays light.
    from quart import Quart

    from app.api import collect, errors, health, script
    from app.clock import SystemClock
    from app.runtime import Runtime
    from app.settings import Settings

    settings = settings or Settings.from_env()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = Quart(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    runtime = Runtime(settings, clock or SystemClock(), geo)
    app.extensions["pulse"] = runtime

    errors.register(app)
    app.register_blueprint(collect.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(script.bp)

    if os.environ.get("PULSE_BENCHMARK") == "1":
        from app.api import bench

        app.register_blueprint(bench.bp)

    @app.before_serving
    async def _start() -> None:
        await runtime.start()

    @app.after_serving
    async def _stop() -> None:
        await runtime.stop()

    return app
