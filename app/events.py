"""The event types every layer shares.

`Event` is what ingestion accepts after enrichment: the live windows read it and the writer stores
it as one row of `events`. It never holds an IP address or a client-chosen identifier in clear:
visitor and session are 63-bit integers derived server-side.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

PAGEVIEW = "pageview"
ENGAGEMENT = "engagement"

# Drop reasons reported in the X-Pulse-Dropped header and counted in drop_counts.
DROP_BOT = "bot"
DROP_UNKNOWN_SITE = "unknown_site"
# Site rules (app/ingest/rules.py).
DROP_HOSTNAME_NOT_ALLOWED = "hostname_not_allowed"
DROP_EXCLUDED_IP = "excluded_ip"
DROP_EXCLUDED_PATH = "excluded_path"
DROP_REFERRER_SPAM = "referrer_spam"

Props = dict[str, str | int | float | bool | None]


@dataclass(slots=True)
class Event:
    site_id: int
    ts: int  # server receive time, ms since epoch UTC
    name: str  # "pageview", "engagement" or a custom event name
    hostname: str
    pathname: str
    visitor_id: int
    session_id: int
    # The session's visitor had never been seen on the site before the session began.
    new_visitor: bool
    # First event of its session (the entry); exits are derived later from the last event.
    session_start: bool
    referrer: str | None = None
    referrer_domain: str | None = None
    source: str = "Direct"
    channel: str = "Direct"
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    country: str | None = None
    browser: str | None = None
    browser_version: str | None = None
    os: str | None = None
    os_version: str | None = None
    device: str = "desktop"
    screen_width: int | None = None
    screen_height: int | None = None
    language: str | None = None
    engagement_ms: int | None = None
    scroll_depth: int | None = None
    interactive: bool = True
    props: Props = field(default_factory=dict)
    client_ts: int | None = None  # the client's own timestamp, a hint only
    # Revenue as a canonical decimal string and its currency (app/revenue.py).
    revenue_amount: str | None = None
    revenue_currency: str | None = None
    # Issue 17: "England, GB" and "London, England, GB" (app/ingest/places.py); last, so a
    # spilled row from before them is padded with None like the revenue fields.
    region: str | None = None
    city: str | None = None


# Column order of an `events` row as the writer builds it (the table has the same names).
EVENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Event))


@dataclass(slots=True)
class Drop:
    """A rejected event: which site (when known), why, and when."""

    reason: str
    site_id: int | None
    ts: int
