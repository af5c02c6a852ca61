"""`pulse report send|add|list|remove --site DOMAIN`: send one report now (the last complete
week or month), or manage the scheduled subscriptions straight in the database (the running
server's job reads them at every run)."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from app.auth.state import AuthState
from app.clock import SystemClock
from app.mail.mailer import Mailer, MailError
from app.reports import store
from app.reports.schedule import INTERVALS, WEEKLY, latest_due, next_send
from app.reports.sender import ReportSender
from app.reports.subscription import ReportError, parse
from app.settings import Settings
from app.sites.registry import SiteRegistry
from app.sites.store import find_site
from app.storage.database import create_engine


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    report = sub.add_parser("report", help="email reports: send one now, or schedule them")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    send = report_sub.add_parser("send", help="email the last complete week's or month's report")
    send.add_argument("--site", required=True)
    send.add_argument("--to", required=True, help="the address")
    send.add_argument("--interval", choices=INTERVALS, default=WEEKLY)
    add = report_sub.add_parser("add", help="schedule a report to an address")
    add.add_argument("--site", required=True)
    add.add_argument("--to", required=True)
    add.add_argument("--interval", choices=INTERVALS, default=WEEKLY)
    add.add_argument("--hour", type=int, default=8, help="0-23 in the site's time zone (8)")
    listing = report_sub.add_parser("list", help="list a site's scheduled reports")
    listing.add_argument("--site", required=True)
    rm = report_sub.add_parser("remove", help="stop a scheduled report by id")
    rm.add_argument("--site", required=True)
    rm.add_argument("id", type=int)
    return report


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def run_report_command(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    now = int(time.time() * 1000)
    try:
        async with engine.connect() as conn:
            site = await find_site(conn, args.site)
        if site is None:
            print(f"error: no site {args.site}", file=sys.stderr)
            return 2
        command = args.report_command
        if command in ("send", "add"):
            email, interval, hour = parse(
                {"email": args.to, "interval": args.interval, "hour": getattr(args, "hour", 0)}
            )
        if command == "send":
            mailer = Mailer.from_settings(
                settings.smtp_url, settings.smtp_from, settings.smtp_timeout_ms
            )
            if not mailer.configured:
                print("error: set PULSE_SMTP_URL to send email", file=sys.stderr)
                return 2
            auth = AuthState(settings)
            await auth.start(engine)
            sender = ReportSender(
                settings, SystemClock(), engine, SiteRegistry(engine), mailer, lambda: auth.key
            )
            start, end = latest_due(interval, 0, site.timezone, now)
            await mailer.send(await sender.compose(site, email, interval, start, end))
            print(f"sent the {interval} report of {site.domain} ({_when(start)} to "
                  f"{_when(end)}) to {email}")  # fmt: skip
            return 0
        async with engine.begin() as conn:
            if command == "add":
                skip = latest_due(interval, hour, site.timezone, now)[0]
                sub = await store.add_subscription(conn, site.id, email, interval, hour, now, skip)
                first = next_send(interval, hour, site.timezone, now)
                print(f"added report {sub.id}: {interval} to {email}, first {_when(first)}")
                return 0
            if command == "remove":
                if not await store.remove_subscription(conn, site.id, args.id):
                    print(f"error: {site.domain} has no report {args.id}", file=sys.stderr)
                    return 2
                print(f"removed report {args.id}")
                return 0
            for sub in await store.list_subscriptions(conn, site.id):
                nxt = _when(next_send(sub.interval, sub.hour, site.timezone, now))
                print(f"{sub.id:>4}  {sub.email:<32} {sub.interval:<8} {sub.hour:02d}:00  "
                      f"next {nxt}  {sub.last_error or ''}")  # fmt: skip
            return 0
    except ReportError as exc:
        print(f"error: {exc.field}: {exc.message}", file=sys.stderr)
        return 2
    except store.Duplicate as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MailError as exc:
        print(f"error: not sent: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
