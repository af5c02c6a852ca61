"""Decoding and validating /api/collect bodies: JSON, text/plain JSON or msgpack; one or a batch.

msgspec validates types and limits while it decodes (no second pass over the data), and its
error paths (`$[3].data.plan`) give the field name the 400 answer reports.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from app import revenue

MAX_BATCH = 50
MAX_PROPS = 30

Id = Annotated[str, Meta(max_length=64)]
LongText = Annotated[str, Meta(max_length=2000)]
PropKey = Annotated[str, Meta(min_length=1, max_length=64)]
MAX_PROP_VALUE = 2000
SCALARS = (str, int, float, bool, type(None))


class WireEvent(msgspec.Struct, kw_only=True):
    """The original system's payload, plus the fields Pulse's own script adds."""

    url: LongText
    event_type: Annotated[str, Meta(min_length=1, max_length=64)] = "pageview"
    referrer: LongText | None = None
    timestamp: str | int | float | None = None
    session_id: Id | None = None
    visitor_id: Id | None = None
    screen_width: Annotated[int, Meta(ge=0, le=100_000)] | None = None
    screen_height: Annotated[int, Meta(ge=0, le=100_000)] | None = None
    language: Annotated[str, Meta(max_length=35)] | None = None
    # Values are checked in `_check_props`, so the error can name the property.
    data: Annotated[dict[PropKey, Any], Meta(max_length=MAX_PROPS)] | None = None
    site: Annotated[str, Meta(max_length=253)] | None = None
    user_agent: Any = None  # ignored: the user agent comes from the request header
    engagement_ms: Annotated[int, Meta(ge=0, le=86_400_000)] | None = None
    scroll_depth: Annotated[int, Meta(ge=0, le=100)] | None = None
    interactive: bool = True
    hash: bool = False  # hash-based routing: the fragment is part of the page path
    # `{amount, currency}` (checked in `decode`, so the error names the field); after decoding
    # the canonical pair ("10.29", "EUR") from app/revenue.py.
    revenue: Any = None


Body = WireEvent | Annotated[list[WireEvent], Meta(min_length=1, max_length=MAX_BATCH)]

_json = msgspec.json.Decoder(Body)
_msgpack = msgspec.msgpack.Decoder(Body)
_PATH = re.compile(r"at `\$((?:\[\d+\])?)\.?([^`]*)`")
_MISSING = re.compile(r"missing required field `([^`]+)`")


class WireError(ValueError):
    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def decode(body: bytes, content_type: str) -> list[WireEvent]:
    """Decode a body into events, or raise WireError naming the offending field."""
    decoder = _msgpack if "msgpack" in content_type.lower() else _json
    try:
        decoded = decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise WireError(str(exc), _field_of(str(exc))) from None
    except (msgspec.DecodeError, UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"undecodable body: {exc}", "body") from None
    except RecursionError:  # thousands of nested arrays inside a property value
        raise WireError("body is nested too deeply", "body") from None
    events = decoded if isinstance(decoded, list) else [decoded]
    scrub = decoder is _msgpack or _MAYBE_INVISIBLE.search(body) is not None
    for i, event in enumerate(events):
        if scrub:
            _scrub(event)
        if event.data:
            _check_props(event.data)
        if event.revenue is not None:
            event.revenue = _revenue(event.revenue, f"[{i}]." if len(events) > 1 else "")
    return events


def _revenue(raw: Any, at: str) -> tuple[str, str]:
    try:
        return revenue.parse(raw)
    except revenue.RevenueError as exc:
        where = "revenue" if exc.field == "revenue" else f"revenue.{exc.field}"
        raise WireError(str(exc), f"{at}{where}") from None


# NUL and the bidirectional overrides/isolates (U+202A-202E, U+2066-2069): a visitor could
# otherwise store a page name that renders reversed or hides text in every report and CSV.
_INVISIBLE = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")
# A JSON body can only hold one of them raw (UTF-8) or as a \u escape: one scan of the bytes
# decides whether the events need scrubbing at all (msgpack bodies always do: a 0x00 byte is
# also an encoded integer there).
_MAYBE_INVISIBLE = re.compile(
    rb"\x00|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\\u(?:0000|202[a-eA-E]|206[6-9])"
)
_TEXT_FIELDS = ("url", "event_type", "referrer", "session_id", "visitor_id", "language", "site")


def _strip(text: str) -> str:
    return _INVISIBLE.sub("", text) if _INVISIBLE.search(text) else text


def _scrub(event: WireEvent) -> None:
    """Strip the invisible characters from every text the event carries, keys included."""
    for name in _TEXT_FIELDS:
        value = getattr(event, name)
        if isinstance(value, str) and _INVISIBLE.search(value):
            setattr(event, name, _INVISIBLE.sub("", value))
    if event.data and any(
        _INVISIBLE.search(k) or (isinstance(v, str) and _INVISIBLE.search(v))
        for k, v in event.data.items()
    ):
        event.data = {
            _strip(k): _strip(v) if isinstance(v, str) else v
            for k, v in event.data.items()
            if _strip(k)
        }
    if not event.event_type:
        raise WireError("event_type has no visible characters", "event_type")


def _check_props(data: dict[str, Any]) -> None:
    for key, value in data.items():
        if not isinstance(value, SCALARS):
            raise WireError(
                f"property {key!r} must be a string, number, boolean or null", f"data.{key}"
            )
        if isinstance(value, str) and len(value) > MAX_PROP_VALUE:
            raise WireError(
                f"property {key!r} is longer than {MAX_PROP_VALUE} characters", f"data.{key}"
            )


def _field_of(message: str) -> str:
    """`Expected ... - at `$[2].data.plan`` -> "data.plan"; missing fields name themselves."""
    missing = _MISSING.search(message)
    path = _PATH.search(message)
    inner = path.group(2) if path else ""
    if missing:
        return f"{inner}.{missing.group(1)}" if inner else missing.group(1)
    if inner:
        return inner
    return "body"
