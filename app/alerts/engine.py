"""Alert evaluation on the live windows (app/live), firing, and the once-only claims.

The live hub calls `observe(event)` for every event it adds (own and, scaled out, other
processes' from the Redis stream) and `tick(now)` once a tick after the windows moved on.
`observe` is one dict lookup for a site without rules; otherwise a matching event is noted for
the event rules and the site's rules are evaluated on the leading edge — at once (a callback on
the loop), then at most every 100 ms while events keep coming — so an alert does not wait for
the next tick (what only time changes, a drop, waits for the tick). Evaluating reads each
rule's number from its site's window — distinct visitors in the last N minutes
(`SiteWindow.visitors_since`), active now — compares it with the threshold or the usual level
(`baseline.py`, refreshed every 5 minutes by a scheduler job), and fires.

Firing (`_fire`, a task off the evaluation): claim, then note it (`alerts.last_fired_at`, an
annotation over the span looked at), then the webhook with its retries (`webhook.py`). A rule
fires at most once per cool-down: locally (the last firing, also read back from the table at each
reload, so a restart does not re-fire) and, scaled out, across processes — every process sees
every event, so each would fire; the first to `SET <prefix>alert:<id>:cooldown NX PX
<cool-down>` in Redis fires, the others stand down. A first-of-day event rule claims
`alert:<id>:day:<local date>` instead. Redis unreachable: the process fires on its own claim
(an alert twice rather than none).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from app.alerts import baseline, email, store, webhook
from app.alerts.rules import ACTIVE, DROP, EMAIL, EVENT, SPIKE, Rule
from app.annotations import Annotation, add_annotation
from app.clock import Clock
from app.events import Event
from app.goals.definition import Goal
from app.goals.store import find_goals
from app.live.hub import LiveHub
from app.live.windows import MINUTE_MS
from app.mail.mailer import Mailer
from app.settings import Settings
from app.sites.model import Site
from app.sites.registry import SiteRegistry

if TYPE_CHECKING:
    from app.scheduler import Lock

log = logging.getLogger(__name__)
RELOAD_INTERVAL_S = 5.0  # CLI changes reach a running server within this
BASELINE_INTERVAL_S = 300.0
DAY_CLAIM_MS = 2 * 86_400_000
# An event evaluates its site's rules at once (not at the next tick, up to a second away), and
# then at most this often while events keep coming; the tick still evaluates every rule.
EAGER_GAP_S = 0.1


@dataclass
class Armed:
    """A rule as the engine holds it: the definition, its goal, and when it last fired."""

    rule: Rule
    goal: Goal | None = None
    last_fired_ms: int | None = None
    fired_day: str | None = None
    seen: list[Event] = field(default_factory=list)  # matching events since the last tick


class AlertEngine:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: AsyncEngine,
        sites: SiteRegistry,
        live: LiveHub,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.sites = sites
        self.live = live
        self.lock: Lock | None = None  # a RedisLock when scaled out (app/scheduler.py)
        self.mailer: Mailer | None = None  # email channels (the runtime's)
        self.by_site: dict[int, list[Armed]] = {}
        self.event_rules: dict[int, list[Armed]] = {}
        self.usual: dict[tuple[int, int], float | None] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self._soon: set[int] = set()  # sites with an evaluation scheduled by an event
        self._evaluated_at: dict[int, float] = {}  # loop time of each site's last one
        self.counts = {"fired": 0, "claims_lost": 0, "delivered": 0, "failed": 0}

    # --- rules -------------------------------------------------------------------------------

    async def reload(self) -> None:
        """Every rule from the table; local firing state kept for rules that stay."""
        async with self.engine.connect() as conn:
            rules = await store.list_rules(conn)
            wanted: dict[int, set[str]] = {}
            for rule in rules:
                if rule.goal is not None and rule.site_id is not None:
                    wanted.setdefault(rule.site_id, set()).add(rule.goal)
            goals = {site_id: await find_goals(conn, site_id, names)
                     for site_id, names in wanted.items()}  # fmt: skip
        old = {armed.rule.id: armed for arms in self.by_site.values() for armed in arms}
        by_site: dict[int, list[Armed]] = {}
        event_rules: dict[int, list[Armed]] = {}
        for rule in rules:
            assert rule.site_id is not None
            armed = old.get(rule.id)
            if armed is None:
                armed = Armed(rule)
            armed.rule = rule
            stored = rule.last_fired_at
            if stored is not None and (armed.last_fired_ms or 0) < stored:
                armed.last_fired_ms = stored
            if rule.goal is not None:
                armed.goal = goals.get(rule.site_id, {}).get(rule.goal)
            by_site.setdefault(rule.site_id, []).append(armed)
            if rule.kind == EVENT:
                event_rules.setdefault(rule.site_id, []).append(armed)
        self.by_site, self.event_rules = by_site, event_rules
        missing = {k for k in self._baseline_keys() if k not in self.usual}
        if missing:
            await self.refresh_baselines(missing)

    def _baseline_keys(self) -> set[tuple[int, int]]:
        return {
            (site_id, armed.rule.minutes)
            for site_id, arms in self.by_site.items()
            for armed in arms
            if armed.rule.factor is not None and armed.rule.minutes is not None
        }

    async def refresh_baselines(self, keys: set[tuple[int, int]] | None = None) -> None:
        now = self.clock.now_ms()
        todo = self._baseline_keys() if keys is None else keys
        async with self.engine.connect() as conn:
            for site_id, minutes in sorted(todo):
                self.usual[(site_id, minutes)] = await baseline.usual_visitors(
                    conn, site_id, now, minutes
                )

    # --- the hub's hooks ---------------------------------------------------------------------

    def observe(self, event: Event) -> None:
        site_id = event.site_id
        if site_id not in self.by_site:
            return  # a site without rules: one dict lookup
        for armed in self.event_rules.get(site_id, ()):
            rule = armed.rule
            if rule.event is not None:
                hit = event.name == rule.event
            elif armed.goal is not None:
                hit = armed.goal.matches(
                    event.name, event.pathname, event.props, event.scroll_depth
                )
            else:
                hit = False
            if hit and len(armed.seen) < 100:
                armed.seen.append(event)
        if site_id not in self._soon:  # leading edge: evaluate now, then at most every 100 ms
            self._soon.add(site_id)
            loop = asyncio.get_running_loop()
            delay = self._evaluated_at.get(site_id, -EAGER_GAP_S) + EAGER_GAP_S - loop.time()
            loop.call_later(max(0.0, delay), self._evaluate_soon, site_id)

    def _evaluate_soon(self, site_id: int) -> None:
        self._soon.discard(site_id)
        self._evaluated_at[site_id] = asyncio.get_running_loop().time()
        try:
            self._evaluate(site_id, self.clock.now_ms())
        except Exception:
            log.exception("alert evaluation failed")

    def tick(self, now: int) -> None:
        for site_id in list(self.by_site):
            self._evaluate(site_id, now)

    def _evaluate(self, site_id: int, now: int) -> None:
        arms = self.by_site.get(site_id)
        site = self.live.site(site_id)
        if arms is None or site is None:
            return
        window = self.live.window(site_id)
        for armed in arms:
            facts = self._check(armed, site, window, now)
            if facts is not None:
                self._arm_fire(armed, site, facts, now)

    def _check(self, armed: Armed, site: Site, window: Any, now: int) -> dict[str, Any] | None:
        rule = armed.rule
        if rule.kind == EVENT:
            if not armed.seen:
                return None
            event, count = armed.seen[-1], len(armed.seen)
            armed.seen.clear()
            day = _local_day(now, site.timezone)
            if not rule.every and armed.fired_day == day:
                return None
            last = armed.last_fired_ms
            if not rule.every and last is not None and _local_day(last, site.timezone) == day:
                armed.fired_day = day
                return None
            if rule.every and not self._cooled(armed, now):
                return None
            what = rule.event or rule.goal
            first = "" if rule.every else " (first today)"
            return {
                "value": count,
                "event": event.name,
                "goal": rule.goal,
                "page": event.pathname,
                "day": day,
                "message": f"{what} on {site.domain}{first}: {event.pathname}",
            }
        if not self._cooled(armed, now):
            return None
        if rule.kind == ACTIVE:
            value = window.active_now(now)
            assert rule.threshold is not None
            if value <= rule.threshold:
                return None
            return {
                "value": value,
                "message": f"{value} visitors active now on {site.domain} "
                f"(alert above {rule.threshold:g})",
            }
        assert rule.minutes is not None
        value = window.visitors_since(now - rule.minutes * MINUTE_MS)
        usual = self.usual.get((site.id, rule.minutes)) if rule.factor is not None else None
        if rule.threshold is not None:
            limit = rule.threshold
        elif usual is None:
            return None  # no history yet to compare with
        else:
            assert rule.factor is not None
            limit = rule.factor * max(usual, 1.0) if rule.kind == SPIKE else rule.factor * usual
        if (rule.kind == SPIKE and value <= limit) or (rule.kind == DROP and value >= limit):
            return None
        word = "spike" if rule.kind == SPIKE else "drop"
        side = "above" if rule.kind == SPIKE else "below"
        level = (
            f"{rule.threshold:g}"
            if rule.threshold is not None
            else f"{rule.factor:g} x usual {usual:.1f}"
        )
        return {
            "value": value,
            "usual": usual,
            "limit": limit,
            "message": f"Traffic {word} on {site.domain}: {value} visitors in the last "
            f"{rule.minutes} minutes (alert {side} {level})",
        }

    def _cooled(self, armed: Armed, now: int) -> bool:
        last = armed.last_fired_ms
        return last is None or now - last >= armed.rule.cooldown_s * 1000

    def _arm_fire(self, armed: Armed, site: Site, facts: dict[str, Any], now: int) -> None:
        armed.last_fired_ms = now  # at once: the next tick must not fire it again
        if "day" in facts:
            armed.fired_day = facts["day"]
        task = asyncio.get_running_loop().create_task(self._fire(armed.rule, site, facts, now))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # --- firing ------------------------------------------------------------------------------

    async def _claim(self, rule: Rule, facts: dict[str, Any]) -> bool:
        if self.lock is None:
            return True
        if rule.kind == EVENT and not rule.every:
            key, ttl = f"alert:{rule.id}:day:{facts['day']}", DAY_CLAIM_MS
        else:
            key, ttl = f"alert:{rule.id}:cooldown", rule.cooldown_s * 1000
        try:
            return await self.lock.claim(key, ttl)
        except Exception as exc:
            log.warning("alert %s: claim failed (%s); firing anyway", rule.id, exc)
            return True

    async def _fire(self, rule: Rule, site: Site, facts: dict[str, Any], now: int) -> None:
        try:
            if not await self._claim(rule, facts):
                self.counts["claims_lost"] += 1
                return
            self.counts["fired"] += 1
            body = fired_payload(rule, site, facts, now)
            assert rule.id is not None
            start = now - (rule.minutes or 0) * MINUTE_MS if rule.kind in (SPIKE, DROP) else now
            note = Annotation(start, now, f"[{rule.name}] {facts['message']}", rule.id)
            async with self.engine.begin() as conn:
                await store.mark_fired(conn, rule.id, now)
                await add_annotation(conn, site.id, note, now)
            attempts = await dispatch(
                self.engine, self.settings, rule, body, now, False, self.mailer
            )
            self.counts["delivered" if attempts and attempts[-1].delivered else "failed"] += 1
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("alert %s could not fire", rule.id)

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    def status(self) -> dict[str, Any]:
        return {"rules": sum(len(a) for a in self.by_site.values()), **self.counts}


def _local_day(ms: int, timezone: str) -> str:
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone)).date().isoformat()


def fired_payload(
    rule: Rule, site: Site, facts: dict[str, Any], now: int, test: bool = False
) -> dict[str, Any]:
    """Pulse's JSON for a firing (the `json` channel format sends it as it is)."""
    moment = datetime.fromtimestamp(now / 1000, ZoneInfo("UTC"))
    body: dict[str, Any] = {
        "type": "alert.test" if test else "alert.fired",
        "alert": {"id": rule.id, "name": rule.name, "kind": rule.kind},
        "site": site.domain,
        "fired_at": moment.isoformat().replace("+00:00", "Z"),
        "fired_at_ms": now,
        "minutes": rule.minutes,
        "threshold": rule.threshold,
        "factor": rule.factor,
        "test": test,
    }
    body.update(facts)
    body["message"] = f"[{rule.name}] {facts['message']}"
    return body


async def dispatch(
    engine: AsyncEngine,
    settings: Settings,
    rule: Rule,
    body: dict[str, Any],
    fired_at: int,
    test: bool = False,
    mailer: Mailer | None = None,
) -> list[webhook.Attempt]:
    """The webhook (or email) with its retries, each attempt logged in `alert_deliveries`."""
    assert rule.id is not None and rule.site_id is not None
    rule_id, site_id = rule.id, rule.site_id

    async def record(attempt: webhook.Attempt) -> None:
        async with engine.begin() as conn:
            await store.log_delivery(
                conn,
                site_id=site_id,
                alert_id=rule_id,
                fired_at=fired_at,
                attempt=attempt.attempt,
                sent_at=attempt.sent_at,
                status_code=attempt.status_code,
                error=attempt.error,
                duration_ms=attempt.duration_ms,
                test=test,
            )

    if rule.channel.type == EMAIL:
        link = (
            f"{settings.public_url.rstrip('/')}/?site={body['site']}" if settings.public_url else ""
        )
        return await email.deliver(
            mailer or Mailer(None),
            rule.channel,
            body,
            record,
            link=link,
            attempts=settings.alert_attempts,
            backoff_s=settings.alert_backoff_ms / 1000,
        )
    return await webhook.deliver(
        rule.channel,
        body,
        record,
        attempts=settings.alert_attempts,
        backoff_s=settings.alert_backoff_ms / 1000,
        timeout_s=settings.alert_timeout_ms / 1000,
    )


def trial_body(rule: Rule, site: Site, now: int) -> dict[str, Any]:
    """What `pulse alert test` and POST .../alerts/{id}/test send."""
    facts = {"value": None, "message": f"test of {rule.describe()} on {site.domain}"}
    return fired_payload(rule, site, facts, now, test=True)
