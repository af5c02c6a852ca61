"""The reports' vocabulary: every dimension declared once, and the one definition of a bounce,
of a visitor's type and of a property value as text.

A dimension's *grain* says what one of its values belongs to: a session (its source, entry page,
country, ...: one value per session, stored in a `sessions` column) or an event (the page of a
page view, the name of a custom event, a custom event's property: many per session). Filters,
breakdowns, sealed columns, rollups, the OpenAPI enum and `GET /api/v1/dimensions` (the
dashboard's list) all read this table; nothing else names a dimension.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SESSION, EVENT = "session", "event"
PROP = "prop:"
# A property key is 1..64 characters (the wire's limit): `prop:` and the key.
MAX_PROP_KEY = 64


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str  # as a person reads it (the dashboard's filter chips and panels)
    grain: str  # SESSION or EVENT
    # The `sessions` column holding a session dimension's value (None: derived or event grain).
    column: str | None = None
    # Rollup rows carry a visitor sketch of it. The exit page has none: it moves while a session
    # goes on, and a sketch cannot take a visitor out again.
    sketched: bool = True
    # Sealed hours store it as a coded column (app/storage/columns.py).
    sealed: bool = True
    # The sealed-columns read path can answer its filters and breakdowns (page and event from
    # the coded journeys). page_url cannot: the journeys hold paths, not their hostnames, so
    # the planner sends its questions to SQL (and unfiltered breakdowns to the rollups).
    columnar: bool = True

    @property
    def session_grain(self) -> bool:
        return self.grain == SESSION


def _session(name: str, label: str, column: str | None = None, **flags: bool) -> Dimension:
    return Dimension(name, label, SESSION, column or name, **flags)


_UTM = ("source", "medium", "campaign", "term", "content")
# The order is the API's: breakdown enum, OpenAPI, error messages.
VOCABULARY: tuple[Dimension, ...] = (
    _session("entry_page", "Entry page"),
    _session("exit_page", "Exit page", sketched=False),
    _session("source", "Source"),
    _session("channel", "Channel"),
    _session("referrer", "Referrer", "referrer_domain"),
    *(_session(f"utm_{part}", f"UTM {part}") for part in _UTM),
    _session("country", "Country"),
    _session("browser", "Browser"),
    _session("os", "OS"),
    _session("device", "Device"),
    # Issue 17: the entry event's screen size class, versions, language and hostname.
    _session("screen", "Screen size"),
    _session("browser_version", "Browser version"),
    _session("os_version", "OS version"),
    _session("language", "Language"),
    _session("hostname", "Hostname"),
    # Issue 17: "England, GB" and "London, England, GB", from DB-IP's City Lite data.
    _session("region", "Region"),
    _session("city", "City"),
    # Derived from `sessions.new_visitor` (visitor_type below); sealed as the "new" column.
    Dimension("visitor_type", "Visitor type", SESSION, sealed=False),
    Dimension("page", "Page", EVENT, sealed=False),
    # Issue 17: a page view's hostname + path, "example.com/pricing" (page_url below).
    Dimension("page_url", "Page URL", EVENT, sealed=False, columnar=False),
    Dimension("event", "Event", EVENT, sealed=False),
)
BY_NAME = {d.name: d for d in VOCABULARY}
# Session dimension -> its `sessions` column: the write side's rollup keys and sealed columns.
SESSION_COLUMNS: dict[str, str] = {d.name: d.column for d in VOCABULARY if d.column is not None}
UNSKETCHED = tuple(d.name for d in VOCABULARY if not d.sketched)
NOT_COLUMNAR = tuple(d.name for d in VOCABULARY if not d.columnar)
# What the API lists: the fixed dimensions and the property pattern.
API_NAMES = (*(d.name for d in VOCABULARY), f"{PROP}{{key}}")


def lookup(name: str) -> Dimension | None:
    """The dimension called `name` (`prop:KEY` for any key of 1..64 characters), or None."""
    found = BY_NAME.get(name)
    if found is not None or not name.startswith(PROP):
        return found
    if not 0 < len(name) - len(PROP) <= MAX_PROP_KEY:
        return None
    return Dimension(name, f"Property {name[len(PROP) :]}", EVENT, sealed=False)


# Screen size classes by the screen's CSS width in px: mobile < 576 <= tablet < 992 <= laptop
# < 1440 <= desktop (Plausible's and Bootstrap's breakpoints).
SCREEN_CLASSES = ((576, "mobile"), (992, "tablet"), (1440, "laptop"))


def screen_class(width: int | None) -> str | None:
    """A screen width's size class; None when the tracker sent no width (or 0)."""
    if not width:
        return None
    return next((name for bound, name in SCREEN_CLASSES if width < bound), "desktop")


def version_label(name: str | None, version: str | None) -> str | None:
    """`Firefox 128.0`, `iOS 17.4`: a version means nothing without its browser or OS, so the
    dimension's value names both (None without a version)."""
    if not version:
        return None
    return f"{name} {version}" if name else version


def page_url(hostname: str, pathname: str) -> str:
    """A page view's page_url: hostname and path, no scheme (`example.com/pricing`), so the
    pages of a multi-domain site or its subdomains stay apart."""
    return hostname + pathname


def is_event_grain(name: str) -> bool:
    found = lookup(name)
    return found is not None and found.grain == EVENT


def is_bounce(pageviews: int, interactive: int) -> bool:
    """A bounce: a session of one page view and no interactive custom event."""
    return pageviews == 1 and interactive == 0


def visitor_type(new_visitor: Any) -> str:
    """A session's visitor type: "new" for the visitor's first session, else "returning". A
    visitor is counted under each type one of their sessions in the period has (both in one
    period, when their first session and a later one fall in it)."""
    return "new" if new_visitor else "returning"


def prop_value(value: Any) -> str:
    """Property values as text: strings as sent, other scalars as JSON (true, 3, null)."""
    return value if isinstance(value, str) else json.dumps(value)


def as_json() -> list[dict[str, Any]]:
    """The vocabulary as `GET /api/v1/dimensions` returns it (the dashboard's list)."""
    return [
        {"name": d.name, "label": d.label, "grain": d.grain, "filterable": True} for d in VOCABULARY
    ] + [{"name": f"{PROP}{{key}}", "label": "Property", "grain": EVENT, "filterable": True}]
