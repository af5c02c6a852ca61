"""SQLAlchemy Core tables: one definition for SQLite and PostgreSQL.

Times are integers (ms since the Unix epoch, UTC): dialect-neutral, compact, and cheap to bucket in
any time zone later. Visitor and session ids are 63-bit integers derived by the server.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from app.events import EVENT_FIELDS

metadata = MetaData()

sites = Table(
    "sites",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("domain", String(253), nullable=False),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    # "local": the script's random id; "cookieless": keyed daily hash of IP + UA.
    Column("identity_mode", String(16), nullable=False, server_default="local"),
    Column("created_at", BigInteger, nullable=False),
    # The site's Umami website id (a UUID): Umami trackers send it instead of a domain.
    Column("umami_id", String(36)),
    # Site rules (Accounts issue), comma-separated; "" means no restriction. Ingest keeps them in
    # memory (app/ingest/rules.py), so they cost no database read per event.
    Column("allowed_hostnames", Text, nullable=False, server_default=""),
    Column("excluded_ips", Text, nullable=False, server_default=""),
    Column("excluded_paths", Text, nullable=False, server_default=""),
    # Raw events and sessions older than this many days are purged (app/retention_purge.py);
    # NULL keeps them forever. Rollups, sketches and sealed columns stay.
    Column("keep_raw_days", Integer),
    Column("raw_purged_before", BigInteger),  # UTC ms: raw rows before it are gone
    UniqueConstraint("domain", name="uq_sites_domain"),
    UniqueConstraint("umami_id", name="uq_sites_umami_id"),
)

# SQLite wants INTEGER PRIMARY KEY (the rowid); PostgreSQL gets a 64-bit key.
EventId = BigInteger().with_variant(Integer(), "sqlite")

# One row per accepted event: an `Event` (app/events.py) without the fields in SESSION_FIELDS.
events = Table(
    "events",
    metadata,
    Column("id", EventId, primary_key=True, autoincrement=True),
    Column("site_id", Integer, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("name", String(64), nullable=False),
    # NULL when it is the session's hostname (nearly every event: migration 0031).
    Column("hostname", String(253)),
    Column("pathname", String(2000), nullable=False),
    Column("session_id", BigInteger, nullable=False),
    Column("session_start", Boolean, nullable=False),
    Column("referrer", String(2000)),
    # The acquisition (ACQUISITION): all NULL, source included, when every one of them is the
    # session's (migration 0031); an event's own source is never NULL.
    Column("referrer_domain", String(253)),
    Column("source", String(255)),
    Column("channel", String(32)),
    Column("utm_source", String(255)),
    Column("utm_medium", String(255)),
    Column("utm_campaign", String(255)),
    Column("utm_term", String(255)),
    Column("utm_content", String(255)),
    # The client's raw versions and screen: the entry event's only (NULL on the session's other
    # events, which cost a header byte each for them); reports read the labels on `sessions`.
    Column("browser_version", String(32)),
    Column("os_version", String(32)),
    Column("screen_width", Integer),
    Column("screen_height", Integer),
    Column("engagement_ms", BigInteger),
    Column("scroll_depth", SmallInteger),
    Column("interactive", Boolean, nullable=False),
    Column("props", Text),
    Column("client_ts", BigInteger),
    # Exact decimal text ("10.29") and ISO 4217 code: summed per currency (app/revenue.py).
    Column("revenue_amount", String(24)),
    Column("revenue_currency", String(3)),
    Index("ix_events_site_ts", "site_id", "ts"),
    # The few events a property-narrowed goal or a revenue sum reads, by name (migration 0024):
    # partial, so they cost page views and engagements nothing; a query names the condition.
    *(
        Index(
            f"ix_events_{what}",
            "site_id",
            "name",
            "ts",
            sqlite_where=text(f"{column} IS NOT NULL"),
            postgresql_where=text(f"{column} IS NOT NULL"),
        )
        for what, column in (("props", "props"), ("revenue", "revenue_amount"))
    ),  # fmt: skip
)

# Device and geo are a session's, decided by its entry event (DESIGN.md; app/storage/rollups.py
# copies them onto the `sessions` row): stored there once, not again on each of the session's
# ~4.5 events (issue 18, migration 0025); so are the visitor and whether they were new (0031:
# the same for every event of a session by construction). A reader that wants them per event
# joins `sessions` (app/storage/event_rows.py).
SESSION_FIELDS = (
    "country", "browser", "os", "device", "language", "region", "city", "visitor_id",
    "new_visitor",
)  # fmt: skip
# Acquisition stays per event by design (an internal page view is Direct), but an event whose
# referrer domain, source, channel and UTM tags are all its session's stores them NULL, and one
# whose hostname is its session's stores that NULL (issue 18, migration 0031: ~35 bytes of
# nearly every event); readers take NULL as the session's (`event_rows.field`). The referrer
# URL itself stays (NULL already on an internal page view).
ACQUISITION = (
    "referrer_domain", "source", "channel", "utm_source", "utm_medium", "utm_campaign",
    "utm_term", "utm_content",
)  # fmt: skip
# Stored on the entry event only: the raw values behind the sessions' labels (screen class,
# "Firefox 128.0"), which the raw and Plausible exports write.
ENTRY_ONLY = ("browser_version", "os_version", "screen_width", "screen_height")
# The `Event` fields an `events` row stores, in the writer's order.
STORED_FIELDS = tuple(name for name in EVENT_FIELDS if name not in SESSION_FIELDS)

# First and last sight of every visitor: "new vs returning" survives restarts, and an ongoing
# session continues across one (the identity index is warmed from here).
visitors = Table(
    "visitors",
    metadata,
    Column("site_id", Integer, primary_key=True),
    Column("visitor_id", BigInteger, primary_key=True),
    Column("first_seen", BigInteger, nullable=False),
    Column("last_seen", BigInteger, nullable=False),
    Column("session_id", BigInteger, nullable=False),
    Column("session_new_visitor", Boolean, nullable=False),
    Index("ix_visitors_last_seen", "last_seen"),
)

# Dropped events per site, day and reason (bots today; spam and excluded IPs later).
drop_counts = Table(
    "drop_counts",
    metadata,
    Column("site_id", Integer, primary_key=True),  # 0 when the site is unknown
    Column("day", Integer, primary_key=True),  # days since the epoch (UTC)
    Column("reason", String(32), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

# Spill files already replayed, written in the replay's own transaction: exactly once.
spill_replays = Table(
    "spill_replays",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("events", Integer, nullable=False),
    Column("replayed_at", BigInteger, nullable=False),
)

# One row per session, upserted by the writer with every batch that touches the session (History
# issue): entry/exit, counts and the entry event's acquisition, device and geo. Reports read this
# table and `rollup_hours`, never the raw events for the common questions.
sessions = Table(
    "sessions",
    metadata,
    # 63-bit random ids: unique across sites, so the key needs no site_id. On SQLite the key is
    # the rowid (INTEGER PRIMARY KEY): one B-tree fewer per upsert (measured 30 -> ~15 µs/event).
    Column("session_id", EventId, primary_key=True, autoincrement=False),
    Column("site_id", Integer, nullable=False),
    Column("visitor_id", BigInteger, nullable=False),
    Column("start_ts", BigInteger, nullable=False),
    Column("end_ts", BigInteger, nullable=False),
    Column("new_visitor", Boolean, nullable=False),
    Column("entry_page", String(2000), nullable=False),
    Column("exit_page", String(2000)),
    Column("exit_ts", BigInteger),
    Column("pageviews", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    # Interactive custom events: any one of them makes a one-pageview session not a bounce.
    Column("interactive", Integer, nullable=False),
    Column("engagement_ms", BigInteger, nullable=False),
    Column("referrer_domain", String(253)),
    Column("source", String(255), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("utm_source", String(255)),
    Column("utm_medium", String(255)),
    Column("utm_campaign", String(255)),
    Column("utm_term", String(255)),
    Column("utm_content", String(255)),
    Column("country", String(2)),
    Column("browser", String(64)),
    Column("os", String(64)),
    Column("device", String(16), nullable=False),
    # The first page views' paths, newline-separated (app/storage/flow_links.py).
    Column("pages", Text),
    # Page views and custom events in order, for funnels (app/storage/journey.py).
    Column("journey", Text),
    # Issue 17, from the entry event: screen size class (app/dimensions.screen_class), browser
    # and OS version labels ("Firefox 128.0"), normalised language ("en-US"), page hostname.
    Column("screen", String(16)),
    Column("browser_version", String(100)),
    Column("os_version", String(100)),
    Column("language", String(35)),
    Column("hostname", String(253)),
    # Issue 17: the entry event's region and city.
    Column("region", String(100)),
    Column("city", String(200)),
    # Covering for visitor counts and for unfiltered funnels (journey is capped at 2,000 bytes).
    Index("ix_sessions_site_start_journey", "site_id", "start_ts", "visitor_id", "journey"),
)

# Additive hourly counters per (site, UTC hour of the session start, dimension, value): the
# session's contribution (sessions, pageviews, bounces, engagement, new sessions) under each of its
# dimensions, plus page views per page and custom events per name. Kept exact by deltas: the
# writer subtracts a session's old contribution and adds its new one.
rollup_hours = Table(
    "rollup_hours",
    metadata,
    Column("site_id", Integer, nullable=False),
    Column("hour", Integer, nullable=False),  # hours since the epoch (UTC)
    Column("dim", String(80), nullable=False),  # "" for the site's totals
    Column("value", String(2000), nullable=False),
    Column("sessions", BigInteger, nullable=False),
    Column("pageviews", BigInteger, nullable=False),
    Column("bounces", BigInteger, nullable=False),
    Column("engagement_ms", BigInteger, nullable=False),
    Column("new_sessions", BigInteger, nullable=False),
    Column("events", BigInteger, nullable=False),
    # HyperLogLog sketch of the visitors counted here (app/storage/sketches.py); NULL for the
    # exit page, whose value moves as a session goes on.
    Column("visitors", LargeBinary),
    # Keyed in read order: reports read one dimension over a range of hours, so the key serves
    # them and no second index is kept (migration 0026).
    PrimaryKeyConstraint("site_id", "dim", "hour", "value"),
)

# The same visitor sketches per UTC day (key as rollup_hours, `day` = days since the epoch): a
# 30-day report unions ~30 sketches per value instead of 720 hourly ones.
visitor_days = Table(
    "visitor_days",
    metadata,
    Column("site_id", Integer, primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("dim", String(80), primary_key=True),
    Column("value", String(2000), primary_key=True),
    Column("visitors", LargeBinary, nullable=False),
)

# And per 7-day block of UTC days (`week` = days since the epoch // 7): a 30-day report unions
# ~4 week sketches and the few days around them per value instead of 30 day sketches.
visitor_weeks = Table(
    "visitor_weeks",
    metadata,
    Column("site_id", Integer, primary_key=True),
    Column("week", Integer, primary_key=True),
    Column("dim", String(80), primary_key=True),
    Column("value", String(2000), primary_key=True),
    Column("visitors", LargeBinary, nullable=False),
)

# Sankey links per (site, grain, bucket, step, from, to): sessions that went from -> to at that
# step, at the hour (grain 1) and UTC day (grain 24) of their start (app/storage/flow_links.py).
flow_links = Table(
    "flow_links",
    metadata,
    Column("site_id", Integer, primary_key=True),
    Column("grain", SmallInteger, primary_key=True),
    Column("bucket", Integer, primary_key=True),
    Column("step", SmallInteger, primary_key=True),
    Column("src", String(2000), primary_key=True),
    Column("dst", String(2000), primary_key=True),
    Column("sessions", BigInteger, nullable=False),
    # Every column but one is the key: without a rowid SQLite keeps the rows in the key's B-tree
    # alone instead of a table plus an equal autoindex (half the bytes; migration 0022).
    sqlite_with_rowid=False,
)

# Returning visitors per (site, UTC day first seen, UTC day of a session start), as sketches
# (app/storage/retention_days.py): retention cohorts without reading sessions.
retention_days = Table(
    "retention_days",
    metadata,
    Column("site_id", Integer, primary_key=True),
    Column("first_day", Integer, primary_key=True),
    Column("active_day", Integer, primary_key=True),
    Column("visitors", LargeBinary, nullable=False),
)

# Sealed hours of sessions as columns (app/storage/columns.py): per (site, UTC hour of the
# session start) one row per column, numbers as packed arrays and dimensions dictionary-coded, so
# a filtered report over a month reads ~2M sessions as arrays instead of scanning rows. Every
# column of an hour is written in one transaction with one `built` token; the writer deletes an
# hour's rows in the transaction that changes one of its sessions.
session_columns = Table(
    "session_columns",
    metadata,
    Column("site_id", Integer, primary_key=True),
    Column("hour", Integer, primary_key=True),  # hours since the epoch (UTC)
    Column("name", String(32), primary_key=True),
    Column("built", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# Accounts (issue 6). Secrets are stored hashed: passwords with argon2id, session ids and API
# tokens with SHA-256 (they are 256-bit random, so a slow hash would add nothing).
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False),
    Column("password_hash", String(200), nullable=False),
    # Admins manage every site, user and token; others only what their site roles allow.
    Column("is_admin", Boolean, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    # Two-factor (app/auth/totp.py): the base32 secret, pending until enabled_at is set; the
    # last 30 s step a code was accepted for, so one code signs in once.
    Column("totp_secret", String(64)),
    Column("totp_enabled_at", BigInteger),
    Column("totp_last_step", BigInteger),
    UniqueConstraint("email", name="uq_users_email"),
)

# Invitations (app/auth/invitations.py): a link that creates an account with a role on a site.
invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False),
    Column("email", String(254), nullable=False),
    Column("site_id", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("accepted_at", BigInteger),
    Column("revoked_at", BigInteger),
    UniqueConstraint("token_hash", name="uq_invitations_token"),
)

# One-time recovery codes for two-factor sign-in, as SHA-256 hashes (shown once, at enabling).
recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", BigInteger),
    UniqueConstraint("code_hash", name="uq_recovery_codes_hash"),
    Index("ix_recovery_codes_user", "user_id"),
)

site_roles = Table(
    "site_roles",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("site_id", Integer, primary_key=True),
    Column("role", String(16), nullable=False),  # "owner" | "viewer"
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_user_sessions_user", "user_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False),
    Column("prefix", String(16), nullable=False),  # shown in listings to tell tokens apart
    Column("scope", String(16), nullable=False),  # "read" (one site) | "admin"
    Column("site_id", Integer),
    Column("label", String(200), nullable=False, server_default=""),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger),
    UniqueConstraint("token_hash", name="uq_api_tokens_hash"),
)

share_links = Table(
    "share_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, nullable=False),
    Column("slug", String(64), nullable=False),
    Column("password_hash", String(200)),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger),
    # Issue 21: a JSON list of the https origins that may frame its embeds, and a locked filter
    # (Pulse's filter syntax) ANDed into everything the link shows.
    Column("embed_origins", Text, nullable=False, server_default="[]"),
    Column("filter", Text, nullable=False, server_default=""),
    UniqueConstraint("slug", name="uq_share_links_slug"),
)

# Kiosk links (issue 21): one site's wall display without a login; the token only as SHA-256.
kiosk_links = Table(
    "kiosk_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("label", String(200), nullable=False, server_default=""),
    Column("filter", Text, nullable=False, server_default=""),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger),
    UniqueConstraint("token_hash", name="uq_kiosk_links_token"),
)

# Process-wide secrets (the key that signs share-link cookies), made by migration 0004 so every
# instance of a scaled-out deployment agrees on them.
app_secrets = Table(
    "app_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary(64), nullable=False),
)

# Instance-wide settings an admin changes from the dashboard (app/auth/policy.py), one row per
# name, the value as JSON text: {"require_two_factor": true} is one row. Migration 0020.
instance_settings = Table(
    "instance_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(2000), nullable=False),
)

# Goals (issue 17): definitions over stored events, so a goal counts the past too
# (app/goals/definition.py). kind: "page" | "event" | "scroll".
goals = Table(
    "goals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, nullable=False),
    Column("name", String(120), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("page", String(2000)),
    Column("event", String(64)),
    Column("prop_key", String(64)),
    Column("prop_value", String(2000)),
    Column("scroll", SmallInteger),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("site_id", "name", name="uq_goals_site_name"),
)

# Alerts (issue 20): rules evaluated on the live windows, each with its webhook channel
# (app/alerts/rules.py). kind: "spike" | "drop" | "event" | "active". The secret is shown once,
# in the answer to the POST that made it.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, nullable=False),
    Column("name", String(120), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("minutes", SmallInteger),
    Column("threshold", Float),
    Column("factor", Float),
    Column("event", String(64)),
    Column("goal", String(120)),
    Column("every", Boolean, nullable=False, server_default=false()),
    Column("cooldown_s", Integer, nullable=False),
    Column("channel_type", String(16), nullable=False),
    Column("channel_format", String(16), nullable=False),
    Column("channel_url", String(2000), nullable=False),
    Column("channel_secret", String(128), nullable=False),
    Column("last_fired_at", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_alerts_site", "site_id"),
)

# One row per webhook attempt (app/alerts/webhook.py): status code or the connection error.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, nullable=False),
    Column("alert_id", Integer, nullable=False),
    Column("fired_at", BigInteger, nullable=False),
    Column("attempt", SmallInteger, nullable=False),
    Column("sent_at", BigInteger, nullable=False),
    Column("status_code", Integer),
    Column("error", String(300)),
    Column("duration_ms", Integer, nullable=False),
    Column("test", Boolean, nullable=False, server_default=false()),
    Index("ix_alert_deliveries_alert", "alert_id", "id"),
)

# Notes on a time range (app/annotations.py); alert_id is set on those a firing alert wrote.
# (`notes` in Python: `annotations` is taken by the __future__ import.)
notes = Table(
    "annotations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, nullable=False),
    Column("start_ts", BigInteger, nullable=False),
    Column("end_ts", BigInteger, nullable=False),
    Column("text", String(1000), nullable=False),
    Column("alert_id", Integer),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_annotations_site_start", "site_id", "start_ts"),
)

# Scheduled email reports (app/reports/): one subscription per site, address and interval;
# last_period_start is the start (UTC ms) of the last period sent, so a restart at the send hour
# neither sends it twice nor skips it.
email_reports = Table(
    "email_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, nullable=False),
    Column("email", String(254), nullable=False),
    Column("interval", String(8), nullable=False),
    Column("hour", SmallInteger, nullable=False),
    Column("last_period_start", BigInteger),
    Column("last_sent_at", BigInteger),
    Column("last_error", String(300)),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("site_id", "email", "interval", name="uq_email_reports_site_email"),
)

# Password reset tokens (app/auth/resets.py): SHA-256 of the emailed token, single use, 1 hour.
password_resets = Table(
    "password_resets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger),
    UniqueConstraint("token_hash", name="uq_password_resets_token"),
    Index("ix_password_resets_user", "user_id"),
)

# Imported history (issue 18, app/imports/): daily aggregates from another tool's export, never
# fake raw events. One row per local day (the site's zone) and value as the file gave it
# (duplicates are summed when read, as Plausible does); `import_id` ties it to its import, so
# `pulse import remove ID` takes exactly those rows away.
imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, nullable=False),
    Column("source", String(16), nullable=False),  # "plausible" | "umami"
    Column("first_day", Date),
    Column("last_day", Date),
    Column("days", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
    # The days left out because native data covers them, comma-separated ISO dates.
    Column("skipped_days", Text, nullable=False, server_default=""),
    Column("files", Text, nullable=False, server_default=""),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_imports_site", "site_id"),
)

# Plausible's imported_* tables: (the key columns, the counters), as its CSV export has them.
_SESSION_COUNTERS = ("visitors", "visits", "visit_duration", "bounces", "pageviews")
IMPORTED_SHAPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "imported_visitors": ((), ("visitors", "pageviews", "bounces", "visits", "visit_duration")),
    "imported_sources": (
        (
            "source",
            "referrer",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_content",
            "utm_term",
        ),
        ("pageviews", "visitors", "visits", "visit_duration", "bounces"),
    ),  # fmt: skip
    "imported_pages": (
        ("hostname", "page"),
        (
            "visits",
            "visitors",
            "pageviews",
            "total_scroll_depth",
            "total_scroll_depth_visits",
            "total_time_on_page",
            "total_time_on_page_visits",
        ),
    ),  # fmt: skip
    "imported_entry_pages": (
        ("entry_page",),
        ("visitors", "entrances", "visit_duration", "bounces", "pageviews"),
    ),
    "imported_exit_pages": (
        ("exit_page",),
        ("visitors", "visit_duration", "exits", "bounces", "pageviews"),
    ),
    "imported_custom_events": (("name", "link_url", "path"), ("visitors", "events")),
    "imported_locations": (("country", "region", "city"), _SESSION_COUNTERS),
    "imported_devices": (("device",), _SESSION_COUNTERS),
    "imported_browsers": (("browser", "browser_version"), _SESSION_COUNTERS),
    "imported_operating_systems": (
        ("operating_system", "operating_system_version"),
        _SESSION_COUNTERS,
    ),
}


def _imported(name: str) -> Table:
    keys, counters = IMPORTED_SHAPES[name]
    return Table(
        name,
        metadata,
        Column("id", EventId, primary_key=True, autoincrement=True),
        Column("import_id", Integer, nullable=False),
        Column("site_id", Integer, nullable=False),
        Column("day", Date, nullable=False),
        *(Column(key, Text, nullable=False, server_default="") for key in keys),
        *(Column(counter, BigInteger, nullable=False, server_default="0") for counter in counters),
        Index(f"ix_{name}_site_day", "site_id", "day"),
        Index(f"ix_{name}_import", "import_id"),
    )


IMPORTED: dict[str, Table] = {name: _imported(name) for name in IMPORTED_SHAPES}
