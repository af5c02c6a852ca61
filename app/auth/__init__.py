"""Accounts and security: passwords, users and roles, login sessions, API tokens, share links,
CSRF, the request guard and rate limits. `app.api.auth`, `app.api.admin` and `app.api.share` are
the HTTP side; `app.api.access` and `app.live.access` ask `app.auth.principal` for decisions."""
