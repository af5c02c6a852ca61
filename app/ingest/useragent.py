"""User-Agent string -> Client(browser, browser_version, os, os_version, device).

ua-parser's Rust resolver does the matching (~30 µs a new UA; the resolver takes ~0.25 s to
build, paid once on the first call). user-agents-ng's desktop/mobile/tablet heuristics run on its
result: `user_agents.parse()` itself would go through ua-parser's legacy pure-Python API at
~800 µs a UA, so `_Shim` hands it the Rust result instead.

Names are folded so that a dashboard shows one row per product: "Mobile Safari" -> "Safari",
"Chrome Mobile iOS" -> "Chrome", "Mac OS X" -> "macOS", Ubuntu/Fedora/... -> "Linux"; the device
field carries mobile-ness. In-app browsers the regex list misses or misnames (WeChat on Android,
DingTalk, Alipay, QQ, ...) are recognised by their own token first.

Limits a UA string cannot overcome (the tests pin them):
- iPadOS 13+ Safari asks for desktop sites with a UA identical to macOS Safari: it reads as
  macOS/desktop. Telling them apart needs `navigator.maxTouchPoints` on the client.
- Browsers froze the OS version: every macOS since 11 says 10_15_7 (os_version "10"), Windows 11
  says "Windows NT 10.0" (os_version "10"). HarmonyOS 2-4 claims Android 10; its real version is
  not in the UA, so os_version is None. ChromeOS's number is a platform build, also None.
- iPads keep os "iOS" (device "tablet"); there is no separate "iPadOS" value.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ua_parser import BestAvailableResolver, Domain, Parser, Result, load_lazy_builtins
from user_agents.parsers import Browser, Device, OperatingSystem, UserAgent

# Real UAs top out around 500 characters (WeChat/QQ in-app ones); the cap bounds both the
# regex work and the memory a cache of 10,000 attacker-chosen strings can hold.
MAX_UA_LENGTH = 1024

_BROWSER_NAMES = {
    "Chrome Mobile WebView": "Android WebView",
    "Mobile Safari UI/WKWebView": "iOS WebView",
    "WeChat Browser": "WeChat",
    "MiuiBrowser": "MIUI Browser",
    "VivoBrowser": "Vivo Browser",
    "IE": "Internet Explorer",
    "IE Mobile": "Internet Explorer",
}
# Words ua-parser adds for the phone build of a desktop browser ("Chrome Mobile iOS",
# "QQ Browser Mobile", "Mobile Safari"): dropped, the device field says it instead.
_VARIANT_WORDS = frozenset({"Mobile", "iOS"})

# Checked in order before ua-parser's answer: each app embeds a browser engine whose own token
# (Chrome, UWS, MQQBrowser) would otherwise win. Group 1, when it matches, is the version.
_IN_APP = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"wxwork/(\d+)", "WeCom"),  # WeChat Work also carries a MicroMessenger token
        (r"MicroMessenger/(\d+)", "WeChat"),
        (r"DingTalk[/(](\d+)", "DingTalk"),
        (r"AlipayClient/(\d+)", "Alipay"),
        (r" QQ/(\d+)", "QQ"),  # the QQ app, whose webview also says MQQBrowser
        (r"baiduboxapp/(\d+)", "Baidu App"),
        (r"Quark/(\d+)", "Quark"),
        (r"AppName/aweme\b(?:.*?app_version/(\d+))?", "Douyin"),  # ua-parser says TikTok
        (r"\[LinkedInApp\]/(\d+)", "LinkedIn"),
    )
)

_LINUX_DISTROS = frozenset(
    {
        "Ubuntu",
        "Kubuntu",
        "Xubuntu",
        "Debian",
        "Fedora",
        "Red Hat",
        "CentOS",
        "SUSE",
        "openSUSE",
        "Mint",
        "Linux Mint",
        "Arch Linux",
        "Gentoo",
        "Slackware",
        "Mandriva",
        "Manjaro",
    }
)
_OS_NAMES = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
_NO_OS_VERSION = frozenset({"Linux", "ChromeOS"})

_HARMONY = re.compile(r"HarmonyOS|OpenHarmony (\d+)")
# HarmonyOS NEXT drops "Linux; Android" and names the form factor: "(Phone; OpenHarmony 5.0)".
_HARMONY_FORM = re.compile(r"^Mozilla/5\.0 \((Phone|Tablet|PC|2in1);")
_HARMONY_DEVICES = {"Phone": "mobile", "Tablet": "tablet", "PC": "desktop", "2in1": "desktop"}


@dataclass(frozen=True, slots=True)
class Client:
    browser: str | None
    browser_version: str | None
    os: str | None
    os_version: str | None
    device: str  # "desktop" | "mobile" | "tablet"


UNKNOWN = Client(None, None, None, None, "desktop")


def describe(user_agent: str) -> Client:
    """Never raises; "" and garbage give UNKNOWN (device "desktop")."""
    if not isinstance(user_agent, str):
        return UNKNOWN
    return _describe(user_agent[:MAX_UA_LENGTH])


@functools.lru_cache(maxsize=10_000)
def _describe(ua: str) -> Client:
    if not ua.strip():
        return UNKNOWN
    try:
        result = _parser()(ua, Domain.ALL).complete()
    except (UnicodeError, ValueError):  # lone surrogates cannot cross into Rust
        return UNKNOWN
    browser, browser_version = _browser(ua, result)
    os_name, os_version = _os(ua, result)
    return Client(browser, browser_version, os_name, os_version, _device(ua, result))


@functools.cache
def _parser() -> Parser:
    # Our own parser without ua-parser's built-in 2,000-entry cache: lru_cache sits on top.
    return Parser(BestAvailableResolver(load_lazy_builtins()))


def _browser(ua: str, result: Result) -> tuple[str | None, str | None]:
    for pattern, name in _IN_APP:
        if match := pattern.search(ua):
            return name, match.group(1) if match.groups() else None
    if result.user_agent is None or result.user_agent.family == "Other":
        return None, None
    family = result.user_agent.family
    folded = " ".join(w for w in family.split() if w not in _VARIANT_WORDS) or family
    return _BROWSER_NAMES.get(family, folded), result.user_agent.major


def _os(ua: str, result: Result) -> tuple[str | None, str | None]:
    if harmony := _HARMONY.search(ua):
        return "HarmonyOS", harmony.group(1)
    if result.os is None or result.os.family == "Other":
        return None, None
    family = result.os.family
    name = "Linux" if family in _LINUX_DISTROS else _OS_NAMES.get(family, family)
    return name, None if name in _NO_OS_VERSION else result.os.major


def _device(ua: str, result: Result) -> str:
    if form := _HARMONY_FORM.match(ua):
        return _HARMONY_DEVICES[form.group(1)]
    if result.device is not None and result.device.family == "Generic Tablet":
        return "tablet"  # Firefox for Android says "Tablet;", user_agents only knows "Mobile"
    shim = _Shim(ua, result)
    if shim.is_tablet:
        return "tablet"
    if shim.is_mobile:
        return "mobile"
    return "desktop"  # PCs, and the few TVs/consoles/unknowns: nothing better to say


class _Shim(UserAgent):
    """user_agents' device heuristics over a Rust-parsed result.

    UserAgent.__init__ is skipped on purpose: it would parse the string again with ua-parser's
    pure-Python regexes. The properties only read the attributes set here, and of the versions
    only the OS's version string; building the tuples directly halves the shim's cost.
    """

    def __init__(self, ua: str, result: Result) -> None:
        self.ua_string = ua
        b, o, d = result.user_agent, result.os, result.device
        self.browser = Browser(b.family if b else "Other", (), "")
        os_version = ".".join(v for v in (o.major, o.minor, o.patch) if v) if o else ""
        self.os = OperatingSystem(o.family if o else "Other", (), os_version)
        self.device = Device(d.family, d.brand, d.model) if d else Device("Other", None, None)
