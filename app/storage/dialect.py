"""The dialect-specific corner: bulk inserts, INSERT ... ON CONFLICT, locks, index-safe keys.

Upserts are spelled the same way for SQLite and PostgreSQL in SQLAlchemy, but through different
modules. Bulk inserts on SQLite go straight to the driver's executemany with positional tuples:
measured at ~80 µs/event through Core's per-row parameter processing versus a few µs this way;
on PostgreSQL the events go through COPY on the raw asyncpg connection (binary, one round trip
for the rows), other statements through asyncpg's pipelined executemany.
Everything else in storage stays dialect-neutral Core.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Integer, Table, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.functions import GenericFunction

from app.storage.inline_sqlite import InlineConnection


def inline_sqlite(conn: AsyncConnection) -> sqlite3.Connection | None:
    """The writer's own sqlite3 connection when `conn` runs on it inline (inline_sqlite.py), else
    None. The writer's statements go to it straight: SQLAlchemy's execution context and result
    rows cost ~100 µs a statement (a batch has ~14) and ~1 µs a fetched row, and nothing else
    runs on that thread. Same connection, so same transaction: SQLAlchemy's commit ends it."""
    if conn.dialect.name != "sqlite" or conn.sync_connection is None:
        return None
    driver = conn.sync_connection.connection.driver_connection
    return driver._connection if isinstance(driver, InlineConnection) else None


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


async def bulk_insert(
    conn: AsyncConnection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Positional rows (values in `columns` order), in the caller's transaction: executemany on
    SQLite, COPY on PostgreSQL."""
    if conn.dialect.name == "sqlite":
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        raw = inline_sqlite(conn)
        if raw is not None:
            raw.executemany(sql, rows)
            return
        await conn.exec_driver_sql(sql, [tuple(row) for row in rows])
        return
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_MIN_ROWS:
        await _copy(conn, table, columns, rows)
        return
    if conn.dialect.name == "postgresql":
        names = ", ".join(columns)
        marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        await conn.exec_driver_sql(sql, [tuple(row) for row in rows])
        return
    await conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


# Below this many rows asyncpg's executemany (one prepared statement, pipelined) costs less
# client CPU than COPY's per-call setup (measured at 20-event batches: ~450 vs ~570 µs CPU an
# event for the whole writer transaction); above it COPY wins (34 vs 68 µs at 2,000).
COPY_MIN_ROWS = 100


async def _copy(
    conn: AsyncConnection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection  # the asyncpg connection
    assert driver is not None
    if not driver.is_in_transaction():
        # SQLAlchemy opens the driver's transaction lazily, at the first statement: without it
        # COPY would commit on its own, outside the batch's transaction.
        await conn.exec_driver_sql("SELECT 1")
    await driver.copy_records_to_table(table.name, columns=list(columns), records=rows)


async def lock_keys(conn: AsyncConnection, keys: Iterable[int]) -> None:
    """Hold a transaction-scoped lock on each 64-bit key (PostgreSQL advisory locks, in sorted
    order so two writers never deadlock). Several processes write one database when scaled out:
    a session whose events reach two of them is read, merged and written back by each, and the
    lock makes those read-modify-writes take turns. SQLite has one writer: nothing to do."""
    if conn.dialect.name != "postgresql":
        return
    ordered = sorted(set(keys))
    if ordered:
        sql = "SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k"
        await conn.exec_driver_sql(sql, (ordered,))


def lock_id(*parts: object) -> int:
    """A stable 64-bit advisory-lock key for a rollup row (the same in every process, unlike
    hash() of a str), for lock_keys."""
    text = "|".join(map(str, parts)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


# PostgreSQL's B-tree takes index entries up to 2,704 bytes: a primary key holding a 2,000
# character value (a page path, a property value) in 3- or 4-byte UTF-8 would fail the batch.
MAX_KEY_BYTES = 2000


def key_text(value: str) -> str:
    """`value` cut to MAX_KEY_BYTES of UTF-8 (at a character boundary), on every dialect so
    both store the same keys. Only values over 500 characters can be that long."""
    if len(value) <= MAX_KEY_BYTES // 4:
        return value
    data = value.encode()
    return value if len(data) <= MAX_KEY_BYTES else data[:MAX_KEY_BYTES].decode(errors="ignore")


# Dialects whose driver takes the compiled SQL and positional tuples straight (sqlite3's
# executemany; asyncpg's, which pipelines one prepared statement). Core's per-row parameter
# processing costs ~20 µs a row on either.
_DIRECT = ("sqlite", "postgresql")


async def execute_many(conn: AsyncConnection, stmt: Insert, rows: Sequence[dict[str, Any]]) -> None:
    """executemany of a Core statement (the rows' keys the same each call: it is compiled once
    per statement object, dialect._compiled), handed to the driver as positional tuples."""
    if conn.dialect.name not in _DIRECT or not rows:
        await conn.execute(stmt, list(rows))
        return
    keys = list(rows[0])
    sql, order = _compiled(conn, stmt, keys)
    names = [keys[i] for i in order]
    if len(names) == 1:
        params = [(row[names[0]],) for row in rows]
    else:
        params = list(map(itemgetter(*names), rows))
    raw = inline_sqlite(conn)
    if raw is not None:
        raw.executemany(sql, params)
        return
    await conn.exec_driver_sql(sql, params)


async def select_in(
    conn: AsyncConnection, table: Table, columns: Sequence[str], key: str, values: Sequence[Any]
) -> list[Sequence[Any]]:
    """Rows whose `key` is in `values`, in chunks of 500 (SQLite's old limit is 999 variables).
    Straight to the driver: compiling an expanding IN per batch costs ~150 µs. PostgreSQL takes
    the values as one array parameter (`= ANY($1)`), one statement whatever their number."""
    found: list[Sequence[Any]] = []
    if conn.dialect.name == "postgresql":
        array = "bigint[]" if isinstance(table.c[key].type, Integer) else "text[]"
        sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE {key} = ANY($1::{array})"
        found.extend(await conn.exec_driver_sql(sql, (list(values),)))
        return found
    raw = inline_sqlite(conn)
    for i in range(0, len(values), 500):
        chunk = list(values[i : i + 500])
        if conn.dialect.name == "sqlite":
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE {key} IN ({marks})"
            if raw is not None:
                found.extend(raw.execute(sql, chunk).fetchall())
                continue
            found.extend(await conn.exec_driver_sql(sql, tuple(chunk)))
        else:
            query = select(*(table.c[c] for c in columns)).where(table.c[key].in_(chunk))
            found.extend(await conn.execute(query))
    return found


async def select_keys(
    conn: AsyncConnection,
    table: Table,
    key_cols: Sequence[str],
    columns: Sequence[str],
    keys: Sequence[tuple[Any, ...]],
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """`columns` of the rows whose composite key (`key_cols`) is in `keys`, by key: a row-value
    IN, 500 keys a statement. On SQLite straight to the driver (profiled: compiling the
    expanding tuple IN cost 40 % of the writer's time)."""
    found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    n = len(key_cols)
    names = ", ".join((*key_cols, *columns))
    raw = inline_sqlite(conn)
    result: Iterable[Sequence[Any]]
    for i in range(0, len(keys), 500):
        chunk = list(keys[i : i + 500])
        if conn.dialect.name == "sqlite":
            row = f"({', '.join('?' * n)})"
            sql = (
                f"SELECT {names} FROM {table.name} WHERE ({', '.join(key_cols)}) "
                f"IN (VALUES {', '.join([row] * len(chunk))})"
            )
            params = [v for key in chunk for v in key]
            if raw is not None:
                result = raw.execute(sql, params).fetchall()
            else:
                result = await conn.exec_driver_sql(sql, tuple(params))
        else:
            key = tuple_(*(table.c[c] for c in key_cols))
            query = select(*(table.c[c] for c in (*key_cols, *columns))).where(key.in_(chunk))
            result = await conn.execute(query)
        for found_row in result:
            found[tuple(found_row[:n])] = tuple(found_row[n:])
    return found


# Compiled SQL per statement object (kept alive here, so its id is never reused): compiling a
# 25-column upsert costs ~2 ms, more than writing a 20-event batch.
_COMPILED: dict[int, tuple[Insert, str, list[int]]] = {}


def _compiled(conn: AsyncConnection, stmt: Insert, columns: Sequence[str]) -> tuple[str, list[int]]:
    hit = _COMPILED.get(id(stmt))
    if hit is None:
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
        index = {name: i for i, name in enumerate(columns)}
        order = [index[name] for name in compiled.positiontup or []]
        hit = _COMPILED[id(stmt)] = (stmt, str(compiled), order)
    return hit[1], hit[2]


async def execute_rows(
    conn: AsyncConnection, stmt: Insert, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """execute_many for positional rows (values in `columns` order). Compiled once per
    statement object (callers keep theirs) and the parameter order is mapped by an itemgetter,
    not per value (profiled: the dict-per-row path cost ~25 µs per 25-column session row)."""
    if not rows:
        return
    if conn.dialect.name not in _DIRECT:
        await conn.execute(stmt, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    sql, order = _compiled(conn, stmt, columns)
    if len(order) == 1:
        await conn.exec_driver_sql(sql, [(row[order[0]],) for row in rows])
        return
    pick = itemgetter(*order)
    raw = inline_sqlite(conn)
    if raw is not None:
        raw.executemany(sql, map(pick, rows))
        return
    await conn.exec_driver_sql(sql, [pick(row) for row in rows])


class strpos(GenericFunction[int]):  # noqa: N801 - SQL function names are lower case
    """PostgreSQL's strpos(haystack, needle); SQLite spells it instr."""

    type = Integer()
    inherit_cache = True


@compiles(strpos, "sqlite")
def _strpos_sqlite(element: strpos, compiler: Any, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


def contains_exact(column: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """Case-sensitive substring test (SQLite's LIKE ignores ASCII case)."""
    return strpos(column, text) > 0


def contains_in_order(dialect_name: str, column: ColumnElement[Any], parts: Sequence[str]) -> Any:
    """Case-sensitive test that `parts` occur in `column` in this order (other text may come
    between): SQLite's GLOB '*a*b*' (its LIKE ignores ASCII case), PostgreSQL's LIKE '%a%b%'."""
    if dialect_name == "sqlite":
        glob = "*".join("".join(f"[{c}]" if c in "*?[" else c for c in p) for p in parts)
        return column.op("GLOB", is_comparison=True)(f"*{glob}*")
    like = "%".join(p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for p in parts)
    return column.like(f"%{like}%", escape="\\")


def merged_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Closed intervals, sorted, overlapping or touching ones merged: the time ranges to read
    through a (site_id, ts) index for a set of sessions."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
