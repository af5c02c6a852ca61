"""Umami's collect body (`POST /api/send`, `/api/batch`) -> Pulse wire events.

`{"type": "event", "payload": {website, hostname, url, referrer, title, screen, language, name,
data, id, vid}}`: `website` is the site's Umami website id or its domain (the site registry
knows both), `url` a path on `hostname` or an absolute URL, no `name` a page view, else a custom
event with `data` as props (nested objects flattened to dotted keys, as Umami stores them);
a URL's fragment stays in the path, as in Umami.
`vid` (the newer tracker's random localStorage id) is a client id like Pulse's own script's;
`id` (a logged-in user's id, from `umami.identify`) is never stored. Other types (identify,
performance, engagement) are accepted and ignored: Pulse records no sessions' user data.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

import msgspec

from app import revenue
from app.ingest.compat import decode_body, rename_field, to_wire
from app.ingest.wire import MAX_BATCH, WireError, WireEvent

RECORDED = "event"
IGNORED = frozenset({"identify", "performance", "engagement", "error"})
_PULSE_NAMES = {"event_type": "name", "data": "data", "site": "website", "visitor_id": "vid"}
_PULSE_NAMES |= {"url": "url", "referrer": "referrer", "language": "language"}
_PULSE_NAMES |= {"screen_width": "screen", "screen_height": "screen"}
FIELD_NAMES = {key: f"payload.{name}" for key, name in _PULSE_NAMES.items()}
_SCREEN = re.compile(r"(\d{1,5})x(\d{1,5})")
MAX_DEPTH = 4  # deeper values are kept as JSON text


class UmamiPayload(msgspec.Struct, kw_only=True):
    website: str | None = None
    hostname: str | None = None
    url: str | None = None
    referrer: str | None = None
    screen: str | None = None
    language: str | None = None
    name: str | None = None
    data: dict[str, Any] | None = None
    vid: str | None = None
    # title, tag, id, timestamp and the Web Vitals fields are read by nothing here.


class UmamiMessage(msgspec.Struct, kw_only=True):
    type: str
    payload: UmamiPayload


def field_name(field: str | None) -> str:
    return rename_field(field, FIELD_NAMES)


def decode_one(body: bytes) -> UmamiMessage:
    return _check_type(decode_body(body, UmamiMessage))


def decode_batch(body: bytes) -> list[UmamiMessage]:
    messages = decode_body(body, list[UmamiMessage])
    if not 1 <= len(messages) <= MAX_BATCH:
        raise WireError(f"a batch holds 1 to {MAX_BATCH} messages", "body")
    return [_check_type(message) for message in messages]


def to_wire_event(message: UmamiMessage) -> WireEvent | None:
    """The message's event, or None for a type that is accepted but not recorded."""
    if message.type != RECORDED:
        return None
    payload = message.payload
    website = (payload.website or "").strip()
    if not website:
        raise WireError("website is required", "payload.website")
    base = f"https://{payload.hostname or 'localhost'}"
    width, height = _screen(payload.screen)
    custom = bool(payload.name)
    try:
        return to_wire(
            {
                "url": urljoin(base, payload.url or "/"),
                "event_type": payload.name if custom else "pageview",
                "referrer": _referrer(base, payload.referrer),
                "visitor_id": payload.vid or None,
                "screen_width": width,
                "screen_height": height,
                "language": payload.language or None,
                "data": _flatten(payload.data) if custom and payload.data else None,
                "revenue": _revenue(payload.data) if custom else None,
                "site": website,
                # Umami keeps the fragment in the path (its tracker strips it when told to with
                # data-exclude-hash), so hash-routed pages stay apart as they were in Umami.
                "hash": True,
            }
        )
    except WireError:
        raise
    except ValueError:  # urljoin on a hostname that is not one
        raise WireError("url is not a valid URL", "payload.url") from None
    except RecursionError:  # a list nested too deep to write back as JSON text
        raise WireError("data is nested too deeply", "payload.data") from None


def _revenue(data: dict[str, Any] | None) -> dict[str, str] | None:
    """Umami's revenue convention: `data: {revenue: 19.99, currency: "USD"}` (its Revenue
    report reads those two keys); the data keeps them too. Invalid ones are ignored."""
    if not data or "revenue" not in data:
        return None
    exact = revenue.lenient({"amount": data["revenue"], "currency": data.get("currency")})
    return {"amount": exact[0], "currency": exact[1]} if exact else None


def _check_type(message: UmamiMessage) -> UmamiMessage:
    if message.type != RECORDED and message.type not in IGNORED:
        raise WireError(f"unknown type {message.type!r}", "type")
    return message


def _referrer(base: str, referrer: str | None) -> str | None:
    """Umami's tracker sends referrers absolute; its API also takes a path on the same host."""
    if not referrer:
        return None
    absolute = urljoin(base, referrer) if referrer.startswith("/") else referrer
    return absolute[:2000]


def _screen(screen: str | None) -> tuple[int | None, int | None]:
    found = _SCREEN.fullmatch(screen.strip()) if screen else None
    return (int(found.group(1)), int(found.group(2))) if found else (None, None)


def _flatten(data: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """`{"cart": {"items": 3}}` -> `{"cart.items": 3}`; lists become JSON text (Umami keeps
    them as strings too)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < MAX_DEPTH:
            flat.update(_flatten(value, f"{name}.", depth + 1))
        elif isinstance(value, list | dict):
            flat[name] = msgspec.json.encode(value).decode()
        else:
            flat[name] = value
    return flat
