"""Sealed columns stored zlib-compressed (issue 18: smaller files; app/storage/blob.py). The rows
already sealed are compressed in place, so reports keep reading them without the sealer storing
every hour again: 500 rows a statement in key order, each chunk read and rewritten before the
next is read (memory stays bounded by the chunk). The hours' `page_tallies` rows are not
columns and stay as they are. The downgrade decompresses the columns the same way.

SQLite leaves the space the smaller rows free inside the file, where new rows reuse it; `VACUUM`
gives it back at once.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

CHUNK = 500
LEVEL = 1  # app/storage/blob.LEVEL when this revision was written
TALLIES = "page_tallies"  # app/storage/page_tallies.NAME: not a column, not compressed

_c = sa.table(
    "session_columns",
    sa.column("site_id", sa.Integer),
    sa.column("hour", sa.Integer),
    sa.column("name", sa.String),
    sa.column("data", sa.LargeBinary),
)


def _rewrite(change: Callable[[bytes], bytes]) -> None:
    conn = op.get_bind()
    key = sa.tuple_(_c.c.site_id, _c.c.hour, _c.c.name)
    after: tuple[int, int, str] | None = None
    update = (
        sa.update(_c)
        .where(
            _c.c.site_id == sa.bindparam("k_site"),
            _c.c.hour == sa.bindparam("k_hour"),
            _c.c.name == sa.bindparam("k_name"),
        )
        .values(data=sa.bindparam("new_data"))
    )
    while True:
        query = sa.select(_c.c.site_id, _c.c.hour, _c.c.name, _c.c.data).where(_c.c.name != TALLIES)
        if after is not None:
            query = query.where(key > sa.tuple_(*(sa.literal(v) for v in after)))
        chunk = conn.execute(query.order_by(*key.clauses).limit(CHUNK)).all()
        if not chunk:
            return
        conn.execute(
            update,
            [
                {"k_site": s, "k_hour": h, "k_name": n, "new_data": change(bytes(data))}
                for s, h, n, data in chunk
            ],
        )
        after = tuple(chunk[-1][:3])  # type: ignore[assignment]


def upgrade() -> None:
    _rewrite(lambda raw: zlib.compress(raw, LEVEL))


def downgrade() -> None:
    _rewrite(zlib.decompress)
