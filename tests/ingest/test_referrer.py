from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.data import referrer_hosts as tables
from app.ingest.referrer import CHANNELS, Acquisition, classify
from app.ingest.utm import Utm, extract_utm

SITE = "example.com"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
WECHAT = IPHONE + " MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
DINGTALK = (
    "Mozilla/5.0 (Linux; Android 13; V2183A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/101.0.4951.61 Mobile Safari/537.36 AliApp(DingTalk/7.5.10) com.alibaba.android.rimet"
)
SEARCH, SOCIAL, AI, EMAIL = "Organic Search", "Social", "AI", "Email"
PAID, REFERRAL, DIRECT = "Paid", "Referral", "Direct"


def case(
    name: str,
    referrer: str | None,
    expected: tuple[str, str, str | None, bool],
    page: str = SITE,
    query: dict[str, str] | None = None,
    ua: str = IPHONE,
) -> Any:
    return pytest.param(referrer, page, query or {}, ua, Acquisition(*expected), id=name)


def ext(source: str, channel: str, domain: str) -> tuple[str, str, str | None, bool]:
    return (source, channel, domain, False)


NOTHING = (DIRECT, DIRECT, None, False)
INTERNAL = (DIRECT, DIRECT, None, True)

CASES = [
    # Direct and unusable referrers
    case("none", None, NOTHING),
    case("empty", "", NOTHING),
    case("garbage", "not a url", NOTHING),
    case("about-blank", "about:blank", NOTHING),
    case("browser-page", "chrome://newtab/", NOTHING),
    case("broken-ipv6", "http://[::1", NOTHING),
    # Search engines
    case("google", "https://www.google.com/", ext("Google", SEARCH, "google.com")),
    case("google-jp", "https://www.google.co.jp/search?q=x", ext("Google", SEARCH, "google.co.jp")),
    case("google-hk", "https://www.google.com.hk/", ext("Google", SEARCH, "google.com.hk")),
    case("google-upper", "HTTPS://WWW.GOOGLE.DE/", ext("Google", SEARCH, "google.de")),
    case(
        "baidu",
        "https://www.baidu.com/link?url=Kx9fZ3&wd=&eqid=9a1b",
        ext("Baidu", SEARCH, "baidu.com"),
    ),
    case(
        "baidu-mobile",
        "https://m.baidu.com/from=844b/s?word=pulse",
        ext("Baidu", SEARCH, "m.baidu.com"),
    ),
    case("duckduckgo", "https://duckduckgo.com/", ext("DuckDuckGo", SEARCH, "duckduckgo.com")),
    case("bing-cn", "https://cn.bing.com/search?q=pulse", ext("Bing", SEARCH, "cn.bing.com")),
    case("bing", "https://www.bing.com/", ext("Bing", SEARCH, "bing.com")),
    case("sogou", "https://www.sogou.com/link?url=hedJjaC291", ext("Sogou", SEARCH, "sogou.com")),
    case("360", "https://www.so.com/link?m=ewmc3", ext("360", SEARCH, "so.com")),
    case("360-mobile", "https://m.so.com/s?q=x", ext("360", SEARCH, "m.so.com")),
    case("yandex", "https://yandex.ru/", ext("Yandex", SEARCH, "yandex.ru")),
    case(
        "yandex-tr", "https://yandex.com.tr/search/?text=x", ext("Yandex", SEARCH, "yandex.com.tr")
    ),
    case("yahoo", "https://search.yahoo.com/search?p=x", ext("Yahoo", SEARCH, "search.yahoo.com")),
    case("ecosia", "https://www.ecosia.org/", ext("Ecosia", SEARCH, "ecosia.org")),
    case(
        "naver",
        "https://m.search.naver.com/search.naver?query=x",
        ext("Naver", SEARCH, "m.search.naver.com"),
    ),
    case(
        "brave",
        "https://search.brave.com/search?q=x",
        ext("Brave Search", SEARCH, "search.brave.com"),
    ),
    # Social networks and messengers
    case("wechat-ua", None, ("WeChat", SOCIAL, None, False), ua=WECHAT),
    case("dingtalk-ua", None, ("DingTalk", SOCIAL, None, False), ua=DINGTALK),
    case(
        "wechat-article",
        "https://mp.weixin.qq.com/s/abc",
        ext("WeChat", SOCIAL, "mp.weixin.qq.com"),
    ),
    case("weibo", "https://weibo.com/u/123456", ext("Weibo", SOCIAL, "weibo.com")),
    case("weibo-short", "https://t.cn/A6abcd", ext("Weibo", SOCIAL, "t.cn")),
    case("qzone", "https://user.qzone.qq.com/10001", ext("QQ", SOCIAL, "user.qzone.qq.com")),
    case("t.co", "https://t.co/abc", ext("X", SOCIAL, "t.co")),
    case("x", "https://x.com/someone/status/1", ext("X", SOCIAL, "x.com")),
    case("twitter", "https://twitter.com/", ext("X", SOCIAL, "twitter.com")),
    case(
        "facebook-l",
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com",
        ext("Facebook", SOCIAL, "l.facebook.com"),
    ),
    case("facebook-lm", "https://lm.facebook.com/", ext("Facebook", SOCIAL, "lm.facebook.com")),
    case("linkedin", "https://www.linkedin.com/", ext("LinkedIn", SOCIAL, "linkedin.com")),
    case("linkedin-short", "https://lnkd.in/abc", ext("LinkedIn", SOCIAL, "lnkd.in")),
    case(
        "reddit-old",
        "https://old.reddit.com/r/selfhosted/",
        ext("Reddit", SOCIAL, "old.reddit.com"),
    ),
    case(
        "hacker-news",
        "https://news.ycombinator.com/item?id=1",
        ext("Hacker News", SOCIAL, "news.ycombinator.com"),
    ),
    case("zhihu", "https://www.zhihu.com/question/1", ext("Zhihu", SOCIAL, "zhihu.com")),
    case(
        "xiaohongshu",
        "https://www.xiaohongshu.com/explore/1",
        ext("Xiaohongshu", SOCIAL, "xiaohongshu.com"),
    ),
    case("bilibili", "https://www.bilibili.com/video/BV1", ext("Bilibili", SOCIAL, "bilibili.com")),
    case("bluesky", "https://bsky.app/profile/x", ext("Bluesky", SOCIAL, "bsky.app")),
    case("tieba", "https://tieba.baidu.com/p/1", ext("Baidu Tieba", SOCIAL, "tieba.baidu.com")),
    # AI assistants
    case("chatgpt", "https://chatgpt.com/", ext("ChatGPT", AI, "chatgpt.com")),
    case("chatgpt-old", "https://chat.openai.com/", ext("ChatGPT", AI, "chat.openai.com")),
    case(
        "perplexity", "https://www.perplexity.ai/search/abc", ext("Perplexity", AI, "perplexity.ai")
    ),
    case("gemini", "https://gemini.google.com/app", ext("Gemini", AI, "gemini.google.com")),
    case("claude", "https://claude.ai/chat/1", ext("Claude", AI, "claude.ai")),
    case("deepseek", "https://chat.deepseek.com/", ext("DeepSeek", AI, "chat.deepseek.com")),
    case("kimi", "https://kimi.moonshot.cn/", ext("Kimi", AI, "kimi.moonshot.cn")),
    case("copilot", "https://copilot.microsoft.com/", ext("Copilot", AI, "copilot.microsoft.com")),
    # Webmail
    case("gmail", "https://mail.google.com/", ext("Gmail", EMAIL, "mail.google.com")),
    case("outlook", "https://outlook.live.com/", ext("Outlook", EMAIL, "outlook.live.com")),
    case(
        "outlook-365",
        "https://outlook.office.com/mail/",
        ext("Outlook", EMAIL, "outlook.office.com"),
    ),
    case("qq-mail", "https://mail.qq.com/", ext("QQ Mail", EMAIL, "mail.qq.com")),
    case("163-mail", "https://mail.163.com/js6/main.jsp", ext("163 Mail", EMAIL, "mail.163.com")),
    case("yahoo-mail", "https://mail.yahoo.com/", ext("Yahoo Mail", EMAIL, "mail.yahoo.com")),
    # Referral: the raw domain is the source
    case("github", "https://github.com/org/repo", ext("github.com", REFERRAL, "github.com")),
    case(
        "google-docs",
        "https://docs.google.com/document/d/1",
        ext("docs.google.com", REFERRAL, "docs.google.com"),
    ),
    case("baidu-pan", "https://pan.baidu.com/s/1", ext("pan.baidu.com", REFERRAL, "pan.baidu.com")),
    case(
        "port",
        "https://News.Example.org:8443/a",
        ext("news.example.org", REFERRAL, "news.example.org"),
    ),
    case(
        "idn-punycode",
        "https://xn--bcher-kva.de/buch",
        ext("xn--bcher-kva.de", REFERRAL, "xn--bcher-kva.de"),
    ),
    case("idn-unicode", "https://Bücher.de/", ext("bücher.de", REFERRAL, "bücher.de")),
    case("ipv6", "http://[2001:db8::1]:8080/", ext("2001:db8::1", REFERRAL, "2001:db8::1")),
    case(
        "userinfo",
        "https://user:pw@blog.example.net/",
        ext("blog.example.net", REFERRAL, "blog.example.net"),
    ),
    case(
        "shared-hosting",
        "https://alice.github.io/post",
        ext("alice.github.io", REFERRAL, "alice.github.io"),
        page="bob.github.io",
    ),
    case(
        "same-public-suffix",
        "https://other.co.uk/",
        ext("other.co.uk", REFERRAL, "other.co.uk"),
        page="shop.example.co.uk",
    ),
    # Android apps (Custom Tabs)
    case(
        "app-gmail",
        "android-app://com.google.android.gm",
        ext("Gmail", EMAIL, "com.google.android.gm"),
    ),
    case(
        "app-google",
        "android-app://com.google.android.googlequicksearchbox/",
        ext("Google", SEARCH, "com.google.android.googlequicksearchbox"),
    ),
    case(
        "app-telegram",
        "android-app://org.telegram.messenger",
        ext("Telegram", SOCIAL, "org.telegram.messenger"),
    ),
    case("app-slack", "android-app://com.slack/", ext("Slack", SOCIAL, "com.slack")),
    case(
        "app-unknown",
        "android-app://com.example.reader",
        ext("com.example.reader", REFERRAL, "com.example.reader"),
    ),
    # Internal traffic
    case("internal", "https://example.com/pricing", INTERNAL),
    case("internal-www", "https://www.example.com/", INTERNAL),
    case("internal-www-page", "https://example.com/", INTERNAL, page="www.example.com"),
    case("internal-subdomain", "https://blog.example.com/post", INTERNAL),
    case("internal-co-uk", "https://www.example.co.uk/", INTERNAL, page="shop.example.co.uk"),
    case("internal-localhost", "http://localhost:8000/a", INTERNAL, page="localhost"),
    case("internal-in-wechat", "https://example.com/a", INTERNAL, ua=WECHAT),
    case(
        "referrer-beats-ua",
        "https://www.google.com/",
        ext("Google", SEARCH, "google.com"),
        ua=WECHAT,
    ),
    # Campaign tags and ad click ids
    case(
        "utm-over-google",
        "https://www.google.com/",
        ext("Product Hunt", SOCIAL, "google.com"),
        query={"utm_source": "producthunt"},
    ),
    case(
        "utm-unknown-source",
        "https://www.google.com/",
        ext("acme_partner", REFERRAL, "google.com"),
        query={"utm_source": "acme_partner"},
    ),
    case(
        "utm-cpc",
        "https://www.google.com/",
        ext("Google", PAID, "google.com"),
        query={"utm_source": "google", "utm_medium": "cpc"},
    ),
    case(
        "utm-cpc-no-source",
        "https://www.bing.com/",
        ext("Bing", PAID, "bing.com"),
        query={"utm_medium": "CPC"},
    ),
    case(
        "gclid",
        "https://www.google.com/",
        ext("Google", PAID, "google.com"),
        query={"gclid": "Cj0KCQ"},
    ),
    case("gclid-no-referrer", None, ("Google", PAID, None, False), query={"gclid": "Cj0KCQ"}),
    case("msclkid", None, ("Bing", PAID, None, False), query={"msclkid": "a1b2"}),
    case("bd-vid", None, ("Baidu", PAID, None, False), query={"bd_vid": "123"}),
    case(
        "utm-email",
        None,
        ("newsletter", EMAIL, None, False),
        query={"utm_source": "newsletter", "utm_medium": "email"},
    ),
    case("utm-email-no-source", None, (DIRECT, EMAIL, None, False), query={"utm_medium": "e-mail"}),
    case(
        "utm-newsletter-source",
        None,
        ("newsletter", EMAIL, None, False),
        query={"utm_source": "newsletter"},
    ),
    case("utm-wechat", None, ("WeChat", SOCIAL, None, False), query={"utm_source": "weixin"}),
    case("utm-dingtalk", None, ("DingTalk", SOCIAL, None, False), query={"utm_source": "DingTalk"}),
    case(
        "utm-paid-social",
        None,
        ("Facebook", PAID, None, False),
        query={"utm_source": "fb", "utm_medium": "paid_social"},
    ),
    case(
        "utm-host-source",
        None,
        ("Hacker News", SOCIAL, None, False),
        query={"utm_source": "news.ycombinator.com"},
    ),
    case("ref-param", None, ("Product Hunt", SOCIAL, None, False), query={"ref": "producthunt"}),
    case("fbclid-alone", None, ("Facebook", SOCIAL, None, False), query={"fbclid": "IwAR0"}),
    case(
        "fbclid-with-referrer",
        "https://m.facebook.com/",
        ext("Facebook", SOCIAL, "m.facebook.com"),
        query={"fbclid": "IwAR0"},
    ),
    case(
        "utm-on-internal-link",
        "https://example.com/",
        ("X", SOCIAL, None, True),
        query={"utm_source": "twitter"},
    ),
    case("campaign-only", None, NOTHING, query={"utm_campaign": "spring"}),
]


@pytest.mark.parametrize(("referrer", "page", "query", "ua", "expected"), CASES)
def test_classify(
    referrer: str | None, page: str, query: dict[str, str], ua: str, expected: Acquisition
) -> None:
    assert classify(referrer, page, extract_utm(query), query, ua) == expected


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 45


def test_every_listed_host_maps_to_a_known_channel() -> None:
    assert set(tables.HOSTS) <= set(CHANNELS)
    assert {channel for _, channel in tables.APPS.values()} <= set(CHANNELS)
    assert set(tables.MEDIUMS.values()) <= set(CHANNELS)


def test_huge_referrer_is_cut_not_choked_on() -> None:
    referrer = "https://www.google.com/" + "a" * 1_000_000
    assert classify(referrer, SITE, Utm(), {}).source == "Google"


def test_same_input_gives_the_same_answer_from_the_cache() -> None:
    first = classify("https://github.com/a", SITE, Utm(), {})
    assert classify("https://github.com/a", SITE, Utm(), {}) == first


URL_LIKE = st.builds(
    "{}://{}{}".format,
    st.sampled_from(["http", "https", "android-app", "HTTP", "ftp", ""]),
    st.text(max_size=40),
    st.text(max_size=20),
)
OPTIONAL_TEXT = st.none() | st.text(max_size=300)


@given(
    referrer=st.none() | st.text() | URL_LIKE,
    page=st.text(max_size=60) | URL_LIKE,
    utm=st.builds(Utm, OPTIONAL_TEXT, OPTIONAL_TEXT, OPTIONAL_TEXT, OPTIONAL_TEXT, OPTIONAL_TEXT),
    query=st.dictionaries(
        st.sampled_from(["gclid", "fbclid", "msclkid", "x"]) | st.text(), st.text()
    ),
    ua=st.text() | st.just(WECHAT),
)
def test_classify_never_raises(
    referrer: str | None, page: str, utm: Utm, query: dict[str, str], ua: str
) -> None:
    result = classify(referrer, page, utm, query, ua)
    assert result.channel in CHANNELS
    assert result.source
    assert result.referrer_domain is None or len(result.referrer_domain) <= 253
    assert not (result.internal and result.referrer_domain is not None)
