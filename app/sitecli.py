"""`pulse site add|update|list|remove`: direct database access from the command line. A running
server sees an added site at its first event and updates/removals within
app.sites.registry.REFRESH_INTERVAL_S (5 s): its registry re-reads the table."""

from __future__ import annotations

import argparse
import sys

from app.settings import Settings
from app.sites.model import Site, SiteError
from app.sites.store import add_site, list_sites, remove_site, update_site
from app.storage.database import create_engine


async def run_site_command(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        if args.site_command == "add":
            async with engine.begin() as conn:
                site = await add_site(
                    conn,
                    args.domain,
                    name=args.name,
                    timezone=args.timezone,
                    identity_mode=args.identity,
                    **_rules(args),
                )
            print(f"added site {site.domain} (id {site.id}, {site.timezone}, {site.identity_mode})")
            return 0
        if args.site_command == "update":
            async with engine.begin() as conn:
                site = await update_site(
                    conn,
                    args.domain,
                    name=args.name,
                    timezone=args.timezone,
                    identity_mode=args.identity,
                    umami_id=args.umami_id,
                    **_rules(args),
                    **({} if args.keep_raw_days is None else {"keep_raw_days": args.keep_raw_days}),
                )
            umami = f", Umami id {site.umami_id}" if site.umami_id else ""
            kept = f", raw events kept {site.keep_raw_days} days" if site.keep_raw_days else ""
            print(
                f"updated site {site.domain} ({site.timezone}, {site.identity_mode}{umami}{kept})"
            )
            return 0
        if args.site_command == "remove":
            if not args.yes:
                print(f"this deletes {args.domain} and all its data: add --yes", file=sys.stderr)
                return 2
            async with engine.begin() as conn:
                site = await remove_site(conn, args.domain)
            # A running server forgets it within app.sites.registry.REFRESH_INTERVAL_S (5 s).
            print(f"removed site {site.domain} and its data")
            return 0
        async with engine.connect() as conn:
            found = await list_sites(conn)
        print(f"{'id':>4}  {'domain':<40} {'timezone':<24} {'identity':<10} umami id")
        for site in found:
            line = f"{site.id:>4}  {site.domain:<40} {site.timezone:<24} {site.identity_mode:<10}"
            print(f"{line} {site.umami_id or ''}".rstrip())
            for name, values in _rule_values(site).items():
                print(f"      {name}: {', '.join(values)}")
        return 0
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()


def _rules(args: argparse.Namespace) -> dict[str, str | None]:
    """The rule options given on the command line (None: not given, "" clears)."""
    names = ("allowed_hostnames", "excluded_ips", "excluded_paths")
    return {name: getattr(args, name, None) for name in names}


def _rule_values(site: Site) -> dict[str, tuple[str, ...]]:
    rules = {
        "allowed hostnames": site.allowed_hostnames,
        "excluded IPs": site.excluded_ips,
        "excluded paths": site.excluded_paths,
    }
    return {name: values for name, values in rules.items() if values}
