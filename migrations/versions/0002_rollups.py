"""Rollups: sessions (one row per session) and rollup_hours (additive hourly counters).

Existing events are folded in, 20,000 at a time, with the writer's own functions, so a database
upgraded with history reports it at once.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHUNK = 20_000


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column(
            "session_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.BigInteger(), nullable=False),
        sa.Column("start_ts", sa.BigInteger(), nullable=False),
        sa.Column("end_ts", sa.BigInteger(), nullable=False),
        sa.Column("new_visitor", sa.Boolean(), nullable=False),
        sa.Column("entry_page", sa.String(length=2000), nullable=False),
        sa.Column("exit_page", sa.String(length=2000), nullable=True),
        sa.Column("exit_ts", sa.BigInteger(), nullable=True),
        sa.Column("pageviews", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("interactive", sa.Integer(), nullable=False),
        sa.Column("engagement_ms", sa.BigInteger(), nullable=False),
        sa.Column("referrer_domain", sa.String(length=253), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        *(sa.Column(f"utm_{p}", sa.String(length=255), nullable=True) for p in _UTM),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("browser", sa.String(length=64), nullable=True),
        sa.Column("os", sa.String(length=64), nullable=True),
        sa.Column("device", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sessions_site_start", ["site_id", "start_ts", "visitor_id"], unique=False
        )
    op.create_table(
        "rollup_hours",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=80), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in _COUNTERS),
        sa.PrimaryKeyConstraint("site_id", "hour", "dim", "value"),
    )
    _backfill(op.get_bind())


_UTM = ("source", "medium", "campaign", "term", "content")
_COUNTERS = ("sessions", "pageviews", "bounces", "engagement_ms", "new_sessions", "events")


def _backfill(conn: sa.Connection) -> None:
    from app.storage import hourly, rollups
    from app.storage.backfill import event_columns
    from app.storage.tables import rollup_hours, sessions

    cols, full = event_columns(conn)
    events = cols[0].table  # as stored at this revision
    last = 0
    while True:
        query = sa.select(events.c.id, *cols)
        batch = conn.execute(query.where(events.c.id > last).order_by(events.c.id).limit(CHUNK))
        chunk = [tuple(r) for r in batch]
        if not chunk:
            return
        last = chunk[-1][0]
        rows = [full(r[1:]) for r in chunk]
        folded = rollups.Fold(rows)
        parts, started = folded.parts, folded.started
        session_cols = [sessions.c[c] for c in rollups.SESSION_COLS if c not in LATER_COLUMNS]
        found = conn.execute(sa.select(*session_cols).where(sessions.c.session_id.in_(list(parts))))
        old = {r[0]: _full_row(r) for r in found}
        merged = [
            rollups.merge(old[s], p, s in started) if s in old else folded.entry_of(s)
            for s, p in parts.items()
        ]
        conn.execute(sa.delete(sessions).where(sessions.c.session_id.in_(list(old))))
        conn.execute(sa.insert(sessions), [_at_0002(m) for m in merged])
        deltas = hourly.Deltas()
        for row in merged:
            deltas.session(old.get(row[0]), row)
        deltas.events(rows, {row[0]: row[3] for row in merged})
        _add(conn, rollup_hours, deltas)


# Session columns that later migrations add: absent at this revision.
LATER_COLUMNS = (
    "pages",
    "journey",
    "screen",
    "browser_version",
    "os_version",
    "language",
    "hostname",
    "region",
    "city",
)


def _at_0002(row: object) -> dict[str, object]:
    from app.storage import rollups

    pairs = zip(rollups.SESSION_COLS, row, strict=True)  # type: ignore[call-overload]
    return {k: v for k, v in pairs if k not in LATER_COLUMNS}


def _full_row(found: object) -> tuple[object, ...]:
    from app.storage import rollups

    values = iter(found)  # type: ignore[call-overload]
    return tuple(None if c in LATER_COLUMNS else next(values) for c in rollups.SESSION_COLS)


def _add(conn: sa.Connection, table: sa.Table, deltas: object) -> None:
    for (site, hour, dim, value), counts in deltas.rows.items():  # type: ignore[attr-defined]
        key = (
            (table.c.site_id == site)
            & (table.c.hour == hour)
            & (table.c.dim == dim)
            & (table.c.value == value)
        )
        current = conn.execute(sa.select(*(table.c[c] for c in _COUNTERS)).where(key)).first()
        if current is None:
            values = dict(zip(_COUNTERS, counts, strict=True))
            conn.execute(
                sa.insert(table).values(site_id=site, hour=hour, dim=dim, value=value, **values)
            )
        else:
            values = {c: a + b for c, a, b in zip(_COUNTERS, current, counts, strict=True)}
            conn.execute(sa.update(table).where(key).values(**values))


def downgrade() -> None:
    op.drop_table("rollup_hours")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_site_start")
    op.drop_table("sessions")
