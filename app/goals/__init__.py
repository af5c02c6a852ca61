"""Goals: per-site definitions over stored events (a page pattern, a custom event optionally
narrowed by a property, a scroll depth on a page pattern). They are questions, not counters, so
a goal defined today counts the past too. `definition` (what a goal is, validation, matching),
`store` (the `goals` table), `cli` (`pulse goal add|list|remove`)."""
