"""What `pulse demo` draws from: user agents, networks per country, sources, the site's pages.

Weights are rough shares of a small developer-tool site's traffic (search ~45%, direct ~20%,
social and messengers ~15%, the rest email, AI, paid and referrals); the exact numbers only
need to make the dashboard look like a real site's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class Visit:
    vid: str  # the script's anonymous id (identity mode "local")
    ua: str
    ip: str
    device: str
    domain: str


# (device, weight, user agent)
USER_AGENTS = (
    (
        "desktop",
        30,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
    ),
    (
        "desktop",
        12,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
    ),
    ("desktop", 8, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
    (
        "desktop",
        6,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    ),
    (
        "mobile",
        22,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    ),
    (
        "mobile",
        16,
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
    ),
    (
        "tablet",
        6,
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.6 Mobile/15E148 Safari/604.1",
    ),
)
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2055A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160117 MMWEBSDK/20240404 MicroMessenger/8.0.49"
)
DINGTALK_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.5.10) DingTalk/7.5.10"
)

# country -> (weight, a /24 the bundled geo database places there; checked in tests)
COUNTRY_IPS = {
    "US": (30, "8.8.8"),
    "CN": (18, "202.96.134"),
    "DE": (10, "88.198.1"),
    "GB": (8, "81.2.69"),
    "IN": (8, "49.207.1"),
    "JP": (6, "210.140.92"),
    "FR": (5, "62.210.16"),
    "BR": (5, "177.71.128"),
    "AU": (4, "58.160.1"),
    "SG": (3, "103.4.96"),
    "NG": (3, "41.203.64"),
}

# Visits starting in each local hour 00..23: a night trough, a working-day plateau, an evening
# bump after 20:00.
HOURLY_WEIGHTS = (2, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 10, 9, 8, 7, 7, 8, 7, 5, 3)

PAGES = ("/", "/pricing", "/features", "/docs/", "/docs/install", "/docs/api", "/blog/")
BLOG = ("/blog/self-hosting-analytics", "/blog/privacy-without-cookies", "/blog/sqlite-at-scale")
# Where a visitor goes next from each page; loops (back to "/" or the same docs page) on purpose.
NEXT_PAGES: dict[str, tuple[str, ...]] = {
    "/": ("/pricing", "/features", "/docs/", "/blog/", "/pricing"),
    "/pricing": ("/signup", "/signup", "/features", "/", "/docs/"),
    "/features": ("/pricing", "/docs/", "/"),
    "/docs/": ("/docs/install", "/docs/api", "/download", "/"),
    "/docs/install": ("/download", "/docs/api", "/docs/"),
    "/docs/api": ("/docs/", "/docs/install", "/pricing"),
    "/blog/": BLOG,
    "/signup": ("/docs/install", "/"),
    "/download": ("/docs/install", "/"),
    **{post: ("/", "/blog/", "/pricing", "/features") for post in BLOG},
}
LANDINGS = (*PAGES, *BLOG)
CAMPAIGNS = ("spring-launch", "release-2-0", "weekly-digest")


def pick_ua(rng: random.Random) -> tuple[str, str]:
    device, _, ua = rng.choices(USER_AGENTS, weights=[u[1] for u in USER_AGENTS])[0]
    return device, ua


def _search(host: str) -> tuple[str | None, str]:
    return f"https://{host}/", ""


def _newsletter(rng: random.Random) -> tuple[str | None, str]:
    return None, f"?utm_source=newsletter&utm_medium=email&utm_campaign={rng.choice(CAMPAIGNS)}"


# (weight, name): see pick_source for what each sends.
SOURCES = (
    (26, "google"),
    (6, "bing"),
    (7, "baidu"),
    (18, "direct"),
    (5, "wechat"),
    (3, "dingtalk"),
    (4, "x"),
    (3, "linkedin"),
    (4, "github"),
    (4, "chatgpt"),
    (6, "newsletter"),
    (4, "paid"),
)
REFERRERS = {
    "google": "www.google.com",
    "bing": "www.bing.com",
    "baidu": "www.baidu.com",
    "x": "t.co",
    "linkedin": "www.linkedin.com",
    "github": "github.com",
    "chatgpt": "chatgpt.com",
}


def pick_source(rng: random.Random, ua: str) -> tuple[str | None, str, str, str]:
    """(referrer, landing query string, landing page, user agent) of one visit."""
    name = rng.choices(SOURCES, weights=[s[0] for s in SOURCES])[0][1]
    landing = rng.choice(LANDINGS)
    referrer, query = None, ""
    if name in REFERRERS:
        referrer, query = _search(REFERRERS[name])
    elif name == "wechat":
        ua = WECHAT_UA  # WeChat's in-app browser sends no referrer; its user agent tells
    elif name == "dingtalk":
        ua = DINGTALK_UA
    elif name == "newsletter":
        referrer, query = _newsletter(rng)
        landing = rng.choice(BLOG)
    elif name == "paid":
        query, landing = f"?gclid=demo{rng.randrange(10**9)}", "/pricing"
    return referrer, query, landing, ua
