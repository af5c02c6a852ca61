"""Site rules, the ingest step after the site lookup: allowed hostnames, excluded IP ranges
(CIDR) and paths, and the referrer-spam list. Each has its own drop reason.

Rules live on the in-memory `Site` (the ingest path never awaits the database), validated when
stored (`app.sites.model.normalise_rules`); their parsed form is cached per rule tuple, so a
site's networks are parsed once, not per event.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from app.events import (
    DROP_EXCLUDED_IP,
    DROP_EXCLUDED_PATH,
    DROP_HOSTNAME_NOT_ALLOWED,
    DROP_REFERRER_SPAM,
)
from app.ingest.normalise import URL_CACHE_SIZE, Page
from app.sites.model import Site

SPAM_LIST = Path(__file__).resolve().parents[1] / "data" / "referrer_spam.txt"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4096)
def _networks(ranges: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(r, strict=False) for r in ranges)


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """Exact names, and `*.example.com` for example.com's subdomains (not example.com itself)."""
    host = host.lower().rstrip(".")
    for pattern in allowed:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


def ip_excluded(ip: str | None, ranges: tuple[str, ...]) -> bool:
    if not ip or not ranges:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    # An IPv4 client seen through an IPv6 socket (::ffff:a.b.c.d) matches IPv4 ranges too.
    mapped = getattr(address, "ipv4_mapped", None)
    candidates = [address] if mapped is None else [address, mapped]
    return any(
        a in net for net in _networks(ranges) for a in candidates if a.version == net.version
    )


def path_excluded(path: str, patterns: Sequence[str]) -> bool:
    """Shell-style patterns: `/admin/*`, `/preview*`; a pattern without a wildcard is exact."""
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


@dataclass(frozen=True)
class SpamList:
    domains: frozenset[str]

    @classmethod
    def load(cls, path: Path = SPAM_LIST) -> SpamList:
        lines = path.read_text(encoding="utf-8").splitlines()
        return cls(frozenset(ln.strip().lower() for ln in lines if ln.strip() and ln[0] != "#"))

    def is_spam(self, referrer: str | None) -> bool:
        """The referrer's host or any parent domain is listed (spammers rotate subdomains)."""
        if not referrer:
            return False
        labels = _referrer_labels(referrer)
        return any(".".join(labels[i:]) in self.domains for i in range(len(labels) - 1))


@lru_cache(maxsize=URL_CACHE_SIZE)
def _referrer_labels(referrer: str) -> tuple[str, ...]:
    """The referrer's host without `www.`, split at the dots (cached: referrers repeat)."""
    try:
        host = (urlsplit(referrer.strip()).hostname or "").removeprefix("www.")
    except ValueError:
        return ()
    return tuple(host.split("."))


class SiteRules:
    def __init__(self, spam: SpamList | None = None) -> None:
        self.spam = spam if spam is not None else SpamList.load()

    def check(self, site: Site, page: Page, ip: str | None, referrer: str | None) -> str | None:
        """The drop reason for an event that breaks one of the site's rules, else None."""
        hostname, path = page.hostname, page.pathname
        if site.allowed_hostnames and not host_allowed(hostname, site.allowed_hostnames):
            return DROP_HOSTNAME_NOT_ALLOWED
        if ip_excluded(ip, site.excluded_ips):
            return DROP_EXCLUDED_IP
        if site.excluded_paths and path_excluded(path, site.excluded_paths):
            return DROP_EXCLUDED_PATH
        if self.spam.is_spam(referrer):
            return DROP_REFERRER_SPAM
        return None
