"""`pulse alert add|list|remove|test --site DOMAIN`: alert rules from the command line, straight
to the database (a running server re-reads the rules every 5 s)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from app.alerts.engine import dispatch, trial_body
from app.alerts.rules import FIRST_OF_DAY, KINDS, WEBHOOK, AlertError, parse
from app.alerts.store import add_rule, get_rule, list_rules, remove_rule
from app.goals.store import find_goals
from app.mail.mailer import Mailer
from app.settings import Settings
from app.sites.store import find_site
from app.storage.database import create_engine


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    alert = sub.add_parser("alert", help="manage a site's alert rules")
    alert_sub = alert.add_subparsers(dest="alert_command", required=True)
    add = alert_sub.add_parser("add", help="define an alert rule with its webhook")
    add.add_argument("--site", required=True)
    add.add_argument("name")
    add.add_argument("--kind", required=True, choices=KINDS)
    add.add_argument("--minutes", type=int, help="spike/drop: the last N minutes (1-30)")
    add.add_argument("--threshold", type=float, help="spike/drop/active: visitors")
    add.add_argument("--factor", type=float, help="spike/drop: times the usual level")
    add.add_argument("--event", help="event: a custom event's name")
    add.add_argument("--goal", help="event: a goal's name")
    add.add_argument("--mode", choices=[FIRST_OF_DAY, "every"], help="event: first_of_day")
    add.add_argument("--cooldown-minutes", type=float, help="at most one firing per (60)")
    channel = add.add_mutually_exclusive_group(required=True)
    channel.add_argument("--webhook", help="the channel's URL")
    channel.add_argument(
        "--email", action="append", help="email the alert to this address (repeatable)"
    )
    add.add_argument("--format", choices=["json", "slack", "discord", "mattermost"])
    add.add_argument("--secret", help="the signing secret (made when not given)")
    listing = alert_sub.add_parser("list", help="list a site's alert rules")
    listing.add_argument("--site", required=True)
    rm = alert_sub.add_parser("remove", help="remove an alert rule by id")
    rm.add_argument("--site", required=True)
    rm.add_argument("id", type=int)
    test = alert_sub.add_parser("test", help="send a test delivery through a rule's webhook")
    test.add_argument("--site", required=True)
    test.add_argument("id", type=int)
    return alert


def definition(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"name": args.name, "kind": args.kind}
    for key in ("minutes", "threshold", "factor", "event", "goal", "mode", "cooldown_minutes"):
        value = getattr(args, key)
        if value is not None:
            body[key] = value
    if args.email:
        body["channel"] = {"type": "email", "recipients": args.email}
        return body
    channel: dict[str, Any] = {"type": "webhook", "url": args.webhook}
    for key in ("format", "secret"):
        if getattr(args, key) is not None:
            channel[key] = getattr(args, key)
    body["channel"] = channel
    return body


async def run_alert_command(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            site = await find_site(conn, args.site)
            if site is None:
                print(f"error: no site {args.site}", file=sys.stderr)
                return 2
            if args.alert_command == "add":
                rule = parse(definition(args))
                if rule.goal is not None and not await find_goals(conn, site.id, {rule.goal}):
                    raise AlertError("goal", f"{site.domain} has no goal named {rule.goal!r}")
                rule = await add_rule(conn, site.id, rule, int(time.time() * 1000))
                print(f"added alert {rule.id}: {rule.name} ({rule.describe()})")
                if rule.channel.type == WEBHOOK:
                    print(f"webhook secret (shown once): {rule.channel.secret}")
                return 0
            if args.alert_command == "remove":
                if not await remove_rule(conn, site.id, args.id):
                    print(f"error: {site.domain} has no alert {args.id}", file=sys.stderr)
                    return 2
                print(f"removed alert {args.id}")
                return 0
            if args.alert_command == "list":
                for rule in await list_rules(conn, site.id):
                    url = ", ".join(rule.channel.recipients) or rule.channel.url
                    print(f"{rule.id:>4}  {rule.name:<24} {rule.describe():<44} -> {url}")
                return 0
            found = await get_rule(conn, site.id, args.id)
        if found is None:
            print(f"error: {site.domain} has no alert {args.id}", file=sys.stderr)
            return 2
        now = int(time.time() * 1000)
        mailer = Mailer.from_settings(
            settings.smtp_url, settings.smtp_from, settings.smtp_timeout_ms
        )
        body = trial_body(found, site, now)
        attempts = await dispatch(engine, settings, found, body, now, True, mailer)
        for a in attempts:
            line = {"attempt": a.attempt, "status_code": a.status_code, "error": a.error}
            print(json.dumps(line))
        return 0 if attempts and attempts[-1].delivered else 1
    except AlertError as exc:
        print(f"error: {exc.field}: {exc.message}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
