"""Revenue on events (exact decimal text and currency), and five session dimensions (issue 17):
screen size class, browser and OS version labels, language, hostname, from each session's entry
event.

Existing sessions get them from their entry events, one site-day at a time; their rollup rows
(hourly counters and sketches, day and week sketches) are built for the new dimensions only, so
every read path answers the past as the SQL scan does; sealed hours are emptied for the sealer
to store again with the new columns (the practice app/storage/columns.py names).

Revision ID: 0018
Revises: 0015
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

DAY_MS = 86_400_000
DIMS = ("screen", "browser_version", "os_version", "language", "hostname")
_WIDTHS = {"screen": 16, "browser_version": 100, "os_version": 100, "language": 35}


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("revenue_amount", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("revenue_currency", sa.String(length=3), nullable=True))
    with op.batch_alter_table("sessions") as batch:
        for name in DIMS:
            batch.add_column(sa.Column(name, sa.String(length=_WIDTHS.get(name, 253))))
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    from app.storage.backfill import dimension_weeks, site_days
    from app.storage.tables import rollup_hours, session_columns, visitor_days, visitor_weeks

    for table in (rollup_hours, visitor_days, visitor_weeks):  # rows a 0002 backfill made
        conn.execute(sa.delete(table).where(table.c.dim.in_(DIMS)))
    for site, day in site_days(conn):
        _backfill_day(conn, site, day)
    dimension_weeks(conn, DIMS)
    conn.execute(sa.delete(session_columns))


def _backfill_day(conn: sa.Connection, site: int, day: int) -> None:
    from app.dimensions import screen_class, version_label
    from app.storage.backfill import dimension_rollups, stored_events
    from app.storage.tables import sessions

    events = stored_events(conn)  # with the language, browser and OS 0025 moves off it
    s, e = sessions.c, events.c
    window = (s.site_id == site, s.start_ts >= day * DAY_MS, s.start_ts < (day + 1) * DAY_MS)
    entries = conn.execute(
        sa.select(e.session_id, e.hostname, e.language, e.screen_width, e.browser,
                  e.browser_version, e.os, e.os_version)
        .select_from(events.join(sessions, s.session_id == e.session_id))
        .where(*window, e.session_start == sa.true())
        .order_by(e.ts.desc(), e.id.desc())
    )  # fmt: skip
    found: dict[int, dict[str, Any]] = {}
    for sid, host, lang, width, browser, b_version, os_name, o_version in entries:
        found[sid] = {  # the earliest entry event wins (it is read last)
            "sid": sid,
            "screen": screen_class(width),
            "browser_version": version_label(browser, b_version),
            "os_version": version_label(os_name, o_version),
            "language": _language(lang),
            "hostname": host,
        }
    if found:
        update = sa.update(sessions).where(s.session_id == sa.bindparam("sid"))
        conn.execute(update.values({d: sa.bindparam(d) for d in DIMS}), list(found.values()))
    dimension_rollups(conn, window, DIMS)


def _language(raw: str | None) -> str | None:
    from app.ingest.normalise import language

    return language(raw)


def downgrade() -> None:
    from app.storage.tables import rollup_hours, session_columns, visitor_days, visitor_weeks

    conn = op.get_bind()
    for table in (rollup_hours, visitor_days, visitor_weeks):
        conn.execute(sa.delete(table).where(table.c.dim.in_(DIMS)))
    conn.execute(sa.delete(session_columns))  # sealed with columns this revision removes
    with op.batch_alter_table("sessions") as batch:
        for name in reversed(DIMS):
            batch.drop_column(name)
    with op.batch_alter_table("events") as batch:
        batch.drop_column("revenue_currency")
        batch.drop_column("revenue_amount")
