"""Abuse limits and site rules on the ingest path: the per-IP rate limit and its recovery,
allowed hostnames, excluded CIDR ranges and paths, referrer spam (issue 6)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from quart import Quart

from app.auth.ratelimit import TokenBucket, WindowLimit
from app.clock import FakeClock
from app.ingest.rules import SpamList, host_allowed, ip_excluded
from app.settings import Settings
from app.sites.model import SiteError
from tests.conftest import FIREFOX, SITE, add_sites

HEADERS = {"User-Agent": FIREFOX, "X-Forwarded-For": "203.0.113.7"}


async def collect(app: Quart, url: str, ip: str = "203.0.113.7", referrer: str = "") -> dict:  # type: ignore[type-arg]
    client = app.test_client()
    body = {"url": url, "visitor_id": "v1", "referrer": referrer or None}
    response = await client.post(
        "/api/collect", json=body, headers={**HEADERS, "X-Forwarded-For": ip}
    )
    return {"status": response.status_code, **(await response.get_json())}


async def test_ingest_rate_limit_answers_429_then_recovers(
    make_app: Callable[..., Quart], clock: FakeClock
) -> None:
    app = make_app(ingest_rate_limit=5, trusted_proxy_hops=1)
    async with app.test_app():
        client = app.test_client()
        body = {"url": f"https://{SITE}/", "visitor_id": "v"}
        codes = [
            (await client.post("/api/collect", json=body, headers=HEADERS)).status_code
            for _ in range(6)
        ]
        assert codes == [202] * 5 + [429]
        limited = await client.post("/api/collect", json=body, headers=HEADERS)
        assert limited.headers["Retry-After"] == "1"
        assert limited.headers["Access-Control-Allow-Origin"] == "*"  # the script can read it
        other_ip = {**HEADERS, "X-Forwarded-For": "198.51.100.1"}
        assert (await client.post("/api/collect", json=body, headers=other_ip)).status_code == 202
        plausible = {"n": "pageview", "u": f"https://{SITE}/"}
        umami = {"type": "event", "payload": {"website": SITE, "url": "/", "hostname": SITE}}
        for path, peer in (("/api/event", plausible), ("/api/send", umami)):
            assert (await client.post(path, json=peer, headers=HEADERS)).status_code == 429
        clock.advance(seconds=1)
        assert (await client.post("/api/collect", json=body, headers=HEADERS)).status_code == 202


def test_token_bucket_and_window_units() -> None:
    bucket = TokenBucket(30)
    assert all(bucket.hit("a", 0) == 0 for _ in range(30))
    assert bucket.hit("a", 0) == pytest.approx(1 / 30)
    assert bucket.hit("a", 34) == 0  # one token back after 1/30 s
    assert TokenBucket(0).hit("a", 0) == 0  # 0 turns it off
    window = WindowLimit(5, 60_000)
    for t in range(5):
        window.record("k", t)
    assert window.retry_after("k", 10) == 60 and window.retry_after("k", 60_005) == 0


async def test_site_rules_drop_with_their_own_reasons(
    migrated: Settings, make_app: Callable[..., Quart]
) -> None:
    await add_sites(
        migrated,
        "rules.example",
        allowed_hostnames=["rules.example", "*.rules.example"],
        excluded_ips=["10.0.0.0/8", "2001:db8::/32"],
        excluded_paths=["/admin/*", "/preview"],
    )
    app = make_app(trusted_proxy_hops=1)
    async with app.test_app():
        ok = await collect(app, "https://www.rules.example/pricing")
        assert ok["accepted"] == 1
        site = "https://rules.example"
        # the site named explicitly, events from a hostname it does not allow
        stolen = await app.test_client().post(
            "/api/collect",
            json={"url": "https://copycat.example/", "site": "rules.example"},
            headers=HEADERS,
        )
        assert (await stolen.get_json())["dropped"] == {"hostname_not_allowed": 1}
        assert stolen.headers["X-Pulse-Dropped"] == "hostname_not_allowed=1"
        assert (await collect(app, f"{site}/", ip="10.1.2.3"))["dropped"] == {"excluded_ip": 1}
        v6 = await collect(app, f"{site}/", ip="2001:db8::5")
        assert v6["dropped"] == {"excluded_ip": 1}
        assert (await collect(app, f"{site}/admin/users"))["dropped"] == {"excluded_path": 1}
        assert (await collect(app, f"{site}/preview"))["dropped"] == {"excluded_path": 1}
        assert (await collect(app, f"{site}/preview/ok"))["accepted"] == 1
        spam = await collect(app, f"{site}/", referrer="https://www.semalt.com/x")
        assert spam["dropped"] == {"referrer_spam": 1}
        dropped = app.extensions["pulse"].counters.dropped
        assert dropped["excluded_ip"] == 2 and dropped["referrer_spam"] == 1


async def test_bad_rules_are_refused(migrated: Settings) -> None:
    with pytest.raises(SiteError, match="CIDR"):
        await add_sites(migrated, "bad.example", excluded_ips=["10.0.0.0/33"])
    with pytest.raises(SiteError, match="path"):
        await add_sites(migrated, "bad.example", excluded_paths=["admin"])


def test_rule_matching_units() -> None:
    assert host_allowed("a.b.example", ["*.example"]) and not host_allowed("example", ["*.example"])
    assert ip_excluded("::ffff:10.0.0.1", ("10.0.0.0/8",))  # IPv4 through an IPv6 socket
    assert not ip_excluded("not-an-ip", ("10.0.0.0/8",))
    spam = SpamList.load()
    assert spam.is_spam("http://sub.darodar.com/") and not spam.is_spam("https://google.com/")
    assert not spam.is_spam("") and len(spam.domains) > 40
