"""The `pulse` command: serve, migrate, site, user, token, share, kiosk, goal, alert, report,
backup, restore, export, copy, demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Coroutine, Sequence
from typing import Any

from app.settings import Settings

log = logging.getLogger("pulse")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        database_url=getattr(args, "database_url", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        flush_interval_ms=getattr(args, "flush_interval_ms", None),
        batch_size=getattr(args, "batch_size", None),
        queue_bound=getattr(args, "queue_bound", None),
        trusted_proxy_hops=getattr(args, "trusted_proxy_hops", None),
        log_level=getattr(args, "log_level", None),
        broker_url=getattr(args, "broker_url", None),
        workers=getattr(args, "workers", None),
    )


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("pulse-analytics")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _where(settings: Settings) -> str:
    from app.settings import sqlite_path

    path = sqlite_path(settings.database_url)
    if path is None:
        return settings.database_url.split("@")[-1]  # a server URL, without its credentials
    return f"SQLite file {path.resolve()}"


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.migrate import upgrade

    settings = _settings(args)
    upgrade(settings.database_url)
    print(f"database at head: {settings.database_url}")
    return 0


def _places_line() -> str:
    """Whether events get a region and city (app/ingest/places.py), said at start."""
    from app.ingest.places import Places

    places = Places()  # the same check ingest makes: both files present and readable
    if places.available:
        return f"region and city from {places.folder}"
    return f"no region or city: DB-IP City Lite not in {places.folder} (set PULSE_CITY_DB_DIR)"


def cmd_serve(args: argparse.Namespace) -> int:
    from app.server import serve, serve_workers

    settings = _settings(args)
    if settings.workers > 1 and not settings.broker_url:
        # Each process would hold its own live windows and sessions: walls would disagree.
        print("pulse serve: --workers > 1 needs PULSE_BROKER_URL (Redis)", file=sys.stderr)
        return 2
    print(f"pulse {version()}: data in {_where(settings)}", file=sys.stderr)
    print(_places_line(), file=sys.stderr)
    if not args.no_migrate:
        from app.migrate import upgrade

        upgrade(settings.database_url)
    if settings.workers > 1 and args.fd is None:
        return serve_workers(settings, settings.workers)
    run_event_loop(serve(settings, args.fd))
    return 0


def run_event_loop(main: Coroutine[Any, Any, None]) -> None:
    """uvloop when installed, unless PULSE_EVENT_LOOP=asyncio (see the ingest benchmark)."""
    try:
        import uvloop
    except ImportError:
        uvloop = None  # type: ignore[assignment]
    if uvloop is None or os.environ.get("PULSE_EVENT_LOOP") == "asyncio":
        asyncio.run(main)
    else:
        uvloop.run(main)


def cmd_site(args: argparse.Namespace) -> int:
    from app.sitecli import run_site_command

    return asyncio.run(run_site_command(args, _settings(args)))


def cmd_user(args: argparse.Namespace) -> int:
    from app.auth.cli import run_user_command

    return asyncio.run(run_user_command(args, _settings(args)))


def cmd_token(args: argparse.Namespace) -> int:
    from app.auth.cli import run_token_command

    return asyncio.run(run_token_command(args, _settings(args)))


def cmd_share(args: argparse.Namespace) -> int:
    from app.auth.linkcli import run_share

    return run_share(args, _settings(args))


def cmd_kiosk(args: argparse.Namespace) -> int:
    from app.auth.linkcli import run_kiosk

    return run_kiosk(args, _settings(args))


def cmd_goal(args: argparse.Namespace) -> int:
    from app.goals.cli import run_goal_command

    return asyncio.run(run_goal_command(args, _settings(args)))


def cmd_alert(args: argparse.Namespace) -> int:
    from app.alerts.cli import run_alert_command

    return asyncio.run(run_alert_command(args, _settings(args)))


def cmd_report(args: argparse.Namespace) -> int:
    from app.reports.cli import run_report_command

    return asyncio.run(run_report_command(args, _settings(args)))


def _site_rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allowed-hostnames", help="comma-separated, e.g. example.com,*.example.com ('' clears)"
    )
    parser.add_argument("--excluded-ips", help="comma-separated CIDR ranges ('' clears)")
    parser.add_argument("--excluded-paths", help="comma-separated patterns, e.g. /admin/*")


def cmd_module(args: argparse.Namespace) -> int:
    """A subcommand that lives in its own module, which set `run(args, settings)` as its
    parser's default (backup, restore, export, copy)."""
    return int(args.run(args, _settings(args)))


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import run_demo
    from app.migrate import upgrade

    settings = _settings(args)
    upgrade(settings.database_url)
    sent = asyncio.run(run_demo(settings, args.site, args.days, args.visitors_per_day, args.seed))
    print(f"sent {sent:,} events for {args.site} over {args.days} days")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pulse", description=__doc__)
    parser.add_argument(
        "--database-url", help="env PULSE_DATABASE_URL (default $PULSE_DATA_DIR/pulse.db; ./data)"
    )
    parser.add_argument("--log-level", help="env PULSE_LOG_LEVEL (default INFO)")
    parser.add_argument("--version", action="version", version=f"pulse {version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (migrates first)")
    serve.add_argument("--host", help="env PULSE_HOST (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="env PORT or PULSE_PORT (default 5270)")
    serve.add_argument("--flush-interval-ms", type=int, help="env PULSE_FLUSH_INTERVAL_MS (0)")
    serve.add_argument("--batch-size", type=int, help="env PULSE_BATCH_SIZE (2000)")
    serve.add_argument("--queue-bound", type=int, help="env PULSE_QUEUE_BOUND (20000)")
    serve.add_argument("--trusted-proxy-hops", type=int, help="env PULSE_TRUSTED_PROXY_HOPS (0)")
    serve.add_argument("--no-migrate", action="store_true", help="do not run migrations first")
    serve.add_argument("--broker-url", help="env PULSE_BROKER_URL: redis://... (scale-out)")
    serve.add_argument(
        "--workers", type=int, help="env PULSE_WORKERS (1; more need PULSE_BROKER_URL)"
    )
    serve.add_argument("--fd", type=int, help=argparse.SUPPRESS)  # a worker's inherited socket
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(func=cmd_migrate)

    site = sub.add_parser("site", help="manage sites")
    site_sub = site.add_subparsers(dest="site_command", required=True)
    add = site_sub.add_parser("add", help="register a site")
    add.add_argument("domain")
    add.add_argument("--name")
    add.add_argument("--timezone", default="UTC", help="IANA zone, e.g. Europe/Berlin")
    add.add_argument("--identity", choices=["local", "cookieless"], default="local")
    _site_rule_options(add)
    upd = site_sub.add_parser("update", help="change a site's settings")
    upd.add_argument("domain")
    upd.add_argument("--name")
    upd.add_argument("--timezone", help="IANA zone, e.g. Europe/Berlin")
    upd.add_argument("--identity", choices=["local", "cookieless"])
    upd.add_argument("--umami-id", help="the site's Umami website id, a UUID ('' clears it)")
    upd.add_argument(
        "--keep-raw-days",
        type=int,
        help="purge raw events and sessions older than N days (0: keep forever); rollups and "
        "sealed columns stay",
    )
    _site_rule_options(upd)
    site_sub.add_parser("list", help="list sites")
    rm = site_sub.add_parser("remove", help="remove a site and all its data")
    rm.add_argument("domain")
    rm.add_argument("--yes", action="store_true", help="really delete (required)")
    site.set_defaults(func=cmd_site)

    from app.auth.cli import add_parsers

    add_parsers(sub)
    sub.choices["user"].set_defaults(func=cmd_user)
    sub.choices["token"].set_defaults(func=cmd_token)
    from app.auth.linkcli import add_parsers as add_link_parsers

    add_link_parsers(sub)
    sub.choices["share"].set_defaults(func=cmd_share)
    sub.choices["kiosk"].set_defaults(func=cmd_kiosk)

    from app.goals.cli import add_parser as add_goal_parser

    add_goal_parser(sub).set_defaults(func=cmd_goal)
    from app.alerts.cli import add_parser as add_alert_parser

    add_alert_parser(sub).set_defaults(func=cmd_alert)
    from app.reports.cli import add_parser as add_report_parser

    add_report_parser(sub).set_defaults(func=cmd_report)
    from app.backup import add_parsers as add_backup_parsers
    from app.copy import add_parser as add_copy_parser
    from app.export import add_parser as add_export_parser
    from app.imports.cli import add_parser as add_import_parser

    add_backup_parsers(sub)
    add_export_parser(sub)
    add_import_parser(sub)
    add_copy_parser(sub)
    for command in sub.choices.values():
        if command.get_default("run") is not None:
            command.set_defaults(func=cmd_module)

    demo = sub.add_parser("demo", help="write realistic synthetic traffic through the pipeline")
    demo.add_argument("--site", required=True, help="domain (added when missing)")
    demo.add_argument("--days", type=int, default=30, help="days of traffic ending now (30)")
    demo.add_argument("--visitors-per-day", type=int, default=300, help="weekday visits (300)")
    demo.add_argument("--seed", type=int, help="random seed, for repeatable traffic")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
