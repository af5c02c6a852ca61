"""Sites: what a site is (`model`), the `sites` table's queries (`store`) and the in-memory
registry ingest and every route consult (`registry`)."""
