"""From a validated wire event to the facts enrichment needs: page URL parts, event name, measures.

The original script's event types keep their meaning: `user_engagement` (seconds in
`data.duration_seconds`) and `scroll` (depth in `data`) become Pulse's `engagement` event, `click`
(an outbound link in `data`) becomes "Outbound Link: Click".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import parse_qsl, urlsplit

from app.events import ENGAGEMENT, Props
from app.ingest.utm import Utm, extract_utm
from app.ingest.wire import WireError, WireEvent

OUTBOUND = "Outbound Link: Click"
_SCROLL_KEYS = ("scroll_depth", "depth", "percent", "percentage", "max_scroll")
_LINK_KEYS = ("url", "href", "link", "target")
# Page URLs, referrers and language tags repeat heavily (a site has a few hundred pages, most
# visits come from a handful of referrers): each parse is cached on its text, bounded, as
# useragent.py caches user agents. Neither the IP nor anything keyed by it is kept. Inputs are
# capped by the wire format (2,000 characters), so 8,192 entries hold at most ~40 MiB.
URL_CACHE_SIZE = 8192


@dataclass(frozen=True, slots=True)
class Page:
    """Shared between events with the same URL (cached): read-only, its query included."""

    hostname: str
    pathname: str
    query: Mapping[str, str]
    utm: Utm  # the query's campaign tags, read once with the URL


@dataclass(slots=True)
class Measures:
    name: str
    props: Props
    engagement_ms: int | None
    scroll_depth: int | None


@functools.lru_cache(maxsize=URL_CACHE_SIZE)
def parse_page(url: str, keep_hash: bool) -> Page:
    """Raises WireError for a URL that is not absolute http(s) (not cached: it raises)."""
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError:
        raise WireError("url is not a valid URL", "url") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise WireError("url must be an absolute http(s) URL", "url")
    path = parts.path or "/"
    if keep_hash and parts.fragment:
        path = f"{path}#{parts.fragment}"
    query = dict(parse_qsl(parts.query, keep_blank_values=False)) if parts.query else {}
    return Page(
        hostname.lower().rstrip("."), path[:2000], MappingProxyType(query), extract_utm(query)
    )


@functools.lru_cache(maxsize=URL_CACHE_SIZE)
def clean_referrer(referrer: str | None) -> str | None:
    """Scheme, host and path only: query strings of other sites may carry personal data."""
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer.strip())
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:2000]


def measures(wire: WireEvent) -> Measures:
    name, props = wire.event_type, dict(wire.data or {})
    engagement_ms, scroll = wire.engagement_ms, wire.scroll_depth
    if name == "user_engagement":
        seconds = _number(props.pop("duration_seconds", None))
        if seconds is not None and engagement_ms is None:
            engagement_ms = int(min(max(seconds, 0.0), 86_400.0) * 1000)
        name = ENGAGEMENT
    elif name == "scroll":
        depth = next((_number(props.pop(k)) for k in _SCROLL_KEYS if k in props), None)
        if depth is not None and scroll is None:
            scroll = int(min(max(depth, 0.0), 100.0))
        name = ENGAGEMENT
    elif name == "click":
        link = next((props[k] for k in _LINK_KEYS if isinstance(props.get(k), str)), None)
        props = {"url": link} if link else props
        name = OUTBOUND
    return Measures(name, props, engagement_ms, scroll)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number else None  # NaN is not a number we keep


# A BCP 47 tag as browsers send it: a 2-3 letter language, then subtags (script, region, ...).
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")


@functools.lru_cache(maxsize=1024)
def language(raw: str | None) -> str | None:
    """`navigator.language` in BCP 47's case: `en-us` -> `en-US`, `ZH_hant_tw` -> `zh-Hant-TW`,
    `EN` -> `en`; anything that is no language tag (`*`, `C`, blank) -> None."""
    if not raw or not _LANGUAGE.fullmatch(raw := raw.strip()):
        return None
    head, *rest = raw.replace("_", "-").split("-")
    parts = [head.lower()]
    for part in rest:
        if len(part) == 4 and part.isalpha():
            parts.append(part.title())  # script: Hant
        elif len(part) == 2 and part.isalpha() or len(part) == 3 and part.isdigit():
            parts.append(part.upper())  # region: TW, 419
        else:
            parts.append(part.lower())
    return "-".join(parts)
