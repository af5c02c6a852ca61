"""A `sessions` row as the write side handles it: a list in the table's column order, its fields
reached by name (`row[Row.start_ts]`) — one declaration instead of an index map per module.

Positions are plain ints (class attributes), as fast as the dict lookups they replace; the import
fails if the table's columns and this list ever disagree.
"""

from __future__ import annotations

from app.storage.tables import sessions

FIELDS: tuple[str, ...] = tuple(c.name for c in sessions.columns)


class Row:
    session_id = 0
    site_id = 1
    visitor_id = 2
    start_ts = 3
    end_ts = 4
    new_visitor = 5
    entry_page = 6
    exit_page = 7
    exit_ts = 8
    pageviews = 9
    events = 10
    interactive = 11
    engagement_ms = 12
    referrer_domain = 13
    source = 14
    channel = 15
    utm_source = 16
    utm_medium = 17
    utm_campaign = 18
    utm_term = 19
    utm_content = 20
    country = 21
    browser = 22
    os = 23
    device = 24
    pages = 25
    journey = 26
    screen = 27
    browser_version = 28
    os_version = 29
    language = 30
    hostname = 31
    region = 32
    city = 33


def at(name: str) -> int:
    """The position of the field `name` (for fields chosen at run time: a dimension's column)."""
    place: int = getattr(Row, name)
    return place


_declared = {k: v for k, v in vars(Row).items() if not k.startswith("_")}
if _declared != {name: i for i, name in enumerate(FIELDS)}:
    raise ImportError("session_row.Row disagrees with tables.sessions' columns")
