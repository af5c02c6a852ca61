"""SQLAlchemy Core tables: one definition for SQLite and PostgreSQL.

Times are integers (ms since the Unix epoch, UTC): dialect-neutral, compact, and cheap to bucket in
any time zone later. Visitor and session ids are 63-bit integers derived by the server.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

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
    UniqueConstraint("domain", name="uq_sites_domain"),
)

# SQLite wants INTEGER PRIMARY KEY (the rowid); PostgreSQL gets a 64-bit key.
EventId = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    Column("id", EventId, primary_key=True, autoincrement=True),
    Column("site_id", Integer, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("name", String(64), nullable=False),
    Column("hostname", String(253), nullable=False),
    Column("pathname", String(2000), nullable=False),
    Column("visitor_id", BigInteger, nullable=False),
    Column("session_id", BigInteger, nullable=False),
    Column("new_visitor", Boolean, nullable=False),
    Column("session_start", Boolean, nullable=False),
    Column("referrer", String(2000)),
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
    Column("browser_version", String(32)),
    Column("os", String(64)),
    Column("os_version", String(32)),
    Column("device", String(16), nullable=False),
    Column("screen_width", Integer),
    Column("screen_height", Integer),
    Column("language", String(35)),
    Column("engagement_ms", BigInteger),
    Column("scroll_depth", SmallInteger),
    Column("interactive", Boolean, nullable=False),
    Column("props", Text),
    Column("client_ts", BigInteger),
    Index("ix_events_site_ts", "site_id", "ts"),
)

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

# Secrets for cookieless identity, one per UTC day; deleted after 48 hours.
salts = Table(
    "salts",
    metadata,
    Column("day", Integer, primary_key=True),  # days since the epoch (UTC)
    Column("secret", LargeBinary(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
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
