"""Device and geo off `events` (issue 18: smaller files). A session's country, region, city,
browser, OS, device and language are its entry event's, and its `sessions` row holds them; every
event of the session carried them again. They are dropped from `events`, and the raw versions
and screen size (the values behind the sessions' labels) are kept on the entry event only.

SQLite: the table is rebuilt in one statement per step inside the migration's transaction (the
new table packed; the old one's pages go to the free list, reused by later writes; `VACUUM`, or
the retention job's incremental vacuum on a file made with auto_vacuum=INCREMENTAL, gives them
back to the file system). PostgreSQL: the columns are dropped (no rewrite; the space comes back
as rows are updated or with `VACUUM FULL events`) after the non-entry events' raw versions and
screen are set NULL.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

SESSION_FIELDS = ("country", "browser", "os", "device", "language", "region", "city")
ENTRY_ONLY = ("browser_version", "os_version", "screen_width", "screen_height")

_HEAD = (
    "id INTEGER NOT NULL, site_id INTEGER NOT NULL, ts BIGINT NOT NULL, "
    "name VARCHAR(64) NOT NULL, hostname VARCHAR(253) NOT NULL, "
    "pathname VARCHAR(2000) NOT NULL, visitor_id BIGINT NOT NULL, "
    "session_id BIGINT NOT NULL, new_visitor BOOLEAN NOT NULL, "
    "session_start BOOLEAN NOT NULL, referrer VARCHAR(2000), referrer_domain VARCHAR(253), "
    "source VARCHAR(255) NOT NULL, channel VARCHAR(32) NOT NULL, utm_source VARCHAR(255), "
    "utm_medium VARCHAR(255), utm_campaign VARCHAR(255), utm_term VARCHAR(255), "
    "utm_content VARCHAR(255), "
)
_TAIL = (
    "engagement_ms BIGINT, scroll_depth SMALLINT, interactive BOOLEAN NOT NULL, props TEXT, "
    "client_ts BIGINT, revenue_amount VARCHAR(24), revenue_currency VARCHAR(3)"
)
_KEPT_HEAD = (
    "id, site_id, ts, name, hostname, pathname, visitor_id, session_id, new_visitor, "
    "session_start, referrer, referrer_domain, source, channel, utm_source, utm_medium, "
    "utm_campaign, utm_term, utm_content"
)
_KEPT_TAIL = (
    "engagement_ms, scroll_depth, interactive, props, client_ts, revenue_amount, revenue_currency"
)
_RAW = "browser_version, os_version, screen_width, screen_height"


def _swap(create: str, insert: str) -> None:
    """events_new in place of events, with every index events had (0024's partial ones too)."""
    indexes = op.get_bind().exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
        "AND sql IS NOT NULL"
    )
    kept = [row[0] for row in indexes]
    op.execute(create)
    op.execute(insert)
    op.execute("DROP TABLE events")
    op.execute("ALTER TABLE events_new RENAME TO events")
    for statement in kept:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        raw = ", ".join(f"{n} = NULL" for n in ENTRY_ONLY)
        held = " OR ".join(f"{n} IS NOT NULL" for n in ENTRY_ONLY)
        op.execute(f"UPDATE events SET {raw} WHERE NOT session_start AND ({held})")
        for name in SESSION_FIELDS:
            op.execute(f"ALTER TABLE events DROP COLUMN {name}")
        return
    entry_only = ", ".join(f"CASE WHEN session_start THEN {n} END" for n in ENTRY_ONLY)
    _swap(
        "CREATE TABLE events_new ("
        + _HEAD
        + "browser_version VARCHAR(32), os_version VARCHAR(32), screen_width INTEGER, "
        + "screen_height INTEGER, "
        + _TAIL
        + ", PRIMARY KEY (id))",
        f"INSERT INTO events_new ({_KEPT_HEAD}, {_RAW}, {_KEPT_TAIL}) "
        f"SELECT {_KEPT_HEAD}, {entry_only}, {_KEPT_TAIL} FROM events",
    )


def _entry_value(name: str) -> str:
    """The session's entry event's `name`, for a row `e` of events joined to its session `s`."""
    return (
        f"(SELECT en.{name} FROM events en WHERE en.site_id = s.site_id AND en.ts = s.start_ts "
        f"AND en.session_id = s.session_id AND en.session_start LIMIT 1)"
    )


def downgrade() -> None:
    """Every event gets its session's fields back (what it held before, unless its own differed
    from the entry's: that was not kept)."""
    if op.get_bind().dialect.name != "sqlite":
        for name, kind in _OLD_TYPES.items():
            op.execute(f"ALTER TABLE events ADD COLUMN {name} {kind}")
        sets = ", ".join(f"{n} = s.{n}" for n in SESSION_FIELDS)
        op.execute(f"UPDATE events e SET {sets} FROM sessions s WHERE s.session_id = e.session_id")
        op.execute("UPDATE events SET device = 'desktop' WHERE device IS NULL")
        op.execute("ALTER TABLE events ALTER COLUMN device SET NOT NULL")
        raw = ", ".join(f"{n} = {_entry_value(n)}" for n in ENTRY_ONLY)
        op.execute(
            f"UPDATE events e SET {raw} FROM sessions s "
            "WHERE s.session_id = e.session_id AND NOT e.session_start"
        )
        return
    own = "e." + ", e.".join(_KEPT_HEAD.split(", "))
    own_tail = "e." + ", e.".join(_KEPT_TAIL.split(", "))
    raw = {
        n: f"CASE WHEN e.session_start THEN e.{n} ELSE {_entry_value(n)} END" for n in ENTRY_ONLY
    }
    _swap(
        "CREATE TABLE events_new ("
        + _HEAD
        + "country VARCHAR(2), browser VARCHAR(64), browser_version VARCHAR(32), "
        + "os VARCHAR(64), os_version VARCHAR(32), device VARCHAR(16) NOT NULL, "
        + "screen_width INTEGER, screen_height INTEGER, language VARCHAR(35), "
        + _TAIL
        + ", region VARCHAR(100), city VARCHAR(200), PRIMARY KEY (id))",
        f"INSERT INTO events_new ({_KEPT_HEAD}, country, browser, browser_version, os, "
        f"os_version, device, screen_width, screen_height, language, {_KEPT_TAIL}, region, city) "
        f"SELECT {own}, s.country, s.browser, {raw['browser_version']}, s.os, "
        f"{raw['os_version']}, COALESCE(s.device, 'desktop'), {raw['screen_width']}, "
        f"{raw['screen_height']}, s.language, {own_tail}, "
        "s.region, s.city FROM events e LEFT JOIN sessions s ON s.session_id = e.session_id",
    )


_OLD_TYPES = {
    "country": "VARCHAR(2)",
    "browser": "VARCHAR(64)",
    "os": "VARCHAR(64)",
    "device": "VARCHAR(16)",
    "language": "VARCHAR(35)",
    "region": "VARCHAR(100)",
    "city": "VARCHAR(200)",
}
