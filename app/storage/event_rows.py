"""Events whole again: each stored event with its session's device and geo (and the entry's raw
versions and screen), for the few readers that want an `Event`'s every field per event — the
live warm start and the raw export. Reports never need this: session dimensions are read from
`sessions`, event dimensions (page, event name, properties) from `events`.

`events` keeps neither (app/storage/tables.py `SESSION_FIELDS`, `ENTRY_ONLY`): a session's device
and geo are its entry event's by definition, so its later events took the same ~30 bytes again.
So are the visitor and whether they were new (0031), and an event's hostname and acquisition
(referrer domain, source, channel, UTM) are stored NULL when they are its session's (0031): a
stored NULL there reads as the session row's value (`field`, `hostname`).
The join is by the sessions' primary key; a session row is missing only for events whose
session the retention purge removed (it keeps a session that ends after its cut-off), and then
the fields read as NULL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, case, func, select, true
from sqlalchemy.sql.elements import KeyedColumnElement

from app.storage.tables import ACQUISITION, ENTRY_ONLY, SESSION_FIELDS, events, sessions

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
    if name == "hostname":
        return hostname().label(name)
    if name in ACQUISITION:
        own = events.c[name]
        return case((events.c.source.is_(None), sessions.c[name]), else_=own).label(name)
    if name in ENTRY_ONLY:
        own = events.c[name]
        return case((events.c.session_start == true(), own), else_=entry.c[name]).label(name)
    return events.c[name]


def hostname() -> ColumnElement[Any]:
    """The event's page hostname, for `events` joined to `sessions` (NULL: the session's)."""
    return func.coalesce(events.c.hostname, sessions.c.hostname)


_host_of = sessions.alias("host_of")


def page_hostname() -> ColumnElement[Any]:
    """The event's page hostname in any query over `events`, joined to `sessions` or not: where
    it is stored NULL, its session's, looked up by the sessions' key (the SQL filters' and
    breakdowns' page_url)."""
    theirs = (
        select(_host_of.c.hostname)
        .where(_host_of.c.session_id == events.c.session_id)
        .scalar_subquery()
    )
    return func.coalesce(events.c.hostname, theirs)
