"""The client's timestamp: kept as a hint only (the server's receive time is the event time)."""

from __future__ import annotations

from datetime import UTC, datetime

_MIN_MS = 946_684_800_000  # 2000-01-01: anything earlier is a broken clock
_MAX_MS = 4_102_444_800_000  # 2100-01-01


def client_timestamp(value: str | int | float | None) -> int | None:
    """Epoch seconds, epoch milliseconds or ISO 8601 -> epoch ms; None when implausible."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        ms = value if abs(value) >= 1e11 else value * 1000
    else:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        ms = parsed.timestamp() * 1000
    if ms != ms or not _MIN_MS <= ms <= _MAX_MS:
        return None
    return int(ms)
