"""What a site is: its settings and the rules that say which values they may take.

Shared by the store (app/sites/store.py), the registry ingest consults and every layer that
reads a site; the ingest rules' matching (app/ingest/rules.py) reads the normalised values."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

IDENTITY_MODES = ("local", "cookieless")


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    domain: str
    name: str
    timezone: str
    identity_mode: str
    umami_id: str | None = None  # Umami's website id, accepted wherever a domain is
    # Ingest rules (app/ingest/rules.py); empty tuples restrict nothing.
    allowed_hostnames: tuple[str, ...] = ()
    excluded_ips: tuple[str, ...] = ()
    excluded_paths: tuple[str, ...] = ()
    # Retention (app/retention_purge.py): raw events and sessions older than this many days are
    # purged (None: kept forever); `raw_purged_before` is how far the last purge went (UTC ms).
    keep_raw_days: int | None = None
    raw_purged_before: int | None = None

    @property
    def cookieless(self) -> bool:
        return self.identity_mode == "cookieless"


class SiteError(ValueError):
    pass


def normalise_domain(domain: str) -> str:
    domain = domain.strip().lower().rstrip(".")
    if "://" in domain:
        domain = domain.split("://", 1)[1]
    domain = domain.split("/", 1)[0].split(":", 1)[0]
    return domain.removeprefix("www.")


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SiteError(f"unknown time zone: {name!r}") from None
    return name


# Raw rows of the current and previous day feed sessions still open and hours not yet sealed.
MIN_KEEP_RAW_DAYS, MAX_KEEP_RAW_DAYS = 2, 36_500


def validate_keep_raw_days(value: Any) -> int | None:
    """Days of raw events to keep: a whole number 2..36500, or None / 0 for forever."""
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SiteError("keep_raw_days must be a whole number of days (or null)")
    if not MIN_KEEP_RAW_DAYS <= value <= MAX_KEEP_RAW_DAYS:
        raise SiteError(
            f"keep_raw_days must be {MIN_KEEP_RAW_DAYS}..{MAX_KEEP_RAW_DAYS} (0 or null: forever)"
        )
    return value


RULE_FIELDS = ("allowed_hostnames", "excluded_ips", "excluded_paths")


def normalise_umami_id(value: str) -> str | None:
    """A UUID in canonical lower-case form; "" clears it."""
    if not value.strip():
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise SiteError(f"not an Umami website id (a UUID): {value!r}") from None


# Ingest rules: each column's entries validated and de-duplicated when stored, matched per
# event by app/ingest/rules.py.
def _hostname(value: str) -> str:
    host = value.strip().lower().rstrip(".")
    bare = host.removeprefix("*.")
    if not bare or any(c in bare for c in "/:@ *") or "." not in bare and bare != "localhost":
        raise SiteError(f"not a hostname (use example.com or *.example.com): {value!r}")
    return host


def _network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise SiteError(f"not an IP address or CIDR range: {value!r}") from None


def _path(value: str) -> str:
    path = value.strip()
    if not path.startswith("/") or "," in path:
        raise SiteError(f"a path pattern starts with / (e.g. /admin/*): {value!r}")
    return path


NORMALISERS = {
    "allowed_hostnames": _hostname,
    "excluded_ips": _network,
    "excluded_paths": _path,
}


def normalise_rule_list(name: str, values: Sequence[str]) -> list[str]:
    """Validated, de-duplicated entries of one rule column (raises SiteError)."""
    clean = NORMALISERS[name]
    return list(dict.fromkeys(clean(v) for v in values if v.strip()))


def normalise_rules(**rules: Sequence[str] | None) -> dict[str, str]:
    """Validated, comma-joined rule columns for the given (not None) rule lists."""
    return {
        name: ",".join(
            normalise_rule_list(name, values.split(",") if isinstance(values, str) else values)
        )
        for name, values in rules.items()
        if values is not None
    }
