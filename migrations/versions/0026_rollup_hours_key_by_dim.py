"""rollup_hours keyed (site_id, dim, hour, value) (issue 18: smaller files). Every read of the
table asks one dimension over a range of hours, which the key (site_id, hour, dim, value) could
not serve, so a second index (site_id, dim, hour) carried the reads. With the key in read order
the index is redundant and is dropped: one B-tree fewer on every upsert, and on the queries
benchmark's 1M events the table with its indexes goes from 48.8 to 45.0 MiB.

SQLite cannot change a primary key in place: the table is rebuilt in one statement inside the
migration's transaction (the old one's pages go to the free list; `VACUUM` gives them back).
PostgreSQL: the key constraint is replaced (one index build) and the index dropped.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_COLUMNS = (
    "site_id, hour, dim, value, sessions, pageviews, bounces, engagement_ms, new_sessions, "
    "events, visitors"
)
_CREATE = (
    "CREATE TABLE rollup_hours_new (site_id INTEGER NOT NULL, hour INTEGER NOT NULL, "
    "dim VARCHAR(80) NOT NULL, value VARCHAR(2000) NOT NULL, sessions BIGINT NOT NULL, "
    "pageviews BIGINT NOT NULL, bounces BIGINT NOT NULL, engagement_ms BIGINT NOT NULL, "
    "new_sessions BIGINT NOT NULL, events BIGINT NOT NULL, visitors BLOB, "
    "PRIMARY KEY ({key}))"
)
_INDEX = "ix_rollup_hours_site_dim_hour"


def _rekey(key: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("ALTER TABLE rollup_hours DROP CONSTRAINT rollup_hours_pkey")
        op.execute(f"ALTER TABLE rollup_hours ADD CONSTRAINT rollup_hours_pkey PRIMARY KEY ({key})")
        return
    op.execute(_CREATE.format(key=key))
    # In key order: the new table's B-trees are written front to back, packed.
    op.execute(
        f"INSERT INTO rollup_hours_new ({_COLUMNS}) SELECT {_COLUMNS} FROM rollup_hours "
        f"ORDER BY {key}"
    )
    op.execute("DROP TABLE rollup_hours")  # its indexes with it
    op.execute("ALTER TABLE rollup_hours_new RENAME TO rollup_hours")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(f"DROP INDEX {_INDEX}")
    _rekey("site_id, dim, hour, value")


def downgrade() -> None:
    _rekey("site_id, hour, dim, value")
    op.execute(f"CREATE INDEX {_INDEX} ON rollup_hours (site_id, dim, hour)")
