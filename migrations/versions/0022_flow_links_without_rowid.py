"""`flow_links` WITHOUT ROWID on SQLite (issue 18: smaller files): every column but `sessions` is
its primary key, so with a rowid SQLite stored each link twice, in the table and in the key's
autoindex (21 + 21 MiB per million events on the queries benchmark). The table is rebuilt in one
statement per step inside the migration's transaction; PostgreSQL has no rowid and is untouched.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

COLUMNS = "site_id, grain, bucket, step, src, dst, sessions"


def _rebuild(without_rowid: bool) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    suffix = " WITHOUT ROWID" if without_rowid else ""
    op.execute(
        "CREATE TABLE flow_links_new ("
        "site_id INTEGER NOT NULL, grain SMALLINT NOT NULL, bucket INTEGER NOT NULL, "
        "step SMALLINT NOT NULL, src VARCHAR(2000) NOT NULL, dst VARCHAR(2000) NOT NULL, "
        "sessions BIGINT NOT NULL, "
        "PRIMARY KEY (site_id, grain, bucket, step, src, dst))" + suffix
    )
    op.execute(f"INSERT INTO flow_links_new ({COLUMNS}) SELECT {COLUMNS} FROM flow_links")
    op.execute("DROP TABLE flow_links")
    op.execute("ALTER TABLE flow_links_new RENAME TO flow_links")


def upgrade() -> None:
    _rebuild(without_rowid=True)


def downgrade() -> None:
    _rebuild(without_rowid=False)
