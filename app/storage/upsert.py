"""The dialect-specific corner: INSERT ... ON CONFLICT for SQLite and PostgreSQL.

Both dialects spell it the same way in SQLAlchemy, but through different modules; everything
else in storage stays dialect-neutral Core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def _insert_for(dialect_name: str) -> Callable[[Table], Any]:
    if dialect_name == "postgresql":
        return postgresql.insert
    if dialect_name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"upserts are not implemented for {dialect_name}")


def insert_ignore(dialect_name: str, table: Table, keys: Sequence[str]) -> Insert:
    stmt = _insert_for(dialect_name)(table)
    return stmt.on_conflict_do_nothing(index_elements=list(keys))  # type: ignore[no-any-return]


def upsert(
    dialect_name: str,
    table: Table,
    keys: Sequence[str],
    updates: Callable[[Any], dict[str, Any]],
) -> Insert:
    """INSERT that, on a key conflict, sets `updates(excluded)` (a dict of column expressions)."""
    stmt = _insert_for(dialect_name)(table)
    return stmt.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=list(keys), set_=updates(stmt.excluded)
    )
