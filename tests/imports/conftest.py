"""Import tests read reports as an admin, against SQLite and PostgreSQL (as tests/queries do)."""

from __future__ import annotations

from tests.queries.conftest import backend_name, client

__all__ = ["backend_name", "client"]
