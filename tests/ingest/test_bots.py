"""bot_reason(): crawlers, automation and HTTP libraries -> "bot"; real browsers -> None."""

from __future__ import annotations

import re

import pytest
from crawlerdetect import CrawlerDetect
from crawlerdetect.providers.crawlers import data as CRAWLER_PATTERNS
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ingest.bots import bot_reason, matches_crawler_list
from tests.ingest.test_useragent import HUMAN_UAS, Case

# st.text() leaves out lone surrogates; Python strings can hold them, Rust cannot take them.
_SURROGATES = st.text(st.characters(categories=["Cs", "L", "N", "P", "Zs"]))

_CHROME = "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.216"
_NEXUS = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P)"

BOTS = {
    "googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "googlebot-desktop": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
    "Googlebot/2.1; +http://www.google.com/bot.html) Chrome/120.0.6099.216 Safari/537.36",
    "googlebot-smartphone": f"{_NEXUS} {_CHROME} Mobile Safari/537.36 (compatible; "
    "Googlebot/2.1; +http://www.google.com/bot.html)",
    "google-inspection": f"{_NEXUS} {_CHROME} Mobile Safari/537.36 (compatible; "
    "Google-InspectionTool/1.0;)",
    "bingbot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
    "baiduspider": "Mozilla/5.0 (compatible; Baiduspider/2.0; "
    "+http://www.baidu.com/search/spider.html)",
    "baiduspider-render": "Mozilla/5.0 (iPhone; CPU iPhone OS 9_1 like Mac OS X) "
    "AppleWebKit/601.1.46 (KHTML, like Gecko) Version/9.0 Mobile/13B143 Safari/601.1 "
    "(compatible; Baiduspider-render/2.0; +http://www.baidu.com/search/spider.html)",
    "yandexbot": "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "sogou": "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
    "360spider": "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/50.0.2661.102 Safari/537.36; 360Spider",
    "bytespider": "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "petalbot": "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
    "applebot": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
    "duckduckbot": "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "gptbot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
    "+https://openai.com/gptbot)",
    "chatgpt-user": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; "
    "ChatGPT-User/1.0; +https://openai.com/bot",
    "claudebot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
    "+claudebot@anthropic.com)",
    "perplexitybot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
    "PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
    "ahrefsbot": "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "semrushbot": "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "facebookexternalhit": "facebookexternalhit/1.1 "
    "(+http://www.facebook.com/externalhit_uatext.php)",
    "twitterbot": "Twitterbot/1.0",
    "slackbot": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "uptimerobot": "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "headlesschrome": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.6099.28 Safari/537.36",
    "phantomjs": "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) "
    "PhantomJS/2.1.1 Safari/538.1",
    "puppeteer": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36 Puppeteer",
    "playwright": "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0 "
    "Playwright/1.40",
    "chrome-lighthouse": "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36"
    " (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
    "pagespeed-lighthouse": f"{_NEXUS} {_CHROME} Mobile Safari/537.36 (compatible; Google Page "
    "Speed Insights) Lighthouse",
    "curl": "curl/8.5.0",
    "wget": "Wget/1.21.4",
    "python-requests": "python-requests/2.31.0",
    "python-urllib": "Python-urllib/3.11",
    "httpx": "python-httpx/0.28.1",
    "go-http-client": "Go-http-client/1.1",
    "okhttp": "okhttp/4.12.0",
    "axios": "axios/1.6.2",
    "node-fetch": "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "scrapy": "Scrapy/2.11.0 (+https://scrapy.org)",
    "apache-httpclient": "Apache-HttpClient/4.5.14 (Java/17.0.9)",
    "generic-bot": "Mozilla/5.0 (compatible; MyCustomBot/1.0; +https://example.com/bot)",
    "generic-crawler": "Mozilla/5.0 (compatible; SuperCrawler 3.1; +https://example.com)",
    "empty": "",
    "whitespace": "   ",
    "short": "Mozilla/5.0",
    "dash": "-",
}


@pytest.mark.parametrize("ua", BOTS.values(), ids=BOTS.keys())
def test_bots_are_dropped(ua: str) -> None:
    assert bot_reason(ua) == "bot"


@pytest.mark.parametrize("case", HUMAN_UAS, ids=lambda c: c.id)
def test_browsers_pass(case: Case) -> None:
    assert bot_reason(case.ua) is None
    assert bot_reason(case.ua, {"Accept": "*/*", "Sec-Fetch-Mode": "cors"}) is None


def test_phone_brand_with_bot_in_its_name_is_human() -> None:
    # "Cubot" matches crawlerdetect's generic ".*bot" but is on its exclusion list.
    cubot = (
        "Mozilla/5.0 (Linux; Android 12; CUBOT P80) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36"
    )
    assert bot_reason(cubot) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Purpose": "prefetch"},
        {"sec-purpose": "prefetch;prerender"},
        {"Purpose": "prefetch"},
        {"X-Moz": "prefetch"},
        {"X-Purpose": "preview"},
    ],
)
def test_speculative_requests_are_dropped(headers: dict[str, str]) -> None:
    assert bot_reason(HUMAN_UAS[0].ua, headers) == "bot"


def test_missing_ua_is_a_bot() -> None:
    assert bot_reason(None) == "bot"  # type: ignore[arg-type]


def test_lone_surrogates_do_not_reach_rust() -> None:
    assert bot_reason("Mozilla/5.0 (Windows NT 10.0; Win64; x64) \ud800") == "bot"


# -- agreement with crawlerdetect's own matcher ------------------------------------------------

_LITERAL = re.compile(r"\^?((?:[A-Za-z0-9 _\-:;,!@#%&=~'<>]|\\[/.\-()+ :])+)\$?")


def _samples() -> list[str]:
    """A UA for every crawlerdetect pattern that is plain text (most of the list)."""
    out = []
    for pattern in CRAWLER_PATTERNS:
        if match := _LITERAL.fullmatch(pattern):
            text = re.sub(r"\\(.)", r"\1", match.group(1))
            anchored = pattern.startswith("^") or pattern.endswith("$")
            out.append(text if anchored else f"Mozilla/5.0 (compatible; {text})")
    return out


def test_agrees_with_crawlerdetect_on_its_own_list() -> None:
    samples = _samples()
    assert len(samples) > 1000  # the check covers most of the list, not a handful
    detector = CrawlerDetect()
    disagree = [s for s in samples if matches_crawler_list(s) != detector.is_crawler(s)]
    assert disagree == []


def test_agrees_with_crawlerdetect_on_browsers_and_bots() -> None:
    detector = CrawlerDetect()
    uas = [c.ua for c in HUMAN_UAS] + [ua for ua in BOTS.values() if ua.strip()]
    assert [ua for ua in uas if matches_crawler_list(ua) != detector.is_crawler(ua)] == []


_TOKENS = st.sampled_from(_samples()[:300] + [c.ua for c in HUMAN_UAS])
_ASCII = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80)


@settings(deadline=None, max_examples=200)
@given(st.lists(_TOKENS | _ASCII, min_size=1, max_size=4).map(" ".join))
def test_agrees_with_crawlerdetect_on_mixtures(ua: str) -> None:
    assert matches_crawler_list(ua) == CrawlerDetect().is_crawler(ua)


@settings(deadline=None, max_examples=300)
@given(
    st.text() | _SURROGATES | st.binary().map(lambda b: b.decode("latin-1")),
    st.none() | st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=5),
)
def test_bot_reason_never_raises(ua: str, headers: dict[str, str] | None) -> None:
    assert bot_reason(ua, headers) in {None, "bot"}
