"""Plausible's Events API body (`POST /api/event`) -> Pulse wire events.

Short keys (what Plausible's script sends) and long keys (its documented Events API) are both
read, with Plausible's own precedence and leniencies: props as an object or a JSON string of
one, non-scalar or blank props left out, an invalid revenue ignored, `d` a comma-separated list
of domains (one event per domain). Plausible sends no visitor id, so these events get the
cookieless identity.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
from msgspec import structs

from app import revenue
from app.events import ENGAGEMENT
from app.ingest.compat import decode_body, rename_field, to_wire
from app.ingest.wire import MAX_BATCH, WireError, WireEvent

# Pulse's wire names -> Plausible's, for 400 answers ({"errors": {"props.plan": [...]}}).
FIELD_NAMES = {"event_type": "name", "data": "props", "site": "domain", "n": "name", "u": "url"}
FIELD_NAMES |= {"d": "domain", "r": "referrer", "p": "props", "m": "props", "meta": "props"}
FIELD_NAMES |= {"engagement_ms": "e", "scroll_depth": "sd", "screen_width": "w", "body": "request"}
MAX_ENGAGEMENT_MS = 86_400_000  # Pulse's wire limit; Plausible ignores absurd values likewise
_CURRENCY = re.compile(r"[A-Za-z]{3}")


class PlausibleBody(msgspec.Struct, kw_only=True):
    n: str | int | None = None
    name: str | int | None = None
    u: str | None = None
    url: str | None = None
    d: str | None = None
    domain: str | None = None
    # Loosely typed: Plausible ignores values of the wrong type here rather than failing.
    r: Any = None
    referrer: Any = None
    m: Any = None
    meta: Any = None
    p: Any = None
    props: Any = None
    revenue: Any = None
    dollar: Any = msgspec.field(default=None, name="$")
    i: Any = None
    interactive: Any = None
    h: Any = None
    hashMode: Any = None  # Plausible's spelling
    sd: Any = None
    e: Any = None
    w: Any = None  # older scripts: the window's width


def field_name(field: str | None) -> str:
    return rename_field(field, FIELD_NAMES)


def to_wires(body: bytes) -> list[WireEvent]:
    """One wire event per domain of `d` (or one, keyed by the URL's host, without `d`)."""
    raw = decode_body(body, PlausibleBody)
    name = _first(raw.n, raw.name)
    url = _first(raw.u, raw.url)
    if name is None or name == "":
        raise WireError("can't be blank", "name")
    if url is None:
        raise WireError("is required", "url")
    name = str(name)
    props = _props(_first(raw.m, raw.meta, raw.p, raw.props))
    paid = _first(raw.revenue, raw.dollar)
    props.update(_revenue(paid))
    exact = revenue.lenient(_parsed(paid))
    engagement_ms, scroll_depth = _engagement(raw) if name == ENGAGEMENT else (None, None)
    referrer = _first(raw.r, raw.referrer)
    width = raw.w if isinstance(raw.w, int) and not isinstance(raw.w, bool) else None
    wire = to_wire(
        {
            "url": url,
            "event_type": name,
            "referrer": referrer[:2000] if isinstance(referrer, str) else None,
            "data": props or None,
            "engagement_ms": engagement_ms,
            "scroll_depth": scroll_depth,
            "interactive": _flag(raw.i, raw.interactive, default=True),
            "hash": _first(raw.h, raw.hashMode) in (1, True),
            "screen_width": width if width is not None and 0 <= width <= 100_000 else None,
            # Exact, for the revenue metrics (the props keep Plausible's number as before).
            "revenue": {"amount": exact[0], "currency": exact[1]} if exact else None,
        }
    )
    domains = _domains(_first(raw.d, raw.domain))
    return [structs.replace(wire, site=d) for d in domains] if domains else [wire]


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _flag(*values: Any, default: bool) -> bool:
    return next((v for v in values if isinstance(v, bool)), default)


def _domains(raw: str | None) -> list[str]:
    if raw is None:
        return []
    domains = list(dict.fromkeys(d.strip() for d in raw.split(",") if d.strip()))
    if not domains:
        raise WireError("can't be blank", "domain")
    if len(domains) > MAX_BATCH:
        raise WireError(f"at most {MAX_BATCH} domains", "domain")
    return domains


def _props(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = msgspec.json.decode(raw)
        except (msgspec.DecodeError, RecursionError):
            return {}  # Plausible drops props it cannot parse and keeps the event
    if not isinstance(raw, dict):
        return {}
    props: dict[str, Any] = {}
    for key, value in raw.items():
        # Lists, objects, null and blank values are left out, as Plausible does.
        if value is None or isinstance(value, list | dict) or not str(key).strip():
            continue
        if isinstance(value, str) and not value.strip():
            continue
        props[key] = value
    return props


def _parsed(raw: Any) -> Any:
    """A revenue sent as JSON text (Plausible's `$` may be a string) as its object."""
    if isinstance(raw, str):
        try:
            return msgspec.json.decode(raw)
        except (msgspec.DecodeError, RecursionError):
            return None
    return raw


def _revenue(raw: Any) -> dict[str, Any]:
    """`{"amount": 10.29, "currency": "EUR"}` -> revenue_amount / revenue_currency props.
    Amounts may be numbers or decimal strings; an invalid revenue is ignored, as Plausible does."""
    raw = _parsed(raw)
    if not isinstance(raw, dict):
        return {}
    currency, amount = raw.get("currency"), _decimal(raw.get("amount"))
    if amount is None or not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        return {}
    return {"revenue_amount": amount, "revenue_currency": currency.upper()}


def _decimal(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = float(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return amount if math.isfinite(amount) else None


def _engagement(raw: PlausibleBody) -> tuple[int | None, int | None]:
    """`e` (engaged ms) and `sd` (scroll %), integers or integer strings; Plausible's rule: at
    least one of them must be valid."""
    engagement_ms, scroll = _integer(raw.e), _integer(raw.sd)
    if engagement_ms is not None and not 0 <= engagement_ms <= MAX_ENGAGEMENT_MS:
        engagement_ms = None
    if scroll is not None:
        scroll = min(scroll, 100) if scroll >= 0 else None
    if engagement_ms is None and scroll is None:
        message = "engagement event requires a valid integer value for at least one of 'sd' or 'e'"
        raise WireError(message, "name")
    return engagement_ms, scroll


def _integer(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        return int(value)
    return None
