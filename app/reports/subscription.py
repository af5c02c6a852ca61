"""What a scheduled email report subscribes to (address, interval, hour), checked once for the
HTTP route and the CLI alike; a bad value names its field."""

from __future__ import annotations

from app.reports.schedule import INTERVALS

FIELDS = ("email", "interval", "hour")


class ReportError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def parse(body: object) -> tuple[str, str, int]:
    if not isinstance(body, dict):
        raise ReportError("body", "a JSON object is required")
    for key in body:
        if key not in FIELDS:
            raise ReportError(str(key), f"unknown field {key!r}; known: {', '.join(FIELDS)}")
    email = body.get("email")
    if not isinstance(email, str):
        raise ReportError("email", "email is required (an address)")
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if (
        not local
        or "." not in domain
        or len(email) > 254
        or any(c.isspace() or c in ',<>"' for c in email)
    ):
        raise ReportError("email", f"not an email address: {email!r}")
    interval = body.get("interval", "weekly")
    if interval not in INTERVALS:
        raise ReportError("interval", f"interval is one of {', '.join(INTERVALS)}")
    hour = body.get("hour", 8)
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise ReportError("hour", "hour is a whole number from 0 to 23 (the site's time zone)")
    return email, interval, hour
