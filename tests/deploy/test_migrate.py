"""`pulse migrate` from three processes at once, as every process of a deployment runs it at
start: all succeed, the schema ends at head once, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from app.migrate import alembic_config
from tests.backends import PostgresDatabase, SqliteDatabase, require_postgres
from tests.support.server import ROOT


def _three_at_once(url: str) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PULSE_DATABASE_URL": url, "PULSE_LOG_LEVEL": "WARNING"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "app.cli", "migrate"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def _head(url: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head is not None
    return head


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_three_concurrent_migrations_end_at_head_once(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql":
        require_postgres()
        db: PostgresDatabase | SqliteDatabase = PostgresDatabase().create(migrate=False)
    else:
        db = SqliteDatabase(tmp_path / "pulse.db")
    try:
        results = _three_at_once(db.url)
        for result in results:
            assert result.returncode == 0, result.stderr[-2000:]
        versions = [tuple(row) for row in db.rows("SELECT version_num FROM alembic_version")]
        assert versions == [(_head(db.url),)]
        tables = db.rows(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sessions'"
            if backend == "sqlite"
            else "SELECT count(*) FROM pg_tables WHERE tablename = 'sessions'"
        )
        assert tuple(tables[0]) == (1,)
    finally:
        if isinstance(db, PostgresDatabase):
            db.drop()
