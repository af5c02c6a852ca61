"""PULSE_SMTP_URL read once: `smtp://user:pass@host:587` (STARTTLS when the server offers it),
`smtps://user:pass@host:465` (implicit TLS), `?starttls=required|off` to insist on STARTTLS or
never try it. User and password are percent-decoded (`%40` for an `@` in a user name). The
password is kept out of every repr, log line and error: `describe()` is what may be shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

AUTO, REQUIRED, OFF = "auto", "required", "off"
STARTTLS_MODES = (AUTO, REQUIRED, OFF)


class SmtpUrlError(ValueError):
    """A malformed PULSE_SMTP_URL; the message never quotes the URL (it holds a password)."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    implicit_tls: bool = False
    starttls: str = AUTO

    @property
    def start_tls(self) -> bool | None:
        """aiosmtplib's `start_tls`: None tries STARTTLS when offered, True insists."""
        if self.implicit_tls or self.starttls == OFF:
            return False
        return True if self.starttls == REQUIRED else None

    def describe(self) -> dict[str, Any]:
        """What /readyz shows an admin: never the password, nor the user name."""
        tls = "implicit" if self.implicit_tls else f"starttls-{self.starttls}"
        return {"host": self.host, "port": self.port, "tls": tls, "auth": self.username is not None}


def parse_smtp_url(url: str) -> SmtpConfig | None:
    """None for an empty setting (mail off); SmtpUrlError for a malformed one."""
    if not url.strip():
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise SmtpUrlError("PULSE_SMTP_URL starts with smtp:// or smtps://")
    try:
        port = parts.port
    except ValueError:
        raise SmtpUrlError("PULSE_SMTP_URL has a port that is not a number") from None
    if not parts.hostname:
        raise SmtpUrlError("PULSE_SMTP_URL names no host")
    implicit = parts.scheme == "smtps"
    query = parse_qs(parts.query)
    unknown = set(query) - {"starttls"}
    if unknown:
        raise SmtpUrlError(f"PULSE_SMTP_URL: unknown option {sorted(unknown)[0]!r}")
    mode = query.get("starttls", [AUTO])[-1]
    if mode not in STARTTLS_MODES:
        raise SmtpUrlError("PULSE_SMTP_URL: starttls is required, off or auto")
    if implicit and mode == REQUIRED:
        raise SmtpUrlError("PULSE_SMTP_URL: smtps:// is TLS already; starttls does not apply")
    return SmtpConfig(
        host=parts.hostname,
        port=port or (465 if implicit else 587),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        implicit_tls=implicit,
        starttls=mode,
    )
