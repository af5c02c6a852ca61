"""Webhook deliveries: the payload (Pulse's JSON, or an incoming-webhook message for Slack,
Discord or Mattermost), the signature, one POST, and the retries with their log.

Every request carries `X-Pulse-Timestamp` (Unix seconds) and `X-Pulse-Signature`: the hex
HMAC-SHA256, keyed with the channel's secret, of `<timestamp>.<body>`. A receiver recomputes it
and refuses a timestamp too far from its own clock (a replayed request). A 2xx is delivered; a
5xx, 408, 429 or a connection error is retried after `backoff`, doubling each time, up to
`attempts` in all; another 4xx is final. Each attempt is one row of `alert_deliveries`.

The POST is a minimal HTTP/1.1 client over asyncio streams (TLS for https): Pulse has no HTTP
client dependency, and a webhook needs one request and its status line.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from app.alerts.rules import Channel

log = logging.getLogger(__name__)
USER_AGENT = "Pulse-Webhook/1"
RETRY_STATUSES = frozenset({408, 429})


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def payload(channel: Channel, facts: dict[str, Any]) -> bytes:
    """Pulse's JSON (`facts` as they are), or the chat formats' `text` / `content` message."""
    message = facts["message"]
    if channel.format == "discord":
        body: dict[str, Any] = {"content": message, "username": "Pulse"}
    elif channel.format in ("slack", "mattermost"):
        body = {"text": message, "username": "Pulse"}
    else:
        body = facts
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class PostError(Exception):
    pass


async def post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
    """POST `body` to `url`; the response's status code. PostError on anything else."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    lines = [
        f"POST {target} HTTP/1.1",
        f"Host: {host_header}",
        f"User-Agent: {USER_AGENT}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    try:
        async with asyncio.timeout(timeout_s):
            context = ssl.create_default_context() if https else None
            reader, writer = await asyncio.open_connection(host, port, ssl=context)
            try:
                writer.write(request)
                await writer.drain()
                status_line = await reader.readline()
            finally:
                writer.close()
    except TimeoutError as exc:
        raise PostError(f"no answer within {timeout_s:g} s") from exc
    except OSError as exc:
        raise PostError(f"{type(exc).__name__}: {exc}") from exc
    fields = status_line.split(b" ", 2)
    if len(fields) < 2 or not fields[0].startswith(b"HTTP/") or not fields[1].isdigit():
        raise PostError(f"not an HTTP answer: {status_line[:80]!r}")
    return int(fields[1])


@dataclass(frozen=True)
class Attempt:
    attempt: int
    sent_at: int
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retry(self) -> bool:
        code = self.status_code
        return code is None or code >= 500 or code in RETRY_STATUSES


Record = Callable[[Attempt], Awaitable[None]]


async def deliver(
    channel: Channel,
    facts: dict[str, Any],
    record: Record,
    *,
    attempts: int,
    backoff_s: float,
    timeout_s: float,
) -> list[Attempt]:
    """Send until delivered, final, or out of attempts; `record` is called after each try."""
    body = payload(channel, facts)
    done: list[Attempt] = []
    delay = backoff_s
    for n in range(1, max(1, attempts) + 1):
        timestamp = int(time.time())
        headers = {
            "X-Pulse-Timestamp": str(timestamp),
            "X-Pulse-Signature": sign(channel.secret, timestamp, body),
        }
        sent_at = time.time_ns() // 1_000_000
        started = time.perf_counter()
        status, error = None, None
        try:
            status = await post(channel.url, body, headers, timeout_s)
        except PostError as exc:
            error = str(exc)[:300]
        attempt = Attempt(n, sent_at, status, error, round((time.perf_counter() - started) * 1000))
        done.append(attempt)
        try:
            await record(attempt)
        except Exception:  # the log is for people; it must not stop the delivery
            log.exception("could not log a webhook attempt")
        if attempt.delivered or not attempt.retry:
            break
        if n < attempts:
            await asyncio.sleep(delay)
            delay *= 2
    return done
