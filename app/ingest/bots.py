"""Is a request from a bot? `bot_reason` returns None for a human browser, else "bot".

Signals, cheapest first:
- an empty or very short UA (no browser sends fewer than ~40 characters);
- automation and HTTP-library tokens named here (HeadlessChrome, PhantomJS, Puppeteer, Playwright,
  Lighthouse, curl, python-requests, Go-http-client, ...), so they hold whatever the list does;
- crawlerdetect's maintained list (~1,500 patterns, including the generic bot/crawl/spider one);
- a `Purpose`/`Sec-Purpose: prefetch` (or preview) header, when headers are given.

Why crawlerdetect's patterns are not run through `CrawlerDetect.is_crawler`: it matches them as
one case-insensitive Python `re` alternation, which measured 1-2 ms for a desktop Chrome UA and
3-6 ms for a long WeChat one (not the ~80 µs first assumed): a stream of unique UAs, which
WeChat's per-user tokens produce, would cap ingest at a few hundred events/s. The same patterns,
lower-cased, go into ua-parser-rs's Rust regex set (already installed for useragent.py): ~5 µs.
crawlerdetect's exclusions (browser tokens it deletes first, which is what keeps "Cubot" phones
human) stay Python `re`; a whole uncached check costs 15-25 µs, ~40 µs for WeChat's UA.
tests/ingest/test_bots.py checks the result agrees with `CrawlerDetect.is_crawler`.

Headless browsers that send a stock UA (Playwright's Firefox, Chrome's new headless mode when
told to) cannot be told apart here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from crawlerdetect.providers.crawlers import data as CRAWLER_PATTERNS
from crawlerdetect.providers.exclusions import data as EXCLUSION_PATTERNS

from app.events import DROP_BOT

try:
    from ua_parser_rs import UserAgentExtractor
except ImportError:  # pragma: no cover - a pinned dependency; pure Python still works, slowly
    UserAgentExtractor = None  # type: ignore[assignment,misc]

MAX_UA_LENGTH = 1024  # same cap as useragent.py: bounds regex work and cache memory
MIN_UA_LENGTH = 20

_AUTOMATION = re.compile(
    r"headlesschrome|phantomjs|puppeteer|playwright|selenium|webdriver|cypress/|jsdom"
    r"|lighthouse|python-requests|python-urllib|python-httpx|aiohttp|curl/|wget/"
    r"|go-http-client|okhttp|axios/|node-fetch|undici"
)
_PURPOSE_HEADERS = frozenset({"purpose", "sec-purpose", "x-purpose", "x-moz"})
# Rust's regex engine has no look-around or back-references; the rare pattern using them
# (one today: "Yandex(?!Search)") stays in Python.
_PYTHON_ONLY = re.compile(r"\(\?<?[=!]|\\[1-9]")
_ESCAPE_OR_TEXT = re.compile(r"\\.|[^\\]+", re.DOTALL)


def bot_reason(user_agent: str, headers: Mapping[str, str] | None = None) -> str | None:
    """Never raises. Only the UA part is cached: headers differ on every request."""
    if not isinstance(user_agent, str) or (headers and _is_prefetch(headers)):
        return DROP_BOT
    return _ua_reason(user_agent[:MAX_UA_LENGTH])


@functools.lru_cache(maxsize=10_000)
def _ua_reason(user_agent: str) -> str | None:
    ua = user_agent.strip()
    if len(ua) < MIN_UA_LENGTH:
        return DROP_BOT
    lowered = ua.lower()
    try:
        if _AUTOMATION.search(lowered) or _crawler_list().matches(lowered):
            return DROP_BOT
    except UnicodeError:  # lone surrogates cannot cross into Rust, and no browser sends them
        return DROP_BOT
    return None


def _is_prefetch(headers: Mapping[str, str]) -> bool:
    # Iterating beats guessing key case: a plain dict is case-sensitive, Werkzeug's Headers not.
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() in _PURPOSE_HEADERS and isinstance(value, str):
            purpose = value.lower()
            if "prefetch" in purpose or "preview" in purpose:
                return True
    return False


def matches_crawler_list(user_agent: str) -> bool:
    """crawlerdetect's verdict alone, for the equivalence test: CrawlerDetect.is_crawler(ua)."""
    return _crawler_list().matches(user_agent.strip().lower())


class _CrawlerList:
    """crawlerdetect's patterns and exclusions, compiled for lower-cased input."""

    def __init__(self, patterns: Sequence[str], exclusions: Sequence[str]) -> None:
        self.exclusions = re.compile("|".join(_lower(p) for p in exclusions))
        lowered = [_lower(p) for p in patterns]
        rust_side = [p for p in lowered if not _PYTHON_ONLY.search(p)]
        self.rust, leftovers = _build_rust(rust_side)
        python_side = [p for p in lowered if _PYTHON_ONLY.search(p)] + leftovers
        self.python = re.compile("|".join(python_side)) if python_side else None

    def matches(self, lowered: str) -> bool:
        agent = self.exclusions.sub("", lowered)
        if not agent:  # nothing but browser tokens: crawlerdetect calls that human
            return False
        if self.rust is not None and self.rust.extract(agent) is not None:
            return True
        return self.python is not None and self.python.search(agent) is not None


def _lower(pattern: str) -> str:
    """Lower-case a pattern's text but not its escapes: \\D or \\S must keep their meaning."""
    return _ESCAPE_OR_TEXT.sub(
        lambda m: m.group(0) if m.group(0).startswith("\\") else m.group(0).lower(), pattern
    )


def _build_rust(patterns: list[str]) -> tuple[UserAgentExtractor | None, list[str]]:
    """A Rust extractor for the patterns it accepts, and the ones it refuses."""
    if UserAgentExtractor is None:
        return None, patterns
    try:
        return UserAgentExtractor((p, DROP_BOT, None, None, None, None) for p in patterns), []
    except Exception:  # a list update brought syntax Rust refuses: sort pattern by pattern
        accepted, refused = [], []
        for p in patterns:
            try:
                UserAgentExtractor([(p, DROP_BOT, None, None, None, None)])
                accepted.append(p)
            except Exception:
                refused.append(p)
        rust = UserAgentExtractor((p, DROP_BOT, None, None, None, None) for p in accepted)
        return rust, refused


@functools.cache
def _crawler_list() -> _CrawlerList:
    # Built on first use (~0.1 s), not at import, so importing the app stays quick.
    return _CrawlerList(CRAWLER_PATTERNS, EXCLUSION_PATTERNS)
