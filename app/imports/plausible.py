"""Plausible's CSV export: one `imported_<table>[_YYYYMMDD_YYYYMMDD].csv` per table (the shapes in
app/storage/tables.py IMPORTED_SHAPES, which is also what `pulse export` writes), in a ZIP or as
files. Every value is checked before anything is stored: the header's columns, each row's width,
its date and its counters (whole numbers, never negative)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.imports.files import (
    ImportFileError,
    Parsed,
    Row,
    check_width,
    decoded,
    header_index,
    iso_day,
    rows,
    whole_number,
)
from app.storage.tables import IMPORTED_SHAPES

_NAME = re.compile(r"^(imported_[a-z_]+?)(?:_\d{8}_\d{8})?\.csv$", re.I)
# Older exports lack the page engagement columns: read as 0.
OPTIONAL = frozenset(
    {
        "total_scroll_depth",
        "total_scroll_depth_visits",
        "total_time_on_page",
        "total_time_on_page_visits",
    }
)


def table_of(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    found = _NAME.match(base)
    table = found.group(1).lower() if found else None
    if table not in IMPORTED_SHAPES:
        tables = ", ".join(f"{t}.csv" for t in IMPORTED_SHAPES)
        raise ImportFileError(name, f"not one of Plausible's export tables ({tables})")
    return table


def parse(files: Sequence[tuple[str, bytes]]) -> Parsed:
    out = Parsed()
    for name, content in files:
        table = table_of(name)
        if table in out.tables:
            raise ImportFileError(name, f"a second {table} table in one import")
        out.tables[table] = parse_table(name, table, decoded(name, content))
        out.files.append(name)
    if "imported_visitors" not in out.tables:
        raise ImportFileError(
            ", ".join(out.files) or "(no files)",
            "imported_visitors.csv is missing: it holds the days the import covers",
        )
    return out


def parse_table(name: str, table: str, text: str) -> list[Row]:
    keys, counters = IMPORTED_SHAPES[table]
    known = ("date", *keys, *counters)
    records = rows(name, text)
    first = next(records, None)
    if first is None:
        raise ImportFileError(name, "empty file (no header)", 1)
    header = first[1]
    index = header_index(name, header, [c for c in known if c not in OPTIONAL], known)
    key_at = [index[k] for k in keys]
    counter_at = [index.get(c) for c in counters]
    day_at = index["date"]
    found: list[Row] = []
    for line, fields in records:
        check_width(name, line, fields, len(header))
        day = iso_day(name, line, day_at + 1, fields[day_at])
        values = tuple(fields[i] for i in key_at)
        counts = tuple(
            0 if i is None else whole_number(name, line, i + 1, fields[i]) for i in counter_at
        )
        found.append((day, values, counts))
    return found
