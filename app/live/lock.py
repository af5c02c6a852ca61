"""A locked filter on the live view (issue 21): which events a filter-locked share or kiosk link
sees in its windows. The reports apply the same filter in SQL and numpy; here it is decided per
event as it arrives, so the live picture of a locked link is a window of its own, fed only the
events that pass.

A session dimension (source, country, entry page, visitor type, ...) is decided once, on the
session's entry event (`session_start`, whose fields are the session's, DESIGN.md), and
remembered for the session's later events: a Google visit's second page view (its own referrer
internal, so Direct) still counts under `source==Google`, as it does in the reports. A later
event of a session whose entry was not seen (it began before the window) is judged on its own
fields. Event filters are per event: `page==/pricing` admits page views of /pricing on any host,
`page_url==example.com/pricing` those on that host, `event==Signup` those custom events; `!=` and
`!~` admit everything else.
"""

from __future__ import annotations

from collections import OrderedDict

from app.dimensions import page_url
from app.events import ENGAGEMENT, PAGEVIEW, Event
from app.queries.filters import Filter

SESSIONS_KEPT = 100_000  # sessions remembered per locked view (~100 bytes each)
_FIELDS = {
    "entry_page": "pathname",
    "referrer": "referrer_domain",
}


def _label(f: Filter, e: Event) -> str | None:
    if f.dim == "visitor_type":
        return "new" if e.new_visitor else "returning"
    value = getattr(e, _FIELDS.get(f.dim, f.dim), None)
    return None if value is None else str(value)


def _event_passes(f: Filter, e: Event) -> bool:
    if f.dim == "page":
        hit = e.name == PAGEVIEW and f.matches(e.pathname)
    elif f.dim == "page_url":
        hit = e.name == PAGEVIEW and f.matches(page_url(e.hostname, e.pathname))
    else:  # "event": a custom event's name
        hit = e.name not in (PAGEVIEW, ENGAGEMENT) and f.matches(e.name)
    return hit != f.negated


class LiveFilter:
    def __init__(self, filters: tuple[Filter, ...]) -> None:
        self.session_filters = tuple(f for f in filters if not f.event_grain)
        self.event_filters = tuple(f for f in filters if f.event_grain)
        self._sessions: OrderedDict[int, bool] = OrderedDict()

    def _session_passes(self, e: Event) -> bool:
        if not self.session_filters:
            return True
        known = self._sessions.get(e.session_id)
        if known is not None and not e.session_start:
            return known
        passes = all(f.passes(_label(f, e)) for f in self.session_filters)
        if e.session_start:
            self._sessions[e.session_id] = passes
            if len(self._sessions) > SESSIONS_KEPT:
                self._sessions.popitem(last=False)
        return passes

    def admits(self, e: Event) -> bool:
        return self._session_passes(e) and all(_event_passes(f, e) for f in self.event_filters)
