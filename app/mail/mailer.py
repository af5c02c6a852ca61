"""Sending through the configured SMTP server with aiosmtplib: one connection per message (mail
is a few messages an hour: alerts, reports, invitations, resets — not worth a pool), a timeout,
and counters for /readyz. Errors are MailError with the server's or the socket's reason; neither
aiosmtplib's errors nor ours carry the password, and nothing here logs the URL."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from app.mail.config import SmtpConfig, parse_smtp_url
from app.mail.message import compose

log = logging.getLogger(__name__)
DEFAULT_FROM = "Pulse <pulse@localhost>"


class MailError(Exception):
    pass


class Mailer:
    def __init__(self, config: SmtpConfig | None, sender: str = "", timeout_s: float = 30.0):
        self.config = config
        self.sender = sender or DEFAULT_FROM
        self.timeout_s = timeout_s
        self.sent = 0
        self.failed = 0
        self.last_error: str | None = None

    @classmethod
    def from_settings(cls, url: str, sender: str, timeout_ms: int) -> Mailer:
        return cls(parse_smtp_url(url), sender, timeout_ms / 1000)

    @property
    def configured(self) -> bool:
        return self.config is not None

    def compose(self, to: str, subject: str, text: str, html: str | None = None,
                headers: dict[str, str] | None = None) -> EmailMessage:  # fmt: skip
        return compose(self.sender, to, subject, text, html, headers)

    async def send(self, message: EmailMessage) -> None:
        """Deliver to the SMTP server (it queues onward); MailError when it refuses or is away."""
        config = self.config
        if config is None:
            raise MailError("mail is not configured (PULSE_SMTP_URL)")
        try:
            await aiosmtplib.send(
                message,
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                use_tls=config.implicit_tls,
                start_tls=config.start_tls,
                timeout=self.timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            self.failed += 1
            reason = f"{type(exc).__name__}: {exc}"[:300]
            self.last_error = reason
            log.warning("mail to %s not sent: %s", message["To"], reason)
            raise MailError(reason) from exc
        self.sent += 1
        self.last_error = None

    def status(self) -> dict[str, Any]:
        if self.config is None:
            return {"configured": False}
        return {
            "configured": True,
            **self.config.describe(),
            "from": self.sender,
            "sent": self.sent,
            "failed": self.failed,
            "last_error": self.last_error,
        }
