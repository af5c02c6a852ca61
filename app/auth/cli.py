"""`pulse user create|list|role|password` and `pulse token create|list|revoke`: direct database
access."""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from app.auth import tokens, users
from app.auth.passwords import PasswordError
from app.settings import Settings
from app.sites.model import normalise_domain
from app.sites.store import list_sites
from app.storage.database import create_engine


def _now() -> int:
    return int(time.time() * 1000)


def read_password(from_stdin: bool) -> str:
    """--password-stdin: the first line of stdin (scripts, CI); else a prompt, typed twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise PasswordError("the passwords differ")
    return first


async def run_user_command(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            if args.user_command == "create":
                password = read_password(args.password_stdin)
                admin = not args.viewer
                user = await users.create_user(
                    conn, args.email, password, is_admin=admin, now_ms=_now()
                )
                print(f"created user {user.email} (id {user.id}{', admin' if admin else ''})")
            elif args.user_command == "password":
                found = await users.find_user(conn, args.email)
                if found is None:
                    raise users.UserError(f"no user {args.email}")
                await users.set_password(conn, found.id, read_password(args.password_stdin))
                print(f"password of {found.email} changed; their sessions are ended")
            elif args.user_command == "role":
                site = {s.domain: s for s in await list_sites(conn)}.get(
                    normalise_domain(args.site)
                )
                if site is None:
                    raise users.UserError(f"no site {args.site}")
                found = {u.email: u for u in await users.list_users(conn)}.get(args.email.lower())
                if found is None:
                    raise users.UserError(f"no user {args.email}")
                role = None if args.role == "none" else args.role
                await users.set_role(conn, found.id, site.id, role)
                print(f"{found.email} on {site.domain}: {args.role}")
            else:
                for u in await users.list_users(conn):
                    roles = ", ".join(f"{k}:{v}" for k, v in u.roles.items())
                    print(f"{u.id:>4}  {u.email:<40} {'admin' if u.is_admin else '':<6} {roles}")
        return 0
    except (users.UserError, PasswordError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()


async def run_token_command(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            if args.token_command == "create":
                site_id = None
                if args.site:
                    sites = {s.domain: s for s in await list_sites(conn)}
                    site = sites.get(normalise_domain(args.site))
                    if site is None:
                        raise tokens.TokenError(f"no site {args.site}")
                    site_id = site.id
                scope = "admin" if args.admin else "read"
                token_id, raw = await tokens.create_token(
                    conn, scope=scope, site_id=site_id, label=args.label or "", now_ms=_now()
                )
                # The token is the last word, so scripts can take it with `awk '{print $NF}'`.
                print(f"created {scope} token {token_id} (shown once, store it now): {raw}")
            elif args.token_command == "revoke":
                if not await tokens.revoke_token(conn, args.id, _now()):
                    raise tokens.TokenError(f"no live token {args.id}")
                print(f"revoked token {args.id}")
            else:
                _print_tokens(await tokens.list_tokens(conn))
        return 0
    except tokens.TokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()


def _print_tokens(found: list[tokens.Token]) -> None:
    print(f"{'id':>4}  {'prefix':<14} {'scope':<6} {'site':<30} {'revoked':<8} label")
    for t in found:
        state = "yes" if t.revoked_at else ""
        line = f"{t.id:>4}  {t.prefix + '…':<14} {t.scope:<6} {t.site_domain or '':<30} {state:<8}"
        print(f"{line} {t.label}".rstrip())


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    user = sub.add_parser("user", help="manage user accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    create = user_sub.add_parser("create", help="create a user (an admin unless --viewer)")
    create.add_argument("email")
    create.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    create.add_argument("--viewer", action="store_true", help="not an admin: give roles after")
    password = user_sub.add_parser(
        "password", help="set a user's password (a reset); ends every session of theirs"
    )
    password.add_argument("email")
    password.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    role = user_sub.add_parser("role", help="give a user a role on a site")
    role.add_argument("email")
    role.add_argument("--site", required=True)
    role.add_argument("--role", choices=["owner", "viewer", "none"], required=True)
    user_sub.add_parser("list", help="list users")

    token = sub.add_parser("token", help="manage API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    tcreate = token_sub.add_parser("create", help="create a token; printed once, as last word")
    scope = tcreate.add_mutually_exclusive_group(required=True)
    scope.add_argument("--site", help="read-only token for this site")
    scope.add_argument("--admin", action="store_true", help="token that can do everything")
    tcreate.add_argument("--label", help="what the token is for")
    token_sub.add_parser("list", help="list tokens (never their values)")
    revoke = token_sub.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id", type=int)
