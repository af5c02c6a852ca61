"""`pulse backup OUT.db` and `pulse restore IN.db`: a consistent copy of a live SQLite database,
and putting one back.

Backup reads the database through SQLite's online backup API in one step, so the whole copy is
one read transaction: with WAL the server keeps ingesting meanwhile, and the copy holds exactly
the transactions committed before it began (each request's events with their rollups, never half
a group commit). It is written beside OUT, checked (`PRAGMA integrity_check`) and only then
renamed into place, so OUT is either absent or a whole, sound database.

Restore checks the file the same way, then writes it over the configured database with the same
API (page by page under SQLite's own locks, so a stale `-wal` file can never be replayed over the
restored pages) and migrates it to this release's schema. Stop the server first: a running one
keeps its sessions and live windows in memory and would not see the change.

PostgreSQL has its own tools (`pg_dump` / `pg_restore`); both commands say so.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

from app.settings import Settings, sqlite_path

POSTGRES_HINT = "PostgreSQL databases are backed up with pg_dump and restored with pg_restore"


class BackupError(Exception):
    """A copy that cannot be made or trusted; the message says why."""


def backup(source: Path, out: Path, *, overwrite: bool = False) -> int:
    """Copy `source` to `out` consistently while other processes write to it; the copy's size
    in bytes."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if out.exists() and not overwrite:
        raise BackupError(f"{out} exists (use --force to replace it)")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # pages=-1: one step, one read transaction, one instant
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            _check(dst, partial)
        finally:
            dst.close()
    finally:
        src.close()
    _fsync(partial)
    os.replace(partial, out)
    return out.stat().st_size


def restore(backup_file: Path, target: Path) -> None:
    """Write `backup_file` over the database at `target` (created when missing)."""
    if not backup_file.is_file():
        raise BackupError(f"no backup at {backup_file}")
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _check(src, backup_file)
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _check(conn: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{path} failed PRAGMA integrity_check: {'; '.join(problems[:5])}")
    has_schema = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if has_schema is None:
        raise BackupError(f"{path} is not a Pulse database (no alembic_version table)")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _database_file(settings: Settings) -> Path:
    path = sqlite_path(settings.database_url)
    if path is None:
        raise BackupError(POSTGRES_HINT)
    return path


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    try:
        size = backup(_database_file(settings), Path(args.out), overwrite=args.force)
    except (BackupError, sqlite3.Error) as exc:
        print(f"pulse backup: {exc}", file=sys.stderr)
        return 1
    print(f"backed up to {args.out} ({size / 2**20:,.1f} MiB, integrity ok)")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    if not args.yes:
        print(
            "pulse restore: replaces every row of the configured database; stop the server, "
            "then run again with --yes",
            file=sys.stderr,
        )
        return 2
    try:
        target = _database_file(settings)
        restore(Path(args.backup), target)
    except (BackupError, sqlite3.Error) as exc:
        print(f"pulse restore: {exc}", file=sys.stderr)
        return 1
    from app.migrate import upgrade

    upgrade(settings.database_url)  # a backup made by an older release gains this schema
    print(f"restored {args.backup} into {target}")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup_cmd = sub.add_parser("backup", help="consistent copy of the live SQLite database")
    backup_cmd.add_argument("out", help="the copy's path, e.g. pulse-2026-12-03.db")
    backup_cmd.add_argument("--force", action="store_true", help="replace OUT if it exists")
    backup_cmd.set_defaults(run=cmd_backup)
    restore_cmd = sub.add_parser("restore", help="put a backup in place of the database")
    restore_cmd.add_argument("backup", help="a file made by `pulse backup`")
    restore_cmd.add_argument("--yes", action="store_true", help="really replace (required)")
    restore_cmd.set_defaults(run=cmd_restore)
