"""Session values off `events` (issue 18: smaller files). A session's visitor and whether they
were new are the same on each of its events: dropped from `events` (readers join `sessions`).
An event's hostname, and its acquisition (referrer domain, source, channel, UTM tags) as a
group, are stored NULL where they equal its session row's (app/storage/event_values.py; a NULL
`source` says the whole group is the session's); `event_rows.field` reads them back. ~35 bytes
of nearly every event.

SQLite: the table is rebuilt in one statement per step (as 0025). PostgreSQL: the two columns
are dropped and the equal values set NULL in place (the space comes back as rows are updated or
with `VACUUM FULL events`).

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

GROUP = (
    "referrer_domain", "source", "channel", "utm_source", "utm_medium", "utm_campaign",
    "utm_term", "utm_content",
)  # fmt: skip
_TAIL = (
    "browser_version VARCHAR(32), os_version VARCHAR(32), screen_width INTEGER, "
    "screen_height INTEGER, engagement_ms BIGINT, scroll_depth SMALLINT, "
    "interactive BOOLEAN NOT NULL, props TEXT, client_ts BIGINT, revenue_amount VARCHAR(24), "
    "revenue_currency VARCHAR(3), PRIMARY KEY (id))"
)
_TAIL_NAMES = (
    "browser_version, os_version, screen_width, screen_height, engagement_ms, scroll_depth, "
    "interactive, props, client_ts, revenue_amount, revenue_currency"
)
_UTM = (
    "utm_source VARCHAR(255), utm_medium VARCHAR(255), utm_campaign VARCHAR(255), "
    "utm_term VARCHAR(255), utm_content VARCHAR(255), "
)
_NEW = (
    "CREATE TABLE events_new (id INTEGER NOT NULL, site_id INTEGER NOT NULL, "
    "ts BIGINT NOT NULL, name VARCHAR(64) NOT NULL, hostname VARCHAR(253), "
    "pathname VARCHAR(2000) NOT NULL, session_id BIGINT NOT NULL, "
    "session_start BOOLEAN NOT NULL, referrer VARCHAR(2000), referrer_domain VARCHAR(253), "
    "source VARCHAR(255), channel VARCHAR(32), " + _UTM + _TAIL
)
_OLD = (
    "CREATE TABLE events_new (id INTEGER NOT NULL, site_id INTEGER NOT NULL, "
    "ts BIGINT NOT NULL, name VARCHAR(64) NOT NULL, hostname VARCHAR(253) NOT NULL, "
    "pathname VARCHAR(2000) NOT NULL, visitor_id BIGINT NOT NULL, "
    "session_id BIGINT NOT NULL, new_visitor BOOLEAN NOT NULL, "
    "session_start BOOLEAN NOT NULL, referrer VARCHAR(2000), referrer_domain VARCHAR(253), "
    "source VARCHAR(255) NOT NULL, channel VARCHAR(32) NOT NULL, " + _UTM + _TAIL
)
_JOINED = "FROM events e LEFT JOIN sessions s ON s.session_id = e.session_id"


def _same(dialect: str) -> str:
    """The event's acquisition is its session's, every value of the group."""
    is_ = "IS" if dialect == "sqlite" else "IS NOT DISTINCT FROM"
    return " AND ".join(f"e.{n} {is_} s.{n}" for n in GROUP)


def _swap(create: str, insert: str) -> None:
    """events_new in place of events, with every index events had (as 0025)."""
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
    dialect = op.get_bind().dialect.name
    same = f"s.session_id IS NOT NULL AND {_same(dialect)}"
    if dialect != "sqlite":
        for name in ("hostname", "source", "channel"):
            op.execute(f"ALTER TABLE events ALTER COLUMN {name} DROP NOT NULL")
        op.execute(
            "UPDATE events e SET hostname = NULL FROM sessions s "
            "WHERE s.session_id = e.session_id AND e.hostname = s.hostname"
        )
        nulls = ", ".join(f"{n} = NULL" for n in GROUP)
        op.execute(
            f"UPDATE events e SET {nulls} FROM sessions s "
            f"WHERE s.session_id = e.session_id AND {_same(dialect)}"
        )
        op.execute("ALTER TABLE events DROP COLUMN visitor_id, DROP COLUMN new_visitor")
        return
    group = ", ".join(f"CASE WHEN {same} THEN NULL ELSE e.{n} END" for n in GROUP)
    _swap(
        _NEW,
        f"INSERT INTO events_new (id, site_id, ts, name, hostname, pathname, session_id, "
        f"session_start, referrer, {', '.join(GROUP)}, {_TAIL_NAMES}) "
        "SELECT e.id, e.site_id, e.ts, e.name, "
        "CASE WHEN e.hostname = s.hostname THEN NULL ELSE e.hostname END, e.pathname, "
        f"e.session_id, e.session_start, e.referrer, {group}, "
        f"{', '.join('e.' + n for n in _TAIL_NAMES.split(', '))} {_JOINED} ORDER BY e.id",
    )


def _group_value(name: str) -> str:
    value = f"CASE WHEN e.source IS NULL THEN s.{name} ELSE e.{name} END"
    return f"COALESCE({value}, 'Direct')" if name in ("source", "channel") else value


def downgrade() -> None:
    """Every event gets its session's values back where it stored NULL for them."""
    dialect = op.get_bind().dialect.name
    host = "COALESCE(e.hostname, s.hostname, '')"
    if dialect != "sqlite":
        op.execute(
            "ALTER TABLE events ADD COLUMN visitor_id BIGINT, ADD COLUMN new_visitor BOOLEAN"
        )
        op.execute(
            "UPDATE events e SET visitor_id = s.visitor_id, new_visitor = s.new_visitor, "
            "hostname = COALESCE(e.hostname, s.hostname) FROM sessions s "
            "WHERE s.session_id = e.session_id"
        )
        sets = ", ".join(f"{n} = s.{n}" for n in GROUP)
        op.execute(
            f"UPDATE events e SET {sets} FROM sessions s "
            "WHERE s.session_id = e.session_id AND e.source IS NULL"
        )
        op.execute(
            "UPDATE events SET visitor_id = COALESCE(visitor_id, 0), "
            "new_visitor = COALESCE(new_visitor, false), hostname = COALESCE(hostname, ''), "
            "source = COALESCE(source, 'Direct'), channel = COALESCE(channel, 'Direct') "
            "WHERE visitor_id IS NULL OR new_visitor IS NULL OR hostname IS NULL "
            "OR source IS NULL OR channel IS NULL"
        )
        for name in ("visitor_id", "new_visitor", "hostname", "source", "channel"):
            op.execute(f"ALTER TABLE events ALTER COLUMN {name} SET NOT NULL")
        return
    group = ", ".join(_group_value(n) for n in GROUP)
    _swap(
        _OLD,
        "INSERT INTO events_new (id, site_id, ts, name, hostname, pathname, visitor_id, "
        f"session_id, new_visitor, session_start, referrer, {', '.join(GROUP)}, "
        f"{_TAIL_NAMES}) SELECT e.id, e.site_id, e.ts, e.name, {host}, e.pathname, "
        "COALESCE(s.visitor_id, 0), e.session_id, COALESCE(s.new_visitor, 0), "
        f"e.session_start, e.referrer, {group}, "
        f"{', '.join('e.' + n for n in _TAIL_NAMES.split(', '))} {_JOINED} ORDER BY e.id",
    )
