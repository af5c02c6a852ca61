"""What both importers share: the files given (CSV files, or ZIPs of them) as named bytes, CSV rows
with their line numbers, and the error that names the file, line and column."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# One row of an imported table: (local day, key values, counters), in IMPORTED_SHAPES' order.
Row = tuple[date, tuple[str, ...], tuple[int, ...]]


class ImportFileError(ValueError):
    """A file that cannot be imported; nothing of the import is stored."""

    def __init__(self, file: str, message: str, line: int | None = None, column: int | None = None):
        where = file
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")
        self.file, self.line, self.column = file, line, column


@dataclass
class Parsed:
    """Rows per imported table, and the files they came from."""

    tables: dict[str, list[Row]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def days(self) -> set[date]:
        return {row[0] for rows in self.tables.values() for row in rows}

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def named_files(paths: Sequence[str | Path]) -> list[tuple[str, bytes]]:
    """(name, content) of every CSV given: a ZIP's members as `archive.zip/member.csv`."""
    found: list[tuple[str, bytes]] = []
    for path in map(Path, paths):
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ImportFileError(str(path), f"cannot be read ({exc.strerror})") from None
        found.extend(expand(str(path), content))
    return found


def expand(name: str, content: bytes) -> list[tuple[str, bytes]]:
    """A ZIP's CSV members (named inside it), or the file itself."""
    if not content.startswith(b"PK\x03\x04"):
        return [(name, content)]
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            return [(f"{name}/{m}", archive.read(m)) for m in sorted(members)]
    except (zipfile.BadZipFile, EOFError, OSError) as exc:  # a truncated archive
        raise ImportFileError(name, f"not a readable ZIP archive ({exc})") from None


def decoded(name: str, content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ImportFileError(name, "not UTF-8 text", line) from None


def rows(name: str, text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) per CSV record; a broken quote is an error on its line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for fields in reader:
            if fields:
                yield reader.line_num, fields
    except csv.Error as exc:
        raise ImportFileError(name, f"broken CSV ({exc})", reader.line_num) from None


def header_index(
    name: str, header: Sequence[str], required: Iterable[str], known: Iterable[str]
) -> dict[str, int]:
    """Column name -> its index; every required column present, none unknown."""
    known_set = set(known)
    index: dict[str, int] = {}
    for i, column in enumerate(header, 1):
        column = column.strip()
        if column not in known_set:
            expected = ", ".join(sorted(known_set))
            raise ImportFileError(name, f"unknown column {column!r} (expected {expected})", 1, i)
        index[column] = i - 1
    missing = [c for c in required if c not in index]
    if missing:
        raise ImportFileError(name, f"the header lacks the column {missing[0]!r}", 1)
    return index


def whole_number(name: str, line: int, column: int, text: str) -> int:
    value = text.strip()
    if not value.isdigit() or not value.isascii():
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise ImportFileError(name, f"{shown!r} is not a whole number", line, column)
    return int(value)


def iso_day(name: str, line: int, column: int, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ImportFileError(name, f"{text!r} is not a date (YYYY-MM-DD)", line, column) from None


def check_width(name: str, line: int, fields: Sequence[str], width: int) -> None:
    if len(fields) != width:
        raise ImportFileError(
            name, f"{len(fields)} fields where the header has {width} (a cut-off file?)", line
        )
