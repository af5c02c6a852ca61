"""Who sends visitors: referrer hosts, Android apps and UTM spellings, by display name and channel.

Host notation (used by `app.ingest.referrer`):
- `"baidu.com"` matches the host and every subdomain (m.baidu.com, www.baidu.com); the longest
  listed suffix wins, so `mail.qq.com` (Email) beats `qq.com` (Social).
- `"google.*"` matches the stem before any public suffix (google.de, google.co.uk, google.com.hk)
  but no other subdomain, so docs.google.com stays a plain referral and never counts as search.
Sites that are only "Referral" are not listed: their source is their domain.
"""

from __future__ import annotations

SEARCH = "Organic Search"
SOCIAL = "Social"
EMAIL = "Email"
AI = "AI"
PAID = "Paid"
REFERRAL = "Referral"
DIRECT = "Direct"

HOSTS: dict[str, dict[str, tuple[str, ...]]] = {
    SEARCH: {
        "Google": ("google.*", "images.google.*", "news.google.*", "scholar.google.*"),
        "Bing": ("bing.com",),
        "Baidu": ("baidu.com",),
        "DuckDuckGo": ("duckduckgo.com", "duck.com"),
        "Yandex": ("yandex.*", "ya.ru"),
        "Sogou": ("sogou.com",),
        "360": ("so.com",),
        "Shenma": ("sm.cn",),
        "Yahoo": ("yahoo.*", "search.yahoo.com", "search.yahoo.co.jp", "search.yahoo.*"),
        "Ecosia": ("ecosia.org",),
        "Naver": ("naver.*", "search.naver.com"),
        "Brave Search": ("search.brave.com",),
        "Startpage": ("startpage.com",),
        "Qwant": ("qwant.com",),
        "Seznam": ("seznam.*", "search.seznam.cz"),
        "Kagi": ("kagi.com",),
        "Ask": ("ask.com",),
        "AOL": ("search.aol.com",),
        "Mojeek": ("mojeek.com",),
        "Petal Search": ("petalsearch.com",),
        "Coc Coc": ("coccoc.com",),
        "Daum": ("search.daum.net",),
    },
    SOCIAL: {
        "WeChat": ("weixin.qq.com", "wx.qq.com", "servicewechat.com"),
        "WeCom": ("work.weixin.qq.com",),
        "DingTalk": ("dingtalk.com",),
        "Feishu": ("feishu.cn", "larksuite.com"),
        "QQ": ("qq.com",),
        "Weibo": ("weibo.com", "weibo.cn", "t.cn"),
        "X": ("twitter.com", "x.com", "t.co"),
        "Facebook": ("facebook.com", "fb.me", "fb.com", "fb.watch", "messenger.com"),
        "Instagram": ("instagram.com",),
        "LinkedIn": ("linkedin.com", "lnkd.in"),
        "Reddit": ("reddit.com", "redd.it"),
        "YouTube": ("youtube.com", "youtu.be"),
        "TikTok": ("tiktok.com",),
        "Douyin": ("douyin.com",),
        "Kuaishou": ("kuaishou.com",),
        "Pinterest": ("pinterest.*", "pinterest.com", "pin.it"),
        "Hacker News": ("news.ycombinator.com",),
        "Lobsters": ("lobste.rs",),
        "Product Hunt": ("producthunt.com",),
        "Zhihu": ("zhihu.com",),
        "Douban": ("douban.com",),
        "Xiaohongshu": ("xiaohongshu.com", "xhslink.com"),
        "Bilibili": ("bilibili.com", "b23.tv"),
        "Baidu Tieba": ("tieba.baidu.com",),
        "V2EX": ("v2ex.com",),
        "Telegram": ("t.me", "telegram.org", "telegram.me"),
        "WhatsApp": ("whatsapp.com", "wa.me"),
        "LINE": ("line.me",),
        "Threads": ("threads.net", "threads.com"),
        "Bluesky": ("bsky.app",),
        "Mastodon": ("mastodon.social",),
        "Discord": ("discord.com", "discordapp.com", "discord.gg"),
        "Slack": ("slack.com",),
        "Microsoft Teams": ("teams.microsoft.com", "teams.live.com"),
        "VK": ("vk.com", "vk.ru"),
        "Tumblr": ("tumblr.com",),
        "Quora": ("quora.com",),
        "Snapchat": ("snapchat.com",),
        "Twitch": ("twitch.tv",),
    },
    AI: {
        "ChatGPT": ("chatgpt.com", "chat.openai.com"),
        "Perplexity": ("perplexity.ai",),
        "Claude": ("claude.ai",),
        "Gemini": ("gemini.google.com", "bard.google.com"),
        "Copilot": ("copilot.microsoft.com", "copilot.cloud.microsoft"),
        "DeepSeek": ("deepseek.com",),
        "Kimi": ("kimi.moonshot.cn", "kimi.com", "kimi.ai"),
        "Doubao": ("doubao.com",),
        "You.com": ("you.com",),
        "Phind": ("phind.com",),
        "Poe": ("poe.com",),
        "Mistral": ("chat.mistral.ai",),
        "Grok": ("grok.com",),
        "Meta AI": ("meta.ai",),
        "Qwen": ("chat.qwen.ai", "tongyi.aliyun.com", "qianwen.aliyun.com"),
        "Yuanbao": ("yuanbao.tencent.com",),
        "ERNIE Bot": ("yiyan.baidu.com",),
        "ChatGLM": ("chatglm.cn",),
        "Metaso": ("metaso.cn",),
    },
    EMAIL: {
        "Gmail": ("mail.google.com", "inbox.google.com"),
        "Outlook": (
            "outlook.live.com",
            "outlook.office.com",
            "outlook.office365.com",
            "outlook.cloud.microsoft",
        ),
        "Yahoo Mail": ("mail.yahoo.com", "mail.yahoo.*"),
        "QQ Mail": ("mail.qq.com",),
        "Tencent Exmail": ("exmail.qq.com",),
        "163 Mail": ("mail.163.com",),
        "126 Mail": ("mail.126.com",),
        "Sina Mail": ("mail.sina.com.cn",),
        "Sohu Mail": ("mail.sohu.com",),
        "Aliyun Mail": ("mail.aliyun.com", "qiye.aliyun.com"),
        "AOL Mail": ("mail.aol.com",),
        "Proton Mail": ("mail.proton.me",),
        "Yandex Mail": ("mail.yandex.*",),
        "Mail.ru": ("e.mail.ru",),
        "Zoho Mail": ("mail.zoho.*",),
        "Naver Mail": ("mail.naver.com",),
        "Seznam Email": ("email.seznam.cz",),
        "Fastmail": ("fastmail.com",),
        "Tuta": ("app.tuta.com", "mail.tutanota.com"),
    },
}

# Subdomains of a listed host that are not that source (a drive, a wiki, a blog platform):
# they fall through to "Referral" with their own domain.
NOT_SOURCES = frozenset(
    {
        "pan.baidu.com",
        "baike.baidu.com",
        "wenku.baidu.com",
        "zhidao.baidu.com",
        "developers.facebook.com",
        "engineering.fb.com",
        "business.facebook.com",
    }
)

# Hosting platforms whose subdomains are different sites (a short, hand-kept slice of the Public
# Suffix List's private section): a.github.io linking to b.github.io is not internal traffic.
SHARED_HOSTING = frozenset(
    {
        "github.io",
        "gitlab.io",
        "netlify.app",
        "vercel.app",
        "pages.dev",
        "workers.dev",
        "herokuapp.com",
        "blogspot.com",
        "wordpress.com",
        "appspot.com",
        "web.app",
        "firebaseapp.com",
        "azurewebsites.net",
        "cloudfront.net",
        "fly.dev",
        "onrender.com",
        "substack.com",
        "ngrok.io",
        "ngrok-free.app",
        "glitch.me",
        "surge.sh",
        "neocities.org",
    }
)

# Second-level labels under a two-letter country TLD that are themselves public suffixes
# (co.uk, com.hk, ne.jp, gov.cn): good enough without shipping the whole Public Suffix List.
COUNTRY_SLDS = frozenset(
    {
        "co",
        "com",
        "net",
        "org",
        "gov",
        "edu",
        "ac",
        "ne",
        "or",
        "go",
        "gob",
        "mil",
        "ltd",
        "plc",
        "sch",
        "nic",
        "nom",
        "gen",
        "biz",
        "info",
    }
)

# android-app://<package> referrers (Chrome Custom Tabs and Trusted Web Activities).
APPS: dict[str, tuple[str, str]] = {
    "com.google.android.googlequicksearchbox": ("Google", SEARCH),
    "com.google.android.gm": ("Gmail", EMAIL),
    "com.microsoft.office.outlook": ("Outlook", EMAIL),
    "org.telegram.messenger": ("Telegram", SOCIAL),
    "com.slack": ("Slack", SOCIAL),
    "com.tencent.mm": ("WeChat", SOCIAL),
    "com.alibaba.android.rimet": ("DingTalk", SOCIAL),
    "com.tencent.mobileqq": ("QQ", SOCIAL),
    "com.sina.weibo": ("Weibo", SOCIAL),
    "com.twitter.android": ("X", SOCIAL),
    "com.facebook.katana": ("Facebook", SOCIAL),
    "com.facebook.orca": ("Facebook", SOCIAL),
    "com.instagram.android": ("Instagram", SOCIAL),
    "com.linkedin.android": ("LinkedIn", SOCIAL),
    "com.reddit.frontpage": ("Reddit", SOCIAL),
    "com.google.android.youtube": ("YouTube", SOCIAL),
    "com.whatsapp": ("WhatsApp", SOCIAL),
    "com.discord": ("Discord", SOCIAL),
    "com.microsoft.teams": ("Microsoft Teams", SOCIAL),
    "com.zhiliaoapp.musically": ("TikTok", SOCIAL),
    "com.ss.android.ugc.aweme": ("Douyin", SOCIAL),
    "com.xingin.xhs": ("Xiaohongshu", SOCIAL),
    "com.zhihu.android": ("Zhihu", SOCIAL),
    "tv.danmaku.bili": ("Bilibili", SOCIAL),
    "com.openai.chatgpt": ("ChatGPT", AI),
    "ai.perplexity.app.android": ("Perplexity", AI),
    "com.anthropic.claude": ("Claude", AI),
    "com.google.android.apps.bard": ("Gemini", AI),
}

# In-app browsers often send no referrer at all; their user agent still names the app.
# Checked in order: WeCom's agent also contains "MicroMessenger".
IN_APP_AGENTS: tuple[tuple[str, str], ...] = (
    ("wxwork", "WeCom"),
    ("MicroMessenger", "WeChat"),
    ("DingTalk", "DingTalk"),
    ("Weibo", "Weibo"),
    (" QQ/", "QQ"),
    ("Instagram", "Instagram"),
    ("FBAN/", "Facebook"),
    ("FBAV/", "Facebook"),
    (" Line/", "LINE"),
)

# Ad click identifiers on the landing URL, with the network they imply.
CLICK_IDS: tuple[tuple[str, str], ...] = (
    ("gclid", "Google"),
    ("gbraid", "Google"),
    ("wbraid", "Google"),
    ("msclkid", "Bing"),
    ("ttclid", "TikTok"),
    ("li_fat_id", "LinkedIn"),
    ("twclid", "X"),
    ("bd_vid", "Baidu"),
    ("qz_gdt", "Tencent Ads"),
)

# utm_medium (lower-cased, "-" and " " read as "_") that settles the channel on its own.
MEDIUMS: dict[str, str] = {
    **dict.fromkeys(
        (
            "cpc",
            "ppc",
            "paid",
            "paidsearch",
            "paid_search",
            "paid_social",
            "paidsocial",
            "cpm",
            "cpv",
            "cpa",
            "display",
            "banner",
            "retargeting",
            "ads",
            "ad",
        ),
        PAID,
    ),
    **dict.fromkeys(("email", "e_mail", "mail", "newsletter"), EMAIL),
    **dict.fromkeys(("social", "social_media", "social_network", "sm", "organic_social"), SOCIAL),
    **dict.fromkeys(("organic", "organic_search", "seo"), SEARCH),
    **dict.fromkeys(("referral", "referrer", "ref", "link"), REFERRAL),
    **dict.fromkeys(("ai", "llm", "ai_assistant", "chatbot"), AI),
}

# utm_source spellings that are not simply a display name above (matched lower-cased).
SOURCE_ALIASES: dict[str, str] = {
    "weixin": "WeChat",
    "wx": "WeChat",
    "dingding": "DingTalk",
    "twitter": "X",
    "fb": "Facebook",
    "ig": "Instagram",
    "yt": "YouTube",
    "hn": "Hacker News",
    "hackernews": "Hacker News",
    "ycombinator": "Hacker News",
    "producthunt": "Product Hunt",
    "xhs": "Xiaohongshu",
    "rednote": "Xiaohongshu",
    "openai": "ChatGPT",
    "wecom": "WeCom",
    "lark": "Feishu",
    "bluesky": "Bluesky",
    "duckduckgo": "DuckDuckGo",
    "360so": "360",
    "sina": "Weibo",
    "qqmail": "QQ Mail",
    "outlook.com": "Outlook",
    "hotmail": "Outlook",
    "adwords": "Google",
    "google_ads": "Google",
    "googleads": "Google",
    "bing_ads": "Bing",
}


Entry = tuple[str, str]  # (display name, channel)


def _index() -> tuple[dict[str, Entry | None], dict[str, Entry], dict[str, Entry]]:
    """HOSTS as lookup dicts: suffix entries ("baidu.com"; None for NOT_SOURCES), stem entries
    ("google.*" under the key "google") and utm_source spellings (lower-cased names, aliases)."""
    suffixes: dict[str, Entry | None] = dict.fromkeys(NOT_SOURCES)
    stems: dict[str, Entry] = {}
    for channel, by_name in HOSTS.items():
        for name, hosts in by_name.items():
            for host in hosts:
                if host.endswith(".*"):
                    stems[host[:-2]] = (name, channel)
                else:
                    suffixes[host] = (name, channel)
    entries = [*stems.values(), *(e for e in suffixes.values() if e), *APPS.values()]
    aliases = {name.lower(): (name, channel) for name, channel in entries}
    aliases.update({alias: aliases[name.lower()] for alias, name in SOURCE_ALIASES.items()})
    return suffixes, stems, aliases


SUFFIXES, STEMS, ALIASES = _index()
