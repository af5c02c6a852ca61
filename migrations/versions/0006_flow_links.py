"""Flow links: each session's first page views (`sessions.pages`) and the Sankey's links per
hour and day (`flow_links`), so flows reports sum rollups instead of reading every page view.

Existing sessions get their pages and links from `events`, one site-day at a time.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DAY_MS = 86_400_000


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("pages", sa.Text(), nullable=True))
    op.create_table(
        "flow_links",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("step", sa.SmallInteger(), nullable=False),
        sa.Column("src", sa.String(length=2000), nullable=False),
        sa.Column("dst", sa.String(length=2000), nullable=False),
        sa.Column("sessions", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "grain", "bucket", "step", "src", "dst"),
    )
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """One site-day of sessions at a time (their events read by the (site_id, ts) index)."""
    from app.storage.backfill import site_days

    for site, day in site_days(conn):
        _backfill_day(conn, site, day)


def _backfill_day(conn: sa.Connection, site: int, day: int) -> None:
    from app.events import PAGEVIEW
    from app.storage import flow_links
    from app.storage.backfill import session_rows
    from app.storage.tables import events, sessions
    from app.storage.tables import flow_links as links_table

    s, e = sessions.c, events.c
    window = (s.site_id == site, s.start_ts >= day * DAY_MS, s.start_ts < (day + 1) * DAY_MS)
    found = {r[0]: r for r in session_rows(conn, *window)}
    if not found:
        return
    at = [c.name for c in sessions.columns].index("pages")
    # Events by the (site_id, ts) index: a session's page views come after its start, and a
    # session (no 30-minute gap) running over a day past its start's day is not real traffic.
    views = conn.execute(
        sa.select(e.session_id, e.pathname)
        .where(
            e.site_id == site,
            e.ts >= day * DAY_MS,
            e.ts < (day + 2) * DAY_MS,
            e.name == PAGEVIEW,
        )
        .order_by(e.ts, e.id)
    )
    for sid, path in views:
        if sid in found:
            found[sid][at] = flow_links.add_page(found[sid][at], path)
    deltas = flow_links.Deltas()
    pages = [{"sid": sid, "pages": row[at]} for sid, row in found.items() if row[at]]
    if pages:
        stmt = sa.update(sessions).where(s.session_id == sa.bindparam("sid"))
        conn.execute(stmt.values(pages=sa.bindparam("pages")), pages)
    for row in found.values():
        deltas.session(None, row)
    keys = ("site_id", "grain", "bucket", "step", "src", "dst")
    rows = [{**dict(zip(keys, k, strict=True)), "sessions": n} for k, n in deltas.rows.items()]
    if rows:
        conn.execute(sa.insert(links_table), rows)


def downgrade() -> None:
    op.drop_table("flow_links")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("pages")
