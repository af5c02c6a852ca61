"""Other products' ingest bodies (Plausible, Umami) mapped onto Pulse's `WireEvent`.

Each peer module decodes its body with msgspec, applies the peer's own leniencies (Plausible's
props as a JSON string, Umami's relative URLs) and then builds the WireEvent through
`wire.decode`, so every Pulse limit (url <= 2,000, name <= 64, <= 30 scalar props, ...) holds
exactly as on /api/collect. Errors stay `WireError`s whose field is named the peer's way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from app.ingest.wire import WireError, WireEvent, decode

T = TypeVar("T")

_PATH = re.compile(r"at `\$(.*)`")
_MISSING = re.compile(r"missing required field `([^`]+)`")
_AT = re.compile(r" - at `\$[^`]*`$")


def decode_body(body: bytes, body_type: type[T]) -> T:
    """JSON whatever the content type (the trackers send text/plain to avoid a preflight)."""
    try:
        return msgspec.json.decode(body, type=body_type)
    except msgspec.ValidationError as exc:
        raise WireError(_without_path(str(exc)), _path_of(str(exc))) from None
    except (msgspec.DecodeError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        # RecursionError: a prop nested thousands deep in a 16 KiB body is bad input, not a 500.
        raise WireError(f"undecodable body: {exc}", "body") from None


def to_wire(fields: dict[str, Any]) -> WireEvent:
    """One WireEvent through Pulse's own decoder: same types, same limits, same messages."""
    present = {key: value for key, value in fields.items() if value is not None}
    try:
        encoded = msgspec.json.encode(present)
    except (TypeError, RecursionError):
        raise WireError("undecodable body", "body") from None
    try:
        [wire] = decode(encoded, "application/json")
    except WireError as exc:
        raise WireError(_without_path(exc.message), exc.field) from None
    return wire


def rename_field(field: str | None, names: Mapping[str, str]) -> str:
    """Pulse's field name (`data.plan`, `event_type`) -> the peer's (`props.plan`, `name`)."""
    head, dot, rest = (field or "body").partition(".")
    return f"{names.get(head, head)}{dot}{rest}"


def _path_of(message: str) -> str:
    """`... - at `$.payload.url`` -> "payload.url"; `$[2].n` -> "[2].n"."""
    missing = _MISSING.search(message)
    found = _PATH.search(message)
    path = found.group(1).lstrip(".") if found else ""
    if missing:
        return f"{path}.{missing.group(1)}" if path else missing.group(1)
    return path or "body"


def _without_path(message: str) -> str:
    """The path names Pulse's wire fields; the answer names the peer's field separately."""
    return _AT.sub("", message)
