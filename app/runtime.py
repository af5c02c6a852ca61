"""The running server's parts and their lifecycle, owned by the app (started before serving,
stopped after): engine, site registry, session index, pipeline, writer, intake (the ingest path
wired to its sinks) and maintenance tasks."""

from __future__ import annotations

import functools
import gc
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.alerts.engine import BASELINE_INTERVAL_S, RELOAD_INTERVAL_S, AlertEngine
from app.auth.ratelimit import TokenBucket
from app.auth.state import AuthState
from app.clock import Clock
from app.ingest.geo import GeoLookup
from app.ingest.identity import Identity, SaltBook
from app.ingest.intake import Counters, Intake
from app.ingest.pipeline import Pipeline
from app.ingest.rules import SiteRules
from app.ingest.salts import SaltKeeper
from app.ingest.sessions import SessionIndex, VisitorState
from app.live.hub import LiveHub
from app.live.sockets import Caps, SocketGuard
from app.mail.mailer import Mailer
from app.queries.column_cache import ColumnCache
from app.reports.sender import JOB_INTERVAL_S as REPORTS_INTERVAL_S
from app.reports.sender import ReportSender
from app.retention_purge import purge_all
from app.scheduler import RedisLock, Scheduler
from app.settings import Settings
from app.sites.registry import SiteRegistry
from app.storage import columns, spill
from app.storage.database import create_engine, create_writer_engine, ping
from app.storage.tables import visitors
from app.storage.writer import Writer
from app.telemetry import Telemetry

if TYPE_CHECKING:
    from app.broker.broker import Broker

log = logging.getLogger(__name__)
MAINTENANCE_INTERVAL_S = 3600.0
# How often the sealer looks for past hours to store as columns (app/storage/columns.py).
SEAL_INTERVAL_S = 60.0
# Retention purges: hourly is plenty for a setting counted in days.
RETENTION_INTERVAL_S = 3600.0


def _tune_garbage_collector() -> None:
    """Move everything loaded at start (UA rules, geo tables, warm visitors) out of the cyclic
    collector's sight and collect young objects less often: with the default thresholds, GC
    passes cost a third of the writer's CPU time in the ingest profile (0.63 s -> 0.41 s)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


class Runtime:
    def __init__(self, settings: Settings, clock: Clock, geo: GeoLookup | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.engine: AsyncEngine = create_engine(settings.database_url)
        self.sites = SiteRegistry(self.engine)
        self.sessions = SessionIndex(settings.visitor_cap)
        self.identity = Identity(SaltBook())
        self.geo = geo or GeoLookup()
        self.pipeline = Pipeline(self.sites, self.sessions, self.identity, self.geo, SiteRules())
        # Per client IP, checked before decoding (issue 6); 0 requests/s turns it off.
        self.ingest_limit = TokenBucket(settings.ingest_rate_limit)
        self.auth = AuthState(settings)
        self.writer = Writer(
            functools.partial(
                create_writer_engine, settings.database_url, settings.sqlite_synchronous
            ),
            spill_path=settings.spill_file,
            batch_size=settings.batch_size,
            flush_interval=settings.flush_interval_ms / 1000,
            queue_bound=settings.queue_bound,
        )
        self.live = LiveHub(
            clock,
            self.sites,
            settings.live_visitor_cap,
            tick_s=settings.live_tick_ms / 1000,
            keepalive_s=settings.live_keepalive_ms / 1000,
        )
        caps = Caps(
            settings.live_sockets_per_credential,
            settings.live_sockets_per_ip,
            settings.live_sockets_max,
        )
        # The credential re-check is HTTP's (app/api/principal.py): create_app installs it.
        self.sockets = SocketGuard(caps, settings.live_reauth_ms / 1000)
        self.intake = Intake(self.ingest_limit, self.pipeline, self.writer, self.live.add)
        # Periodic jobs (app/scheduler.py), shown in /readyz; exclusive ones run once across
        # processes when a broker gives them a lock.
        self.scheduler = Scheduler()
        self.scheduler.add("seal", SEAL_INTERVAL_S, self._seal_job, exclusive=True)
        # Salts are per process (each adopts the stored ones into its own book): not exclusive.
        self.scheduler.add(
            "salts", MAINTENANCE_INTERVAL_S, self._salts_job, delay_s=MAINTENANCE_INTERVAL_S
        )
        # Email (issue 20): alerts, reports, invitations and password resets send through it.
        self.mailer = Mailer.from_settings(
            settings.smtp_url, settings.smtp_from, settings.smtp_timeout_ms
        )
        # Retention (issue 18): sites' raw rows past keep_raw_days, purged in writer-sized chunks.
        self.scheduler.add(
            "retention", RETENTION_INTERVAL_S, self.purge_raw, delay_s=60, exclusive=True
        )
        # Alerts (issue 20): rules evaluated on the live windows at every tick.
        self.alerts = AlertEngine(settings, clock, self.engine, self.sites, self.live)
        self.alerts.mailer = self.mailer
        self.live.on_event = self.alerts.observe
        self.live.on_tick = self.alerts.tick
        self.scheduler.add(
            "alert-rules", RELOAD_INTERVAL_S, self.alerts.reload, delay_s=RELOAD_INTERVAL_S
        )
        self.scheduler.add(
            "alert-baselines",
            BASELINE_INTERVAL_S,
            self.alerts.refresh_baselines,
            delay_s=BASELINE_INTERVAL_S,
        )
        # Sealed hours' decoded columns, shared by every report of this process.
        self.column_cache = ColumnCache(settings.column_cache_mb << 20)
        # Scheduled email reports (issue 20): exclusive, so a due report goes out once.
        self.reports = ReportSender(
            settings, clock, self.engine, self.sites, self.mailer, lambda: self.auth.key,
            self.column_cache,
        )  # fmt: skip
        self.scheduler.add(
            "email-reports", REPORTS_INTERVAL_S, self.reports.run, delay_s=5.0, exclusive=True
        )
        # GET /metrics: this process's Prometheus registry (app/telemetry.py).
        self.telemetry = Telemetry(self)
        # Scale-out (issue 8): None without PULSE_BROKER_URL, and then nothing below costs more
        # than this attribute's check.
        self.broker: Broker | None = None
        if settings.broker_url:
            self._attach_broker()
        redis = self.broker.client if self.broker is not None else None
        self.salts = SaltKeeper(
            self.identity.salts, settings.salt_secret, redis, settings.broker_prefix
        )

    def _attach_broker(self) -> None:
        from app.broker.broker import Broker
        from app.broker.sessions import RedisSessions

        self.broker = Broker(self.settings, self.live.add)
        self.intake.broker = self.broker
        self.pipeline.shared = RedisSessions(self.broker, self.settings.broker_visitor_ttl_days)
        self.scheduler.lock = RedisLock(self.broker.client, self.settings.broker_prefix)
        self.alerts.lock = self.scheduler.lock

    async def start(self) -> None:
        await ping(self.engine)
        replayed = await spill.replay_all(
            self.engine, self.settings.spill_file, self.clock.now_ms()
        )
        if replayed:
            log.warning("replayed %d spilled events", replayed)
        await self.sites.reload()
        await self.auth.start(self.engine)
        await self.salts.refresh(self.clock.now_ms())
        await self._warm_sessions()
        if self.broker is not None:
            self.broker.mark_start()  # stream entries from here on are applied, none missed
            await self.broker.start()
        live_events = await self.live.warm_start(self.engine)
        await self.alerts.reload()
        if self.settings.tune_gc:
            _tune_garbage_collector()
        self.writer.start()
        self.live.start()
        self.sockets.start()
        self.sites.start_refresh()  # CLI updates and removals reach the registry within 5 s
        self.scheduler.start()
        log.info(
            "Pulse ready: %d sites, %d visitors warm, %d live events replayed",
            len(self.sites.all()),
            len(self.sessions),
            live_events,
        )

    async def stop(self) -> None:
        await self.sockets.stop()
        await self.live.stop()  # websockets close with 1001 before the writer drains
        await self.sites.stop_refresh()
        if self.broker is not None:
            await self.broker.stop()
        await self.scheduler.stop()
        await self.alerts.stop()
        await self.writer.stop()
        log.info("writer drained: %d events persisted", self.writer.stats.persisted)
        await self.engine.dispose()

    @property
    def counters(self) -> Counters:
        return self.intake.counters

    async def _warm_sessions(self) -> None:
        """Most recently seen visitors first from the database, inserted oldest first."""
        query = (
            select(visitors).order_by(visitors.c.last_seen.desc()).limit(self.settings.visitor_cap)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        for row in reversed(rows):
            state = VisitorState(
                row.first_seen, row.last_seen, row.session_id, bool(row.session_new_visitor)
            )
            self.sessions.restore(row.site_id, row.visitor_id, state)

    async def seal_pending(self) -> int:
        """Seal every past hour not sealed yet, one writer job per hour (batches go in
        between); the number of hours sealed."""
        done = 0
        while True:
            async with self.engine.connect() as conn:
                todo = await columns.pending(conn, self.clock.now_ms())
            for site_id, hour in todo:
                await self.writer.run_job(
                    functools.partial(columns.seal, site_id=site_id, hour=hour)
                )
            done += len(todo)
            if not todo:
                return done

    async def _seal_job(self) -> None:
        sealed = await self.seal_pending()
        if sealed:
            log.info("sealed %d hours of sessions as columns", sealed)

    async def purge_raw(self) -> Any:
        """One retention pass (app/retention_purge.py); the sites reloaded after it, so
        reports see how far each purge went."""
        await self.sites.reload()
        done = await purge_all(
            self.writer.run_job, self.sites.all(), self.clock.now_ms(), self.seal_pending
        )
        await self.sites.reload()
        return done

    async def _salts_job(self) -> None:
        await self.salts.refresh(self.clock.now_ms())
