"""`pulse import plausible|umami --site DOMAIN FILE...`, `pulse import list [--site DOMAIN]`,
`pulse import remove ID`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from app.export import site_by_domain
from app.imports import plausible, store, umami
from app.imports.files import ImportFileError, Parsed, named_files
from app.progress import Progress
from app.settings import Settings
from app.sites.model import Site
from app.storage.database import create_engine

SOURCES = ("plausible", "umami")


def parse_files(source: str, files: Sequence[tuple[str, bytes]], site: Site) -> Parsed:
    if not files:
        raise ImportFileError("(no files)", "give the export's files (a ZIP or its CSVs)")
    if source == "plausible":
        return plausible.parse(files)
    return umami.parse(files, site.timezone)


async def import_files(
    engine: AsyncEngine,
    site: Site,
    source: str,
    files: Sequence[tuple[str, bytes]],
    progress: Callable[[int], Callable[[int, str], None]] | None = None,
) -> store.Imported:
    """Parse every file first (an error names file, line and column; nothing is stored), then
    store the import in one transaction."""
    parsed = parse_files(source, files, site)
    update = progress(parsed.count()) if progress is not None else None
    async with engine.begin() as conn:
        return await store.save(conn, site, source, parsed, update)


def describe(found: store.Imported) -> str:
    span = f"{found.first_day} .. {found.last_day}" if found.first_day else "no days"
    text = f"import {found.id}: {found.source}, {found.days} days ({span}), {found.rows:,} rows"
    if found.skipped_days:
        days = ", ".join(d.isoformat() for d in found.skipped_days)
        text += (
            f"; skipped {len(found.skipped_days)} days that native data or an earlier import "
            f"covers: {days}"
        )
    return text


async def _run(args: argparse.Namespace, settings: Settings) -> str:
    engine = create_engine(settings.database_url)
    try:
        if args.import_command == "list":
            return await _list(engine, args.site)
        if args.import_command == "remove":
            async with engine.begin() as conn:
                found = await store.find(conn, None, args.id)
                if found is None:
                    raise ImportFileError(f"import {args.id}", "no such import (pulse import list)")
                gone = await store.remove(conn, args.id)
            return f"removed import {args.id} ({gone:,} rows)"
        async with engine.connect() as conn:
            site = await site_by_domain(conn, args.site)
        bars: list[Progress] = []

        def progress(total: int) -> Callable[[int, str], None]:
            bars.append(Progress(total))
            return bars[0].update

        try:
            found = await import_files(
                engine, site, args.import_command, named_files(args.files), progress
            )
        finally:
            for bar in bars:
                bar.close()
        return describe(found)
    finally:
        await engine.dispose()


async def _list(engine: AsyncEngine, domain: str | None) -> str:
    async with engine.connect() as conn:
        site_id = (await site_by_domain(conn, domain)).id if domain else None
        found = await store.list_imports(conn, site_id)
    return "\n".join(describe(i) for i in found) or "no imports"


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from app.export import ExportError

    try:
        print(asyncio.run(_run(args, settings)))
    except (ImportFileError, ExportError) as exc:
        print(f"pulse import: {exc}; nothing was imported", file=sys.stderr)
        return 1
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = sub.add_parser("import", help="import Plausible's or Umami's exported history")
    verbs = command.add_subparsers(dest="import_command", required=True)
    for source in SOURCES:
        what = (
            "CSV export (ZIP or imported_*.csv)" if source == "plausible" else "website_event CSV"
        )
        verb = verbs.add_parser(source, help=f"{source.capitalize()}'s {what}")
        verb.add_argument("files", nargs="+", help="the export's files")
        verb.add_argument("--site", required=True, help="the site's domain")
    listing = verbs.add_parser("list", help="the imports, with their days and rows")
    listing.add_argument("--site", help="only this site's")
    remove = verbs.add_parser("remove", help="delete an import and its rows")
    remove.add_argument("id", type=int)
    command.set_defaults(run=cmd_import)
