"""`pulse site add|list`: direct database access from the command line."""

from __future__ import annotations

import argparse
import sys

from app.settings import Settings
from app.sites import SiteError, add_site, list_sites
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
                )
            print(f"added site {site.domain} (id {site.id}, {site.timezone}, {site.identity_mode})")
            return 0
        async with engine.connect() as conn:
            found = await list_sites(conn)
        print(f"{'id':>4}  {'domain':<40} {'timezone':<24} identity")
        for site in found:
            print(f"{site.id:>4}  {site.domain:<40} {site.timezone:<24} {site.identity_mode}")
        return 0
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
