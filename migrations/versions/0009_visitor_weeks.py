"""Visitor sketches per 7 UTC days (`visitor_weeks`), so a 30-day report unions ~6 sketches per
value instead of 30.

Existing weeks are the unions of the stored day sketches, one site and dimension at a time.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from app.storage.sketches import Union

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visitor_weeks",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=80), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.Column("visitors", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "week", "dim", "value"),
    )
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    from app.storage import sketches
    from app.storage.hourly import DAYS_PER_WEEK
    from app.storage.tables import visitor_days, visitor_weeks

    d = visitor_days.c
    order = (d.site_id, d.dim, d.value, d.day)
    rows: list[dict[str, object]] = []
    current: tuple[int, str, str, int] | None = None
    union = sketches.Union()
    # Day sketches in key order: one week's union in memory at a time.
    for site, dim, value, day, blob in conn.execute(sa.select(*order, d.visitors).order_by(*order)):
        key = (site, dim, value, day // DAYS_PER_WEEK)
        if key != current:
            if current is not None:
                rows.append(_week_row(current, union))
            current, union = key, sketches.Union()
        union.add(blob)
        if len(rows) >= 1_000:
            conn.execute(sa.insert(visitor_weeks), rows)
            rows = []
    if current is not None:
        rows.append(_week_row(current, union))
    if rows:
        conn.execute(sa.insert(visitor_weeks), rows)


def _week_row(key: tuple[int, str, str, int], union: Union) -> dict[str, object]:
    site, dim, value, week = key
    return {
        "site_id": site,
        "week": week,
        "dim": dim,
        "value": value,
        "visitors": union.serialize(),
    }


def downgrade() -> None:
    op.drop_table("visitor_weeks")
