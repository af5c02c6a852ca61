"""Referrer, campaign tags and in-app browser -> (source, channel), per DESIGN "Definitions".

Precedence for the *source*: utm_source (or its `source`/`ref` fallbacks) > ad click id (gclid
means Google) > the referrer > an in-app browser's user agent or fbclid > "Direct".
Precedence for the *channel*: a conclusive utm_medium > an ad click id > what the source is
(search engine, social, AI, email) > "Referral". An untagged internal referrer is Direct.
Referral sources keep their raw domain ("github.com"), so every Referral row reads as a domain.

Cost: the referrer half is cached on (referrer origin, page host). Browsers' default
strict-origin-when-cross-origin policy already cuts cross-site referrers to their origin and
internal ones are cut here, so the hit rate is high and a call costs a few dict lookups.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from app.data import referrer_hosts as tables
from app.data.referrer_hosts import AI, DIRECT, EMAIL, PAID, REFERRAL, SEARCH, SOCIAL
from app.ingest.utm import Utm

CHANNELS = (DIRECT, SEARCH, PAID, SOCIAL, EMAIL, AI, REFERRAL)
# The authority sits at the front of a URL; longer input is cut so cache keys stay small
# (4096 entries x 1 KiB bounds the cache near 5 MB whatever clients send).
_MAX_INPUT = 1024
_MAX_HOST = 253  # RFC 1035 limit on a DNS name


@dataclass(frozen=True, slots=True)
class Acquisition:
    source: str
    channel: str
    referrer_domain: str | None
    internal: bool = False


_DIRECT = Acquisition(DIRECT, DIRECT, None)
_INTERNAL = Acquisition(DIRECT, DIRECT, None, internal=True)
_IN_APP = {name: Acquisition(name, SOCIAL, None) for _, name in tables.IN_APP_AGENTS}
_MISSING = ("", "")
_SUFFIXES, _STEMS, _ALIASES = tables.SUFFIXES, tables.STEMS, tables.ALIASES

_SCHEME_URL = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.\-]*):(?://|\\\\)([^/?#\\]*)")
_BARE_URL = re.compile(r"\s*(?://)?([^/?#\\]*)")
_HOSTNAME = re.compile(r"[\w\-]+(?:\.[\w\-]+)*")
_IPV6 = re.compile(r"\[([0-9a-f:.]+)\]")
_URL_SCHEMES = frozenset({"", "http", "https", "android-app"})


def _split(text: str) -> tuple[str, str | None]:
    """(scheme, normalised host) of a URL or bare host; host None when there is none usable."""
    match = _SCHEME_URL.match(text)
    if match is not None:
        scheme, authority = match[1].lower(), match[2]
    else:
        bare = _BARE_URL.match(text)
        scheme, authority = "", bare[1] if bare is not None else ""
    if scheme not in _URL_SCHEMES:  # chrome://, about:, file:// ... carry no referring site
        return scheme, None
    authority = authority.rpartition("@")[2]
    if authority.startswith("["):
        ipv6 = _IPV6.match(authority.lower())
        return scheme, ipv6[1] if ipv6 else None
    host = authority.partition(":")[0].lower().rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    if len(host) > _MAX_HOST or not _HOSTNAME.fullmatch(host):
        return scheme, None
    return scheme, host


def _registrable(host: str) -> str:
    """example.co.uk for a.b.example.co.uk; IP addresses are their own site."""
    labels = host.split(".")
    if ":" in host or labels[-1].isdigit() or len(labels) < 3:
        return host
    public = 2 if _two_label_suffix(labels) else 1
    return ".".join(labels[-public - 1 :])


def _two_label_suffix(labels: list[str]) -> bool:
    last_two = f"{labels[-2]}.{labels[-1]}"
    return last_two in tables.SHARED_HOSTING or (
        len(labels[-1]) == 2 and labels[-2] in tables.COUNTRY_SLDS
    )


def _lookup_host(host: str) -> tuple[str, str] | None:
    """Longest listed suffix first (mail.qq.com before qq.com), then the stem (google.*)."""
    candidate = host
    while True:
        hit = _SUFFIXES.get(candidate, _MISSING)
        if hit is not _MISSING:
            return hit  # None for a NOT_SOURCES entry: a plain referral
        dot = candidate.find(".")
        if dot < 0:
            break
        candidate = candidate[dot + 1 :]
    labels = host.split(".")
    if len(labels) < 2:
        return None
    public = 2 if len(labels) > 2 and _two_label_suffix(labels) else 1
    return _STEMS.get(".".join(labels[:-public]))


def _lookup_app(package: str) -> tuple[str, str] | None:
    """android-app://com.slack/ or a longer package under it (com.slack.beta)."""
    candidate = package
    while "." in candidate:
        hit = tables.APPS.get(candidate)
        if hit is not None:
            return hit
        candidate = candidate.rpartition(".")[0]
    return None


def _origin(referrer: str) -> str:
    """The referrer up to the first "/" after "//": still holds the whole authority, so it parses
    the same, but same-site referrers (full paths: /blog/1, /blog/2 ...) share one cache entry."""
    end = referrer.find("/", referrer.find("//") + 2)
    return referrer[: end if 0 < end < _MAX_INPUT else _MAX_INPUT]


@lru_cache(maxsize=256)
def _site(page_host: str) -> tuple[str, str] | None:
    """(host, registrable domain) of the tracked site; a server sees few distinct page hosts."""
    host = _split(page_host)[1]
    return None if host is None else (host, _registrable(host))


@lru_cache(maxsize=4096)
def _from_referrer(referrer: str, page_host: str) -> Acquisition:
    scheme, host = _split(referrer)
    # Without a scheme only a dotted name is believable as a host ("not a url" is not).
    if host is None or (not scheme and "." not in host):
        return _DIRECT
    if scheme == "android-app":
        name, channel = _lookup_app(host) or (host, REFERRAL)
        return Acquisition(name, channel, host)
    site = _site(page_host)
    if site is not None and (host == site[0] or _registrable(host) == site[1]):
        return _INTERNAL
    name, channel = _lookup_host(host) or (host, REFERRAL)
    return Acquisition(name, channel, host)


@lru_cache(maxsize=1024)
def _resolve_source(value: str) -> tuple[str, str | None]:
    """A utm_source value -> (display name, the channel it implies or None); unknown kept as is."""
    key = value.lower()
    known = _ALIASES.get(key)
    if known is not None:
        return known
    if tables.MEDIUMS.get(key) == EMAIL:  # utm_source=newsletter names a mailing (GA4 agrees)
        return value, EMAIL
    if "." in value:  # utm_source=news.ycombinator.com, ref=https://www.producthunt.com/
        scheme, host = _split(value[:_MAX_INPUT])
        found = (
            None
            if host is None
            else (_lookup_app(host) if scheme == "android-app" else _lookup_host(host))
        )
        if found is not None:
            return found
    return value, None


def _medium_channel(medium: str | None) -> str | None:
    if not medium:
        return None
    key = medium.strip().lower().replace("-", "_").replace(" ", "_")
    channel = tables.MEDIUMS.get(key)
    if channel is None and (key.startswith("paid") or "cpc" in key):
        return PAID  # paid_video, google_cpc ... as GA4's paid rule reads them
    return channel


def _click_source(query: Mapping[str, str]) -> str | None:
    if query:
        for key, name in tables.CLICK_IDS:
            if query.get(key):
                return name
    return None


def _scan_agent(user_agent: str) -> str | None:
    for needle, name in tables.IN_APP_AGENTS:
        if needle in user_agent:
            return name
    return None


# Nine substring scans cost ~0.5 us; a server sees a few thousand distinct agents a day, so a
# cache pays. Only agents of ordinary length are kept in it, so its memory stays bounded.
_scan_agent_cached = lru_cache(maxsize=2048)(_scan_agent)
_MAX_CACHED_AGENT = 512


def _context_source(user_agent: str, query: Mapping[str, str]) -> str | None:
    """In-app browsers (WeChat, DingTalk...) often send no referrer; their user agent tells."""
    if user_agent:
        scan = _scan_agent_cached if len(user_agent) <= _MAX_CACHED_AGENT else _scan_agent
        app = scan(user_agent)
        if app is not None:
            return app
    # Facebook appends fbclid to every outbound link, ads or not: a Facebook hint, not Paid.
    if query and query.get("fbclid"):
        return "Facebook"
    return None


def classify(
    referrer: str | None,
    page_host: str,
    utm: Utm,
    query: Mapping[str, str],
    user_agent: str = "",
) -> Acquisition:
    """Source and channel of a pageview; pure, cached on the referrer, never raises on text."""
    ref = _DIRECT
    if referrer:
        ref = _from_referrer(_origin(referrer), (page_host or "")[:_MAX_INPUT])
    click = _click_source(query)
    if click is None and not utm.tagged:
        if ref is not _DIRECT:
            return ref
        context = _context_source(user_agent, query)
        if context is None:
            return _DIRECT
        return _IN_APP.get(context) or Acquisition(context, SOCIAL, None)
    return _tagged(ref, utm, click, user_agent, query)


def _tagged(
    ref: Acquisition,
    utm: Utm,
    click: str | None,
    user_agent: str,
    query: Mapping[str, str],
) -> Acquisition:
    implied: str | None
    if utm.source:
        source, implied = _resolve_source(utm.source)
    elif click is not None:
        source, implied = click, PAID
    elif ref.referrer_domain is not None:
        source, implied = ref.source, ref.channel
    else:
        context = _context_source(user_agent, query)
        source, implied = (context, SOCIAL) if context else (DIRECT, DIRECT)
    channel = _medium_channel(utm.medium) or (PAID if click else None) or implied or REFERRAL
    return Acquisition(source, channel, ref.referrer_domain, ref.internal)
