"""`pulse goal add|list|remove --site DOMAIN`: goals from the command line, straight to the
database (a running server reads goals per report, so a change counts at once)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from app.goals.definition import GoalError, parse
from app.goals.store import add_goal, list_goals, remove_goal
from app.settings import Settings
from app.sites.store import find_site
from app.storage.database import create_engine


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    goal = sub.add_parser("goal", help="manage a site's goals")
    goal_sub = goal.add_subparsers(dest="goal_command", required=True)
    add = goal_sub.add_parser("add", help="define a goal (it counts past traffic too)")
    add.add_argument("--site", required=True)
    add.add_argument("name")
    kind = add.add_mutually_exclusive_group(required=True)
    kind.add_argument("--page", help="path pattern: * one segment, ** any depth (/blog/**)")
    kind.add_argument("--event", help="custom event name")
    add.add_argument("--property", help="KEY=VALUE narrowing an event goal (plan=pro)")
    add.add_argument("--scroll", type=int, help="with --page: scrolled at least this %% (1-100)")
    listing = goal_sub.add_parser("list", help="list a site's goals")
    listing.add_argument("--site", required=True)
    rm = goal_sub.add_parser("remove", help="remove a goal by id")
    rm.add_argument("--site", required=True)
    rm.add_argument("id", type=int)
    return goal


def definition(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"name": args.name}
    for key in ("page", "event", "scroll"):
        if getattr(args, key) is not None:
            body[key] = getattr(args, key)
    if args.property is not None:
        key, sep, value = args.property.partition("=")
        if not sep:
            raise GoalError("property", "--property is KEY=VALUE")
        body["property"] = {"key": key, "value": value}
    return body


async def run_goal_command(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            site = await find_site(conn, args.site)
            if site is None:
                print(f"error: no site {args.site}", file=sys.stderr)
                return 2
            if args.goal_command == "add":
                goal = parse(definition(args))
                goal = await add_goal(conn, site.id, goal, int(time.time() * 1000))
                print(f"added goal {goal.id}: {goal.name} ({goal.describe()})")
            elif args.goal_command == "remove":
                if not await remove_goal(conn, site.id, args.id):
                    print(f"error: {site.domain} has no goal {args.id}", file=sys.stderr)
                    return 2
                print(f"removed goal {args.id}")
            else:
                for goal in await list_goals(conn, site.id):
                    print(f"{goal.id:>4}  {goal.name:<30} {goal.describe()}")
        return 0
    except GoalError as exc:
        print(f"error: {exc.field}: {exc.message}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
