"""describe(): real-world user agents -> browser, OS, device. HUMAN_UAS is reused by test_bots."""

from __future__ import annotations

from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ingest.useragent import MAX_UA_LENGTH, Client, describe

# st.text() leaves out lone surrogates; Python strings can hold them, Rust cannot take them.
_SURROGATES = st.text(st.characters(categories=["Cs", "L", "N", "P", "Zs"]))


class Case(NamedTuple):
    id: str
    ua: str
    browser: str | None
    os: str | None
    device: str


MAC_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15"
)
_CHROME_TAIL = "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
_MOBILE_TAIL = "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
_IOS_WEBKIT = "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
_WV = "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0"

HUMAN_UAS: list[Case] = [
    # Desktop
    Case(
        "win-chrome",
        f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_CHROME_TAIL}",
        "Chrome",
        "Windows",
        "desktop",
    ),
    Case(
        "win7-chrome",
        "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/109.0.0.0 Safari/537.36",
        "Chrome",
        "Windows",
        "desktop",
    ),
    Case(
        "win-edge",
        f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_CHROME_TAIL} Edg/120.0.0.0",
        "Edge",
        "Windows",
        "desktop",
    ),
    Case(
        "win-edge-legacy",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045",
        "Edge",
        "Windows",
        "desktop",
    ),
    Case(
        "win-firefox",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Firefox",
        "Windows",
        "desktop",
    ),
    Case(
        "win-ie11",
        "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
        "Internet Explorer",
        "Windows",
        "desktop",
    ),
    Case(
        "win-opera",
        f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_CHROME_TAIL} OPR/105.0.0.0",
        "Opera",
        "Windows",
        "desktop",
    ),
    Case(
        "win-yandex",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/118.0.0.0 YaBrowser/23.11.0.0 Safari/537.36",
        "Yandex Browser",
        "Windows",
        "desktop",
    ),
    Case(
        "win-qqbrowser",
        "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/94.0.4606.71 Safari/537.36 Core/1.94.221.400 QQBrowser/12.2.5544.400",
        "QQ Browser",
        "Windows",
        "desktop",
    ),
    Case(
        "win-wechat",
        "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781"
        "(0x6700143B) WindowsWechat(0x63090819) XWEB/8519 Flue",
        "WeChat",
        "Windows",
        "desktop",
    ),
    Case(
        "mac-chrome",
        f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {_CHROME_TAIL}",
        "Chrome",
        "macOS",
        "desktop",
    ),
    Case("mac-safari", MAC_SAFARI, "Safari", "macOS", "desktop"),
    # iPadOS 13+ asks for desktop sites with exactly macOS Safari's UA: indistinguishable here.
    Case("ipad-desktop-mode", MAC_SAFARI, "Safari", "macOS", "desktop"),
    Case(
        "mac-firefox",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Firefox",
        "macOS",
        "desktop",
    ),
    Case(
        "mac-edge",
        f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {_CHROME_TAIL} Edg/120.0.2210.91",
        "Edge",
        "macOS",
        "desktop",
    ),
    Case(
        "mac-dingtalk",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) DingTalk(7.0.40-macOS-20230904) nw Channel/201200",
        "DingTalk",
        "macOS",
        "desktop",
    ),
    Case(
        "linux-chrome",
        f"Mozilla/5.0 (X11; Linux x86_64) {_CHROME_TAIL}",
        "Chrome",
        "Linux",
        "desktop",
    ),
    Case(
        "ubuntu-firefox",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Firefox",
        "Linux",
        "desktop",
    ),
    Case(
        "chromeos-chrome",
        f"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) {_CHROME_TAIL}",
        "Chrome",
        "ChromeOS",
        "desktop",
    ),
    # Apple mobile
    Case(
        "iphone-safari",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) "
        "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
        "Safari",
        "iOS",
        "mobile",
    ),
    Case(
        "iphone-chrome",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
        "AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 "
        "Safari/604.1",
        "Chrome",
        "iOS",
        "mobile",
    ),
    Case(
        "iphone-firefox",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
        "AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15",
        "Firefox",
        "iOS",
        "mobile",
    ),
    Case(
        "ipad-safari",
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
        "Safari",
        "iOS",
        "tablet",
    ),
    Case(
        "wechat-ios",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) "
        f"{_IOS_WEBKIT} MicroMessenger/8.0.42(0x18002a2f) NetType/WIFI Language/zh_CN",
        "WeChat",
        "iOS",
        "mobile",
    ),
    Case(
        "dingtalk-ios",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) "
        f"{_IOS_WEBKIT} AliApp(DingTalk/7.0.30) com.laiwang.DingTalk/29867893 Channel/201200 "
        "language/zh-Hans-CN UT4Aplus/0.0.6 WK",
        "DingTalk",
        "iOS",
        "mobile",
    ),
    Case(
        "uc-ios",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X; zh-CN) "
        "AppleWebKit/537.51.1 (KHTML, like Gecko) Mobile/20G75 UCBrowser/15.4.5.2045 Mobile "
        "AliApp(TUnionSDK/0.1.20.4)",
        "UC Browser",
        "iOS",
        "mobile",
    ),
    Case(
        "facebook-ios",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) "
        f"{_IOS_WEBKIT} [FBAN/FBIOS;FBAV/442.0.0.36.111;FBBV/549617434;FBDV/iPhone15,2;"
        "FBMD/iPhone;FBSN/iOS;FBSV/17.1.2;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/551024016]",
        "Facebook",
        "iOS",
        "mobile",
    ),
    Case(
        "instagram-ios",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) "
        f"{_IOS_WEBKIT} Instagram 309.0.2.18.120 (iPhone14,5; iOS 17_1_2; en_US; en; "
        "scale=3.00; 1170x2532; 541286579)",
        "Instagram",
        "iOS",
        "mobile",
    ),
    # Android
    Case(
        "android-chrome",
        f"Mozilla/5.0 (Linux; Android 10; K) {_MOBILE_TAIL}",
        "Chrome",
        "Android",
        "mobile",
    ),
    Case(
        "pixel-chrome",
        f"Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) {_MOBILE_TAIL}",
        "Chrome",
        "Android",
        "mobile",
    ),
    Case(
        "galaxy-tab-chrome",
        f"Mozilla/5.0 (Linux; Android 13; SM-X710) {_CHROME_TAIL}",
        "Chrome",
        "Android",
        "tablet",
    ),
    Case(
        "samsung-internet",
        "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/"
        "537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
        "Samsung Internet",
        "Android",
        "mobile",
    ),
    Case(
        "samsung-internet-tablet",
        "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-X710) "
        "AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 "
        "Safari/537.36",
        "Samsung Internet",
        "Android",
        "tablet",
    ),
    Case(
        "android-firefox",
        "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0",
        "Firefox",
        "Android",
        "mobile",
    ),
    Case(
        "android-firefox-tablet",
        "Mozilla/5.0 (Android 14; Tablet; rv:121.0) Gecko/121.0 Firefox/121.0",
        "Firefox",
        "Android",
        "tablet",
    ),
    Case(
        "android-opera",
        f"Mozilla/5.0 (Linux; Android 10; K) {_MOBILE_TAIL} OPR/79.0.4195.76262",
        "Opera",
        "Android",
        "mobile",
    ),
    Case(
        "wechat-android",
        "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) "
        f"{_WV} Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230701 "
        "MMWEBID/2444 MicroMessenger/8.0.40.2420(0x28002851) WeChat/arm64 Weixin NetType/WIFI "
        "Language/zh_CN ABI/arm64",
        "WeChat",
        "Android",
        "mobile",
    ),
    Case(
        "dingtalk-android",
        "Mozilla/5.0 (Linux; U; Android 12; zh-CN; PEDM00 "
        f"Build/SKQ1.211019.001) {_WV} Chrome/69.0.3497.100 UWS/3.22.2.59 Mobile Safari/537.36 "
        "AliApp(DingTalk/7.0.35) com.alibaba.android.rimet/32018361 Channel/227200 "
        "language/zh-CN abi/64 UT4Aplus/0.2.25 colorScheme/light",
        "DingTalk",
        "Android",
        "mobile",
    ),
    Case(
        "qqbrowser-android",
        "Mozilla/5.0 (Linux; U; Android 12; zh-cn; PFJM10 "
        f"Build/SKQ1.211113.001) {_WV} Chrome/109.0.5414.86 MQQBrowser/14.2 Mobile "
        "Safari/537.36 COVC/046517",
        "QQ Browser",
        "Android",
        "mobile",
    ),
    Case(
        "uc-android",
        "Mozilla/5.0 (Linux; U; Android 11; zh-CN; V2055A Build/RP1A.200720.012) "
        f"{_WV} Chrome/100.0.4896.58 UCBrowser/15.5.2.1262 Mobile Safari/537.36",
        "UC Browser",
        "Android",
        "mobile",
    ),
    Case(
        "miui-browser",
        "Mozilla/5.0 (Linux; U; Android 13; zh-cn; 22081212C "
        f"Build/TKQ1.220829.002) {_WV} Chrome/109.0.5414.118 Mobile Safari/537.36 "
        "XiaoMi/MiuiBrowser/17.7.180919 swan-mibrowser",
        "MIUI Browser",
        "Android",
        "mobile",
    ),
    Case(
        "huawei-harmonyos",
        "Mozilla/5.0 (Linux; Android 10; HarmonyOS; NOH-AN00; HMSCore "
        "6.11.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 "
        "HuaweiBrowser/14.0.1.302 Mobile Safari/537.36",
        "Huawei Browser",
        "HarmonyOS",
        "mobile",
    ),
    Case(
        "huawei-harmonyos-tablet",
        "Mozilla/5.0 (Linux; Android 10; HarmonyOS; MRX-W09; "
        "HMSCore 6.11.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 "
        "HuaweiBrowser/14.0.1.302 Safari/537.36",
        "Huawei Browser",
        "HarmonyOS",
        "tablet",
    ),
    Case(
        "harmonyos-next",
        "Mozilla/5.0 (Phone; OpenHarmony 4.1) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile "
        "HuaweiBrowser/5.0.4.300",
        "Huawei Browser",
        "HarmonyOS",
        "mobile",
    ),
    Case(
        "facebook-android",
        "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; "
        f"wv) {_WV} Chrome/120.0.6099.43 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/444.0.0.32.118;]",
        "Facebook",
        "Android",
        "mobile",
    ),
    Case(
        "instagram-android",
        "Mozilla/5.0 (Linux; Android 13; SM-G991B "
        f"Build/TP1A.220624.014; wv) {_WV} Chrome/119.0.6045.193 Mobile Safari/537.36 Instagram "
        "309.0.0.40.113 Android (33/13; 480dpi; 1080x2220; samsung; SM-G991B; o1s; exynos2100; "
        "en_US; 541635890)",
        "Instagram",
        "Android",
        "mobile",
    ),
    Case(
        "android-webview",
        "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; "
        f"wv) {_WV} Chrome/120.0.6099.43 Mobile Safari/537.36",
        "Android WebView",
        "Android",
        "mobile",
    ),
    Case(
        "kindle-silk",
        "Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Silk/120.3.1 like Chrome/120.0.6099.230 Safari/537.36",
        "Amazon Silk",
        "Android",
        "tablet",
    ),
]


@pytest.mark.parametrize("case", HUMAN_UAS, ids=lambda c: c.id)
def test_browser_os_device(case: Case) -> None:
    client = describe(case.ua)
    assert (client.browser, client.os, client.device) == (case.browser, case.os, case.device)


@pytest.mark.parametrize(
    ("ua_id", "browser_version", "os_version"),
    [
        ("win-chrome", "120", "10"),
        ("win7-chrome", "109", "7"),
        ("mac-safari", "17", "10"),  # every macOS since 11 still says 10_15_7
        ("iphone-safari", "17", "17"),
        ("android-chrome", "120", "10"),  # Chrome's reduced UA always says Android 10
        ("wechat-android", "8", "13"),
        ("dingtalk-ios", "7", "16"),
        ("huawei-harmonyos", "14", None),  # the Android 10 it claims is not its version
        ("harmonyos-next", "5", "4"),
        ("chromeos-chrome", "120", None),  # CrOS carries a platform build, not a version
        ("ubuntu-firefox", "121", None),
    ],
)
def test_versions_are_majors(ua_id: str, browser_version: str, os_version: str | None) -> None:
    client = describe(next(c.ua for c in HUMAN_UAS if c.id == ua_id))
    assert (client.browser_version, client.os_version) == (browser_version, os_version)


@pytest.mark.parametrize("ua", ["", "   ", "-", "asdf qwer ;;;(((", "\x00\x01\x02", "☃" * 50])
def test_empty_and_garbage_are_unknown_desktop(ua: str) -> None:
    assert describe(ua) == Client(None, None, None, None, "desktop")


def test_missing_ua_is_unknown() -> None:
    assert describe(None) == Client(None, None, None, None, "desktop")  # type: ignore[arg-type]


def test_lone_surrogates_do_not_reach_rust() -> None:
    assert describe("Mozilla/5.0 \ud800") == Client(None, None, None, None, "desktop")


def test_overlong_ua_is_truncated_not_cached_whole() -> None:
    chrome = HUMAN_UAS[0].ua
    assert describe(chrome + "x" * 100_000) == describe(chrome)
    assert len(chrome) < MAX_UA_LENGTH


def test_repeat_is_cached() -> None:
    assert describe(HUMAN_UAS[0].ua) is describe(HUMAN_UAS[0].ua)


@settings(deadline=None, max_examples=300)  # the first call builds the resolver (~0.25 s)
@given(st.text() | _SURROGATES | st.binary().map(lambda b: b.decode("latin-1")))
def test_describe_never_raises(ua: str) -> None:
    client = describe(ua)
    assert isinstance(client, Client)
    assert client.device in {"desktop", "mobile", "tablet"}
