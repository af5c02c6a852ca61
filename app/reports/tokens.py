"""Unsubscribe tokens: `<subscription id>.<HMAC-SHA256 of id and address>`, keyed with the
installation's signing key (app/auth/state.py). A link works without signing in, for that
subscription only, and stops meaning anything once the subscription is gone."""

from __future__ import annotations

import base64
import hashlib
import hmac


def _mac(key: bytes, report_id: int, email: str) -> str:
    digest = hmac.new(key, f"unsubscribe:{report_id}:{email}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")


def make(key: bytes, report_id: int, email: str) -> str:
    return f"{report_id}.{_mac(key, report_id, email)}"


def report_id(token: str) -> int | None:
    head, _, _ = token.partition(".")
    return int(head) if head.isdigit() and len(head) < 19 else None


def valid(key: bytes, token: str, report_id: int, email: str) -> bool:
    return hmac.compare_digest(token.encode(), make(key, report_id, email).encode())
