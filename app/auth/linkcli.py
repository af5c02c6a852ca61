"""`pulse share add|list|set|revoke` and `pulse kiosk add|list|revoke` (issue 21): share and
kiosk links straight in the database, validated as the API validates them (app/auth/embeds.py).
A running server sees a change at its next request; open sockets within PULSE_LIVE_REAUTH_MS."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth import kiosks, shares
from app.auth.embeds import LinkOptionError, lock_filters, parse_origins
from app.settings import Settings
from app.sites.model import normalise_domain
from app.sites.store import list_sites
from app.storage.database import create_engine


class LinkCliError(Exception):
    pass


def _now() -> int:
    return int(time.time() * 1000)


async def _site_id(conn: AsyncConnection, domain: str) -> int:
    found = {s.domain: s for s in await list_sites(conn)}.get(normalise_domain(domain))
    if found is None:
        raise LinkCliError(f"no site {domain}")
    return found.id


def _origins(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return parse_origins([o for o in text.split(",") if o.strip()])


async def _share(args: argparse.Namespace, conn: AsyncConnection) -> None:
    if args.share_command == "add":
        site_id = await _site_id(conn, args.site)
        origins, locked = _origins(args.embed_origins) or (), lock_filters(args.filter)
        link = await shares.create_share(conn, site_id, None, _now(), origins, locked)
        print(f"created share link {link.id}: /share/{link.slug}")
    elif args.share_command == "set":
        new_origins = _origins(args.embed_origins)
        new_lock = None if args.filter is None else lock_filters(args.filter)
        if not await shares.update_share(conn, args.id, new_origins, new_lock):
            raise LinkCliError(f"no live share link {args.id}")
        print(f"share link {args.id} changed")
    elif args.share_command == "revoke":
        if not await shares.revoke_share(conn, args.id, _now()):
            raise LinkCliError(f"no live share link {args.id}")
        print(f"revoked share link {args.id}")
    else:
        for s in await shares.list_shares(conn):
            state = "revoked" if s.revoked_at else ("password" if s.has_password else "")
            framed = ",".join(s.embed_origins)
            print(f"{s.id:>4}  {s.domain:<30} /share/{s.slug:<18} {state:<8} {framed} {s.filter}")


async def _kiosk(args: argparse.Namespace, conn: AsyncConnection) -> None:
    if args.kiosk_command == "add":
        site_id = await _site_id(conn, args.site)
        link, token = await kiosks.create_kiosk(
            conn, site_id, args.label or "", lock_filters(args.filter), _now()
        )
        # The path is the last word, so scripts can take it with `awk '{print $NF}'`.
        print(f"created kiosk link {link.id} (shown once, store it now): /kiosk/{token}")
    elif args.kiosk_command == "revoke":
        if not await kiosks.revoke_kiosk(conn, args.id, _now()):
            raise LinkCliError(f"no live kiosk link {args.id}")
        print(f"revoked kiosk link {args.id}")
    else:
        for k in await kiosks.list_kiosks(conn):
            state = "revoked" if k.revoked_at else ""
            print(f"{k.id:>4}  {k.domain:<30} {state:<8} {k.label:<20} {k.filter}".rstrip())


async def _run(args: argparse.Namespace, settings: Settings, body: Callable[..., Any]) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            await body(args, conn)
        return 0
    except LinkOptionError as exc:
        print(f"error: {exc.field}: {exc}", file=sys.stderr)
        return 2
    except LinkCliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()


def run_share(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings, _share))


def run_kiosk(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings, _kiosk))


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    share = sub.add_parser("share", help="manage share links (embeds, locked filters)")
    share_sub = share.add_subparsers(dest="share_command", required=True)
    add = share_sub.add_parser("add", help="create a share link without a password")
    add.add_argument("--site", required=True)
    for parser in (add, set_ := share_sub.add_parser("set", help="change a link's options")):
        parser.add_argument(
            "--embed-origins", help="comma-separated https origins that may frame it ('' none)"
        )
        parser.add_argument("--filter", help="locked filter, e.g. country==DE ('' none)")
    set_.add_argument("id", type=int)
    share_sub.add_parser("list", help="list share links")
    revoke = share_sub.add_parser("revoke", help="revoke a share link by id")
    revoke.add_argument("id", type=int)

    kiosk = sub.add_parser("kiosk", help="manage kiosk links (a wall display without a login)")
    kiosk_sub = kiosk.add_subparsers(dest="kiosk_command", required=True)
    kadd = kiosk_sub.add_parser("add", help="create a kiosk link; printed once, as last word")
    kadd.add_argument("--site", required=True)
    kadd.add_argument("--label", help="which screen it is for")
    kadd.add_argument("--filter", help="locked filter, e.g. country==DE")
    kiosk_sub.add_parser("list", help="list kiosk links (never their tokens)")
    krevoke = kiosk_sub.add_parser("revoke", help="revoke a kiosk link by id: its walls close")
    krevoke.add_argument("id", type=int)
