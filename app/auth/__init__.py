"""Accounts and security, without HTTP: passwords, users and roles, login sessions, API tokens,
share and kiosk links, invitations, password resets, two-factor, the instance policy and rate
limits. The HTTP side is in app/api/: who is asking (`principal`), the guard, CSRF, cookies,
the auth pages (`render`), security headers (`headers`) and the handlers (`auth`, `admin`,
`share`, ...)."""
