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

    from app.api import (
        collect,
        converters,
        errors,
        health,
        openapi,
        original,
        plausible,
        script,
        stats,
        umami,
    )
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
    from app.api import principal

    runtime.sockets.recheck = principal.rechecker(runtime)  # open /ws/live sockets' re-check

    converters.install(app.url_map)  # before any route that uses <id:...>
    errors.register(app)
    from app.api import metrics

    metrics.install(app)  # before the guard: a refused request is timed and counted too
    app.register_blueprint(metrics.bp)  # GET /metrics (issue 21)
    app.register_blueprint(collect.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(script.bp)
    app.register_blueprint(plausible.bp)  # drop-in ingestion (issue 9)
    app.register_blueprint(umami.bp)
    from app.api import live, pages  # live view and wall display (issue 4)

    app.register_blueprint(live.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(stats.bp)  # history (issue 5)
    from app.api import suggest

    app.register_blueprint(suggest.bp)  # filter-value suggestions (issue 16)
    from app.api import goals

    app.register_blueprint(goals.bp)  # goals and the goal report (issue 17)
    from app.api import alerts, email_reports
    from app.api import annotations as annotation_api

    app.register_blueprint(alerts.bp)  # alert rules and their deliveries (issue 20)
    app.register_blueprint(email_reports.bp)  # scheduled email reports (issue 20)
    app.register_blueprint(annotation_api.bp)
    from app.api import imports as import_api

    app.register_blueprint(import_api.bp)  # imported history (issue 18)
    app.register_blueprint(original.bp)  # the original /api/analytics/* (issue 5)
    app.register_blueprint(openapi.bp)  # /openapi.json (issue 5)
    from app.api import statsapi

    app.register_blueprint(statsapi.bp)  # Plausible's Stats API v1 + v2 (issue 21)

    from app.api import (
        account,
        admin,
        auth,
        embeds,
        guard,
        headers,
        invitations,
        kiosks,
        overview,
        resets,
        share,
        site_pages,
    )

    app.register_blueprint(auth.bp)  # accounts and security (issue 6)
    app.register_blueprint(account.bp)  # password change, two-factor (issue 19)
    app.register_blueprint(invitations.bp)  # invitations by link (issue 19)
    app.register_blueprint(resets.bp)  # password reset by email (issues 19, 20)
    app.register_blueprint(admin.bp)
    app.register_blueprint(share.bp)
    app.register_blueprint(embeds.bp)  # embeds and kiosk screens (issue 21)
    app.register_blueprint(kiosks.bp)
    app.register_blueprint(overview.bp)  # sites overview, members, instance settings (issue 19)
    app.register_blueprint(site_pages.bp)  # /sites, onboarding, settings, /account (issue 19)
    guard.install(app)  # deny by default: every non-public route needs a credential
    headers.install(app)  # CSP, nosniff, frame-ancestors, Referrer-Policy; CORS on ingest only

    if os.environ.get("PULSE_BENCHMARK") == "1":
        from app.api import bench

        app.register_blueprint(bench.bp)

    @app.before_serving
    async def _start() -> None:
        await runtime.start()
        if url := runtime.auth.setup_url():
            logging.getLogger("pulse").warning(
                "no user exists yet: create the first (admin) account at %s "
                "(one-time link; or run `pulse user create EMAIL`)",
                url,
            )

    @app.after_serving
    async def _stop() -> None:
        await runtime.stop()

    return app
