"""Ingestion as a list of named steps: site -> bot -> page -> acquisition -> client -> place
(country, region, city) -> identity -> session. Each accepted event becomes an `Event`; each
rejected one a `Drop` with a reason the response reports. Bad input raises WireError (400)
before anything is queued.

With a shared session store (Redis, issue 8) identity and session are decided for the whole
request at once after the other steps: one round trip per request, not per event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.events import DROP_BOT, DROP_UNKNOWN_SITE, ENGAGEMENT, PAGEVIEW, Drop, Event
from app.ingest.bots import bot_reason
from app.ingest.geo import NOWHERE, GeoLookup, Place
from app.ingest.identity import Identity, choose
from app.ingest.normalise import Page, clean_referrer, language, measures, parse_page
from app.ingest.referrer import classify
from app.ingest.rules import SiteRules
from app.ingest.sessions import (
    SESSION_GAP_MS,
    Claim,
    SessionFacts,
    SessionIndex,
    SharedSessions,
    new_session_id,
)
from app.ingest.timestamps import client_timestamp
from app.ingest.useragent import Client, describe
from app.ingest.wire import WireEvent
from app.sites.model import Site, normalise_domain
from app.sites.registry import SiteRegistry


@dataclass(slots=True)
class RequestContext:
    ip: str | None
    user_agent: str
    headers: Mapping[str, str]
    now_ms: int


class Pipeline:
    def __init__(
        self,
        sites: SiteRegistry,
        sessions: SessionIndex,
        identity: Identity,
        geo: GeoLookup,
        rules: SiteRules | None = None,
        shared: SharedSessions | None = None,
    ) -> None:
        self.rules = rules or SiteRules()
        self.shared = shared
        self.sites = sites
        self.sessions = sessions
        self.identity = identity
        self.geo = geo

    async def run(self, wires: list[WireEvent], ctx: RequestContext) -> list[Event | Drop]:
        """Validate every event first (a bad one fails the request), then enrich them in order."""
        pages = [parse_page(w.url, w.hash) for w in wires]
        domains = [
            normalise_domain(w.site or p.hostname) for w, p in zip(wires, pages, strict=True)
        ]
        if any(self.sites.lookup(d) is None for d in domains):
            await self.sites.reload_for_unknown()
        bot = bot_reason(ctx.user_agent, ctx.headers)
        # Per-request facts, computed once however many events the batch holds.
        client = describe(ctx.user_agent)
        place = self.geo.locate(ctx.ip) if bot is None else NOWHERE
        results: list[Event | Drop] = []
        # Shared sessions: identity and session are decided after the loop, for all at once.
        pending: list[tuple[Event, int | None]] | None = (
            [] if self.shared is not None and self.shared.available else None
        )
        for wire, page, domain in zip(wires, pages, domains, strict=True):
            site = self.sites.lookup(domain)
            if site is None:
                results.append(Drop(DROP_UNKNOWN_SITE, None, ctx.now_ms))
            elif rule := self.rules.check(site, page, ctx.ip, wire.referrer):
                results.append(Drop(rule, site.id, ctx.now_ms))
            elif bot is not None:
                results.append(Drop(DROP_BOT, site.id, ctx.now_ms))
            else:
                results.append(self.enrich(site, wire, page, ctx, client, place, pending))
        if pending:
            await self._share_sessions(pending, ctx.now_ms)
        return results

    async def _share_sessions(self, pending: list[tuple[Event, int | None]], now: int) -> None:
        """Ask the shared store (one call); if it fails, decide here as without one."""
        assert self.shared is not None
        local = self.sessions
        claims = [
            Claim(
                e.site_id,
                e.visitor_id,
                alternate,
                local.state(e.site_id, e.visitor_id),
                None if alternate is None else local.state(e.site_id, alternate),
                new_session_id(),
            )
            for e, alternate in pending
        ]
        decisions = await self.shared.decide(claims, now)
        if decisions is None:
            for e, alternate in pending:
                if (
                    alternate is not None
                    and not self._ongoing(e.site_id, e.visitor_id, now)
                    and self._ongoing(e.site_id, alternate, now)
                ):
                    e.visitor_id = alternate
                facts = local.touch(e.site_id, e.visitor_id, now)
                e.session_id, e.new_visitor = facts.session_id, facts.new_visitor
                e.session_start = facts.session_start
            return
        for (e, _), d in zip(pending, decisions, strict=True):
            local.remember(e.site_id, d.visitor_id, d.state)
            e.visitor_id, e.session_id = d.visitor_id, d.state.session_id
            e.new_visitor, e.session_start = d.state.session_new_visitor, d.session_start

    def _ongoing(self, site_id: int, visitor_id: int, now_ms: int) -> bool:
        """Yesterday's cookieless id carries over only into a visit still in progress: a visitor
        back the next day must get a new id (no linking across days without consent)."""
        last_seen = self.sessions.last_seen(site_id, visitor_id)
        return last_seen is not None and now_ms - last_seen < SESSION_GAP_MS

    def enrich(
        self,
        site: Site,
        wire: WireEvent,
        page: Page,
        ctx: RequestContext,
        client: Client,
        place: Place,
        pending: list[tuple[Event, int | None]] | None = None,
    ) -> Event:
        measured = measures(wire)
        # Revenue rides on custom events only (a purchase), as in Plausible.
        paid = wire.revenue if measured.name not in (PAGEVIEW, ENGAGEMENT) else None
        utm = page.utm
        is_pageview = measured.name == PAGEVIEW
        referrer = clean_referrer(wire.referrer) if is_pageview else None
        acquisition = classify(referrer, page.hostname, utm, page.query, ctx.user_agent)
        visitor_id, alternate = self.identity.candidates(
            site_id=site.id,
            cookieless=site.cookieless,
            client_id=wire.visitor_id,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
            now_ms=ctx.now_ms,
        )
        if pending is None:
            visitor_id = choose(
                visitor_id, alternate, lambda vid: self._ongoing(site.id, vid, ctx.now_ms)
            )
            alternate = None
            session = self.sessions.touch(site.id, visitor_id, ctx.now_ms)
        else:  # filled in by _share_sessions once every event of the request is known
            session = _PENDING
        event = Event(
            site_id=site.id,
            ts=ctx.now_ms,
            name=measured.name,
            hostname=page.hostname,
            pathname=page.pathname,
            visitor_id=visitor_id,
            session_id=session.session_id,
            new_visitor=session.new_visitor,
            session_start=session.session_start,
            referrer=None if acquisition.internal else referrer,
            referrer_domain=acquisition.referrer_domain,
            source=acquisition.source,
            channel=acquisition.channel,
            utm_source=utm.source,
            utm_medium=utm.medium,
            utm_campaign=utm.campaign,
            utm_term=utm.term,
            utm_content=utm.content,
            country=place[0],
            browser=client.browser,
            browser_version=client.browser_version,
            os=client.os,
            os_version=client.os_version,
            device=client.device,
            screen_width=wire.screen_width,
            screen_height=wire.screen_height,
            language=language(wire.language),
            engagement_ms=measured.engagement_ms,
            scroll_depth=measured.scroll_depth,
            interactive=wire.interactive,
            props=measured.props,
            client_ts=client_timestamp(wire.timestamp),
            revenue_amount=paid[0] if paid else None,
            revenue_currency=paid[1] if paid else None,
            region=place[1],
            city=place[2],
        )
        if pending is not None:
            pending.append((event, alternate))
        return event


_PENDING = SessionFacts(0, False, False)
