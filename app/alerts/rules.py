"""What an alert rule is and how a definition is read (400 naming the field).

Kinds, all evaluated on the site's live window (app/alerts/engine.py):
- `spike`: distinct visitors in the last `minutes` (1-30) above `threshold`, or above `factor`
  times the usual level (the same span at the same time of day, averaged over the past 7 days).
- `drop`: the same count below `threshold`, or below `factor` (0-1) times the usual level.
- `event`: a custom event name (`event`) or a goal (`goal`, by name) seen; `mode` is
  `first_of_day` (the first in the site's local day) or `every` (each occurrence, at most one
  per cool-down).
- `active`: visitors active now (last 5 minutes) above `threshold`.
Every rule fires at most once per `cooldown_minutes` (default 60). The channel is a webhook:
`{"type": "webhook", "url": "https://...", "format": "json" | "slack" | "discord" |
"mattermost", "secret"?: "..."}`; a secret is made when none is given, and shown only once.
Or email (app/alerts/email.py): `{"type": "email", "recipients": ["ops@example.com", ...]}`,
1 to 10 addresses, stored comma-joined in the channel's URL column.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

SPIKE, DROP, EVENT, ACTIVE = "spike", "drop", "event", "active"
KINDS = (SPIKE, DROP, EVENT, ACTIVE)
WEBHOOK, EMAIL = "webhook", "email"
MAX_RECIPIENTS = 10
FORMATS = ("json", "slack", "discord", "mattermost")
FIRST_OF_DAY, EVERY = "first_of_day", "every"
MAX_NAME = 120
MAX_EVENT = 64
MAX_URL = 2000
MAX_MINUTES = 30  # the live window
MAX_COOLDOWN_MINUTES = 7 * 24 * 60
DEFAULT_COOLDOWN_MINUTES = 60
FIELDS = (
    "name",
    "kind",
    "minutes",
    "threshold",
    "factor",
    "event",
    "goal",
    "mode",
    "cooldown_minutes",
    "channel",
)
CHANNEL_FIELDS = ("type", "url", "format", "secret")
EMAIL_FIELDS = ("type", "recipients")


class AlertError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Channel:
    url: str
    format: str = "json"
    secret: str = ""
    type: str = WEBHOOK
    recipients: tuple[str, ...] = ()  # email

    def as_json(self) -> dict[str, Any]:
        if self.type == EMAIL:
            return {"type": EMAIL, "recipients": list(self.recipients)}
        # Never the secret: it was shown once, when the rule was made.
        return {"type": self.type, "url": self.url, "format": self.format}


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    channel: Channel
    minutes: int | None = None  # spike, drop
    threshold: float | None = None  # spike, drop, active
    factor: float | None = None  # spike, drop: times the usual level
    event: str | None = None  # event rules: a custom event's name
    goal: str | None = None  # event rules: a goal's name
    every: bool = False  # event rules: every occurrence (else the first of the day)
    cooldown_s: int = DEFAULT_COOLDOWN_MINUTES * 60
    id: int | None = field(default=None, compare=False)
    site_id: int | None = field(default=None, compare=False)
    last_fired_at: int | None = field(default=None, compare=False)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "name": self.name, "kind": self.kind}
        if self.kind in (SPIKE, DROP):
            body["minutes"] = self.minutes
        if self.threshold is not None:
            body["threshold"] = self.threshold
        if self.factor is not None:
            body["factor"] = self.factor
        if self.kind == EVENT:
            body["event" if self.event is not None else "goal"] = self.event or self.goal
            body["mode"] = EVERY if self.every else FIRST_OF_DAY
        body["cooldown_minutes"] = self.cooldown_s / 60
        body["channel"] = self.channel.as_json()
        body["last_fired_at"] = self.last_fired_at
        return body

    def describe(self) -> str:
        if self.kind == ACTIVE:
            return f"active now > {self.threshold:g}"
        if self.kind == EVENT:
            what = f"event {self.event}" if self.event is not None else f"goal {self.goal}"
            return f"{what} ({EVERY if self.every else FIRST_OF_DAY})"
        sign = ">" if self.kind == SPIKE else "<"
        level = f"{self.threshold:g}" if self.threshold is not None else f"{self.factor:g} x usual"
        return f"{self.kind}: visitors in {self.minutes} min {sign} {level}"


def parse(body: object) -> Rule:
    """A rule from its JSON definition; AlertError names the first wrong field."""
    if not isinstance(body, dict):
        raise AlertError("body", "a JSON object is required")
    for key in body:
        if key not in FIELDS:
            raise AlertError(str(key), f"unknown field {key!r}; known: {', '.join(FIELDS)}")
    name = _text(body, "name", MAX_NAME, required=True)
    kind = body.get("kind")
    if kind not in KINDS:
        raise AlertError("kind", f"kind is one of {', '.join(KINDS)}")
    assert name is not None
    rule = Rule(name=name, kind=kind, channel=parse_channel(body.get("channel")))
    allowed = {"name", "kind", "cooldown_minutes", "channel"}
    if kind in (SPIKE, DROP):
        allowed |= {"minutes", "threshold", "factor"}
        threshold, factor = _level(body, kind)
        rule = replace(rule, minutes=_minutes(body), threshold=threshold, factor=factor)
    elif kind == ACTIVE:
        allowed |= {"threshold"}
        rule = replace(rule, threshold=_number(body, "threshold", required=True))
    else:
        allowed |= {"event", "goal", "mode"}
        rule = replace(rule, **_event(body))
    for key in body:
        if key not in allowed:
            raise AlertError(key, f"{key!r} does not apply to a {kind} rule")
    return replace(rule, cooldown_s=_cooldown(body))


def parse_channel(value: object) -> Channel:
    if not isinstance(value, dict):
        raise AlertError("channel", 'channel is {"type": "webhook" | "email", ...}')
    kind = value.get("type", WEBHOOK)
    if kind not in (WEBHOOK, EMAIL):
        raise AlertError("channel.type", "the channel type is webhook or email")
    known = EMAIL_FIELDS if kind == EMAIL else CHANNEL_FIELDS
    for key in value:
        if key not in known:
            raise AlertError(f"channel.{key}", f"unknown {kind} channel field {key!r}")
    if kind == EMAIL:
        return _email_channel(value)
    url = value.get("url")
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise AlertError("channel.url", f"an http(s) URL of at most {MAX_URL} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AlertError("channel.url", "an http:// or https:// URL with a host")
    fmt = value.get("format", "json")
    if fmt not in FORMATS:
        raise AlertError("channel.format", f"format is one of {', '.join(FORMATS)}")
    secret = value.get("secret")
    if secret is None:
        secret = secrets.token_hex(32)
    if not isinstance(secret, str) or not 16 <= len(secret) <= 128:
        raise AlertError("channel.secret", "a secret of 16 to 128 characters")
    return Channel(url=url, format=fmt, secret=secret)


def _email_channel(value: dict[str, Any]) -> Channel:
    recipients = value.get("recipients")
    if (
        not isinstance(recipients, list)
        or not 1 <= len(recipients) <= MAX_RECIPIENTS
        or not all(isinstance(r, str) for r in recipients)
    ):
        raise AlertError(
            "channel.recipients", f"recipients is a list of 1 to {MAX_RECIPIENTS} email addresses"
        )
    clean: list[str] = []
    for address in recipients:
        address = address.strip().lower()
        local, _, domain = address.partition("@")
        if (
            not local
            or "." not in domain
            or len(address) > 254
            or any(c.isspace() or c in ',<>"' for c in address)
        ):
            raise AlertError("channel.recipients", f"not an email address: {address!r}")
        if address not in clean:
            clean.append(address)
    return Channel(url=",".join(clean), format=EMAIL, type=EMAIL, recipients=tuple(clean))


def _text(body: dict[str, Any], key: str, limit: int, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise AlertError(key, f"{key} is a non-empty string of at most {limit} characters")
    return value.strip()


def _number(body: dict[str, Any], key: str, required: bool = False) -> float | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AlertError(key, f"{key} is a number")
    if value < 0:
        raise AlertError(key, f"{key} is at least 0")
    return float(value)


def _minutes(body: dict[str, Any]) -> int:
    value = body.get("minutes")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MINUTES:
        raise AlertError("minutes", f"minutes is a whole number from 1 to {MAX_MINUTES}")
    return value


def _level(body: dict[str, Any], kind: str) -> tuple[float | None, float | None]:
    threshold, factor = _number(body, "threshold"), _number(body, "factor")
    if (threshold is None) == (factor is None):
        raise AlertError("threshold", "give threshold or factor (times the usual level), one")
    if factor is not None:
        if kind == SPIKE and factor <= 1:
            raise AlertError("factor", "a spike's factor is above 1 (times the usual level)")
        if kind == DROP and not 0 < factor < 1:
            raise AlertError("factor", "a drop's factor is between 0 and 1 (of the usual level)")
    return threshold, factor


def _event(body: dict[str, Any]) -> dict[str, Any]:
    event = _text(body, "event", MAX_EVENT)
    goal = _text(body, "goal", MAX_NAME)
    if (event is None) == (goal is None):
        raise AlertError("event", "give event (a custom event's name) or goal (a goal's name)")
    mode = body.get("mode", FIRST_OF_DAY)
    if mode not in (FIRST_OF_DAY, EVERY):
        raise AlertError("mode", f"mode is {FIRST_OF_DAY} or {EVERY}")
    return {"event": event, "goal": goal, "every": mode == EVERY}


def _cooldown(body: dict[str, Any]) -> int:
    value = body.get("cooldown_minutes", DEFAULT_COOLDOWN_MINUTES)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_COOLDOWN_MINUTES
    ):
        raise AlertError(
            "cooldown_minutes", f"cooldown_minutes is above 0 and at most {MAX_COOLDOWN_MINUTES}"
        )
    return max(1, round(value * 60))
