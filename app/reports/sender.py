"""Sending reports: the scheduler's `email-reports` job (exclusive: once across processes) and
`pulse report send`.

Each run looks at every subscription: the newest period whose send time (schedule.py) has come,
unless it is the last one sent. The subscription is first moved on to that period (a claim:
`store.claim`, a conditional UPDATE committed before the email goes), then the email is sent,
then the outcome noted. So a restart, a second process, or a run that overlaps another cannot
send a period twice; a server that was down at the send hour sends it at its next run; a failed
send gives the claim back and is tried again at the next run (one a minute)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.clock import Clock
from app.mail.mailer import Mailer
from app.queries.column_cache import ColumnCache
from app.reports import render, store, tokens
from app.reports.content import gather
from app.reports.schedule import latest_due
from app.settings import Settings
from app.sites.model import Site
from app.sites.registry import SiteRegistry

log = logging.getLogger(__name__)
JOB_INTERVAL_S = 60.0


def base_url(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


class ReportSender:
    def __init__(
        self, settings: Settings, clock: Clock, engine: AsyncEngine, sites: SiteRegistry,
        mailer: Mailer, key: Callable[[], bytes], columns: ColumnCache | None = None,
    ) -> None:  # fmt: skip
        self.settings, self.clock, self.engine = settings, clock, engine
        self.sites, self.mailer, self.key, self.columns = sites, mailer, key, columns
        self.sent = 0

    def unsubscribe_url(self, report_id: int, email: str) -> str:
        token = tokens.make(self.key(), report_id, email)
        return f"{base_url(self.settings)}/unsubscribe/{token}"

    async def compose(self, site: Site, to: str, interval: str, start: int, end: int,
                      report_id: int | None = None) -> Any:  # fmt: skip
        async with self.engine.connect() as conn:
            report = await gather(conn, site, interval, start, end, self.columns)
        link = f"{base_url(self.settings)}/?site={site.domain}"
        headers: dict[str, str] = {}
        unsubscribe = ""
        if report_id is not None:
            unsubscribe = self.unsubscribe_url(report_id, to)
            # RFC 8058 one-click: the client POSTs "List-Unsubscribe=One-Click" to the URL.
            headers = {
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
        note = unsubscribe or "(sent once by `pulse report send`; no subscription)"
        return self.mailer.compose(
            to,
            render.subject(site.domain, interval, report),
            render.text(site.domain, interval, report, note, link),
            render.page(site.domain, interval, report, unsubscribe or link, link),
            headers,
        )

    async def run(self) -> int:
        """The job: every due report, once; how many were sent."""
        if not self.mailer.configured:
            return 0
        now = self.clock.now_ms()
        async with self.engine.connect() as conn:
            subscriptions = await store.list_subscriptions(conn)
        sent = 0
        for sub in subscriptions:
            site = self.sites.by_id(sub.site_id)
            if site is None:
                continue
            start, end = latest_due(sub.interval, sub.hour, site.timezone, now)
            if sub.last_period_start is not None and sub.last_period_start >= start:
                continue
            async with self.engine.begin() as conn:
                if not await store.claim(conn, sub.id, start):
                    continue  # another process, or an overlapping run, has it
            error = None
            try:
                message = await self.compose(site, sub.email, sub.interval, start, end, sub.id)
                await self.mailer.send(message)
            except Exception as exc:  # noted on the subscription; the next run tries again
                error = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("report %s to %s not sent: %s", sub.id, sub.email, error)
            async with self.engine.begin() as conn:
                await store.settle(conn, sub.id, start, sub.last_period_start, now, error)
            if error is None:
                sent += 1
        self.sent += sent
        return sent
