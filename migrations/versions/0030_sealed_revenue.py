"""Revenue per sealed hour (issue 17): each sealed hour gains the `session_columns` row
`revenue` (its sessions' amount-carrying events by session id, app/storage/revenue_rows.py),
so revenue reports join no sessions over sealed hours.

Backfilled: one read of the few events carrying an amount (ix_events_revenue) with their
sessions' start, grouped per (site, hour of the session's start), written for every hour
sealed now with that hour's token (an hour without revenue gets an empty row, so its readers
know it holds none). Hours sealed later get theirs from the sealer; an hour without the row (or
with another token) is read from `events` by the readers, so nothing depends on this running
first. Downgrade removes the rows.

Revision ID: 0030
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0027"
branch_labels = None
depends_on = None

HOUR_MS = 3_600_000
NAME = "revenue"
MARK = "start"  # app/storage/columns.MARK: the row whose token marks an hour sealed
_CHUNK = 500

_events = sa.table(
    "events",
    sa.column("site_id"),
    sa.column("session_id"),
    sa.column("name"),
    sa.column("revenue_currency"),
    sa.column("revenue_amount"),
)
_sessions = sa.table("sessions", sa.column("session_id"), sa.column("start_ts"))
_columns = sa.table(
    "session_columns",
    sa.column("site_id"),
    sa.column("hour"),
    sa.column("name"),
    sa.column("built"),
    sa.column("data", sa.LargeBinary),
)


def upgrade() -> None:
    from app.storage.revenue_rows import encode, of_events

    conn = op.get_bind()
    _delete(conn)  # a re-run after a downgrade starts clean
    e, s, c = _events.c, _sessions.c, _columns.c
    paid = (
        sa.select(e.site_id, s.start_ts, e.session_id, e.name, e.revenue_currency, e.revenue_amount)
        .select_from(_events.join(_sessions, s.session_id == e.session_id))
        .where(e.revenue_amount.is_not(None), e.revenue_currency.is_not(None))
    )
    by_hour: dict[tuple[int, int], list[tuple[int, str, str, str]]] = {}
    for site, start, sid, name, code, amount in conn.execute(paid):
        by_hour.setdefault((site, start // HOUR_MS), []).append((sid, name, code, amount))
    sealed = conn.execute(sa.select(c.site_id, c.hour, c.built).where(c.name == MARK)).all()
    values = [
        {"site_id": site, "hour": hour, "name": NAME, "built": built}
        | {"data": encode(of_events(by_hour.get((site, hour), [])))}
        for site, hour, built in sealed
    ]
    for i in range(0, len(values), _CHUNK):
        conn.execute(sa.insert(_columns), values[i : i + _CHUNK])


def downgrade() -> None:
    _delete(op.get_bind())


def _delete(conn: sa.Connection) -> None:
    conn.execute(sa.delete(_columns).where(_columns.c.name == NAME))
