"""Imports of another tool's history (app/imports/)."""

from __future__ import annotations

from app.api.schemas.base import Body


class Import(Body):
    """One import: its local days, rows, and the days skipped because native data (or an
    earlier import) covers them."""

    id: int
    source: str
    first_day: str | None
    last_day: str | None
    days: int
    rows: int
    skipped_days: list[str]
    files: list[str]
    created_at: int


class Imports(Body):
    imports: list[Import]
