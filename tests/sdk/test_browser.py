"""The tracker in a real browser: what it sends, and the rows that land (issue 3).

Debian's Chromium, driven by Playwright, loads customer pages from http://localhost:P1 carrying
the script from a real Pulse server at http://127.0.0.1:P2 (see conftest.py). Each test checks
the JSON the script posted (captured in the browser) and the `events` rows the server wrote.
Every page carries `data-local` (the site is on localhost) and `data-allow-automation`
(Playwright sets navigator.webdriver), except where a test is about exactly those.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.sdk.conftest import DEFAULT_ATTRS, CustomerSite, PulseServer, Tab, free_port

pytestmark = pytest.mark.browser

UTM = "utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=hero"
STUB = (
    "<script>window.pulse = window.pulse || function(){"
    "(window.pulse.q = window.pulse.q || []).push(arguments)}</script>"
)
# Visibility and focus under the test's control, as a tab switch or a window change would
# set them: the page starts hidden; __show/__hide/__focus/__blur return performance.now().
CONTROLLED_VISIBILITY = """
(() => {
  let visible = false, focused = true;
  Object.defineProperty(Document.prototype, 'visibilityState',
    {configurable: true, get: () => visible ? 'visible' : 'hidden'});
  Object.defineProperty(Document.prototype, 'hidden', {configurable: true, get: () => !visible});
  Document.prototype.hasFocus = () => focused;
  const vis = (v) => { visible = v;
    document.dispatchEvent(new Event('visibilitychange', {bubbles: true}));
    return performance.now(); };
  const foc = (f) => { focused = f; window.dispatchEvent(new FocusEvent(f ? 'focus' : 'blur'));
    return performance.now(); };
  window.__show = () => vis(true); window.__hide = () => vis(false);
  window.__focus = () => foc(true); window.__blur = () => foc(false);
})();
"""
ALLOWED_FIELDS = {
    "site",
    "event_type",
    "url",
    "referrer",
    "visitor_id",
    "screen_width",
    "screen_height",
    "language",
    "hash",
    "engagement_ms",
    "scroll_depth",
    "data",
    "interactive",
}


def by_name(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [row for row in rows if row["name"] == name]


def props(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["props"]) if row["props"] else {}


def within(actual: float, expected: float, tolerance: float = 0.2) -> bool:
    return abs(actual - expected) <= tolerance * expected


def test_pageview_with_utm_referrer_and_stable_visitor(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    landing = customer_site.page(f"{prefix}/landing", script_src)
    second = customer_site.page(f"{prefix}/second", script_src)
    tab.page.goto(f"{landing}?{UTM}", referer="https://www.google.com/")
    tab.wait_sent(1, "pageview")
    tab.page.goto(second, referer="https://www.bing.com/")
    tab.wait_sent(2, "pageview")

    first, then = tab.events("pageview")
    assert first["url"] == f"{landing}?{UTM}"
    assert first["referrer"] == "https://www.google.com/"
    assert first["site"] == "localhost"
    assert (first["screen_width"], first["screen_height"], first["language"]) == (
        1280,
        720,
        "en-US",
    )
    for event in tab.sent:
        assert set(event) <= ALLOWED_FIELDS, set(event) - ALLOWED_FIELDS
    # local identity: one random id in localStorage, the same on every page; no cookies at all.
    stored = tab.page.evaluate("localStorage.getItem('pulse_vid')")
    assert first["visitor_id"] == then["visitor_id"] == stored
    assert 20 <= len(stored) <= 64
    assert tab.context.cookies() == []
    assert tab.page.evaluate("document.cookie") == ""

    rows = pulse_server.rows(prefix, 2)
    views = by_name(rows, "pageview")
    assert [r["pathname"] for r in views] == [f"{prefix}/landing", f"{prefix}/second"]
    row = views[0]
    assert row["hostname"] == "localhost"
    assert (row["utm_source"], row["utm_medium"], row["utm_campaign"]) == (
        "newsletter",
        "email",
        "spring",
    )
    assert (row["utm_term"], row["utm_content"]) == ("shoes", "hero")
    assert row["referrer_domain"] in ("google.com", "www.google.com")
    assert row["source"] == "newsletter"  # utm_source overrides the referrer
    assert (row["screen_width"], row["language"]) == (1280, "en-US")
    assert (row["browser"], row["device"]) == ("Chrome", "desktop")
    assert views[1]["source"] == "Bing"
    assert views[1]["channel"] == "Organic Search"
    assert views[0]["visitor_id"] == views[1]["visitor_id"]
    assert views[0]["session_id"] == views[1]["session_id"]


def test_spa_navigation_three_routes_three_pageviews(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    url = customer_site.page(f"{prefix}/app", script_src)
    tab.page.goto(url)
    tab.wait_sent(1, "pageview")
    page = tab.page
    page.wait_for_timeout(200)
    page.evaluate(f"history.pushState({{}}, '', '{prefix}/app/settings')")
    page.wait_for_timeout(200)
    page.evaluate("history.replaceState({step: 2}, '', location.href)")  # same URL: no view
    page.evaluate("history.pushState({}, '', '#section')")  # fragment only: no view
    page.evaluate(f"history.pushState({{}}, '', '{prefix}/app/billing?tab=invoices')")
    tab.wait_sent(3, "pageview")
    page.wait_for_timeout(300)
    assert len(tab.events("pageview")) == 3
    page.go_back()  # popstate back to /app/settings#section: a fourth view
    tab.wait_sent(4, "pageview")

    views = tab.events("pageview")
    assert [v["url"].removeprefix(customer_site.origin) for v in views] == [
        f"{prefix}/app",
        f"{prefix}/app/settings",
        f"{prefix}/app/billing?tab=invoices",
        f"{prefix}/app/settings",
    ]
    assert views[1]["referrer"] == url  # the previous route, as after a real navigation
    # Each route change sends the engagement of the route it leaves, before the new view.
    engaged = [e["url"].removeprefix(customer_site.origin) for e in tab.events("engagement")]
    assert engaged[:2] == [f"{prefix}/app", f"{prefix}/app/settings"]

    rows = pulse_server.rows(prefix, 4 + len(engaged))
    assert [r["pathname"] for r in by_name(rows, "pageview")] == [
        f"{prefix}/app",
        f"{prefix}/app/settings",
        f"{prefix}/app/billing",
        f"{prefix}/app/settings",
    ]
    assert len(by_name(rows, "engagement")) == len(engaged)


def test_hash_routing(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    url = customer_site.page(f"{prefix}/mail", script_src, attrs=DEFAULT_ATTRS + " data-hash")
    tab.page.goto(url + "#/inbox")
    tab.wait_sent(1, "pageview")
    tab.page.evaluate("location.hash = '#/settings'")
    tab.wait_sent(2, "pageview")
    tab.page.evaluate("location.hash = '#/settings'")  # unchanged: nothing
    tab.page.evaluate("location.hash = '#/sent'")
    tab.wait_sent(3, "pageview")

    views = tab.events("pageview")
    assert [v["url"] for v in views] == [url + "#/inbox", url + "#/settings", url + "#/sent"]
    assert all(v["hash"] is True for v in tab.sent)
    rows = pulse_server.rows(prefix, 3)
    assert [r["pathname"] for r in by_name(rows, "pageview")] == [
        f"{prefix}/mail#/inbox",
        f"{prefix}/mail#/settings",
        f"{prefix}/mail#/sent",
    ]


def test_fragment_ignored_without_data_hash(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    url = customer_site.page(f"{prefix}/doc", script_src)
    tab.page.goto(url + "#intro")
    tab.wait_sent(1, "pageview")
    tab.page.evaluate("location.hash = '#usage'")
    tab.page.wait_for_timeout(500)
    assert [v["url"] for v in tab.events("pageview")] == [url]
    assert all(v["hash"] is False for v in tab.sent)
    assert [r["pathname"] for r in by_name(pulse_server.rows(prefix, 1), "pageview")] == [
        f"{prefix}/doc"
    ]


def test_engagement_counts_visible_focused_time_only(
    make_tab: Callable[..., Tab],
    customer_site: CustomerSite,
    pulse_server: PulseServer,
    prefix: str,
    script_src: str,
) -> None:
    tab = make_tab(init_script=CONTROLLED_VISIBILITY)
    tab.page.goto(customer_site.page(f"{prefix}/article", script_src))
    tab.wait_sent(1, "pageview")
    page = tab.page
    # 1. visible and focused for ~1.5 s, then hidden: one engagement event.
    shown = page.evaluate("__show()")
    page.wait_for_timeout(1500)
    hidden = page.evaluate("__hide()")
    tab.wait_sent(1, "engagement")
    # 2. hidden for 1.5 s: not counted. Back for ~1 s of which 0.8 s unfocused: not counted.
    page.wait_for_timeout(1500)
    back = page.evaluate("__show()")
    page.wait_for_timeout(500)
    blurred = page.evaluate("__blur()")
    page.wait_for_timeout(800)
    focused = page.evaluate("__focus()")
    page.wait_for_timeout(500)
    gone = page.evaluate("__hide()")
    tab.wait_sent(2, "engagement")
    # 3. closing the hidden tab sends nothing more: no time was engaged since.
    page.close(run_before_unload=True)

    first, second = (e["engagement_ms"] for e in tab.events("engagement"))
    expected_first = hidden - shown
    expected_second = (blurred - back) + (gone - focused)
    assert within(first, expected_first), (first, expected_first)
    assert within(second, expected_second), (second, expected_second)
    assert second < 0.8 * (gone - back)  # the unfocused stretch was left out

    rows = pulse_server.rows(prefix, 3)
    assert [r["engagement_ms"] for r in by_name(rows, "engagement")] == [first, second]
    assert len(tab.events("engagement")) == 2


def test_tab_close_sends_engagement_once(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    started = time.monotonic()
    tab.page.goto(customer_site.page(f"{prefix}/closing", script_src))
    tab.wait_sent(1, "pageview")
    tab.page.wait_for_timeout(1000)
    # A real close: Chromium fires visibilitychange (hidden) and pagehide; one event, not two.
    tab.page.close(run_before_unload=True)
    elapsed_ms = (time.monotonic() - started) * 1000

    rows = pulse_server.rows(prefix, 2)
    engagement = by_name(rows, "engagement")
    assert len(engagement) == 1, rows
    assert 800 <= engagement[0]["engagement_ms"] <= elapsed_ms * 1.2


def test_scroll_depth(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    tall = '<div style="height:4000px">long read</div>'
    url = customer_site.page(f"{prefix}/long", script_src, body=tall)
    tab.page.goto(url)
    tab.wait_sent(1, "pageview")
    height = tab.page.evaluate("document.documentElement.scrollHeight")
    # Half the page seen: the bottom of the viewport at 50% of the height.
    tab.page.evaluate(f"window.scrollTo(0, {height // 2 - 720})")
    tab.page.wait_for_timeout(300)
    tab.page.evaluate("window.scrollTo(0, 0)")  # the deepest point counts, not the last
    tab.page.wait_for_timeout(300)
    tab.page.evaluate(f"history.pushState({{}}, '', '{prefix}/short')")
    tab.wait_sent(1, "engagement")
    tab.page.wait_for_timeout(300)
    tab.page.close(run_before_unload=True)

    depths = [e["scroll_depth"] for e in tab.events("engagement")]
    assert 49 <= depths[0] <= 51, depths
    rows = pulse_server.rows(prefix, 4)
    engagement = by_name(rows, "engagement")
    assert engagement[0]["pathname"] == f"{prefix}/long"
    assert 49 <= engagement[0]["scroll_depth"] <= 51
    # The SPA route that follows starts again from its own depth.
    assert engagement[-1]["pathname"] == f"{prefix}/short"
    assert engagement[-1]["scroll_depth"] < depths[0]


def test_custom_events_with_props_and_early_calls(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    early = STUB + (
        "<script>pulse('Early bird', {props: {step: 1}});"
        "pulse('Newsletter', {props: {list: 'weekly'}, interactive: false});</script>"
    )
    button = (
        "<button id=signup onclick=\"pulse('Signup', {props: "
        "{plan: 'pro', seats: 3, annual: true, coupon: null, price: 9.5}})\">Sign up</button>"
    )
    tab.page.goto(customer_site.page(f"{prefix}/pricing", script_src, head=early, body=button))
    tab.wait_sent(3)
    tab.page.click("#signup")
    thirty = "{" + ",".join(f"p{i}: {i}" for i in range(30)) + "}"
    tab.page.evaluate(f"pulse('Thirty', {{props: {thirty}}})")
    tab.wait_sent(5)

    assert [e["event_type"] for e in tab.sent] == [
        "pageview",
        "Early bird",
        "Newsletter",
        "Signup",
        "Thirty",
    ]
    rows = pulse_server.rows(prefix, 5)
    # Each call is its own request, so two calls made in the same tick may land in either
    # order; the order they were made in is checked on the wire above.
    custom = {r["name"]: r for r in rows if r["name"] not in ("pageview", "engagement")}
    assert sorted(custom) == ["Early bird", "Newsletter", "Signup", "Thirty"]
    assert props(custom["Early bird"]) == {"step": 1}
    assert props(custom["Newsletter"]) == {"list": "weekly"}
    assert props(custom["Signup"]) == {
        "plan": "pro",
        "seats": 3,
        "annual": True,
        "coupon": None,
        "price": 9.5,
    }
    assert len(props(custom["Thirty"])) == 30
    assert {name: bool(r["interactive"]) for name, r in custom.items()} == {
        "Early bird": True,
        "Newsletter": False,
        "Signup": True,
        "Thirty": True,
    }
    assert all(r["pathname"] == f"{prefix}/pricing" for r in custom.values())


def test_outbound_link_and_download(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    links = (
        '<a id=internal href="#top">top</a> '
        '<a id=download href="/files/annual-report.pdf">report</a> '
        '<a id=out href="https://example.org/pricing?ref=blog"><span>partner</span></a>'
    )
    attrs = DEFAULT_ATTRS + " data-outbound data-downloads"
    url = customer_site.page(f"{prefix}/links", script_src, attrs=attrs, body=links)
    tab.page.goto(url)
    tab.wait_sent(1, "pageview")
    tab.page.click("#internal")
    with tab.page.expect_download():
        tab.page.click("#download")
    tab.wait_sent(1, "File Download")
    # The click navigates away at once: keepalive carries the event past the unload.
    tab.page.click("#out span")
    tab.page.wait_for_url("https://example.org/**")

    rows = pulse_server.rows(prefix, 3)
    custom = [r for r in rows if r["name"] not in ("pageview", "engagement")]
    assert [(r["name"], props(r)) for r in custom] == [
        ("File Download", {"url": f"{customer_site.origin}/files/annual-report.pdf"}),
        ("Outbound Link: Click", {"url": "https://example.org/pricing?ref=blog"}),
    ]


def test_links_not_tracked_without_the_options(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    links = '<a id=download href="/files/report.zip">zip</a>'
    tab.page.goto(customer_site.page(f"{prefix}/plain", script_src, body=links))
    tab.wait_sent(1, "pageview")
    with tab.page.expect_download():
        tab.page.click("#download")
    tab.page.wait_for_timeout(500)
    assert [e["event_type"] for e in tab.sent] == ["pageview"]


GPC = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});"
DNT = "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'});"
OPT_OUT = "localStorage.setItem('pulse_ignore', 'true');"


@pytest.mark.parametrize(
    ("attrs", "init_script", "sends"),
    [
        pytest.param(DEFAULT_ATTRS, None, True, id="control"),
        pytest.param(DEFAULT_ATTRS, GPC, False, id="gpc"),
        pytest.param(DEFAULT_ATTRS + ' data-gpc="false"', GPC, True, id="gpc-ignored-by-option"),
        pytest.param(DEFAULT_ATTRS, OPT_OUT, False, id="opt-out"),
        pytest.param(DEFAULT_ATTRS + " data-dnt", DNT, False, id="dnt"),
        pytest.param(DEFAULT_ATTRS, DNT, True, id="dnt-not-asked"),
        pytest.param('data-site="localhost" data-local', None, False, id="automation"),
        pytest.param('data-site="localhost" data-allow-automation', None, False, id="localhost"),
        pytest.param(
            DEFAULT_ATTRS + ' data-exclude="/nothing, /t/*/private/**"', None, False, id="excluded"
        ),
    ],
)
def test_privacy_signals_and_skips(
    make_tab: Callable[..., Tab],
    customer_site: CustomerSite,
    pulse_server: PulseServer,
    prefix: str,
    script_src: str,
    attrs: str,
    init_script: str | None,
    sends: bool,
) -> None:
    tab = make_tab(init_script=init_script)
    url = customer_site.page(f"{prefix}/private/page", script_src, attrs=attrs)
    tab.page.goto(url)
    tab.page.wait_for_function("() => typeof window.pulse === 'function'")
    tab.page.evaluate("pulse('Clicked', {props: {a: 1}})")
    tab.page.evaluate(f"history.pushState({{}}, '', '{prefix}/private/next')")
    tab.page.wait_for_timeout(300)
    tab.page.close(run_before_unload=True)

    rows = pulse_server.rows(prefix, 3 if sends else 0, timeout=3)
    if sends:
        assert {"pageview", "Clicked"} <= {r["name"] for r in rows}, rows
    else:
        assert tab.sent == [], tab.sent
        assert rows == []


def test_cookieless_identity_stores_nothing(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    attrs = DEFAULT_ATTRS + ' data-identity="cookieless"'
    tab.page.goto(customer_site.page(f"{prefix}/anon", script_src, attrs=attrs))
    tab.wait_sent(1, "pageview")
    tab.page.evaluate("pulse('Read')")
    tab.wait_sent(2)
    assert all("visitor_id" not in e for e in tab.sent)
    assert tab.page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert tab.context.cookies() == []
    rows = pulse_server.rows(prefix, 2)
    assert [r["name"] for r in rows] == ["pageview", "Read"]
    assert rows[0]["visitor_id"] == rows[1]["visitor_id"]  # derived by the server


def test_prerendered_page_counts_once_shown(
    make_tab: Callable[..., Tab],
    customer_site: CustomerSite,
    pulse_server: PulseServer,
    prefix: str,
    script_src: str,
) -> None:
    # Headless Chromium does not prerender speculation rules, so the page is told it is being
    # prerendered, then activated, exactly as the Prerendering spec has the browser do.
    prerender = """
    (() => {
      let prerendering = true;
      Object.defineProperty(Document.prototype, 'prerendering',
        {configurable: true, get: () => prerendering});
      window.__activate = () => { prerendering = false;
        document.dispatchEvent(new Event('prerenderingchange')); };
    })();
    """
    tab = make_tab(init_script=prerender)
    tab.page.goto(customer_site.page(f"{prefix}/next-article", script_src))
    tab.page.wait_for_function("() => typeof window.pulse === 'function'")
    tab.page.wait_for_timeout(500)
    assert tab.sent == []
    tab.page.evaluate("__activate()")
    tab.wait_sent(1, "pageview")
    tab.page.wait_for_timeout(300)
    assert len(tab.events("pageview")) == 1
    assert [r["name"] for r in pulse_server.rows(prefix, 1)] == ["pageview"]


def test_loaded_twice_counts_once(
    tab: Tab, customer_site: CustomerSite, pulse_server: PulseServer, prefix: str, script_src: str
) -> None:
    again = f'<script defer src="{script_src}" {DEFAULT_ATTRS}></script>'
    tab.page.goto(customer_site.page(f"{prefix}/twice", script_src, body=again))
    tab.wait_sent(1, "pageview")
    tab.page.evaluate(f"history.pushState({{}}, '', '{prefix}/twice/next')")
    tab.wait_sent(2, "pageview")
    tab.page.wait_for_timeout(300)
    assert len(tab.events("pageview")) == 2
    assert len(by_name(pulse_server.rows(prefix, 2), "pageview")) == 2


@pytest.mark.parametrize(
    ("script_path", "attr"),
    [
        pytest.param("/js/script.js", 'data-domain="plausible-style.test"', id="plausible"),
        pytest.param("/script.js", 'data-website-id="umami-style.test"', id="umami"),
    ],
)
def test_peer_snippets_record_through_pulse(
    tab: Tab,
    customer_site: CustomerSite,
    pulse_server: PulseServer,
    prefix: str,
    script_path: str,
    attr: str,
) -> None:
    """Issue 9: a page tagged the Plausible or Umami way changes only the script's host."""
    src = pulse_server.origin + script_path
    tab.page.goto(
        customer_site.page(f"{prefix}/home", src, attrs=f"{attr} data-local data-allow-automation")
    )
    tab.wait_sent(1, "pageview")
    domain = attr.split('"')[1]
    assert tab.sent[0]["site"] == domain
    rows = pulse_server.rows(prefix, 1)
    sites = {s["id"]: s["domain"] for s in pulse_server.query("SELECT id, domain FROM sites")}
    assert [(r["name"], sites[r["site_id"]]) for r in rows] == [("pageview", domain)]


@pytest.mark.parametrize("endpoint", ["up", "refused", "error-500"])
def test_no_console_error_on_the_host_page(
    make_tab: Callable[..., Tab],
    customer_site: CustomerSite,
    pulse_server: PulseServer,
    prefix: str,
    script_src: str,
    endpoint: str,
) -> None:
    api = {
        "up": pulse_server.collect_url,
        "refused": f"http://127.0.0.1:{free_port()}/api/collect",  # nothing listens there
        "error-500": f"{customer_site.origin}/api/collect",  # answers 500
    }[endpoint]
    tab = make_tab(collect_url=api)
    attrs = DEFAULT_ATTRS + f' data-api="{api}" data-outbound'
    host_code = "<script>window.hostOk = true</script><a id=out href='https://example.org/'>x</a>"
    tab.page.goto(customer_site.page(f"{prefix}/host", script_src, attrs=attrs, body=host_code))
    tab.wait_sent(1, "pageview")
    tab.page.evaluate("pulse('Custom', {props: {a: 1}})")
    tab.page.evaluate(f"history.pushState({{}}, '', '{prefix}/host/next')")
    tab.page.wait_for_timeout(500)
    assert tab.page.evaluate("window.hostOk") is True
    tab.page.click("#out")
    tab.page.wait_for_url("https://example.org/")
    tab.page.wait_for_timeout(500)

    assert len(tab.sent) >= 4, tab.sent  # pageview, Custom, engagement?, pageview, outbound
    assert tab.errors == []  # no exception, no unhandled rejection
    # Without data-debug the script writes nothing to the console. Chromium itself logs each
    # request that failed at the network level ("Failed to load resource"); no page can
    # silence that line, and it is not an error of the host page's code.
    own = [
        m
        for m in tab.console
        if not (m.text.startswith("Failed to load resource") and m.location.get("url") == api)
    ]
    assert own == [], [f"{m.type}: {m.text}" for m in own]
    if endpoint == "up":
        assert tab.console == []
        assert {"pageview", "Custom"} <= {r["name"] for r in pulse_server.rows(prefix, 5)}


def test_send_beacon_when_fetch_is_missing(
    make_tab: Callable[..., Tab],
    customer_site: CustomerSite,
    pulse_server: PulseServer,
    prefix: str,
    script_src: str,
) -> None:
    tab = make_tab(init_script="delete window.fetch;")
    tab.page.goto(customer_site.page(f"{prefix}/old", script_src))
    assert tab.page.evaluate("typeof window.fetch") == "undefined"
    tab.wait_sent(1, "pageview")
    tab.page.evaluate("pulse('Beaconed', {props: {via: 'beacon'}})")
    tab.wait_sent(2)
    rows = pulse_server.rows(prefix, 2)
    assert [(r["name"], props(r)) for r in rows] == [
        ("pageview", {}),
        ("Beaconed", {"via": "beacon"}),
    ]
    assert tab.errors == []


def test_debug_logs_sends_and_skips(
    make_tab: Callable[..., Tab], customer_site: CustomerSite, prefix: str, script_src: str
) -> None:
    tab = make_tab()
    attrs = DEFAULT_ATTRS + " data-debug"
    tab.page.goto(customer_site.page(f"{prefix}/debug", script_src, attrs=attrs))
    tab.wait_sent(1, "pageview")
    tab.page.evaluate("localStorage.setItem('pulse_ignore', 'true'); pulse('Hidden')")
    tab.page.wait_for_timeout(300)
    logs = [m.text for m in tab.console if m.type == "log"]
    assert any(text.startswith("pulse: pageview") for text in logs), logs
    assert any(text.startswith("pulse: skipped Hidden") for text in logs), logs
    assert [e["event_type"] for e in tab.sent] == ["pageview"]
    assert tab.console_errors() == []
