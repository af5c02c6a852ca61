"""Email deliveries of an alert: one message to the channel's recipients (subject, text, HTML),
handed to the SMTP server through the mailer, retried like a webhook (after `backoff`,
doubling, up to `attempts`) when the server refuses or is away. Each attempt is a row of
`alert_deliveries`, as a webhook's: `status_code` 250 (SMTP's "accepted") or None with the
error."""

from __future__ import annotations

import asyncio
import html
import logging
import time
from email.message import EmailMessage
from typing import Any

from app.alerts.rules import Channel
from app.alerts.webhook import Attempt, Record
from app.mail.mailer import Mailer, MailError

log = logging.getLogger(__name__)
ACCEPTED = 250  # SMTP's reply to a message it took


def message(mailer: Mailer, channel: Channel, facts: dict[str, Any], link: str) -> EmailMessage:
    """`facts` is the alert's JSON payload (engine.fired_payload)."""
    name = facts["alert"]["name"]
    test = " (test)" if facts.get("test") else ""
    subject = f"[Pulse] {name} on {facts['site']}{test}"
    rows = [("Site", facts["site"]), ("Alert", f"{name} ({facts['alert']['kind']})"),
            ("At", facts["fired_at"])]  # fmt: skip
    if facts.get("value") is not None:
        rows.append(("Value", str(facts["value"])))
    if facts.get("page"):
        rows.append(("Page", str(facts["page"])))
    text = "\n".join([facts["message"], "", *(f"{k}: {v}" for k, v in rows)])
    cells = "".join(
        f'<tr><th align="left" style="padding:4px 12px 4px 0;color:#555">{html.escape(k)}</th>'
        f"<td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    open_link = ""
    if link:
        text += f"\n\nOpen the dashboard: {link}"
        open_link = f'<p><a href="{html.escape(link)}">Open the dashboard</a></p>'
    body = (
        '<div style="font-family:system-ui,sans-serif;font-size:14px;color:#111">'
        f"<p><strong>{html.escape(facts['message'])}</strong></p>"
        f'<table cellpadding="0" cellspacing="0">{cells}</table>{open_link}</div>'
    )
    return mailer.compose(", ".join(channel.recipients), subject, text, body)


async def deliver(
    mailer: Mailer,
    channel: Channel,
    facts: dict[str, Any],
    record: Record,
    *,
    link: str,
    attempts: int,
    backoff_s: float,
) -> list[Attempt]:
    mail = message(mailer, channel, facts, link)
    done: list[Attempt] = []
    delay = backoff_s
    for n in range(1, max(1, attempts) + 1):
        sent_at = time.time_ns() // 1_000_000
        started = time.perf_counter()
        status, error = None, None
        try:
            await mailer.send(mail)
            status = ACCEPTED
        except MailError as exc:
            error = str(exc)[:300]
        attempt = Attempt(n, sent_at, status, error, round((time.perf_counter() - started) * 1000))
        done.append(attempt)
        try:
            await record(attempt)
        except Exception:
            log.exception("could not log an email attempt")
        if status is not None:
            break
        if n < attempts:
            await asyncio.sleep(delay)
            delay *= 2
    return done
