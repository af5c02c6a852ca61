"""Events whole again: each stored event with its session's device and geo (and the entry's raw
versions and screen), for the few readers that want an `Event`'s every field per event — the
live warm start and the raw export. Reports never need this: session dimensions are read from
`sessions`, event dimensions (page, event name, properties) from `events`.

`events` keeps neither (app/storage/tables.py `SESSION_FIELDS`, `ENTRY_ONLY`): a session's device
and geo are its entry event's by definition, so its later events took the same ~30 bytes again.
The join is by the sessions' primary key; a session row is missing only for events whose
session the retention purge removed (it keeps a session that ends after its cut-off), and then
the fields read as NULL.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause, and_, case, true
from sqlalchemy.sql.elements import KeyedColumnElement

from app.storage.tables import ENTRY_ONLY, SESSION_FIELDS, events, sessions

entry = events.alias("entry")


def joined(with_entry: bool = False) -> FromClause:
    """`events` LEFT JOIN its session (and, `with_entry`, the session's entry event: the one
    event at the session's start with `session_start`, found through the (site_id, ts) index)."""
    found = events.outerjoin(sessions, sessions.c.session_id == events.c.session_id)
    if not with_entry:
        return found
    return found.outerjoin(
        entry,
        and_(
            entry.c.site_id == sessions.c.site_id,
            entry.c.ts == sessions.c.start_ts,
            entry.c.session_id == sessions.c.session_id,
            entry.c.session_start == true(),
        ),
    )


def field(name: str) -> ColumnElement[object] | KeyedColumnElement[object]:
    """An `Event` field of each row of `joined(...)`, labelled with its name; ENTRY_ONLY fields
    need `joined(with_entry=True)`."""
    if name in SESSION_FIELDS:
        return sessions.c[name].label(name)
    if name in ENTRY_ONLY:
        own = events.c[name]
        return case((events.c.session_start == true(), own), else_=entry.c[name]).label(name)
    return events.c[name]
