"""What a share or kiosk link may carry (issue 21): the origins allowed to frame its embeds and a
locked filter. Both are validated here, once, for the API and the CLI; a bad value raises
`LinkOptionError` naming the field (the API answers 400 with it).

- `embed_origins`: https origins only, `https://host[:port]`, or `https://*.example.com` for
  the subdomains of one domain (CSP's own wildcard form); no path, query, user or other
  wildcard. Plain http only for a loopback host (`http://127.0.0.1:8080`, `http://localhost`).
  At most 20, so the CSP header stays small.
- `filter`: Pulse's filter syntax (app/queries/filters.py), limited to what the live windows can
  decide per event as well as the reports: session dimensions but the exit page, `page` and
  `event`. Goals, properties and the exit page (it moves while a session goes on) would lock
  the reports but not the live view, so they are refused rather than half-enforced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from app.queries.filters import GOAL, Filter, FilterError, parse

LOOPBACK = ("localhost", "127.0.0.1")
MAX_ORIGINS = 20
MAX_FILTER = 1_000
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})*$")


class LinkOptionError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def parse_origins(value: object) -> tuple[str, ...]:
    """A list of origins, normalised (lower case, no trailing slash), duplicates dropped."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LinkOptionError("embed_origins must be a list of origins", "embed_origins")
    if len(value) > MAX_ORIGINS:
        raise LinkOptionError(f"at most {MAX_ORIGINS} embed_origins", "embed_origins")
    found: list[str] = []
    for text in value:
        origin = origin_of(text)
        if origin not in found:
            found.append(origin)
    return tuple(found)


def origin_of(text: str) -> str:
    raw = text.strip().lower().removesuffix("/")
    bad = LinkOptionError(
        f"{text!r} is not an https origin (https://host[:port] or https://*.example.com)",
        "embed_origins",
    )
    if any(c in raw for c in " \t\"';,"):
        raise bad
    scheme = "https"
    if raw.startswith("http://") and urlsplit(raw).hostname in LOOPBACK:
        scheme = "http"  # a page on this machine (development, the browser tests)
    elif not raw.startswith("https://"):
        raise bad
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise bad from None
    host = parts.hostname or ""
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise bad
    if not _HOST.match(host) or (host.startswith("*.") and host.count(".") < 2):
        raise bad
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def origin_matches(origin: str, allowed: Iterable[str]) -> bool:
    """`origin` (a browser's Origin header) is one of `allowed`, wildcards included."""
    origin = origin.strip().lower().removesuffix("/")
    for entry in allowed:
        if entry == origin:
            return True
        if entry.startswith("https://*."):
            suffix = entry[len("https://*") :]  # ".example.com[:port]"
            host_port = origin.removeprefix("https://")
            if (
                origin.startswith("https://")
                and host_port.endswith(suffix)
                and ":" not in (host_port[: -len(suffix)])
            ):
                return True
    return False


def origins_json(origins: tuple[str, ...]) -> str:
    return json.dumps(list(origins))


def origins_from_json(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text or "[]"))


def lock_filters(value: object) -> str:
    """The locked filter's text, checked with the reports' own parser ('' for none)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise LinkOptionError("filter must be a string in Pulse's filter syntax", "filter")
    text = value.strip()
    if len(text) > MAX_FILTER:
        raise LinkOptionError(f"filter is longer than {MAX_FILTER} characters", "filter")
    try:
        found = parse(text)
    except FilterError as exc:
        raise LinkOptionError(str(exc), "filter") from None
    for f in found:
        if f.dim in (GOAL, "exit_page") or f.dim.startswith("prop:"):
            raise LinkOptionError(
                "a locked filter takes session dimensions, page, page_url and event (not goals, "
                "properties or the exit page: the live view could not enforce them)",
                "filter",
            )
    return text


def parsed_lock(text: str) -> tuple[Filter, ...]:
    return tuple(parse(text))
