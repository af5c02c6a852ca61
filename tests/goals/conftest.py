"""Goal tests read and change as an admin (tests/auth proves the guard); both databases."""

from tests.queries.conftest import backend_name, client

__all__ = ["backend_name", "client"]
